import { apiHandler } from '#shared/http/api-handler';
import { TRANSACTION_REQUESTS } from '#shared/schemas/transactions';
import { listTransactions } from '#shared/use-cases/transactions/queries';
import { transactionReadDeps } from '#shared/wiring/transaction-reads';

/** GET /transactions?status&type&startDate&endDate&employeeCode&department&page&limit (employer view; from the reader). */
export const handler = apiHandler('listTransactions', TRANSACTION_REQUESTS, async (request) => ({
  status: 200,
  body: await listTransactions(transactionReadDeps({ reader: true }), { principal: request.principal, route: request.route }, request.query),
}));
