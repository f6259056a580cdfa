/** Abhi's monthly balance as the balance route caches it; the advance request's pre-check reads the same entry. */
export interface CachedBalance {
  fetchedAt: string;
  month: number;
  year: number;
  available: string;
  used: string | null;
  gross: string | null;
  net: string | null;
}

export function balanceCacheKey(employeeId: string, year: number, month: number): string {
  return `balance#${employeeId}#${year}-${String(month).padStart(2, '0')}`;
}
