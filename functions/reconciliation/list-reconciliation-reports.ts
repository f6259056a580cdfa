import { apiHandler } from '#shared/http/api-handler';
import { RECONCILIATION_REQUESTS } from '#shared/schemas/reconciliation';
import { listReconciliationReports } from '#shared/use-cases/reconciliation/reports';
import { reportDeps } from '#shared/wiring/reconciliation';

/** GET /reconciliation/reports?status&page&limit: reconciliation reports, newest first, without their findings. */
export const handler = apiHandler('listReconciliationReports', RECONCILIATION_REQUESTS, async (req) => ({
  status: 200,
  body: await listReconciliationReports(reportDeps({ reader: true }), req.query),
}));
