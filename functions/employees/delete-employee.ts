import { apiHandler } from '#shared/http/api-handler';
import { employeeDeps } from '#shared/wiring/employees';
import { requestContext } from '#shared/wiring/invocation';
import { EMPLOYEE_REQUESTS } from '#shared/schemas/employees';
import { deleteEmployee } from '#shared/use-cases/employees/employees';

/** DELETE /employees/{id}: deletes at Abhi, keeps the mirror row as `deleted` (the ledger refers to it). */
export const handler = apiHandler('deleteEmployee', EMPLOYEE_REQUESTS, async (req) => ({
  status: 200,
  body: await deleteEmployee(employeeDeps(), requestContext(req), req.params.id),
}));
