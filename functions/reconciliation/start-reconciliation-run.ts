import { apiHandler, apiLocation } from '#shared/http/api-handler';
import { RECONCILIATION_REQUESTS } from '#shared/schemas/reconciliation';
import { startReconciliationRun } from '#shared/use-cases/reconciliation/runs';
import { runTimeoutSeconds, startRunDeps } from '#shared/wiring/reconciliation';

/**
 * POST /reconciliation/runs: records the report RUNNING, queues the run (`reconciliation-requests`) and answers 202
 * with the report to poll; 409 while another run is in progress.
 */
export const handler = apiHandler('startReconciliationRun', RECONCILIATION_REQUESTS, async (req) => {
  const run = await startReconciliationRun(
    startRunDeps(),
    req.body,
    { requestedBy: req.principal.subject, runTimeoutSeconds: runTimeoutSeconds() },
  );
  return { status: 202, body: run, headers: { Location: apiLocation(`/reconciliation/reports/${run.id}`) } };
});
