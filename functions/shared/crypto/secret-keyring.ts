import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import type { Keyring, KeyLoader } from './field-cipher';

/**
 * Key rings kept in Secrets Manager, for the field cipher (`./field-cipher`): the data key (`./field-encryption`) and
 * the Abhi token key (`#shared/abhi/client`). A module of its own, so reaching the token key's loader does not look
 * like reaching the data key (test/infra/function-access.test.ts).
 */
const KEY_CACHE_SECONDS = 300;

/** A forced re-read (a value names a key this ring lacks) at most this often per ring, so unreadable rows cannot hammer Secrets Manager. */
const FORCED_READ_INTERVAL_MS = 30_000;

const rings = new Map<string, { keyring: Promise<Keyring>; until: number }>();
const forcedAt = new Map<string, number>();

/**
 * The key ring in secret `secretId` (JSON `{"key": "<base64 of 32 bytes>", "previousKeys"?: [...]}`) through
 * Powertools (cached `KEY_CACHE_SECONDS`), kept decoded in memory for the same time so the hot path (every field of
 * a bulk import) does no lookup at all. The read in flight is shared: a thousand fields encrypted at once cause one
 * Secrets Manager call, not a thousand.
 */
export function keyringFromSecretsManager(secretId: string): KeyLoader {
  return (options) => {
    const cached = rings.get(secretId);
    const now = Date.now();
    const force = (options?.forceRefresh ?? false) && now - (forcedAt.get(secretId) ?? -Infinity) >= FORCED_READ_INTERVAL_MS;
    if (!force && cached && cached.until > now) return cached.keyring;
    if (force) forcedAt.set(secretId, now);
    const keyring = readKeyring(secretId, force);
    rings.set(secretId, { keyring, until: now + KEY_CACHE_SECONDS * 1000 });
    // A failed read is not cached: the next call tries again.
    keyring.catch(() => {
      if (rings.get(secretId)?.keyring === keyring) rings.delete(secretId);
    });
    return keyring;
  };
}

async function readKeyring(secretId: string, forceFetch: boolean): Promise<Keyring> {
  const secret = await getSecret<{ key?: unknown; previousKeys?: unknown }>(secretId, { transform: 'json', maxAge: KEY_CACHE_SECONDS, forceFetch });
  const decode = (value: unknown): Buffer => {
    const key = typeof value === 'string' ? Buffer.from(value, 'base64') : Buffer.alloc(0);
    if (key.length !== 32) {
      throw new Error(`Secret ${secretId} must be JSON {"key": "<base64 of 32 random bytes>"}; generate one with \`openssl rand -base64 32\`.`);
    }
    return key;
  };
  const value = secret && typeof secret === 'object' ? secret : {};
  return {
    current: decode(value.key),
    previous: Array.isArray(value.previousKeys) ? value.previousKeys.map(decode) : [],
  };
}
