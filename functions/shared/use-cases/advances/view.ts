import { toFils, filsToNumber } from '#shared/domain/money';
import type { AdvanceView } from '#shared/schemas/transactions';
import type { AdvanceRequestRow, HistoryRow } from '../ports/advance-request-store';
import type { TransactionDeps } from './ports';

/** Decimal text from PostgreSQL (NUMERIC) → the JSON number of the API, exactly (via fils). */
export function decimalToNumber(value: string): number {
  return filsToNumber(toFils(value));
}

export function nullableDecimal(value: string | null): number | null {
  return value === null ? null : decimalToNumber(value);
}

export function toAdvanceView(row: AdvanceRequestRow, history: readonly HistoryRow[]): AdvanceView {
  return {
    id: row.id,
    type: 'advance',
    status: row.status,
    organizationId: row.organization_id,
    employeeId: row.employee_id,
    amount: decimalToNumber(row.amount),
    description: row.description,
    reasons: (row.reasons ?? []).map((r) => ({ code: String(r.code), source: String(r.source), message: String(r.message) })),
    requestedBy: row.requested_by,
    decidedBy: row.decided_by,
    approvalRequired: row.approval_required,
    approvalExpiresAt: row.approval_expires_at ? new Date(row.approval_expires_at).toISOString() : null,
    reference: row.abhi_reference,
    abhiTransactionId: row.abhi_transaction_id,
    abhiStatus: row.abhi_status,
    processingFee: nullableDecimal(row.processing_fee),
    interestRate: row.interest_rate === null ? null : Number(row.interest_rate),
    repaymentAmount: nullableDecimal(row.repayment_amount),
    dueDate: row.due_date,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
    completedAt: row.completed_at ? new Date(row.completed_at).toISOString() : null,
    history: history.map((h) => ({ status: h.status, actor: h.actor, reason: h.reason, at: new Date(h.occurred_at).toISOString() })),
  };
}

export async function loadAdvanceView(deps: Pick<TransactionDeps, 'db' | 'advanceRequests'>, row: AdvanceRequestRow): Promise<AdvanceView> {
  const history = await deps.advanceRequests.history(deps.db, [row.id]);
  return toAdvanceView(row, history.get(row.id) ?? []);
}
