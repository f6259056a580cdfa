import { EMPLOYEE_REQUESTS } from '#shared/schemas/employees';
import { apiHandler } from '#shared/http/api-handler';
import { employeeDeps } from '#shared/wiring/employees';
import { requestContext } from '#shared/wiring/invocation';
import { getMyProfile } from '#shared/use-cases/employees/employees';

/** GET /employee/me: the employee record named by the caller's token. */
export const handler = apiHandler('getMyEmployeeProfile', EMPLOYEE_REQUESTS, async (req) => ({
  status: 200,
  body: await getMyProfile(employeeDeps(), requestContext(req)),
}));
