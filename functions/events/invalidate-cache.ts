import { invalidateCache, type CacheKind } from '#shared/abhi/cache';
import { eventConsumer } from '#shared/events/consumer';
import type { DomainEvent } from '#shared/events/types';
import { logger } from '#shared/observability';
import { abhiResponseCache } from '#shared/wiring/abhi-cache';

/**
 * Consumer of the `cache-invalidation` queue: drops the cached Abhi reads a change made stale, for every instance of
 * the fleet (the Abhi client's cache lives in the state table; the keys are the client's, see abhi/cache.ts). The writer's own Abhi client already invalidated its entries at once
 * (no stale read of one's own write); this covers changes that reached Abhi another way and the derived entries.
 */
export function cacheEntriesFor(event: DomainEvent): { kind: CacheKind; key?: string }[] {
  const employeeId = typeof event.payload.employeeId === 'string' ? event.payload.employeeId : undefined;
  switch (event.type) {
    // A new employee has nothing cached yet (the cache is keyed by id).
    case 'employee.updated':
    case 'employee.deleted':
      return employeeId ? [{ kind: 'employee', key: employeeId }] : [];
    case 'organization.created':
    case 'organization.updated':
      return [{ kind: 'organizations' }];
    case 'transaction.advance.created':
    case 'transaction.repayment.created':
      return employeeId
        ? [
            { kind: 'balance', key: `${employeeId}#` },
            { kind: 'outstanding', key: `${employeeId}#` },
            { kind: 'outstanding', key: '*#' },
          ]
        : [{ kind: 'balance' }, { kind: 'outstanding' }];
    default:
      return [];
  }
}

// Dropping a cache entry twice is harmless, so redeliveries need no dedupe record.
export const handler = eventConsumer(
  'invalidate-cache',
  async (event) => {
    const entries = cacheEntriesFor(event);
    if (entries.length === 0) {
      logger.debug('Nothing cached depends on this event', { type: event.type });
      return;
    }
    await Promise.all(entries.map((entry) => invalidateCache(abhiResponseCache(), entry.kind, entry.key)));
  },
  { dedupe: false },
);
