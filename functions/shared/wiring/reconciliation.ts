import { registerAuditDatabase } from '#shared/auth/audit';
import { postgresReconciliationReportReads, postgresReconciliationReports } from '#shared/adapters/postgres/reconciliation-reports';
import { sqsWorkQueue } from '#shared/adapters/sqs/queues';
import { getPool, getReaderPool, withTransaction } from '#shared/db/pool';
import { queueByName } from '#shared/topology';
import type { ReportReadDeps } from '#shared/use-cases/reconciliation/reports';
import { RECONCILIATION_REQUESTS_QUEUE, type StartRunDeps } from '#shared/use-cases/reconciliation/runs';

// Explicit wiring: this function has a database, so its audit events go to audit_log (see auth/audit.ts).
registerAuditDatabase(getPool);

/**
 * Composition root of functions/reconciliation: starting a run needs PostgreSQL and the `reconciliation-requests`
 * queue; the reports read PostgreSQL only. Running one: ./reconciliation-run.
 */
let startRun: StartRunDeps | undefined;

export function startRunDeps(): StartRunDeps {
  return (startRun ??= {
    db: getPool(),
    transaction: (work) => withTransaction(work),
    reconciliationReports: postgresReconciliationReports,
    requests: sqsWorkQueue(queueByName(RECONCILIATION_REQUESTS_QUEUE).name),
    now: () => new Date(),
  });
}

/** The reports: the writer for one report (read right after a run), the reader endpoint for the list. */
export function reportDeps(options: { reader?: boolean } = {}): ReportReadDeps {
  return { db: options.reader ? getReaderPool() : getPool(), reconciliationReports: postgresReconciliationReportReads };
}

/** How long a requested run may live before it counts as abandoned: the `reconciliation-requests` consumer's timeout. */
export function runTimeoutSeconds(): number {
  return queueByName(RECONCILIATION_REQUESTS_QUEUE).consumerTimeoutSeconds;
}
