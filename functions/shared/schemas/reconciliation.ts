import * as z from '#shared/zod';
import { builtOnce, named } from './catalog';
import { MAX_RECONCILIATION_DAYS, periodProblems } from '#shared/domain/reconciliation-period';
import { isoDate, isoDateTime, pageOf, paginationShape, resourceId, uuid } from './common';

/**
 * Request and response schemas of the reconciliation routes (platform operators and finance): start a run, list the
 * reports, read one. The route table names them (the catalogue at the end), the handlers validate with them and the
 * OpenAPI document shows them.
 */
export const RECONCILIATION_STATUSES = ['RUNNING', 'CLEAN', 'FIXED', 'MISMATCHES', 'FAILED'] as const;
export type ReconciliationStatus = (typeof RECONCILIATION_STATUSES)[number];

// ---- requests ---------------------------------------------------------------------------------------------------

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export const startRunBody = z
  .strictObject({
    startDate: z.optional(isoDate()).check(z.meta({ description: 'First day of the period (UAE date, inclusive); not with `days`' })),
    endDate: z.optional(isoDate()).check(z.meta({ description: 'Last day of the period (UAE date, inclusive); default today' })),
    days: z
      .optional(z.int().check(z.minimum(1), z.maximum(MAX_RECONCILIATION_DAYS)))
      .check(z.meta({ description: `Length of the period ending on endDate (1 to ${MAX_RECONCILIATION_DAYS}; default 3)`, example: 7 })),
  })
  .check(
    z.superRefine((value, ctx) => {
      // The field checks report malformed dates themselves; the period rules need well-formed ones.
      if ((value.startDate !== undefined && !ISO_DATE.test(value.startDate)) || (value.endDate !== undefined && !ISO_DATE.test(value.endDate))) return;
      for (const problem of periodProblems(value, new Date())) ctx.addIssue({ code: 'custom', path: [problem.field], message: problem.message });
    }),
  )
  .check(
    z.meta({
      description: `The period to reconcile: at most ${MAX_RECONCILIATION_DAYS} days, not in the future. Send {} for the last 3 days up to today.`,
      example: { startDate: '2025-01-01', endDate: '2025-01-31' },
    }),
  );
export type StartRunBody = z.infer<typeof startRunBody>;

export const listReportsQuery = z.strictObject({
  ...paginationShape,
  status: z.optional(z.enum(RECONCILIATION_STATUSES)).check(z.meta({ description: 'Only reports in this status' })),
});
export type ListReportsQuery = z.output<typeof listReportsQuery>;

/** Any id shape is accepted in the path; one that is not a report's UUID is simply not found (404). */
export const reportIdParams = z.strictObject({ id: resourceId('Reconciliation report') });

/**
 * The names the route table uses for this domain's schemas, also their OpenAPI component names (ADR 0026). The answers
 * are built on first call (`builtOnce`), so a function that only validates requests neither bundles nor builds them.
 */
export const RECONCILIATION_REQUESTS = named({
  StartReconciliationRunRequest: startRunBody,
  ListReconciliationReportsQuery: listReportsQuery,
  ReconciliationReportPath: reportIdParams,
});
export function reconciliationResponses() {
  return builtOnce(reconciliationAnswers);
}

function reconciliationAnswers() {
  const runAcceptedSchema = z
    .object({
      id: uuid(),
      status: z.literal('RUNNING'),
      periodStart: z.string().check(z.meta({ description: 'First day of the period (UAE date)', format: 'date' })),
      periodEnd: z.string().check(z.meta({ description: 'Last day of the period (UAE date)', format: 'date' })),
    })
    .check(z.meta({ description: 'The run was queued; poll the report named in the Location header' }));

  const findingSchema = z
    .object({
      kind: z.enum(['advance', 'repayment', 'workflow']),
      id: z.string().check(z.meta({ description: 'The advance request, repayment or Abhi record concerned' })),
      issue: z.string().check(z.meta({ description: 'What differs, e.g. NOT_RECORDED, STALLED, UNKNOWN_LOCALLY, AMOUNT_MISMATCH', example: 'UNKNOWN_LOCALLY' })),
      detail: z.string(),
      action: z.optional(z.string()).check(z.meta({ description: 'What reconciliation did about it (fixed findings only)' })),
    })
    .check(z.meta({ description: 'One difference between the ledger and Abhi' }));

  const reportFields = {
    id: uuid(),
    status: z.enum(RECONCILIATION_STATUSES),
    trigger: z.enum(['schedule', 'on_demand']),
    periodStart: z.string().check(z.meta({ description: 'First day of the period (UAE date)', format: 'date' })),
    periodEnd: z.string().check(z.meta({ description: 'Last day of the period (UAE date)', format: 'date' })),
    requestedBy: z.nullable(z.string()).check(z.meta({ description: 'Who asked for an on-demand run (token subject)' })),
    startedAt: isoDateTime(),
    finishedAt: z.nullable(isoDateTime()),
    counts: z.object({
      abhiAdvances: z.int(),
      abhiRepayments: z.int(),
      localAdvances: z.int(),
      localRepayments: z.int(),
      fixed: z.int().check(z.meta({ description: 'Drifts reconciliation fixed' })),
      mismatches: z.int().check(z.meta({ description: 'Differences that need a person' })),
    }),
    error: z.nullable(z.string()).check(z.meta({ description: 'Why a FAILED run failed' })),
  };

  const reportSummarySchema = z.object(reportFields).check(z.meta({ description: 'A reconciliation report without its findings' }));

  const reportSchema = z
    .object({
      ...reportFields,
      fixed: z.array(findingSchema).check(z.meta({ description: 'Drifts that were fixed' })),
      mismatches: z.array(findingSchema).check(z.meta({ description: 'Real differences, for finance and Abhi to resolve' })),
      summary: z.string().check(z.meta({ description: 'The findings as plain text, for a person' })),
    })
    .check(z.meta({ description: 'A reconciliation report with its findings' }));

  return named({
    ReconciliationRunAccepted: runAcceptedSchema,
    ReconciliationFinding: findingSchema,
    ReconciliationReportSummary: reportSummarySchema,
    ReconciliationReport: reportSchema,
    ReconciliationReportPage: pageOf(reportSummarySchema, 'Reconciliation reports, newest first'),
  });
}

type Answers = ReturnType<typeof reconciliationResponses>['schemas'];
export type RunAccepted = z.infer<Answers['ReconciliationRunAccepted']>;
export type ReportSummaryView = z.infer<Answers['ReconciliationReportSummary']>;
export type ReportView = z.infer<Answers['ReconciliationReport']>;
