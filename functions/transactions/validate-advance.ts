import { apiHandler } from '#shared/http/api-handler';
import { TRANSACTION_REQUESTS } from '#shared/schemas/transactions';
import { validateAdvance } from '#shared/use-cases/transactions/queries';
import { coreAdvanceDeps } from '#shared/wiring/advances';
import { apiInvocation } from '#shared/wiring/invocation';

/** POST /transactions/validate { employeeId, amount }: would this advance be accepted now, and why not. */
export const handler = apiHandler('validateAdvance', TRANSACTION_REQUESTS, async (request) => ({
  status: 200,
  body: await validateAdvance(coreAdvanceDeps(), { ...apiInvocation(request), principal: request.principal, route: request.route }, request.body),
}));
