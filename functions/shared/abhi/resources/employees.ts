import * as z from '#shared/zod';
import * as S from '../schemas';
import type { CallOptions, Resolution } from '../transport';
import { id, pageQuery, type AbhiResourceContext } from './context';

/** `client.employees`: the /employees endpoints (group `employees`). */
export function employeesResource(abhi: AbhiResourceContext) {
  const list = (opts: S.EmployeeListOptions = {}, options?: CallOptions) =>
    abhi.call(
      {
        operation: 'employees.list',
        group: 'employees',
        method: 'GET',
        pathTemplate: '/employees',
        path: '/employees',
        query: { ...pageQuery(opts), search: opts.search, department: opts.department, status: opts.status },
        schema: S.employeeSchemas().EmployeeList,
        idempotent: true,
      },
      options,
    );

  const findByCode = async (employeeCode: string, options?: CallOptions): Promise<S.Employee | undefined> => {
    // The SDK's GetByEmployeeCode sends search=code&limit=1; a larger page guards against fuzzy search ordering.
    const page = await list({ search: employeeCode, limit: 50 }, options);
    return page.results.find((e) => e.employeeCode === employeeCode);
  };

  const create = async (employees: readonly S.EmployeeInput[], options?: CallOptions): Promise<void> => {
    const body = { employees: employees.map((e, i) => abhi.validate(S.employeeSchemas().EmployeeInput, e, 'employees.create', `POST /employees [${i}]`)) };
    if (body.employees.length === 0) abhi.validate(z.array(S.employeeSchemas().EmployeeInput).check(z.minLength(1)), [], 'employees.create', 'POST /employees');
    await abhi.call<void>(
      {
        operation: 'employees.create',
        group: 'employees',
        method: 'POST',
        pathTemplate: '/employees',
        path: '/employees',
        body,
        idempotent: false,
        reference: body.employees.map((e) => e.employeeCode).join(','),
        // Lost answer: the employee codes tell whether the batch was applied.
        resolveUnknown: async (deadline): Promise<Resolution<void>> => {
          const found = await Promise.all(body.employees.map((e) => findByCode(e.employeeCode, { deadline })));
          const present = found.filter(Boolean).length;
          if (present === body.employees.length) return { found: true, value: undefined };
          if (present === 0) return { found: false };
          throw new Error(`${present} of ${body.employees.length} employees exist after the lost answer`);
        },
      },
      options,
    );
  };

  const update = async (employees: readonly S.EmployeeUpdate[], options?: CallOptions): Promise<void> => {
    const body = { employees: employees.map((e, i) => abhi.validate(S.employeeSchemas().EmployeeUpdate, e, 'employees.update', `PUT /employees [${i}]`)) };
    await abhi.call<void>({ operation: 'employees.update', group: 'employees', method: 'PUT', pathTemplate: '/employees', path: '/employees', body, idempotent: true }, options);
    await Promise.all(body.employees.map((e) => abhi.invalidate('employee', e.id)));
  };

  return {
    /** GET /employees?page&limit&search&department&status → {total, results}. */
    list,
    /** All pages (limit 100), stopping on a short page or once `total` rows are read (never loops forever). */
    listAll: async (opts: Omit<S.EmployeeListOptions, 'page' | 'limit'> = {}, options?: CallOptions): Promise<S.Employee[]> => {
      const all: S.Employee[] = [];
      for (let page = 1; page <= 1000; page++) {
        const result = await list({ ...opts, page, limit: 100 }, options);
        all.push(...result.results);
        if (result.results.length < 100 || all.length >= result.total) break;
      }
      return all;
    },
    /** GET /employees/{id} → Employee (cached 5 min). */
    get: (employeeId: string, options?: CallOptions) =>
      abhi.call(
        {
          operation: 'employees.get',
          group: 'employees',
          method: 'GET',
          pathTemplate: '/employees/{employeeId}',
          path: `/employees/${id(employeeId)}`,
          schema: S.employeeSchemas().Employee,
          idempotent: true,
          cache: { kind: 'employee', key: employeeId },
        },
        options,
      ),
    /** POST /employees {employees:[…]}. Abhi returns no ids: use `findByCode` afterwards. */
    create,
    createOne: (employee: S.EmployeeInput, options?: CallOptions) => create([employee], options),
    /** PUT /employees {employees:[…]} (each with `id`). */
    update,
    updateOne: (employee: S.EmployeeUpdate, options?: CallOptions) => update([employee], options),
    /** DELETE /employees/{id}. A 404 after a lost answer counts as deleted. */
    delete: async (employeeId: string, options?: CallOptions): Promise<void> => {
      await abhi.call<void>(
        {
          operation: 'employees.delete',
          group: 'employees',
          method: 'DELETE',
          pathTemplate: '/employees/{employeeId}',
          path: `/employees/${id(employeeId)}`,
          idempotent: true,
          doneAfterUnknown: (error) => error.statusCode === 404,
        },
        options,
      );
      await abhi.invalidate('employee', employeeId);
    },
    /** GET /employees?search=term&limit=N (default 50, as the SDK). */
    search: (term: string, limit = 50, options?: CallOptions) => list({ search: term, limit }, options),
    /** Exact match on employeeCode (search, then filter). */
    findByCode,
  };
}
