import { apiHandler } from '#shared/http/api-handler';
import { API_PREFIX } from '#shared/routes';
import { RECONCILIATION_REQUESTS } from '#shared/schemas/reconciliation';
import { queueByName } from '#shared/topology';
import { RECONCILIATION_REQUESTS_QUEUE, startReconciliationRun } from '#shared/use-cases/reconciliation/runs';
import { startRunDeps } from '#shared/wiring/reconciliation';

/**
 * POST /reconciliation/runs: records the report RUNNING, queues the run (`reconciliation-requests`) and answers 202
 * with the report to poll; 409 while another run is in progress.
 */
const QUEUE = queueByName(RECONCILIATION_REQUESTS_QUEUE);

export const handler = apiHandler('startReconciliationRun', RECONCILIATION_REQUESTS, async (req) => {
  const run = await startReconciliationRun(
    startRunDeps(),
    req.body,
    { requestedBy: req.principal.subject, runTimeoutSeconds: QUEUE.consumerTimeoutSeconds },
  );
  return { status: 202, body: run, headers: { Location: `${API_PREFIX}/reconciliation/reports/${run.id}` } };
});
