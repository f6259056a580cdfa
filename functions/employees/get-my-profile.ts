import { EMPLOYEE_REQUESTS } from '#shared/schemas/employees';
import { apiHandler } from '#shared/http/api-handler';
import { businessDeps, requestContext } from '#shared/adapters/postgres/business-deps';
import { getMyProfile } from '#shared/use-cases/employees/employees';

/** GET /employee/me: the employee record named by the caller's token. */
export const handler = apiHandler('getMyEmployeeProfile', EMPLOYEE_REQUESTS, async (req) => ({
  status: 200,
  body: await getMyProfile(businessDeps(), requestContext(req)),
}));
