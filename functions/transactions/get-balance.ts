import { apiHandler } from '#shared/http/api-handler';
import { TRANSACTION_REQUESTS } from '#shared/schemas/transactions';
import { getBalance } from '#shared/use-cases/transactions/queries';
import { transactionDeps, withInvocation } from './runtime';

/** GET /transactions/balance/{employeeId}?month&year: Abhi's balance (≤ 30 s old) net of pending requests. */
export const handler = apiHandler('getBalance', TRANSACTION_REQUESTS, async (request) => ({
  status: 200,
  body: await withInvocation({ getRemainingTimeInMillis: request.remainingTimeMs }, request.requestId, () =>
    getBalance(transactionDeps(), { principal: request.principal, route: request.route }, request.params.employeeId, request.query),
  ),
}));
