import { toFils, type Fils } from '#shared/domain/money';
import type { TransactionDeps } from './ports';

/** Abhi's monthly balance as the balance route caches it; the advance request's pre-check reads the same entry. */
export interface CachedBalance {
  fetchedAt: string;
  /** The database clock just before Abhi was asked (entries without it fall back to `fetchedAt`). */
  snapshotAt?: string;
  month: number;
  year: number;
  available: string;
  used: string | null;
  /** Abhi's pending amount: advances Abhi holds but has not paid out yet. */
  pending?: string | null;
  gross: string | null;
  net: string | null;
}

export function balanceCacheKey(employeeId: string, year: number, month: number): string {
  return `balance#${employeeId}#${year}-${String(month).padStart(2, '0')}`;
}

export interface NetBalance {
  /** Abhi's available amount less open requests and advances completed since the figure was read (never below 0). */
  availableFils: Fils;
  /** Drawn this month: what Abhi's figure holds (used and pending) plus advances completed here since it was read. */
  usedFils: Fils | null;
  openFils: Fils;
  openCount: number;
}

/**
 * Abhi's cached figure brought up to date with the ledger of requests (issue #17): an advance that completed after
 * the figure was read moves from "requested" to "drawn" at once, without waiting for the cache or a sync. Only the
 * current month has requests Abhi's figure may miss.
 */
export async function netOfRequests(
  deps: Pick<TransactionDeps, 'db' | 'advanceRequests'>,
  employeeId: string,
  cached: CachedBalance,
  isCurrentMonth: boolean,
): Promise<NetBalance> {
  const since = isCurrentMonth
    ? await deps.advanceRequests.sinceSnapshot(deps.db, employeeId, new Date(cached.snapshotAt ?? cached.fetchedAt))
    : { openTotal: '0', openCount: 0, completedTotal: '0' };
  const completedFils = toFils(since.completedTotal);
  const openFils = toFils(since.openTotal);
  const net = toFils(cached.available) - openFils - completedFils;
  const abhiDrawn = cached.used === null && (cached.pending ?? null) === null ? null : toFils(cached.used ?? '0') + toFils(cached.pending ?? '0');
  return {
    availableFils: net > 0n ? net : 0n,
    usedFils: abhiDrawn === null && completedFils === 0n ? null : (abhiDrawn ?? 0n) + completedFils,
    openFils,
    openCount: since.openCount,
  };
}
