import { randomUUID } from 'node:crypto';
import * as z from '#shared/zod';
import { AppError, ConflictError } from '#shared/domain/errors';
import { reconciliationPeriod, type PeriodRequest } from '#shared/domain/reconciliation-period';
import { API_PREFIX } from '#shared/routes';
import type { RunAccepted } from '#shared/schemas/reconciliation';
import type { Database } from '../advances/ports';
import type { ReconciliationReportStore } from '../ports/reconciliation-report-store';
import { reconcile, type ReconciliationDeps, type ReconciliationReport } from './reconcile';
import type { Invocation } from '../invocation';

/**
 * On-demand reconciliation (POST /reconciliation/runs): the request creates the report row RUNNING and queues it;
 * the `reconciliation-requests` consumer runs it. One run at a time, platform-wide: every run reads Abhi's complete
 * advance and repayment lists, and stacked runs would only spend Abhi's rate limit on the same answer.
 */
export const RECONCILIATION_REQUESTS_QUEUE = 'reconciliation-requests';

/** What one queue message carries: the report to fill. Everything else (the period) is in the row. */
export const reconciliationRequestMessage = z.object({ reportId: z.uuid() });
export type ReconciliationRequestMessage = z.infer<typeof reconciliationRequestMessage>;

/** The queue, as the use case sees it (functions/shared/adapters/sqs/queues.ts `WorkQueue`). */
export interface RunQueuePort {
  send(messages: readonly { id: string; body: unknown }[]): Promise<{ failedIds: string[] }>;
}

export interface StartRunDeps extends Database {
  readonly reconciliationReports: ReconciliationReportStore;
  readonly requests: RunQueuePort;
  readonly now: () => Date;
}

export interface StartRunOptions {
  /** The operator (token subject), kept on the report. */
  readonly requestedBy: string;
  /**
   * How long a run may take (the consumer's timeout). A run still RUNNING after that has lost its function (timeout,
   * crash): it is marked FAILED and no longer blocks new runs.
   */
  readonly runTimeoutSeconds: number;
}

export async function startReconciliationRun(deps: StartRunDeps, input: PeriodRequest, options: StartRunOptions): Promise<RunAccepted> {
  const { startDate, endDate } = reconciliationPeriod(input, deps.now());
  const id = randomUUID();
  await deps.transaction(async (db) => {
    await deps.reconciliationReports.lockRunStarts(db);
    await deps.reconciliationReports.abandonStale(db, options.runTimeoutSeconds);
    const running = await deps.reconciliationReports.latestRunning(db);
    if (running) {
      throw new ConflictError(
        `Reconciliation run ${running.id} (${running.period_start} to ${running.period_end}, ${running.trigger === 'schedule' ? 'scheduled' : 'on demand'}, ` +
          `started ${new Date(running.started_at).toISOString()}) is still running: wait for it to finish ` +
          `(GET ${API_PREFIX}/reconciliation/reports/${running.id}) before starting another.`,
      );
    }
    await deps.reconciliationReports.insertRunning(db, { id, periodStart: startDate, periodEnd: endDate, trigger: 'on_demand', requestedBy: options.requestedBy });
  });

  const { failedIds } = await deps.requests.send([{ id: 'run', body: { reportId: id } satisfies ReconciliationRequestMessage }]).catch(() => ({ failedIds: ['run'] }));
  if (failedIds.length > 0) {
    // Nothing will run it: close the row at once, or it would block every new run until it counts as abandoned.
    await deps.reconciliationReports.fail(deps.db, id, 'The run could not be queued; nothing was reconciled.');
    throw new AppError(503, 'SERVICE_UNAVAILABLE', 'The reconciliation run could not be queued; nothing was started. Retry in a moment.', { retryAfterSeconds: 5 });
  }
  return { id, status: 'RUNNING', periodStart: startDate, periodEnd: endDate };
}

export type RequestedRunOutcome =
  | { readonly outcome: 'completed'; readonly report: ReconciliationReport }
  /** reconcile() failed and the report says so (status FAILED, `error`): a redelivery could not change that. */
  | { readonly outcome: 'failed'; readonly reportId: string; readonly error: unknown }
  /** Nothing to do: no such report, already finished, or another delivery of the same request is running it. */
  | { readonly outcome: 'skipped'; readonly reportId: string; readonly reason: 'unknown' | 'finished' | 'in_progress'; readonly status?: string };

/**
 * Runs the requested report, at most once at a time: the consumer first claims the RUNNING row (`claimed_at`); a
 * second delivery of the same message finds the claim (younger than `leaseSeconds`, the consumer's timeout) or a
 * finished status and does nothing, so it never runs the period twice in parallel nor overwrites a finished report.
 * A claim older than the lease belongs to a function that died: the redelivery takes over and runs it.
 */
export async function runRequestedReconciliation(
  deps: ReconciliationDeps,
  ctx: Invocation,
  message: ReconciliationRequestMessage,
  options: { leaseSeconds: number },
): Promise<RequestedRunOutcome> {
  const { reportId } = message;
  const row = await deps.reconciliationReports.claim(deps.db, reportId, options.leaseSeconds);
  if (!row) {
    const status = await deps.reconciliationReports.status(deps.db, reportId);
    return { outcome: 'skipped', reportId, reason: status === undefined ? 'unknown' : status === 'RUNNING' ? 'in_progress' : 'finished', ...(status ? { status } : {}) };
  }
  try {
    const report = await reconcile(deps, ctx, { reportId, startDate: row.period_start, endDate: row.period_end, trigger: 'on_demand' });
    return { outcome: 'completed', report };
  } catch (error) {
    // reconcile() records its failure on the report; if even that did not happen, let the queue deliver it again.
    if ((await deps.reconciliationReports.status(deps.db, reportId)) === 'RUNNING') throw error;
    return { outcome: 'failed', reportId, error };
  }
}
