import { apiHandler } from '#shared/http/api-handler';
import { TRANSACTION_REQUESTS } from '#shared/schemas/transactions';
import { getTransaction } from '#shared/use-cases/transactions/queries';
import { transactionReadDeps } from '#shared/wiring/transaction-reads';

/** GET /transactions/{id}: an advance request with its history (by request id or Abhi id), or a repayment. */
export const handler = apiHandler('getTransaction', TRANSACTION_REQUESTS, async (request) => ({
  status: 200,
  body: await getTransaction(transactionReadDeps(), { principal: request.principal, route: request.route }, request.params.id),
}));
