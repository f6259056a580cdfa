import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Application-level encryption of personal data (account numbers, Emirates IDs, Abhi portal credentials) and of the
 * fleet's Abhi access token in the state table, with AES-256-GCM. Each use has a key of its own (least privilege:
 * a function that calls Abhi can open the token but not the personal data).
 *
 * The 32-byte key lives in Secrets Manager (`DATA_KEY_SECRET_ID`, JSON `{ "key": "<base64>" }`, optionally
 * `"previousKeys": ["<base64>", …]` during a rotation) and is cached in memory for a few minutes, so a rotated key
 * reaches warm functions without a redeploy. Each value gets a fresh 96-bit nonce and names the key it was sealed
 * with (a short fingerprint), so values written before a rotation stay readable while the previous key is listed.
 * The field name is bound in as additional authenticated data: a ciphertext copied into another column fails to
 * decrypt instead of revealing a value in the wrong place.
 *
 * Stored form: `v1.<key id>.<nonce b64url>.<ciphertext b64url>.<tag b64url>`.
 */
export type EncryptedField = 'account_number' | 'emirates_id' | 'portal_credentials' | 'abhi_access_token';

export interface FieldCipher {
  encrypt(field: EncryptedField, plaintext: string): Promise<string>;
  decrypt(field: EncryptedField, stored: string): Promise<string>;
}

export interface Keyring {
  /** Used to encrypt. */
  readonly current: Buffer;
  /** Older keys still accepted for decryption. */
  readonly previous: readonly Buffer[];
}

/** Loads the keys; `forceRefresh` bypasses any cache (once, when a value names a key the cached ring lacks). */
export type KeyLoader = (options?: { forceRefresh?: boolean }) => Promise<Keyring | Buffer>;

/**
 * A stored value that no key of the ring opens: not in this format, sealed with a key that is no longer listed, or
 * altered. Failing to load the keys is a different error (it propagates as it is): the value may be fine.
 */
export class UnreadableCiphertextError extends Error {
  override readonly name = 'UnreadableCiphertextError';
}

const VERSION = 'v1';

/** A short, non-secret fingerprint naming a key in stored values. */
export function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, 8);
}

export function aesGcmCipher(loadKeys: KeyLoader): FieldCipher {
  const keyring = async (options?: { forceRefresh?: boolean }): Promise<Keyring> => {
    const loaded = await loadKeys(options);
    return Buffer.isBuffer(loaded) ? { current: loaded, previous: [] } : loaded;
  };
  const keyNamed = (ring: Keyring, kid: string) => [ring.current, ...ring.previous].find((candidate) => keyId(candidate) === kid);
  return {
    async encrypt(field, plaintext) {
      const { current } = await keyring();
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', current, nonce);
      cipher.setAAD(Buffer.from(field));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [VERSION, keyId(current), nonce.toString('base64url'), ciphertext.toString('base64url'), tag.toString('base64url')].join('.');
    },
    async decrypt(field, stored) {
      const [version, kid, nonce, ciphertext, tag] = stored.split('.');
      if (version !== VERSION || !kid || !nonce || ciphertext === undefined || !tag) throw new UnreadableCiphertextError('Unrecognised encrypted field format.');
      // A key added by a rotation reaches this instance's cached ring only later: re-read the ring once.
      const key = keyNamed(await keyring(), kid) ?? keyNamed(await keyring({ forceRefresh: true }), kid);
      if (!key) throw new UnreadableCiphertextError(`The key ${kid} that sealed this value is not in the key secret (add it to previousKeys).`);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(nonce, 'base64url'));
        decipher.setAAD(Buffer.from(field));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
      } catch (error) {
        throw new UnreadableCiphertextError(`This ${field} value does not authenticate under key ${kid}: it was altered or belongs to another field.`, { cause: error });
      }
    },
  };
}

/** Last four characters of the digits (what the masked form shows and what is stored in clear). */
export function lastFour(value: string): string {
  const digits = value.replace(/\D/g, '');
  return (digits || value).slice(-4);
}

/** `"****1234"`: the only form an account number ever leaves the API in. */
export function maskAccountNumber(last4: string | null | undefined): string | null {
  if (!last4) return null;
  return `****${last4.slice(-4)}`;
}

/** `"784-****-*******-1"`: country prefix and check digit only (the prefix is 784 for every UAE identity card). */
export function maskEmiratesId(last4: string | null | undefined): string | null {
  if (!last4) return null;
  return `784-****-*******-${last4.slice(-1)}`;
}
