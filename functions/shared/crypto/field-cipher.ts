import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Application-level encryption of personal data (account numbers, Emirates IDs, Abhi portal credentials) with
 * AES-256-GCM.
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
export type EncryptedField = 'account_number' | 'emirates_id' | 'portal_credentials';

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

const VERSION = 'v1';

/** A short, non-secret fingerprint naming a key in stored values. */
export function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, 8);
}

export function aesGcmCipher(loadKeys: () => Promise<Keyring | Buffer>): FieldCipher {
  const keyring = async (): Promise<Keyring> => {
    const loaded = await loadKeys();
    return Buffer.isBuffer(loaded) ? { current: loaded, previous: [] } : loaded;
  };
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
      if (version !== VERSION || !kid || !nonce || ciphertext === undefined || !tag) throw new Error('Unrecognised encrypted field format.');
      const { current, previous } = await keyring();
      const key = [current, ...previous].find((candidate) => keyId(candidate) === kid);
      if (!key) throw new Error(`The key ${kid} that sealed this value is not in the data key secret (add it to previousKeys).`);
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(nonce, 'base64url'));
      decipher.setAAD(Buffer.from(field));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
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
