import { apiHandler } from '#shared/http/api-handler';
import { businessDeps, requestContext } from '#shared/adapters/postgres/business-deps';
import { EMPLOYEE_REQUESTS } from '#shared/schemas/employees';
import { deleteEmployee } from '#shared/use-cases/employees/employees';

/** DELETE /employees/{id}: deletes at Abhi, keeps the mirror row as `deleted` (the ledger refers to it). */
export const handler = apiHandler('deleteEmployee', EMPLOYEE_REQUESTS, async (req) => ({
  status: 200,
  body: await deleteEmployee(businessDeps(), requestContext(req), req.params.id),
}));
