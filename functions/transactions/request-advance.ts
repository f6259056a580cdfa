import { apiHandler } from '#shared/http/api-handler';
import { requestAdvanceBody } from '#shared/schemas/transactions';
import { requestAdvance } from '#shared/use-cases/advances/request-advance';
import { transactionDeps, withInvocation } from './runtime';

/** POST /transactions/advance → 202 with the request (status PENDING_VALIDATION or later) and its Location. */
export const handler = apiHandler('requestAdvance', { body: requestAdvanceBody }, async (request) => {
  const view = await withInvocation({ getRemainingTimeInMillis: request.remainingTimeMs }, request.requestId, () =>
    requestAdvance(transactionDeps(), {
      principal: request.principal,
      route: request.route,
      body: request.body,
      // apiHandler refuses this route without the header, so it is always present here.
      idempotencyKey: request.headers['idempotency-key'] ?? '',
      correlationId: request.requestId,
    }),
  );
  return { status: 202, body: view, headers: { Location: `/api/v1/transactions/${view.id}` } };
});
