import type { Queryable } from '#shared/db/pool';
import type { AdvanceStatusPollStore } from '#shared/use-cases/ports/advance-status-poll-store';

/**
 * The status-poll bookkeeping of advances created at Abhi (migration 1732400000000): how many times Abhi was asked,
 * when to ask next, when we gave up. An advance is due when it is COMPLETED here, Abhi's last status is not final,
 * and its next poll (at first: `completed_at` + the first delay) has come.
 */
export async function claimDueStatusPolls(
  db: Queryable,
  input: { finalStatuses: readonly string[]; firstDelaySeconds: number; limit: number; leaseSeconds: number },
): Promise<string[]> {
  // The lease moves the next poll out of reach of the next run while the queue carries this one.
  const { rows } = await db.query<{ id: string }>(
    `WITH due AS (
       SELECT id FROM advance_requests
       WHERE status = 'COMPLETED' AND abhi_transaction_id IS NOT NULL AND abhi_poll_exhausted_at IS NULL
         AND (abhi_status IS NULL OR lower(abhi_status) <> ALL($1::text[]))
         AND COALESCE(abhi_next_poll_at, completed_at) <= now() - CASE WHEN abhi_next_poll_at IS NULL THEN make_interval(secs => $2) ELSE interval '0' END
       ORDER BY COALESCE(abhi_next_poll_at, completed_at)
       LIMIT $3
       FOR UPDATE SKIP LOCKED)
     UPDATE advance_requests a SET abhi_next_poll_at = now() + make_interval(secs => $4)
     FROM due WHERE a.id = due.id
     RETURNING a.id`,
    [[...input.finalStatuses], input.firstDelaySeconds, input.limit, input.leaseSeconds],
  );
  return rows.map((r) => r.id);
}

export async function statusPollCount(db: Queryable, requestId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT abhi_poll_count AS n FROM advance_requests WHERE id = $1`, [requestId]);
  return Number(rows[0]?.n ?? 0);
}

/** Notes one more poll and when the next is due; `nextInSeconds` null: no more polls (final, or given up). */
export async function recordStatusPoll(db: Queryable, requestId: string, input: { count: number; nextInSeconds: number | null; exhausted: boolean }): Promise<void> {
  await db.query(
    `UPDATE advance_requests SET abhi_poll_count = $2,
       abhi_next_poll_at = CASE WHEN $3::double precision IS NULL THEN NULL ELSE now() + make_interval(secs => $3::double precision) END,
       abhi_poll_exhausted_at = CASE WHEN $4 THEN now() ELSE abhi_poll_exhausted_at END
     WHERE id = $1`,
    [requestId, input.count, input.nextInSeconds, input.exhausted],
  );
}

/** The status-poll bookkeeping in PostgreSQL, as the use cases' port. */
export const postgresStatusPolls: AdvanceStatusPollStore = {
  claimDue: claimDueStatusPolls,
  count: statusPollCount,
  record: recordStatusPoll,
};
