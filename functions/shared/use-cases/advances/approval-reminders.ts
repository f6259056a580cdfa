import type { TransactionDeps } from './ports';
import { decimalToNumber } from './view';

/**
 * Reminds the approvers once of each advance still waiting for them when less than `leadSeconds` of its approval
 * window is left (`transaction.advance.approval_reminder` through the outbox; the notifications consumer asks the
 * approvers' mailbox in the organization's language). The reminder mark and the event commit together.
 */
export async function remindApprovers(deps: TransactionDeps, input: { leadSeconds: number; limit?: number }): Promise<number> {
  const eventIds = await deps.transaction(async (db) => {
    const { rows } = await db.query<{ id: string; organization_id: string; employee_id: string; amount: string; approval_expires_at: Date }>(
      `UPDATE advance_requests SET approval_reminded_at = now()
       WHERE id IN (
         SELECT id FROM advance_requests
         WHERE status = 'PENDING_APPROVAL' AND approval_reminded_at IS NULL
           AND approval_expires_at > now() AND approval_expires_at <= now() + make_interval(secs => $1)
         ORDER BY approval_expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING id, organization_id, employee_id, amount::text AS amount, approval_expires_at`,
      [input.leadSeconds, input.limit ?? 500],
    );
    const ids: string[] = [];
    for (const row of rows) {
      const event = await deps.events.record(db, {
        type: 'transaction.advance.approval_reminder',
        organizationId: row.organization_id,
        correlationId: row.id,
        payload: { requestId: row.id, employeeId: row.employee_id, amount: decimalToNumber(row.amount), expiresAt: new Date(row.approval_expires_at).toISOString() },
      });
      ids.push(event.id);
    }
    return ids;
  });
  await deps.events.publish(eventIds);
  return eventIds.length;
}
