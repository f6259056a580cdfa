import { toFils } from '#shared/domain/money';
import type { SandboxAuth } from '../auth';
import { SandboxHttpError, type SandboxDomain } from '../domain';
import type { SeedEmployee } from '../seed';
import { bad, isUuid4, isYmd, ok, paginate, str, type AddRoute } from './route-kit';

/** Sandbox routes for the /employees endpoints (deleting an employee also removes its sandbox users). */
export function employeesRoutes(route: AddRoute, domain: SandboxDomain, auth: SandboxAuth): void {
  const employeeFields = (raw: unknown, index: number, requireId: boolean) => {
    if (typeof raw !== 'object' || raw === null) throw bad(`employees[${index}] must be an object`);
    const e = raw as Record<string, unknown>;
    const issues: string[] = [];
    for (const field of ['employeeCode', 'firstName', 'lastName', 'department', 'designation', 'accountTitle', 'accountNumber', 'emiratesId'])
      if (!str(e[field])) issues.push(`${field} is required`);
    if (requireId && !str(e.id)) issues.push('id is required');
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(str(e.email))) issues.push('email must be an email address');
    if (!isYmd(e.dob)) issues.push('dob must be YYYY-MM-DD');
    if (!isYmd(e.dateOfJoining)) issues.push('dateOfJoining must be YYYY-MM-DD');
    if (typeof e.netSalary !== 'string') issues.push('netSalary must be a string');
    else if (!/^\d{1,12}(\.\d{1,2})?$/.test(e.netSalary.trim())) issues.push('netSalary must be a decimal amount');
    if (!['male', 'female'].includes(str(e.gender).toLowerCase())) issues.push('gender must be Male or Female');
    if (!isUuid4(e.bankId)) issues.push('bankId must be a UUID v4');
    else if (!domain.banks.some((b) => b.id === e.bankId && b.isActive)) issues.push('bankId is not an active bank');
    if (!Number.isInteger(e.payrollStartDay) || (e.payrollStartDay as number) < 1 || (e.payrollStartDay as number) > 31) issues.push('payrollStartDay must be 1-31');
    if (issues.length) throw new SandboxHttpError(400, 'Validation failed', `employees[${index}]: ${issues.join('; ')}`);
    const gender = str(e.gender).toLowerCase() === 'male' ? 'Male' : 'Female';
    return {
      id: str(e.id),
      employeeCode: str(e.employeeCode),
      firstName: str(e.firstName),
      lastName: str(e.lastName),
      department: str(e.department),
      designation: str(e.designation),
      phone: str(e.phone),
      email: str(e.email),
      dob: String(e.dob),
      dateOfJoining: String(e.dateOfJoining),
      accountTitle: str(e.accountTitle),
      accountNumber: str(e.accountNumber),
      netSalaryFils: toFils(String(e.netSalary).trim()),
      emiratesId: str(e.emiratesId),
      gender: gender as 'Male' | 'Female',
      bankId: String(e.bankId),
      payrollStartDay: e.payrollStartDay as number,
    };
  };
  const employeesOf = (body: Record<string, unknown>) => {
    if (!Array.isArray(body.employees) || body.employees.length === 0) throw bad('employees must be a non-empty array');
    return body.employees as unknown[];
  };
  const conflictCheck = (candidate: { id?: string; employeeCode: string; emiratesId: string }, others: { employeeCode: string; emiratesId: string }[]) => {
    for (const e of [...domain.employees.values()].filter((e) => e.id !== candidate.id)) {
      if (e.employeeCode === candidate.employeeCode) throw new SandboxHttpError(409, 'Conflict', `employeeCode ${candidate.employeeCode} already exists`);
      if (e.emiratesId === candidate.emiratesId) throw new SandboxHttpError(409, 'Conflict', 'emiratesId already belongs to another employee');
    }
    if (others.some((o) => o.employeeCode === candidate.employeeCode)) throw new SandboxHttpError(409, 'Conflict', `employeeCode ${candidate.employeeCode} appears twice`);
  };

  route('GET', '/employees', (ctx) => {
    const search = ctx.query.get('search')?.toLowerCase();
    const department = ctx.query.get('department')?.toLowerCase();
    const status = ctx.query.get('status')?.toLowerCase();
    const filtered = [...domain.employees.values()]
      .filter(
        (e) =>
          (!search || [e.firstName, e.lastName, `${e.firstName} ${e.lastName}`, e.employeeCode, e.email].some((v) => v.toLowerCase().includes(search))) &&
          (!department || e.department.toLowerCase() === department) &&
          (!status || e.status === status),
      )
      .sort((a, b) => a.createdAt - b.createdAt || a.employeeCode.localeCompare(b.employeeCode));
    const page = paginate(filtered, ctx.query);
    return ok({ total: page.total, results: page.results.map((e) => domain.employeeJson(e)) });
  });
  route('GET', '/employees/:id', (ctx) => ok(domain.employeeJson(domain.employee(ctx.params[0]!))));
  route('POST', '/employees', (ctx) => {
    const inputs = employeesOf(ctx.body).map((raw, i) => employeeFields(raw, i, false));
    inputs.forEach((input, i) => conflictCheck({ ...input, id: undefined }, inputs.slice(0, i)));
    const now = domain.now;
    const ids: string[] = [];
    for (const input of inputs) {
      const employee: SeedEmployee = { ...input, id: domain.newId(), status: 'active', organizationId: domain.root.id, createdAt: now, updatedAt: now };
      domain.employees.set(employee.id, employee);
      ids.push(employee.id);
    }
    return ok({ created: ids.length, ids }, 201, 'Employees created');
  });
  route('PUT', '/employees', (ctx) => {
    const inputs = employeesOf(ctx.body).map((raw, i) => employeeFields(raw, i, true));
    for (const input of inputs) domain.employee(input.id);
    inputs.forEach((input, i) => conflictCheck(input, inputs.slice(0, i)));
    const now = domain.now;
    for (const input of inputs) {
      const existing = domain.employee(input.id);
      domain.employees.set(input.id, { ...existing, ...input, updatedAt: now });
    }
    return ok({ updated: inputs.length }, 200, 'Employees updated');
  });
  route('DELETE', '/employees/:id', (ctx) => {
    const employee = domain.employee(ctx.params[0]!);
    if (domain.outstanding(employee).totalFils > 0n) throw new SandboxHttpError(409, 'Conflict', 'The employee has an outstanding balance');
    domain.employees.delete(employee.id);
    for (const user of auth.users.values()) if (user.employeeId === employee.id) auth.users.delete(user.username);
    return ok({ deleted: employee.id }, 200, 'Employee deleted');
  });
}
