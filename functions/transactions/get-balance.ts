import { apiHandler } from '#shared/http/api-handler';
import { TRANSACTION_REQUESTS } from '#shared/schemas/transactions';
import { getBalance } from '#shared/use-cases/transactions/queries';
import { balanceDeps } from '#shared/wiring/advances';
import { apiInvocation } from '#shared/wiring/invocation';

/** GET /transactions/balance/{employeeId}?month&year: Abhi's balance (≤ 30 s old) net of pending requests. */
export const handler = apiHandler('getBalance', TRANSACTION_REQUESTS, async (request) => ({
  status: 200,
  body: await getBalance(balanceDeps(), { ...apiInvocation(request), principal: request.principal, route: request.route }, request.params.employeeId, request.query),
}));
