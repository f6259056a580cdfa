import * as z from 'zod';
import {
  abhiWebhookBody,
  advanceViewSchema,
  balanceQuery,
  balanceViewSchema,
  createRepaymentBody,
  employeeIdParams,
  employeeTransactionsQuery,
  listTransactionsQuery,
  repaymentViewSchema,
  requestAdvanceBody,
  transactionIdParams,
  transactionPageSchema,
  updateStatusBody,
  validateAdvanceBody,
  validationResultSchema,
  webhookAckSchema,
} from '#shared/schemas/transactions';
import type { OperationSchemas } from './operations-system';

/**
 * OpenAPI operations of every route whose entry starts with `transactions/` or `webhooks/`, built from the same
 * schema objects the handlers validate with.
 */
export const TRANSACTION_OPERATIONS: Record<string, OperationSchemas> = {
  requestAdvance: { body: requestAdvanceBody, responses: { 201: advanceViewSchema, 202: advanceViewSchema } },
  createRepayment: { body: createRepaymentBody, responses: { 201: repaymentViewSchema, 200: repaymentViewSchema } },
  validateAdvance: { body: validateAdvanceBody, responses: { 200: validationResultSchema } },
  listTransactions: { query: listTransactionsQuery, responses: { 200: transactionPageSchema } },
  getEmployeeTransactions: { params: employeeIdParams, query: employeeTransactionsQuery, responses: { 200: transactionPageSchema } },
  getBalance: { params: employeeIdParams, query: balanceQuery, responses: { 200: balanceViewSchema } },
  getTransaction: {
    params: transactionIdParams,
    responses: { 200: z.union([advanceViewSchema, repaymentViewSchema]).meta({ description: 'An advance request (with history) or a repayment' }) },
  },
  updateTransactionStatus: { params: transactionIdParams, body: updateStatusBody, responses: { 200: advanceViewSchema } },
  receiveAbhiWebhook: { body: abhiWebhookBody, responses: { 200: webhookAckSchema } },
};
