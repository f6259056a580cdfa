import type { ApprovalReminderStore } from '../ports/advance-request-store';
import type { TransactionDeps } from './ports';
import { decimalToNumber } from './view';

/** The reminder schedule's ports: the claim, one transaction, the outbox. */
export type ApprovalReminderDeps = Pick<TransactionDeps, 'transaction' | 'events'> & { readonly approvalReminders: ApprovalReminderStore };

/**
 * Reminds the approvers once of each advance still waiting for them when less than `leadSeconds` of its approval
 * window is left (`transaction.advance.approval_reminder` through the outbox; the notifications consumer asks the
 * approvers' mailbox in the organization's language). The reminder mark and the event commit together.
 */
export async function remindApprovers(deps: ApprovalReminderDeps, input: { leadSeconds: number; limit?: number }): Promise<number> {
  const eventIds = await deps.transaction(async (db) => {
    const rows = await deps.approvalReminders.markDueForReminder(db, input.leadSeconds, input.limit ?? 500);
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
