import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { loadConfig, envVar } from '#shared/config';
import { aesGcmCipher, type FieldCipher, type Keyring } from './field-cipher';

/**
 * The field cipher with its keys from Secrets Manager (`DATA_KEY_SECRET_ID`). The cipher itself, the key ids and the
 * masking helpers are in `./field-cipher` (no AWS dependency), re-exported here.
 */
export * from './field-cipher';

const KEY_CACHE_SECONDS = 300;

let secretId: string | undefined;
let cached: { keyring: Promise<Keyring>; until: number } | undefined;

/**
 * The data keys from Secrets Manager through Powertools (cached `KEY_CACHE_SECONDS`), kept decoded in memory for the
 * same time so the hot path (every field of a bulk import) does no lookup at all. The read in flight is shared: a
 * thousand fields encrypted at once cause one Secrets Manager call, not a thousand.
 */
export function dataKeysFromSecretsManager(): Promise<Keyring> {
  if (cached && cached.until > Date.now()) return cached.keyring;
  const keyring = readDataKeys();
  cached = { keyring, until: Date.now() + KEY_CACHE_SECONDS * 1000 };
  // A failed read is not cached: the next call tries again.
  keyring.catch(() => {
    if (cached?.keyring === keyring) cached = undefined;
  });
  return keyring;
}

async function readDataKeys(): Promise<Keyring> {
  const DATA_KEY_SECRET_ID = (secretId ??= loadConfig({ DATA_KEY_SECRET_ID: envVar.text() }).DATA_KEY_SECRET_ID);
  const secret = await getSecret<{ key?: unknown; previousKeys?: unknown }>(DATA_KEY_SECRET_ID, { transform: 'json', maxAge: KEY_CACHE_SECONDS });
  const decode = (value: unknown): Buffer => {
    const key = typeof value === 'string' ? Buffer.from(value, 'base64') : Buffer.alloc(0);
    if (key.length !== 32) {
      throw new Error(`Secret ${DATA_KEY_SECRET_ID} must be JSON {"key": "<base64 of 32 random bytes>"}; generate one with \`openssl rand -base64 32\`.`);
    }
    return key;
  };
  const value = secret && typeof secret === 'object' ? secret : {};
  return {
    current: decode(value.key),
    previous: Array.isArray(value.previousKeys) ? value.previousKeys.map(decode) : [],
  };
}

let defaultCipher: FieldCipher | undefined;

/** The process-wide cipher with the keys from Secrets Manager. */
export function fieldCipher(): FieldCipher {
  defaultCipher ??= aesGcmCipher(dataKeysFromSecretsManager);
  return defaultCipher;
}

