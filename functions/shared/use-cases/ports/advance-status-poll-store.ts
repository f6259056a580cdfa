import type { Queryable } from '#shared/db/pool';

/**
 * Port: the status-poll bookkeeping of advances created at Abhi (PostgreSQL in practice,
 * `#shared/adapters/postgres/advance-status-polls`): how many times Abhi was asked, when to ask next, when we gave up.
 */
export interface AdvanceStatusPollStore {
  /**
   * Claims up to `limit` advances whose poll is due (COMPLETED here, Abhi's last status not in `finalStatuses`, the
   * next poll — at first `completed_at` + `firstDelaySeconds` — reached), oldest first, and moves their next poll
   * `leaseSeconds` out so the next run leaves them to the queue. Returns their ids.
   */
  claimDue(db: Queryable, input: { finalStatuses: readonly string[]; firstDelaySeconds: number; limit: number; leaseSeconds: number }): Promise<string[]>;
  /** Polls made so far. */
  count(db: Queryable, requestId: string): Promise<number>;
  /** Notes one more poll and when the next is due; `nextInSeconds` null: no more polls (final, or given up). */
  record(db: Queryable, requestId: string, input: { count: number; nextInSeconds: number | null; exhausted: boolean }): Promise<void>;
}
