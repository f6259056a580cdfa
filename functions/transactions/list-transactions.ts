import { apiHandler } from '#shared/http/api-handler';
import { listTransactionsQuery } from '#shared/schemas/transactions';
import { listTransactions } from '#shared/use-cases/transactions/queries';
import { transactionDeps } from './runtime';

/** GET /transactions?status&type&startDate&endDate&employeeCode&department&page&limit (employer view). */
export const handler = apiHandler('listTransactions', { query: listTransactionsQuery }, async (request) => ({
  status: 200,
  body: await listTransactions(transactionDeps(), { principal: request.principal, route: request.route }, request.query),
}));
