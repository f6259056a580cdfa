import {
  listReportsQuery,
  reportIdParams,
  reportPageSchema,
  reportSchema,
  runAcceptedSchema,
  startRunBody,
} from '#shared/schemas/reconciliation';
import type { OperationSchemas } from './operations-system';

/**
 * OpenAPI operations of every route whose entry starts with `reconciliation/`, built from the same schema objects
 * the handlers validate with.
 */
export const RECONCILIATION_OPERATIONS: Record<string, OperationSchemas> = {
  startReconciliationRun: { body: startRunBody, responses: { 202: runAcceptedSchema } },
  listReconciliationReports: { query: listReportsQuery, responses: { 200: reportPageSchema } },
  getReconciliationReport: { params: reportIdParams, responses: { 200: reportSchema } },
};
