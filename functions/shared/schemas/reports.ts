import * as z from 'zod';
import { named } from './catalog';
import { isoDateTime, money, pageOf, paginationShape, resourceId, searchTerm } from './common';

/** Reports: outstanding balances (Abhi merged with the local ledger) and monthly statements (local ledger). */
export const outstandingReportQuery = z.strictObject({
  ...paginationShape,
  overdue: z
    .enum(['true', 'false'])
    .optional()
    .transform((value) => value === 'true')
    .meta({ description: 'Only employees with an overdue amount' }),
  department: searchTerm(100).meta({ description: 'Exact department (case-insensitive)' }),
  organizationId: resourceId('Organization').optional().meta({ description: 'Only this organization (within the caller’s scope)' }),
});
export type OutstandingReportQuery = z.output<typeof outstandingReportQuery>;

export const outstandingRowSchema = z
  .object({
    employeeId: z.string(),
    organizationId: z.string(),
    employeeCode: z.string().nullable(),
    employeeName: z.string().nullable(),
    department: z.string().nullable(),
    totalOutstanding: money('Total outstanding at Abhi'),
    principalAmount: money('Principal'),
    interestAmount: money('Interest'),
    penaltyAmount: money('Penalties'),
    processingFee: money('Processing fees'),
    overdueAmount: money('Overdue'),
    daysPastDue: z.number().int(),
    nextDueDate: z.string().nullable(),
    lastPaymentDate: z.string().nullable(),
    lastPaymentAmount: money('Last payment').nullable(),
    ledgerOutstanding: money('Outstanding by the local ledger (advances + fees - repayments)'),
    pendingAdvanceAmount: money('Local advance requests not yet disbursed'),
    mismatch: z.boolean().meta({ description: 'True when Abhi and the local ledger disagree' }),
  })
  .meta({ description: 'Outstanding balance of one employee' });
export type OutstandingRow = z.infer<typeof outstandingRowSchema>;

export const outstandingReportSchema = pageOf(outstandingRowSchema, 'Outstanding balances, most overdue first').extend({
  summary: z.object({
    totalEmployees: z.number().int(),
    totalOutstanding: money('Sum of outstanding'),
    totalOverdue: money('Sum of overdue'),
    averageOutstanding: money('Average outstanding per employee'),
    employeesWithOverdue: z.number().int(),
  }),
  generatedAt: isoDateTime(),
});

export const statementParams = z.strictObject({ employeeId: resourceId('Employee') });

export const statementQuery = z.strictObject({
  month: z.coerce.number().int().min(1).max(12).meta({ description: 'Month 1-12', example: 1 }),
  year: z.coerce.number().int().min(2000).max(2100).meta({ description: 'Year', example: 2025 }),
});
export type StatementQuery = z.output<typeof statementQuery>;

export const statementEntrySchema = z
  .object({
    id: z.string(),
    occurredAt: isoDateTime(),
    kind: z.enum(['advance', 'repayment', 'fee', 'adjustment']),
    amount: money('Effect on the balance: positive raises what is owed, negative lowers it'),
    balance: money('Running balance after this entry'),
    reference: z.string().nullable(),
  })
  .meta({ description: 'A ledger entry' });

export const statementSchema = z
  .object({
    employeeId: z.string(),
    organizationId: z.string(),
    employeeName: z.string(),
    employeeCode: z.string(),
    month: z.number().int(),
    year: z.number().int(),
    currency: z.literal('AED'),
    timeZone: z.string().meta({ description: 'Months are calendar months in this time zone' }),
    periodStart: isoDateTime(),
    periodEnd: isoDateTime(),
    openingBalance: money('Balance at the start of the month'),
    closingBalance: money('Balance at the end of the month'),
    totals: z.object({ advances: money('Advances'), fees: money('Fees'), repayments: money('Repayments'), adjustments: money('Adjustments') }),
    entries: z.array(statementEntrySchema),
  })
  .meta({ description: 'Monthly statement from the local ledger' });

/**
 * The names the route table uses for this domain's schemas, also their OpenAPI component names (ADR 0026). Requests
 * and answers are two catalogues so that a function bundles the request schemas it validates with, not the answers.
 */
export const REPORT_REQUESTS = named({
  OutstandingReportQuery: outstandingReportQuery,
  StatementPath: statementParams,
  StatementQuery: statementQuery,
});
export const REPORT_RESPONSES = named({
  OutstandingBalance: outstandingRowSchema,
  OutstandingReport: outstandingReportSchema,
  StatementEntry: statementEntrySchema,
  Statement: statementSchema,
});
