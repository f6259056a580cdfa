import { apiHandler } from '#shared/http/api-handler';
import { TRANSACTION_REQUESTS } from '#shared/schemas/transactions';
import { employeeTransactions } from '#shared/use-cases/transactions/queries';
import { transactionReadDeps } from '#shared/wiring/transaction-reads';

/** GET /transactions/employee/{employeeId}?status&type&page&limit: the employee's advances and repayments. */
export const handler = apiHandler('getEmployeeTransactions', TRANSACTION_REQUESTS, async (request) => ({
  status: 200,
  body: await employeeTransactions(transactionReadDeps(), { principal: request.principal, route: request.route }, request.params.employeeId, request.query),
}));
