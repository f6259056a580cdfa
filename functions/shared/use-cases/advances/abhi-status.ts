/** Abhi's transaction statuses are free strings (reference §7); these mean the money did not (or no longer) move. */
const FAILURE_STATUSES = new Set(['failed', 'rejected', 'cancelled', 'canceled', 'reversed', 'declined', 'void', 'voided']);

export function isAbhiFailureStatus(status: string | null | undefined): boolean {
  return typeof status === 'string' && FAILURE_STATUSES.has(status.trim().toLowerCase());
}
