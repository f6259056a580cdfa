import { apiHandler } from '#shared/http/api-handler';
import { TRANSACTION_REQUESTS } from '#shared/schemas/transactions';
import { validateAdvance } from '#shared/use-cases/transactions/queries';
import { transactionDeps, withInvocation } from './runtime';

/** POST /transactions/validate { employeeId, amount }: would this advance be accepted now, and why not. */
export const handler = apiHandler('validateAdvance', TRANSACTION_REQUESTS, async (request) => ({
  status: 200,
  body: await withInvocation({ getRemainingTimeInMillis: request.remainingTimeMs }, request.requestId, () =>
    validateAdvance(transactionDeps(), { principal: request.principal, route: request.route }, request.body),
  ),
}));
