import type { ResponseCache } from './ports';

/**
 * Read endpoints cached in the state table (`CACHE#<kind>` / `<key>`, TTL `expiresAt`, expired items filtered on
 * read). Writes through the client invalidate what they make stale; other writers (webhooks, the cache-invalidation
 * queue) call `invalidate(kind, key?)`.
 *
 * | kind              | endpoints                                  | TTL    | key                        |
 * |-------------------|--------------------------------------------|--------|----------------------------|
 * | banks             | GET /banks, /banks/{id}                    | 1 h    | `list?<query>`, `id:<id>`  |
 * | businessTypes     | GET /business, /business/{id}              | 1 h    | `list?<query>`, `id:<id>`  |
 * | organizations     | GET /organizations, /organizations/{id}    | 30 min | `list?<query>`, `id:<id>`  |
 * | employee          | GET /employees/{id}                        | 5 min  | `<employeeId>`             |
 * | balance           | GET /transactions/employee/{id}/balance    | 30 s   | `<employeeId>#<year>-<month>` |
 * | transactionStatus | GET …/employee|employer/{txId}/status      | 30 s   | `<transactionId>#<side>`   |
 * | outstanding       | GET /repayments/outstanding                | 30 s   | `<employeeId or *>#<query>` |
 *
 * Balances and statuses are never served older than 30 s (their TTL cannot be configured above that).
 */
export const CACHE_TTL_MS = {
  banks: 3_600_000,
  businessTypes: 3_600_000,
  organizations: 1_800_000,
  employee: 300_000,
  balance: 30_000,
  transactionStatus: 30_000,
  outstanding: 30_000,
} as const;

export type CacheKind = keyof typeof CACHE_TTL_MS;
export const CACHE_KINDS = Object.keys(CACHE_TTL_MS) as CacheKind[];

const FRESHNESS_CAP_MS: Partial<Record<CacheKind, number>> = { balance: 30_000, transactionStatus: 30_000, outstanding: 30_000 };

export function cacheTtlMs(kind: CacheKind, overrides: Partial<Record<CacheKind, number>> = {}): number {
  const ttl = overrides[kind] ?? CACHE_TTL_MS[kind];
  const cap = FRESHNESS_CAP_MS[kind];
  return cap === undefined ? ttl : Math.min(ttl, cap);
}

/** Drops cached reads of `kind` (all of them, or those whose key starts with `key`). */
export function invalidateCache(cache: ResponseCache, kind: CacheKind, key?: string): Promise<void> {
  return cache.invalidate(kind, key);
}
