import { apiHandler } from '#shared/http/api-handler';
import { employeeDeps } from '#shared/wiring/employees';
import { requestContext } from '#shared/wiring/invocation';
import { EMPLOYEE_REQUESTS } from '#shared/schemas/employees';
import { getEmployee } from '#shared/use-cases/employees/employees';

/** GET /employees/{id}: Abhi's current record (cached briefly), mirrored, masked. */
export const handler = apiHandler('getEmployee', EMPLOYEE_REQUESTS, async (req) => ({
  status: 200,
  body: await getEmployee(employeeDeps(), requestContext(req), req.params.id),
}));
