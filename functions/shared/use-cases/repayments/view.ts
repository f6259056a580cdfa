import type { RepaymentView } from '#shared/schemas/transactions';
import type { RepaymentRow } from '../ports/repayment-store';
import { decimalToNumber } from '../advances/view';

export function toRepaymentView(row: RepaymentRow, outstanding: string): RepaymentView {
  return {
    id: row.id,
    type: 'repayment',
    organizationId: row.organization_id,
    employeeId: row.employee_id,
    transactionId: row.transaction_id,
    clientRepaymentReferenceNumber: row.client_reference,
    amount: decimalToNumber(row.amount),
    status: row.status,
    abhiRepaymentId: row.abhi_repayment_id,
    description: row.description,
    paymentMethod: row.payment_method,
    failureReason: row.failure_reason,
    outstandingAmount: decimalToNumber(outstanding),
    createdAt: new Date(row.created_at).toISOString(),
  };
}
