import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import type { Queryable } from '#shared/db/pool';
import { AppError, ConflictError } from '#shared/domain/errors';
import { reconciliationPeriod, type PeriodRequest } from '#shared/domain/reconciliation-period';
import { API_PREFIX } from '#shared/routes';
import type { RunAccepted } from '#shared/schemas/reconciliation';
import type { Database, TransactionDeps } from '../advances/ports';
import { reconcile, type ReconciliationReport } from './reconcile';
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

/** Two operators pressing the button at the same moment get one run and one 409 (transaction-scoped advisory lock). */
const START_LOCK = 'reconciliation_reports:start-run';

export async function startReconciliationRun(deps: StartRunDeps, input: PeriodRequest, options: StartRunOptions): Promise<RunAccepted> {
  const { startDate, endDate } = reconciliationPeriod(input, deps.now());
  const id = randomUUID();
  await deps.transaction(async (db) => {
    await db.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [START_LOCK]);
    await abandonStaleRuns(db, options.runTimeoutSeconds);
    const { rows } = await db.query<{ id: string; period_start: string; period_end: string; trigger: string; started_at: Date }>(
      `SELECT id, to_char(period_start, 'YYYY-MM-DD') AS period_start, to_char(period_end, 'YYYY-MM-DD') AS period_end, trigger, started_at
         FROM reconciliation_reports WHERE status = 'RUNNING' ORDER BY started_at DESC LIMIT 1`,
    );
    const running = rows[0];
    if (running) {
      throw new ConflictError(
        `Reconciliation run ${running.id} (${running.period_start} to ${running.period_end}, ${running.trigger === 'schedule' ? 'scheduled' : 'on demand'}, ` +
          `started ${new Date(running.started_at).toISOString()}) is still running: wait for it to finish ` +
          `(GET ${API_PREFIX}/reconciliation/reports/${running.id}) before starting another.`,
      );
    }
    await db.query(
      `INSERT INTO reconciliation_reports (id, period_start, period_end, trigger, status, requested_by) VALUES ($1, $2, $3, 'on_demand', 'RUNNING', $4)`,
      [id, startDate, endDate, options.requestedBy],
    );
  });

  const { failedIds } = await deps.requests.send([{ id: 'run', body: { reportId: id } satisfies ReconciliationRequestMessage }]).catch(() => ({ failedIds: ['run'] }));
  if (failedIds.length > 0) {
    // Nothing will run it: close the row at once, or it would block every new run until it counts as abandoned.
    await deps.db.query(`UPDATE reconciliation_reports SET status = 'FAILED', finished_at = now(), error = $2 WHERE id = $1 AND status = 'RUNNING'`, [
      id,
      'The run could not be queued; nothing was reconciled.',
    ]);
    throw new AppError(503, 'SERVICE_UNAVAILABLE', 'The reconciliation run could not be queued; nothing was started. Retry in a moment.', { retryAfterSeconds: 5 });
  }
  return { id, status: 'RUNNING', periodStart: startDate, periodEnd: endDate };
}

/** RUNNING rows older than a run can live (counted from the request, or from the consumer's claim) are FAILED. */
async function abandonStaleRuns(db: Queryable, runTimeoutSeconds: number): Promise<void> {
  await db.query(
    `UPDATE reconciliation_reports SET status = 'FAILED', finished_at = now(), error = $2
      WHERE status = 'RUNNING' AND GREATEST(started_at, COALESCE(claimed_at, started_at)) < now() - make_interval(secs => $1)`,
    [runTimeoutSeconds, `Abandoned: not finished within ${runTimeoutSeconds} s (its function stopped before writing a result, or the request was never picked up).`],
  );
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
  deps: TransactionDeps,
  ctx: Invocation,
  message: ReconciliationRequestMessage,
  options: { leaseSeconds: number },
): Promise<RequestedRunOutcome> {
  const { reportId } = message;
  const claimed = await deps.db.query<{ period_start: string; period_end: string }>(
    `UPDATE reconciliation_reports SET claimed_at = now()
      WHERE id = $1 AND status = 'RUNNING' AND (claimed_at IS NULL OR claimed_at < now() - make_interval(secs => $2))
      RETURNING to_char(period_start, 'YYYY-MM-DD') AS period_start, to_char(period_end, 'YYYY-MM-DD') AS period_end`,
    [reportId, options.leaseSeconds],
  );
  const row = claimed.rows[0];
  if (!row) {
    const status = await reportStatus(deps.db, reportId);
    return { outcome: 'skipped', reportId, reason: status === undefined ? 'unknown' : status === 'RUNNING' ? 'in_progress' : 'finished', ...(status ? { status } : {}) };
  }
  try {
    const report = await reconcile(deps, ctx, { reportId, startDate: row.period_start, endDate: row.period_end, trigger: 'on_demand' });
    return { outcome: 'completed', report };
  } catch (error) {
    // reconcile() records its failure on the report; if even that did not happen, let the queue deliver it again.
    if ((await reportStatus(deps.db, reportId)) === 'RUNNING') throw error;
    return { outcome: 'failed', reportId, error };
  }
}

async function reportStatus(db: Queryable, id: string): Promise<string | undefined> {
  const { rows } = await db.query<{ status: string }>(`SELECT status FROM reconciliation_reports WHERE id = $1`, [id]);
  return rows[0]?.status;
}
