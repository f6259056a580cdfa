import { apiHandler, apiLocation } from '#shared/http/api-handler';
import { employeeDeps } from '#shared/wiring/employees';
import { requestContext } from '#shared/wiring/invocation';
import { EMPLOYEE_REQUESTS } from '#shared/schemas/employees';
import { createEmployee } from '#shared/use-cases/employees/employees';

/** POST /employees: creates the employee at Abhi, then the mirror row with its `employee.created` event. */
export const handler = apiHandler('createEmployee', EMPLOYEE_REQUESTS, async (req) => {
  const employee = await createEmployee(employeeDeps(), requestContext(req), req.body);
  return { status: 201, body: employee, headers: { Location: apiLocation(`/employees/${employee.id}`) } };
});
