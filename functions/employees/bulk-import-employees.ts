import { apiHandler, apiLocation } from '#shared/http/api-handler';
import { bulkImportDeps } from '#shared/wiring/bulk-import';
import { requestContext } from '#shared/wiring/invocation';
import { EMPLOYEE_REQUESTS } from '#shared/schemas/employees';
import { startBulkImport } from '#shared/use-cases/employees/bulk-import';

/** POST /employees/bulk: validates the rows, queues the valid ones and answers 202 with the job to poll. */
export const handler = apiHandler('bulkImportEmployees', EMPLOYEE_REQUESTS, async (req) => {
  const job = await startBulkImport(bulkImportDeps(), requestContext(req), req.body);
  return { status: 202, body: job, headers: { Location: apiLocation(`/jobs/${job.id}`) } };
});
