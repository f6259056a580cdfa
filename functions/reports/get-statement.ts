import { apiHandler } from '#shared/http/api-handler';
import { requestContext } from '#shared/wiring/invocation';
import { statementDeps } from '#shared/wiring/readers';
import { REPORT_REQUESTS } from '#shared/schemas/reports';
import { getStatement } from '#shared/use-cases/reports/reports';

/** GET /reports/statements/{employeeId}?month&year: the month's ledger entries with opening and closing balances. */
export const handler = apiHandler('getStatement', REPORT_REQUESTS, async (req) => ({
  status: 200,
  body: await getStatement(statementDeps(), requestContext(req), req.params.employeeId, req.query),
}));
