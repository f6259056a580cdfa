import { apiHandler } from '#shared/http/api-handler';
import { businessDeps, requestContext } from '#shared/adapters/postgres/business-deps';
import { EMPLOYEE_REQUESTS } from '#shared/schemas/employees';
import { updateEmployee } from '#shared/use-cases/employees/employees';

/** PUT /employees/{id}: changes the employee at Abhi and in the mirror (`employee.updated`). */
export const handler = apiHandler('updateEmployee', EMPLOYEE_REQUESTS, async (req) => ({
  status: 200,
  body: await updateEmployee(businessDeps(), requestContext(req), req.params.id, req.body),
}));
