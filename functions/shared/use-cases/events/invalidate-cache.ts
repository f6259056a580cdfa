import type { CacheKind } from '#shared/abhi/cache';
import type { ResponseCache } from '#shared/abhi/ports';
import type { DomainEvent } from '#shared/events/types';

/**
 * Which cached Abhi reads an event made stale (the keys are the Abhi client's, see abhi/cache.ts). The writer's own
 * Abhi client already invalidated its entries at once (no stale read of one's own write); this covers changes that
 * reached Abhi another way and the derived entries.
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

/** Drops, for every instance of the fleet, the cached reads the event made stale; returns how many kinds/keys. */
export async function invalidateStaleReads(cache: ResponseCache, event: DomainEvent): Promise<number> {
  const entries = cacheEntriesFor(event);
  await Promise.all(entries.map((entry) => cache.invalidate(entry.kind, entry.key)));
  return entries.length;
}
