import { apiHandler } from '#shared/http/api-handler';
import { RECONCILIATION_REQUESTS } from '#shared/schemas/reconciliation';
import { getReconciliationReport } from '#shared/use-cases/reconciliation/reports';
import { reportDeps } from '#shared/wiring/reconciliation';

/** GET /reconciliation/reports/{id}: one report with its counts, fixed and mismatch findings and plain-text summary. */
export const handler = apiHandler('getReconciliationReport', RECONCILIATION_REQUESTS, async (req) => ({
  status: 200,
  body: await getReconciliationReport(reportDeps(), req.params.id),
}));
