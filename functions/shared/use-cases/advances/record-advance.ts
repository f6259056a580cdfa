import { filsToDecimalString, filsToNumber } from '#shared/domain/money';
import { logger } from '#shared/observability';
import type { AbhiAdvance, TransactionDeps } from './ports';
import { serializeAdvanceForStorage } from './serialization';
import { decimalToNumber } from './view';

/**
 * Records an advance Abhi holds, in ONE transaction: the ledger entries (advance, and its fee when there is one),
 * the request COMPLETED with Abhi's transaction id, fees and due date, its history row, and the outbox events
 * `transaction.advance.created` (notifies the employee) and `balance.updated`. Safe to repeat: the ledger's unique
 * (kind, Abhi reference) and the status condition make a second run a no-op. Used by the workflow, the webhook and
 * reconciliation alike.
 */
export async function recordCompletedAdvance(
  deps: Pick<TransactionDeps, 'transaction' | 'events' | 'advanceRequests' | 'ledger'>,
  input: { requestId: string; advance: AbhiAdvance; actor: string; reason?: string },
): Promise<{ status: string; recorded: boolean }> {
  const { advance } = input;
  const outcome = await deps.transaction(async (db) => {
    const row = await deps.advanceRequests.findById(db, input.requestId, { forUpdate: true });
    if (!row) throw new Error(`Advance request ${input.requestId} does not exist.`);
    if (row.status === 'COMPLETED') return { status: row.status, recorded: false, eventIds: [] as string[] };
    if (row.abhi_transaction_id && row.abhi_transaction_id !== advance.id) {
      throw new Error(`Advance request ${row.id} is linked to Abhi transaction ${row.abhi_transaction_id}, not ${advance.id}.`);
    }
    if (!row.abhi_transaction_id) {
      await deps.advanceRequests.update(db, row.id, { abhi_transaction_id: advance.id, abhi_transaction: serializeAdvanceForStorage(advance) });
    }
    if (row.status !== 'PROCESSING') {
      logger.warn('Recording an advance Abhi holds for a request that had ended', { requestId: row.id, status: row.status, actor: input.actor });
    }
    await deps.ledger.append(db, {
      organizationId: row.organization_id,
      employeeId: row.employee_id,
      kind: 'advance',
      amount: filsToDecimalString(advance.amountFils),
      advanceRequestId: row.id,
      abhiReference: advance.id,
    });
    if (advance.processingFeeFils !== undefined && advance.processingFeeFils > 0n) {
      await deps.ledger.append(db, {
        organizationId: row.organization_id,
        employeeId: row.employee_id,
        kind: 'fee',
        amount: filsToDecimalString(advance.processingFeeFils),
        advanceRequestId: row.id,
        abhiReference: advance.id,
      });
    }
    const updated = await deps.advanceRequests.transition(db, {
      id: row.id,
      from: ['PENDING_VALIDATION', 'PENDING_APPROVAL', 'PROCESSING', 'FAILED', 'EXPIRED', 'CANCELLED', 'REJECTED'],
      to: 'COMPLETED',
      actor: input.actor,
      reason: input.reason ?? `created at Abhi as ${advance.id}`,
      changes: {
        processing_fee: advance.processingFeeFils === undefined ? null : filsToDecimalString(advance.processingFeeFils),
        interest_rate: advance.interestRate ?? null,
        repayment_amount: advance.repaymentAmountFils === undefined ? null : filsToDecimalString(advance.repaymentAmountFils),
        due_date: advance.dueDate && /^\d{4}-\d{2}-\d{2}/.test(advance.dueDate) ? advance.dueDate.slice(0, 10) : null,
        abhi_status: advance.status ?? null,
        abhi_status_at: 'now()',
        completed_at: 'now()',
        task_token: null,
        recording_stuck_at: null,
        reasons: [],
      },
    });
    if (!updated) throw new Error(`Advance request ${row.id} could not be completed.`);
    const outstanding = await deps.ledger.outstanding(db, row.employee_id);
    const created = await deps.events.record(db, {
      type: 'transaction.advance.created',
      organizationId: row.organization_id,
      correlationId: row.id,
      payload: {
        requestId: row.id,
        employeeId: row.employee_id,
        abhiTransactionId: advance.id,
        amount: filsToNumber(advance.amountFils),
        processingFee: advance.processingFeeFils === undefined ? null : filsToNumber(advance.processingFeeFils),
        repaymentAmount: advance.repaymentAmountFils === undefined ? null : filsToNumber(advance.repaymentAmountFils),
        dueDate: advance.dueDate ?? null,
      },
    });
    const balance = await deps.events.record(db, {
      type: 'balance.updated',
      organizationId: row.organization_id,
      correlationId: row.id,
      payload: { employeeId: row.employee_id, outstandingAmount: decimalToNumber(outstanding), cause: 'advance', requestId: row.id },
    });
    return { status: 'COMPLETED', recorded: true, eventIds: [created.id, balance.id] };
  });
  await deps.events.publish(outcome.eventIds);
  return { status: outcome.status, recorded: outcome.recorded };
}
