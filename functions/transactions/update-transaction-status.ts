import { apiHandler } from '#shared/http/api-handler';
import { TRANSACTION_REQUESTS } from '#shared/schemas/transactions';
import { updateAdvanceStatus } from '#shared/use-cases/advances/update-status';
import { transactionDeps } from '#shared/wiring/advances';

/** PUT /transactions/{id}/status { action: approve | reject | cancel, reason? } → 200 with the request. */
export const handler = apiHandler('updateTransactionStatus', TRANSACTION_REQUESTS, async (request) => {
  const view = await updateAdvanceStatus(transactionDeps(), {
    principal: request.principal,
    route: request.route,
    id: request.params.id,
    body: request.body,
    correlationId: request.requestId,
  });
  return { status: 200, body: view };
});
