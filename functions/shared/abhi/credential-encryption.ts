import { createCipheriv, createDecipheriv, createHash, randomBytes, scrypt as scryptCallback, type ScryptOptions } from 'node:crypto';

/**
 * Encryption for Abhi credentials kept anywhere but Secrets Manager (the fleet's access token in the DynamoDB state
 * table, the generated admin/operator passwords and MFA secrets returned by organization create, if a caller stores
 * them). Reference §5 describes the SDK's scheme; this one keeps its cipher and deliberately differs elsewhere:
 *
 * | SDK (`CredentialEncryption`)                         | here                                                        |
 * |------------------------------------------------------|-------------------------------------------------------------|
 * | key = SHA-256(password): no KDF, no salt, no cost    | key = scrypt(passphrase, salt, N=2^15, r=8, p=1), 32 bytes  |
 * | 32-byte salt stored but never used                   | 16-byte random salt per value, used, stored alongside       |
 * | AES-256-GCM, 12-byte nonce, 16-byte tag, no AAD      | same cipher; optional AAD binds a value to its purpose      |
 * | base64url WITH padding of nonce‖ct‖tag               | versioned text `abhi-enc:v1:scrypt:N:r:p:salt:nonce‖ct‖tag` |
 * |                                                      | (base64url without padding), KDF parameters self-described  |
 * | "" encrypts to "" (unauthenticated empty value)      | "" is encrypted and authenticated like any other value      |
 *
 * So values are NOT interchangeable with the SDK's. Tampering with any part (salt, nonce, ciphertext, tag, AAD,
 * parameters) fails authentication and throws `CredentialDecryptionError`.
 */
export class CredentialDecryptionError extends Error {
  override readonly name = 'CredentialDecryptionError';
}

export interface ScryptParameters {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

export const DEFAULT_SCRYPT: ScryptParameters = { N: 2 ** 15, r: 8, p: 1 };
const PREFIX = 'abhi-enc';
const VERSION = 'v1';
const SALT_BYTES = 16;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/** Derived keys by (passphrase digest, salt, params): deriving is deliberately slow, reading the same value is not. */
const keyCache = new Map<string, Promise<Buffer>>();
const KEY_CACHE_LIMIT = 64;

function deriveKey(passphrase: string, salt: Buffer, params: ScryptParameters): Promise<Buffer> {
  const cacheKey = `${createHash('sha256').update(passphrase).digest('base64')}|${salt.toString('base64')}|${params.N}|${params.r}|${params.p}`;
  let key = keyCache.get(cacheKey);
  if (!key) {
    const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 };
    key = new Promise<Buffer>((resolve, reject) =>
      scryptCallback(passphrase, salt, KEY_BYTES, options, (error, derived) => (error ? reject(error) : resolve(derived))),
    );
    key.catch(() => keyCache.delete(cacheKey));
    if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.delete(keyCache.keys().next().value!);
    keyCache.set(cacheKey, key);
  }
  return key;
}

/** Encrypts `plaintext` under `passphrase` with a fresh salt and nonce. `aad` (if given) must match on decryption. */
export async function encryptCredential(
  plaintext: string,
  passphrase: string,
  options: { aad?: string; scrypt?: ScryptParameters } = {},
): Promise<string> {
  if (!passphrase) throw new RangeError('An encryption passphrase is required.');
  const params = options.scrypt ?? DEFAULT_SCRYPT;
  const salt = randomBytes(SALT_BYTES);
  const nonce = randomBytes(NONCE_BYTES);
  const key = await deriveKey(passphrase, salt, params);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  if (options.aad !== undefined) cipher.setAAD(Buffer.from(options.aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const payload = Buffer.concat([nonce, ciphertext, cipher.getAuthTag()]);
  return [PREFIX, VERSION, 'scrypt', params.N, params.r, params.p, salt.toString('base64url'), payload.toString('base64url')].join(':');
}

export async function decryptCredential(sealed: string, passphrase: string, options: { aad?: string } = {}): Promise<string> {
  const parts = sealed.split(':');
  if (parts.length !== 8 || parts[0] !== PREFIX || parts[1] !== VERSION || parts[2] !== 'scrypt') {
    throw new CredentialDecryptionError('Not an encrypted credential of a known format.');
  }
  const [N, r, p] = [Number(parts[3]), Number(parts[4]), Number(parts[5])];
  // Bound the parameters an attacker-controlled value could ask for (memory ≈ 128·N·r bytes).
  if (![N, r, p].every(Number.isInteger) || N < 2 || N > 2 ** 20 || (N & (N - 1)) !== 0 || r < 1 || r > 32 || p < 1 || p > 16) {
    throw new CredentialDecryptionError('Encrypted credential has unacceptable KDF parameters.');
  }
  const salt = Buffer.from(parts[6]!, 'base64url');
  const payload = Buffer.from(parts[7]!, 'base64url');
  if (salt.length !== SALT_BYTES || payload.length < NONCE_BYTES + TAG_BYTES) throw new CredentialDecryptionError('Encrypted credential is truncated.');
  const key = await deriveKey(passphrase, salt, { N, r, p });
  const nonce = payload.subarray(0, NONCE_BYTES);
  const tag = payload.subarray(payload.length - TAG_BYTES);
  const ciphertext = payload.subarray(NONCE_BYTES, payload.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    if (options.aad !== undefined) decipher.setAAD(Buffer.from(options.aad, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  } catch {
    throw new CredentialDecryptionError('Encrypted credential failed authentication (wrong passphrase or tampered value).');
  }
}

/** The SDK's `SecureCredentials` record, with a salt that is actually used (one per field, inside each value). */
export interface SecureCredentials {
  readonly encrypted_username: string;
  readonly encrypted_password: string;
}

export async function encryptCredentials(
  credentials: { username: string; password: string },
  passphrase: string,
  options: { scrypt?: ScryptParameters } = {},
): Promise<SecureCredentials> {
  const [encrypted_username, encrypted_password] = await Promise.all([
    encryptCredential(credentials.username, passphrase, { aad: 'username', scrypt: options.scrypt }),
    encryptCredential(credentials.password, passphrase, { aad: 'password', scrypt: options.scrypt }),
  ]);
  return { encrypted_username, encrypted_password };
}

export async function decryptCredentials(record: SecureCredentials, passphrase: string): Promise<{ username: string; password: string }> {
  const [username, password] = await Promise.all([
    decryptCredential(record.encrypted_username, passphrase, { aad: 'username' }),
    decryptCredential(record.encrypted_password, passphrase, { aad: 'password' }),
  ]);
  return { username, password };
}
