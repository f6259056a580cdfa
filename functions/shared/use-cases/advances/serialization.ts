import { filsToDecimalString, toFils } from '#shared/domain/money';
import type { AbhiAdvance } from './ports';

/** Abhi's advance as kept on the request row (jsonb): amounts as decimal text, so recording can be retried exactly. */
export function serializeAdvanceForStorage(advance: AbhiAdvance): Record<string, unknown> {
  return {
    id: advance.id,
    employeeId: advance.employeeId,
    amount: filsToDecimalString(advance.amountFils),
    status: advance.status ?? null,
    reference: advance.reference ?? null,
    processingFee: advance.processingFeeFils === undefined ? null : filsToDecimalString(advance.processingFeeFils),
    interestRate: advance.interestRate ?? null,
    repaymentAmount: advance.repaymentAmountFils === undefined ? null : filsToDecimalString(advance.repaymentAmountFils),
    dueDate: advance.dueDate ?? null,
    requestedAt: advance.requestedAt ?? null,
    processedAt: advance.processedAt ?? null,
  };
}

export function deserializeStoredAdvance(stored: Record<string, unknown>): AbhiAdvance {
  const fils = (v: unknown) => (typeof v === 'string' && v !== '' ? toFils(v) : undefined);
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  return {
    id: String(stored.id),
    employeeId: String(stored.employeeId),
    amountFils: toFils(String(stored.amount)),
    status: text(stored.status),
    reference: text(stored.reference),
    processingFeeFils: fils(stored.processingFee),
    interestRate: typeof stored.interestRate === 'number' ? stored.interestRate : undefined,
    repaymentAmountFils: fils(stored.repaymentAmount),
    dueDate: text(stored.dueDate),
    requestedAt: text(stored.requestedAt),
    processedAt: text(stored.processedAt),
  };
}
