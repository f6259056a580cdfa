import { apiHandler } from '#shared/http/api-handler';
import { requestContext } from '#shared/wiring/invocation';
import { employeeListDeps } from '#shared/wiring/readers';
import { EMPLOYEE_REQUESTS } from '#shared/schemas/employees';
import { listEmployees } from '#shared/use-cases/employees/employees';

/** GET /employees: the caller's organizations' employees from the mirror, paginated, stable order. */
export const handler = apiHandler('listEmployees', EMPLOYEE_REQUESTS, async (req) => ({
  status: 200,
  body: await listEmployees(employeeListDeps(), requestContext(req), req.query),
}));
