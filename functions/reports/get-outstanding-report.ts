import { apiHandler } from '#shared/http/api-handler';
import { reportDeps } from '#shared/wiring/reports';
import { requestContext } from '#shared/wiring/invocation';
import { REPORT_REQUESTS } from '#shared/schemas/reports';
import { getOutstandingReport } from '#shared/use-cases/reports/reports';

/** GET /reports/outstanding: Abhi's outstanding balances of the caller's employees, merged with the local ledger. */
export const handler = apiHandler('getOutstandingReport', REPORT_REQUESTS, async (req) => ({
  status: 200,
  body: await getOutstandingReport(reportDeps(), requestContext(req), req.query),
}));
