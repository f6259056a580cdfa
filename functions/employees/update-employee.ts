import { apiHandler } from '#shared/http/api-handler';
import { employeeDeps } from '#shared/wiring/employees';
import { requestContext } from '#shared/wiring/invocation';
import { EMPLOYEE_REQUESTS } from '#shared/schemas/employees';
import { updateEmployee } from '#shared/use-cases/employees/employees';

/** PUT /employees/{id}: changes the employee at Abhi and in the mirror (`employee.updated`). */
export const handler = apiHandler('updateEmployee', EMPLOYEE_REQUESTS, async (req) => ({
  status: 200,
  body: await updateEmployee(employeeDeps(), requestContext(req), req.params.id, req.body),
}));
