import { apiHandler } from '#shared/http/api-handler';
import { requestContext } from '#shared/wiring/invocation';
import { employeeListDeps } from '#shared/wiring/readers';
import { EMPLOYEE_REQUESTS } from '#shared/schemas/employees';
import { searchEmployees } from '#shared/use-cases/employees/employees';

/** GET /employees/search?q=&limit=: best matches first (exact code or e-mail, then name prefix, then substring). */
export const handler = apiHandler('searchEmployees', EMPLOYEE_REQUESTS, async (req) => ({
  status: 200,
  body: await searchEmployees(employeeListDeps(), requestContext(req), req.query),
}));
