import * as z from 'zod';
import { named } from './catalog';
import { amount, isoDate, isoDateTime, money, pageOf, paginationShape, resourceId, text } from './common';
import { ADVANCE_STATUSES as ADVANCE_STATUS_VALUES } from '#shared/domain/advance-status';

/**
 * Request and response schemas of the transaction, repayment and webhook routes. The route table names them (the
 * catalogue at the end), the handlers validate with them and the OpenAPI document shows them.
 */

export const REPAYMENT_STATUS_VALUES = ['PENDING', 'COMPLETED', 'FAILED'] as const;

const employeeId = () => resourceId('an employee');
const description = () => text(500).meta({ description: 'Free text (at most 500 characters)', example: 'Rent' });

// ---- requests ---------------------------------------------------------------------------------------------------

export const requestAdvanceBody = z
  .strictObject({ employeeId: employeeId(), amount: amount(), description: description().optional() })
  .meta({ description: 'A salary advance request' });
export type RequestAdvanceBody = z.infer<typeof requestAdvanceBody>;

export const validateAdvanceBody = z
  .strictObject({ employeeId: employeeId(), amount: amount() })
  .meta({ description: 'An amount to check for an employee' });
export type ValidateAdvanceBody = z.infer<typeof validateAdvanceBody>;

export const updateStatusBody = z
  .strictObject({
    action: z.enum(['approve', 'reject', 'cancel']).meta({ description: 'approve/reject: a finance manager or admin of the organization (not the requester); cancel: the requester, while pending' }),
    reason: text(500).optional().meta({ description: 'Why (recorded in the history)', example: 'Within budget' }),
  })
  .meta({ description: 'A decision on a pending advance request' });
export type UpdateStatusBody = z.infer<typeof updateStatusBody>;

export const transactionIdParams = z.strictObject({ id: resourceId('a transaction (request id or Abhi transaction id)') });
export const employeeIdParams = z.strictObject({ employeeId: employeeId() });

const statusFilter = z
  .string()
  .trim()
  .regex(/^[A-Za-z_]{1,32}$/, 'Expected a status such as COMPLETED.')
  .optional()
  .meta({ description: `Advance status (${ADVANCE_STATUS_VALUES.join(', ')}) or repayment status (${REPAYMENT_STATUS_VALUES.join(', ')})` });
const typeFilter = z.enum(['advance', 'repayment']).optional().meta({ description: 'advance or repayment' });

export const listTransactionsQuery = z
  .strictObject({
    ...paginationShape,
    status: statusFilter,
    type: typeFilter,
    startDate: isoDate().optional().meta({ description: 'Only transactions on or after this day (UAE date)' }),
    endDate: isoDate().optional().meta({ description: 'Only transactions on or before this day (UAE date)' }),
    employeeCode: text(64).optional().meta({ description: "Only this employee's transactions (the employer's employee code)", example: 'EMP-0001' }),
    department: text(100).optional().meta({ description: 'Only employees of this department', example: 'Finance' }),
  })
  .refine((q) => !q.startDate || !q.endDate || q.startDate <= q.endDate, { message: 'startDate must not be after endDate.', path: ['startDate'] });
export type ListTransactionsQuery = z.infer<typeof listTransactionsQuery>;

export const employeeTransactionsQuery = z.strictObject({ ...paginationShape, status: statusFilter, type: typeFilter });
export type EmployeeTransactionsQuery = z.infer<typeof employeeTransactionsQuery>;

export const balanceQuery = z.strictObject({
  month: z.coerce.number().int().min(1).max(12).optional().meta({ description: 'Month 1-12 (default: this month, UAE time)', example: 3 }),
  year: z.coerce.number().int().min(2000).max(2100).optional().meta({ description: 'Year (default: this year)', example: 2025 }),
});
export type BalanceQuery = z.infer<typeof balanceQuery>;

export const CLIENT_REFERENCE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;

export const createRepaymentBody = z
  .strictObject({
    employeeId: employeeId().optional(),
    transactionId: resourceId('an advance (request id or Abhi transaction id)').optional(),
    amount: amount(),
    clientRepaymentReferenceNumber: z
      .string()
      .regex(CLIENT_REFERENCE_PATTERN, 'Expected 1-64 characters of A-Z, a-z, 0-9, _ . : - (starting with a letter or digit).')
      .optional()
      .meta({ description: 'Your unique reference for this repayment; generated when absent', example: 'PAYROLL-2025-03-0042' }),
    description: description().optional(),
    paymentMethod: text(50).optional().meta({ example: 'payroll_deduction' }),
  })
  .refine((b) => Boolean(b.employeeId || b.transactionId), { message: 'Give employeeId or transactionId.', path: ['employeeId'] })
  .meta({ description: 'A repayment against an employee or one advance (employeeId or transactionId)', anyOf: [{ required: ['employeeId'] }, { required: ['transactionId'] }] });
export type CreateRepaymentBody = z.infer<typeof createRepaymentBody>;

/**
 * Abhi's webhook body (our contract; Abhi's public docs define none): `type` names the change, `data` carries the
 * ids and the new status. Unknown types are acknowledged and ignored. See docs/webhooks.md.
 */
export const abhiWebhookBody = z
  .looseObject({
    id: z.string().max(128).optional().meta({ description: 'Event id (the X-Abhi-Event-Id header is authoritative)' }),
    type: z.string().min(1).max(100).meta({ description: 'transaction.status_changed or repayment.status_changed', example: 'transaction.status_changed' }),
    occurredAt: z.string().max(64).optional().meta({ description: 'When the change happened at Abhi (ISO 8601)' }),
    data: z.record(z.string(), z.unknown()).meta({
      description: 'transaction.status_changed: { transactionId, status, reason? }; repayment.status_changed: { repaymentId | clientRepaymentReferenceNumber, status }',
    }),
  })
  .meta({ description: 'A status change pushed by Abhi' });
export type AbhiWebhookBody = z.infer<typeof abhiWebhookBody>;

// ---- responses --------------------------------------------------------------------------------------------------

export const reasonSchema = z.object({
  code: z.string().meta({ example: 'INSUFFICIENT_AVAILABLE_AMOUNT' }),
  source: z.string().meta({ description: 'policy, abhi, employee, balance, approver or system' }),
  message: z.string(),
});

export const historyEntrySchema = z.object({
  status: z.string(),
  actor: z.string().meta({ description: 'Who made the change (subject, or "workflow"/"abhi"/"reconciliation")' }),
  reason: z.string().nullable(),
  at: isoDateTime(),
});

export const advanceViewSchema = z
  .object({
    id: z.string().meta({ description: 'Request id (also the workflow execution name)' }),
    type: z.literal('advance'),
    status: z.enum(ADVANCE_STATUS_VALUES),
    organizationId: z.string(),
    employeeId: z.string(),
    amount: money('Requested amount'),
    description: z.string().nullable(),
    reasons: z.array(reasonSchema).meta({ description: 'Why it was rejected or failed' }),
    requestedBy: z.string(),
    decidedBy: z.string().nullable(),
    approvalRequired: z.boolean(),
    approvalExpiresAt: isoDateTime().nullable(),
    reference: z.string().nullable().meta({ description: 'Our reference at Abhi (ADV-<id>)' }),
    abhiTransactionId: z.string().nullable(),
    abhiStatus: z.string().nullable(),
    processingFee: money('Processing fee').nullable(),
    interestRate: z.number().nullable(),
    repaymentAmount: money('Amount to repay').nullable(),
    dueDate: z.string().nullable(),
    createdAt: isoDateTime(),
    updatedAt: isoDateTime(),
    completedAt: isoDateTime().nullable(),
    history: z.array(historyEntrySchema),
  })
  .meta({ description: 'An advance request with its history' });
export type AdvanceView = z.infer<typeof advanceViewSchema>;

export const transactionItemSchema = z.object({
  type: z.enum(['advance', 'repayment']),
  id: z.string(),
  organizationId: z.string(),
  employeeId: z.string(),
  employeeCode: z.string().nullable(),
  employeeName: z.string().nullable(),
  department: z.string().nullable(),
  amount: money('Amount'),
  status: z.string(),
  description: z.string().nullable(),
  reference: z.string().nullable(),
  abhiId: z.string().nullable(),
  processingFee: money('Processing fee').nullable(),
  repaymentAmount: money('Amount to repay').nullable(),
  dueDate: z.string().nullable(),
  transactionId: z.string().nullable().meta({ description: 'For a repayment: the advance it repays' }),
  createdAt: isoDateTime(),
  updatedAt: isoDateTime(),
});
export type TransactionItem = z.infer<typeof transactionItemSchema>;
export const transactionPageSchema = pageOf(transactionItemSchema, 'A page of advances and repayments, newest first');

export const balanceViewSchema = z
  .object({
    employeeId: z.string(),
    month: z.number().int(),
    year: z.number().int(),
    availableAmount: money('Available now: Abhi\'s figure minus open requests and advances completed since it was read'),
    abhiAvailableAmount: money("Abhi's available amount"),
    pendingRequestsAmount: money('Requested here and still open (not yet recorded as created at Abhi)'),
    pendingRequests: z.number().int(),
    usedAmount: money("Drawn this month: Abhi's used and pending amounts plus advances completed since its figure was read").nullable(),
    grossSalary: money('Gross salary').nullable(),
    netSalary: money('Net salary').nullable(),
    outstandingAmount: money('Owed according to the ledger'),
    asOf: isoDateTime().meta({ description: "When Abhi's figure was read (cached at most 30 s)" }),
  })
  .meta({ description: 'Monthly balance of an employee' });
export type BalanceView = z.infer<typeof balanceViewSchema>;

export const validationResultSchema = z
  .object({
    employeeId: z.string(),
    amount: money('Checked amount'),
    eligible: z.boolean(),
    reasons: z.array(reasonSchema),
    availableAmount: money('Available now, net of pending requests'),
    maxAmount: money("Abhi's maximum for this employee").nullable(),
    requiresApproval: z.boolean(),
    requiresMfa: z.boolean(),
  })
  .meta({ description: 'Whether an advance of this amount would be accepted now' });
export type ValidationResult = z.infer<typeof validationResultSchema>;

export const repaymentViewSchema = z
  .object({
    id: z.string(),
    type: z.literal('repayment'),
    organizationId: z.string(),
    employeeId: z.string(),
    transactionId: z.string().nullable(),
    clientRepaymentReferenceNumber: z.string(),
    amount: money('Repaid amount'),
    status: z.enum(REPAYMENT_STATUS_VALUES),
    abhiRepaymentId: z.string().nullable(),
    description: z.string().nullable(),
    paymentMethod: z.string().nullable(),
    failureReason: z.string().nullable(),
    outstandingAmount: money('Owed after this repayment, according to the ledger'),
    createdAt: isoDateTime(),
  })
  .meta({ description: 'A repayment' });
export type RepaymentView = z.infer<typeof repaymentViewSchema>;

export const webhookAckSchema = z.object({
  received: z.literal(true),
  duplicate: z.boolean(),
  applied: z.string().meta({ description: 'What the event changed (or why nothing)' }),
});

export const transactionSchema = z.union([advanceViewSchema, repaymentViewSchema]).meta({ description: 'An advance request (with history) or a repayment' });

/**
 * The names the route table uses for this domain's schemas, also their OpenAPI component names (ADR 0026). Requests
 * and answers are two catalogues so that a function bundles the request schemas it validates with, not the answers.
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
export const TRANSACTION_RESPONSES = named({
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
