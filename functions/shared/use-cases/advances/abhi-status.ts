/** Abhi's transaction statuses are free strings (reference §7); these mean the money did not (or no longer) move. */
const FAILURE_STATUSES = new Set(['failed', 'rejected', 'cancelled', 'canceled', 'reversed', 'declined', 'void', 'voided']);

/** Statuses that say the money reached the employee, and that the advance is paid back. */
export const DISBURSED_STATUSES: ReadonlySet<string> = new Set(['completed', 'disbursed', 'paid', 'processed']);
export const SETTLED_STATUSES: ReadonlySet<string> = new Set(['repaid', 'settled', 'closed']);

/** The employee's step a new (non-failure) Abhi status of a completed advance is; failures reverse it instead. */
export function abhiStatusEventType(status: string): string {
  const normalized = status.trim().toLowerCase();
  if (DISBURSED_STATUSES.has(normalized)) return 'transaction.advance.disbursed';
  if (SETTLED_STATUSES.has(normalized)) return 'transaction.advance.repaid';
  return 'transaction.advance.status_changed';
}

export function isAbhiFailureStatus(status: string | null | undefined): boolean {
  return typeof status === 'string' && FAILURE_STATUSES.has(status.trim().toLowerCase());
}
