import { apiHandler } from '#shared/http/api-handler';
import { TRANSACTION_REQUESTS } from '#shared/schemas/transactions';
import { createRepayment } from '#shared/use-cases/repayments/create-repayment';
import { coreAdvanceDeps } from '#shared/wiring/advances';
import { apiInvocation } from '#shared/wiring/invocation';

/** POST /transactions/repayment → 201 (200 when the reference was already recorded). */
export const handler = apiHandler('createRepayment', TRANSACTION_REQUESTS, async (request) => {
  const { created, view } = await createRepayment(coreAdvanceDeps(), apiInvocation(request), {
    principal: request.principal,
    route: request.route,
    body: request.body,
    idempotencyKey: request.headers['idempotency-key'] ?? '',
  });
  return { status: created ? 201 : 200, body: view, headers: { Location: `/api/v1/transactions/${view.id}` } };
});
