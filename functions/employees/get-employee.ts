import { apiHandler } from '#shared/http/api-handler';
import { businessDeps, requestContext } from '#shared/adapters/postgres/business-deps';
import { EMPLOYEE_REQUESTS } from '#shared/schemas/employees';
import { getEmployee } from '#shared/use-cases/employees/employees';

/** GET /employees/{id}: Abhi's current record (cached briefly), mirrored, masked. */
export const handler = apiHandler('getEmployee', EMPLOYEE_REQUESTS, async (req) => ({
  status: 200,
  body: await getEmployee(businessDeps(), requestContext(req), req.params.id),
}));
