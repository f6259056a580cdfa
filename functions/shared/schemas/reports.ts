import * as z from '#shared/zod';
import { builtOnce, named } from './catalog';
import { isoDateTime, money, pageOf, paginationShape, resourceId, searchTerm } from './common';

/** Reports: outstanding balances (Abhi merged with the local ledger) and monthly statements (local ledger). */
export const outstandingReportQuery = z.strictObject({
  ...paginationShape,
  overdue: z
    .pipe(
      z.optional(z.enum(['true', 'false'])),
      z.transform((value: 'true' | 'false' | undefined) => value === 'true'),
    )
    .check(z.meta({ description: 'Only employees with an overdue amount' })),
  department: searchTerm(100).check(z.meta({ description: 'Exact department (case-insensitive)' })),
  organizationId: z.optional(resourceId('Organization')).check(z.meta({ description: 'Only this organization (within the caller’s scope)' })),
});
export type OutstandingReportQuery = z.output<typeof outstandingReportQuery>;

export const statementParams = z.strictObject({ employeeId: resourceId('Employee') });

export const statementQuery = z.strictObject({
  month: z.coerce.number().check(z.int(), z.minimum(1), z.maximum(12)).check(z.meta({ description: 'Month 1-12', example: 1 })),
  year: z.coerce.number().check(z.int(), z.minimum(2000), z.maximum(2100)).check(z.meta({ description: 'Year', example: 2025 })),
});
export type StatementQuery = z.output<typeof statementQuery>;

/**
 * The names the route table uses for this domain's schemas, also their OpenAPI component names (ADR 0026). The answers
 * are built on first call (`builtOnce`), so a function that only validates requests neither bundles nor builds them.
 */
export const REPORT_REQUESTS = named({
  OutstandingReportQuery: outstandingReportQuery,
  StatementPath: statementParams,
  StatementQuery: statementQuery,
});
export function reportResponses() {
  return builtOnce(reportAnswers);
}

function reportAnswers() {
  const outstandingRowSchema = z
    .object({
      employeeId: z.string(),
      organizationId: z.string(),
      employeeCode: z.nullable(z.string()),
      employeeName: z.nullable(z.string()),
      department: z.nullable(z.string()),
      totalOutstanding: money('Total outstanding at Abhi'),
      principalAmount: money('Principal'),
      interestAmount: money('Interest'),
      penaltyAmount: money('Penalties'),
      processingFee: money('Processing fees'),
      overdueAmount: money('Overdue'),
      daysPastDue: z.int(),
      nextDueDate: z.nullable(z.string()),
      lastPaymentDate: z.nullable(z.string()),
      lastPaymentAmount: z.nullable(money('Last payment')),
      ledgerOutstanding: money('Outstanding by the local ledger (advances + fees - repayments)'),
      pendingAdvanceAmount: money('Local advance requests not yet disbursed'),
      mismatch: z.boolean().check(z.meta({ description: 'True when Abhi and the local ledger disagree' })),
    })
    .check(z.meta({ description: 'Outstanding balance of one employee' }));

  /**
   * A page of rows with a summary. The page's fields are spread into a new object rather than `z.extend`ed: extend
   * keeps the page's checks, its description among them (a `z.meta` check), which the document has never shown here.
   */
  const outstandingReportSchema = z.object({
    ...pageOf(outstandingRowSchema, 'Outstanding balances, most overdue first').shape,
    summary: z.object({
      totalEmployees: z.int(),
      totalOutstanding: money('Sum of outstanding'),
      totalOverdue: money('Sum of overdue'),
      averageOutstanding: money('Average outstanding per employee'),
      employeesWithOverdue: z.int(),
    }),
    generatedAt: isoDateTime(),
  });

  const statementEntrySchema = z
    .object({
      id: z.string(),
      occurredAt: isoDateTime(),
      kind: z.enum(['advance', 'repayment', 'fee', 'adjustment']),
      amount: money('Effect on the balance: positive raises what is owed, negative lowers it'),
      balance: money('Running balance after this entry'),
      reference: z.nullable(z.string()),
    })
    .check(z.meta({ description: 'A ledger entry' }));

  const statementSchema = z
    .object({
      employeeId: z.string(),
      organizationId: z.string(),
      employeeName: z.string(),
      employeeCode: z.string(),
      month: z.int(),
      year: z.int(),
      currency: z.literal('AED'),
      timeZone: z.string().check(z.meta({ description: 'Months are calendar months in this time zone' })),
      periodStart: isoDateTime(),
      periodEnd: isoDateTime(),
      openingBalance: money('Balance at the start of the month'),
      closingBalance: money('Balance at the end of the month'),
      totals: z.object({ advances: money('Advances'), fees: money('Fees'), repayments: money('Repayments'), adjustments: money('Adjustments') }),
      entries: z.array(statementEntrySchema),
    })
    .check(z.meta({ description: 'Monthly statement from the local ledger' }));

  return named({
    OutstandingBalance: outstandingRowSchema,
    OutstandingReport: outstandingReportSchema,
    StatementEntry: statementEntrySchema,
    Statement: statementSchema,
  });
}

type Answers = ReturnType<typeof reportResponses>['schemas'];
export type OutstandingRow = z.infer<Answers['OutstandingBalance']>;
export type OutstandingReportView = z.infer<Answers['OutstandingReport']>;
export type StatementView = z.infer<Answers['Statement']>;
