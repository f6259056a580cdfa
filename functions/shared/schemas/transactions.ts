import * as z from '#shared/zod';
import { builtOnce, named } from './catalog';
import { amount, isoDate, isoDateTime, money, pageOf, paginationShape, resourceId, text } from './common';
import { ADVANCE_STATUSES as ADVANCE_STATUS_VALUES } from '#shared/domain/advance-status';

/**
 * Request and response schemas of the transaction, repayment and webhook routes. The route table names them (the
 * catalogue at the end), the handlers validate with them and the OpenAPI document shows them.
 */

export const REPAYMENT_STATUS_VALUES = ['PENDING', 'COMPLETED', 'FAILED'] as const;

const employeeId = () => resourceId('an employee');
const description = () => text(500).check(z.meta({ description: 'Free text (at most 500 characters)', example: 'Rent' }));

// ---- requests ---------------------------------------------------------------------------------------------------

export const requestAdvanceBody = z
  .strictObject({ employeeId: employeeId(), amount: amount(), description: z.optional(description()) })
  .check(z.meta({ description: 'A salary advance request' }));
export type RequestAdvanceBody = z.infer<typeof requestAdvanceBody>;

export const validateAdvanceBody = z
  .strictObject({ employeeId: employeeId(), amount: amount() })
  .check(z.meta({ description: 'An amount to check for an employee' }));
export type ValidateAdvanceBody = z.infer<typeof validateAdvanceBody>;

export const updateStatusBody = z
  .strictObject({
    action: z.enum(['approve', 'reject', 'cancel']).check(z.meta({ description: 'approve/reject: a finance manager or admin of the organization (not the requester); cancel: the requester, while pending' })),
    reason: z.optional(text(500)).check(z.meta({ description: 'Why (recorded in the history)', example: 'Within budget' })),
  })
  .check(z.meta({ description: 'A decision on a pending advance request' }));
export type UpdateStatusBody = z.infer<typeof updateStatusBody>;

export const transactionIdParams = z.strictObject({ id: resourceId('a transaction (request id or Abhi transaction id)') });
export const employeeIdParams = z.strictObject({ employeeId: employeeId() });

const statusFilter = z
  .optional(z.string().check(z.trim(), z.regex(/^[A-Za-z_]{1,32}$/, 'Expected a status such as COMPLETED.')))
  .check(z.meta({ description: `Advance status (${ADVANCE_STATUS_VALUES.join(', ')}) or repayment status (${REPAYMENT_STATUS_VALUES.join(', ')})` }));
const typeFilter = z.optional(z.enum(['advance', 'repayment'])).check(z.meta({ description: 'advance or repayment' }));

export const listTransactionsQuery = z
  .strictObject({
    ...paginationShape,
    status: statusFilter,
    type: typeFilter,
    startDate: z.optional(isoDate()).check(z.meta({ description: 'Only transactions on or after this day (UAE date)' })),
    endDate: z.optional(isoDate()).check(z.meta({ description: 'Only transactions on or before this day (UAE date)' })),
    employeeCode: z.optional(text(64)).check(z.meta({ description: "Only this employee's transactions (the employer's employee code)", example: 'EMP-0001' })),
    department: z.optional(text(100)).check(z.meta({ description: 'Only employees of this department', example: 'Finance' })),
  })
  .check(z.refine((q) => !q.startDate || !q.endDate || q.startDate <= q.endDate, { message: 'startDate must not be after endDate.', path: ['startDate'] }));
export type ListTransactionsQuery = z.infer<typeof listTransactionsQuery>;

export const employeeTransactionsQuery = z.strictObject({ ...paginationShape, status: statusFilter, type: typeFilter });
export type EmployeeTransactionsQuery = z.infer<typeof employeeTransactionsQuery>;

export const balanceQuery = z.strictObject({
  month: z.optional(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(12))).check(z.meta({ description: 'Month 1-12 (default: this month, UAE time)', example: 3 })),
  year: z.optional(z.coerce.number().check(z.int(), z.minimum(2000), z.maximum(2100))).check(z.meta({ description: 'Year (default: this year)', example: 2025 })),
});
export type BalanceQuery = z.infer<typeof balanceQuery>;

export const CLIENT_REFERENCE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;

export const createRepaymentBody = z
  .strictObject({
    employeeId: z.optional(employeeId()),
    transactionId: z.optional(resourceId('an advance (request id or Abhi transaction id)')),
    amount: amount(),
    clientRepaymentReferenceNumber: z
      .optional(z.string().check(z.regex(CLIENT_REFERENCE_PATTERN, 'Expected 1-64 characters of A-Z, a-z, 0-9, _ . : - (starting with a letter or digit).')))
      .check(z.meta({ description: 'Your unique reference for this repayment; generated when absent', example: 'PAYROLL-2025-03-0042' })),
    description: z.optional(description()),
    paymentMethod: z.optional(text(50)).check(z.meta({ example: 'payroll_deduction' })),
  })
  .check(
    z.refine((b) => Boolean(b.employeeId || b.transactionId), { message: 'Give employeeId or transactionId.', path: ['employeeId'] }),
    z.meta({ description: 'A repayment against an employee or one advance (employeeId or transactionId)', anyOf: [{ required: ['employeeId'] }, { required: ['transactionId'] }] }),
  );
export type CreateRepaymentBody = z.infer<typeof createRepaymentBody>;

/**
 * Abhi's webhook body (our contract; Abhi's public docs define none): `type` names the change, `data` carries the
 * ids and the new status. Unknown types are acknowledged and ignored. See docs/webhooks.md.
 */
export const abhiWebhookBody = z
  .looseObject({
    id: z.optional(z.string().check(z.maxLength(128))).check(z.meta({ description: 'Event id (the X-Abhi-Event-Id header is authoritative)' })),
    type: z.string().check(z.minLength(1), z.maxLength(100), z.meta({ description: 'transaction.status_changed or repayment.status_changed', example: 'transaction.status_changed' })),
    occurredAt: z.optional(z.string().check(z.maxLength(64))).check(z.meta({ description: 'When the change happened at Abhi (ISO 8601)' })),
    data: z.record(z.string(), z.unknown()).check(
      z.meta({
        description: 'transaction.status_changed: { transactionId, status, reason? }; repayment.status_changed: { repaymentId | clientRepaymentReferenceNumber, status }',
      }),
    ),
  })
  .check(z.meta({ description: 'A status change pushed by Abhi' }));
export type AbhiWebhookBody = z.infer<typeof abhiWebhookBody>;

/**
 * The names the route table uses for this domain's schemas, also their OpenAPI component names (ADR 0026). The answers
 * are built on first call (`builtOnce`), so a function that only validates requests neither bundles nor builds them.
 */
export const TRANSACTION_REQUESTS = named({
  RequestAdvanceRequest: requestAdvanceBody,
  ValidateAdvanceRequest: validateAdvanceBody,
  UpdateTransactionStatusRequest: updateStatusBody,
  CreateRepaymentRequest: createRepaymentBody,
  AbhiWebhookEvent: abhiWebhookBody,
  TransactionPath: transactionIdParams,
  EmployeeIdPath: employeeIdParams,
  ListTransactionsQuery: listTransactionsQuery,
  EmployeeTransactionsQuery: employeeTransactionsQuery,
  BalanceQuery: balanceQuery,
});
export function transactionResponses() {
  return builtOnce(transactionAnswers);
}

function transactionAnswers() {
  const reasonSchema = z.object({
    code: z.string().check(z.meta({ example: 'INSUFFICIENT_AVAILABLE_AMOUNT' })),
    source: z.string().check(z.meta({ description: 'policy, abhi, employee, balance, approver or system' })),
    message: z.string(),
  });

  const historyEntrySchema = z.object({
    status: z.string(),
    actor: z.string().check(z.meta({ description: 'Who made the change (subject, or "workflow"/"abhi"/"reconciliation")' })),
    reason: z.nullable(z.string()),
    at: isoDateTime(),
  });

  const advanceViewSchema = z
    .object({
      id: z.string().check(z.meta({ description: 'Request id (also the workflow execution name)' })),
      type: z.literal('advance'),
      status: z.enum(ADVANCE_STATUS_VALUES),
      organizationId: z.string(),
      employeeId: z.string(),
      amount: money('Requested amount'),
      description: z.nullable(z.string()),
      reasons: z.array(reasonSchema).check(z.meta({ description: 'Why it was rejected or failed' })),
      requestedBy: z.string(),
      decidedBy: z.nullable(z.string()),
      approvalRequired: z.boolean(),
      approvalExpiresAt: z.nullable(isoDateTime()),
      reference: z.nullable(z.string()).check(z.meta({ description: 'Our reference at Abhi (ADV-<id>)' })),
      abhiTransactionId: z.nullable(z.string()),
      abhiStatus: z.nullable(z.string()),
      processingFee: z.nullable(money('Processing fee')),
      interestRate: z.nullable(z.number()),
      repaymentAmount: z.nullable(money('Amount to repay')),
      dueDate: z.nullable(z.string()),
      createdAt: isoDateTime(),
      updatedAt: isoDateTime(),
      completedAt: z.nullable(isoDateTime()),
      history: z.array(historyEntrySchema),
    })
    .check(z.meta({ description: 'An advance request with its history' }));

  const transactionItemSchema = z.object({
    type: z.enum(['advance', 'repayment']),
    id: z.string(),
    organizationId: z.string(),
    employeeId: z.string(),
    employeeCode: z.nullable(z.string()),
    employeeName: z.nullable(z.string()),
    department: z.nullable(z.string()),
    amount: money('Amount'),
    status: z.string(),
    description: z.nullable(z.string()),
    reference: z.nullable(z.string()),
    abhiId: z.nullable(z.string()),
    processingFee: z.nullable(money('Processing fee')),
    repaymentAmount: z.nullable(money('Amount to repay')),
    dueDate: z.nullable(z.string()),
    transactionId: z.nullable(z.string()).check(z.meta({ description: 'For a repayment: the advance it repays' })),
    createdAt: isoDateTime(),
    updatedAt: isoDateTime(),
  });
  const transactionPageSchema = pageOf(transactionItemSchema, 'A page of advances and repayments, newest first');

  const balanceViewSchema = z
    .object({
      employeeId: z.string(),
      month: z.int(),
      year: z.int(),
      availableAmount: money('Available now: Abhi\'s figure minus open requests and advances completed since it was read'),
      abhiAvailableAmount: money("Abhi's available amount"),
      pendingRequestsAmount: money('Requested here and still open (not yet recorded as created at Abhi)'),
      pendingRequests: z.int(),
      usedAmount: z.nullable(money("Drawn this month: Abhi's used and pending amounts plus advances completed since its figure was read")),
      grossSalary: z.nullable(money('Gross salary')),
      netSalary: z.nullable(money('Net salary')),
      outstandingAmount: money('Owed according to the ledger'),
      asOf: isoDateTime().check(z.meta({ description: "When Abhi's figure was read (cached at most 30 s)" })),
    })
    .check(z.meta({ description: 'Monthly balance of an employee' }));

  const validationResultSchema = z
    .object({
      employeeId: z.string(),
      amount: money('Checked amount'),
      eligible: z.boolean(),
      reasons: z.array(reasonSchema),
      availableAmount: money('Available now, net of pending requests'),
      maxAmount: z.nullable(money("Abhi's maximum for this employee")),
      requiresApproval: z.boolean(),
      requiresMfa: z.boolean(),
    })
    .check(z.meta({ description: 'Whether an advance of this amount would be accepted now' }));

  const repaymentViewSchema = z
    .object({
      id: z.string(),
      type: z.literal('repayment'),
      organizationId: z.string(),
      employeeId: z.string(),
      transactionId: z.nullable(z.string()),
      clientRepaymentReferenceNumber: z.string(),
      amount: money('Repaid amount'),
      status: z.enum(REPAYMENT_STATUS_VALUES),
      abhiRepaymentId: z.nullable(z.string()),
      description: z.nullable(z.string()),
      paymentMethod: z.nullable(z.string()),
      failureReason: z.nullable(z.string()),
      outstandingAmount: money('Owed after this repayment, according to the ledger'),
      createdAt: isoDateTime(),
    })
    .check(z.meta({ description: 'A repayment' }));

  const webhookAckSchema = z.object({
    received: z.literal(true),
    duplicate: z.boolean(),
    applied: z.string().check(z.meta({ description: 'What the event changed (or why nothing)' })),
  });

  const transactionSchema = z.union([advanceViewSchema, repaymentViewSchema]).check(z.meta({ description: 'An advance request (with history) or a repayment' }));

  return named({
    Reason: reasonSchema,
    HistoryEntry: historyEntrySchema,
    Advance: advanceViewSchema,
    Repayment: repaymentViewSchema,
    Transaction: transactionSchema,
    TransactionItem: transactionItemSchema,
    TransactionPage: transactionPageSchema,
    Balance: balanceViewSchema,
    AdvanceValidation: validationResultSchema,
    WebhookAck: webhookAckSchema,
  });
}

type Answers = ReturnType<typeof transactionResponses>['schemas'];
export type AdvanceView = z.infer<Answers['Advance']>;
export type TransactionItem = z.infer<Answers['TransactionItem']>;
export type BalanceView = z.infer<Answers['Balance']>;
export type ValidationResult = z.infer<Answers['AdvanceValidation']>;
export type RepaymentView = z.infer<Answers['Repayment']>;
