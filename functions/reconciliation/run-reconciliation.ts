import type { Context, ScheduledEvent } from 'aws-lambda';
import { logger } from '#shared/observability';
import { onDemandRunInput } from '#shared/schemas/reconciliation-run';
import { scheduledJob } from '#shared/triggers/scheduled-job';
import { reconcile, type ReconciliationReport } from '#shared/use-cases/reconciliation/reconcile';
import { reconciliationDeps } from '#shared/wiring/reconciliation-run';
import { lambdaInvocation } from '#shared/wiring/invocation';

/**
 * Reconciliation: nightly from the schedule (EventBridge Scheduler, topology `reconciliation`), or on demand with
 * `{ "startDate": "YYYY-MM-DD", "endDate": "YYYY-MM-DD" }` or `{ "days": 7 }` by hand (npm run invoke). Writes a row
 * to `reconciliation_reports` and the EMF metric `ReconciliationMismatches`. Operators start runs through the API
 * instead (POST /reconciliation/runs, admin; stricter period rules: no future dates; queued to
 * reconciliation/process-reconciliation-request) and read every report, this one's too, with
 * GET /reconciliation/reports[/{id}]. This by-hand path keeps its looser checks: the workflow tests reconcile the
 * sandbox's frozen business day, which may lie ahead of the real date.
 */
const RUN_LIMIT_MS = 600_000;

async function run(event: ScheduledEvent | Record<string, unknown> | null, context: Context): Promise<Omit<ReconciliationReport, 'fixed' | 'mismatches'> & { fixed: number; mismatches: number }> {
  const scheduled = Boolean(event && typeof event === 'object' && 'detail-type' in event);
  const input = scheduled ? {} : onDemandRunInput.parse(event ?? {});
  // At most ten minutes of Abhi calls, also when invoked by hand without a Lambda context.
  const remaining = { getRemainingTimeInMillis: () => Math.min(context?.getRemainingTimeInMillis?.() ?? RUN_LIMIT_MS, RUN_LIMIT_MS) };
  const ctx = lambdaInvocation(remaining, `reconciliation-${Date.now()}`, { reserve: 'batch', patience: 'interactive' });
  const report = await reconcile(reconciliationDeps(), ctx, { ...input, trigger: scheduled ? 'schedule' : 'on_demand' });
  logger.info('Reconciliation finished', { reportId: report.id, status: report.status, fixed: report.fixed.length, mismatches: report.mismatches.length });
  return { ...report, fixed: report.fixed.length, mismatches: report.mismatches.length };
}

export const handler = scheduledJob(run);
