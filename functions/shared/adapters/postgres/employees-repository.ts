import type { Queryable } from '#shared/db/pool';
import { OPEN_ADVANCE_STATUSES } from '#shared/domain/advance-status';
import type { EmployeeFilter, EmployeeMirror, EmployeeRecord, EmployeeRow, EmployeeStore } from '#shared/use-cases/ports/employee-store';

/**
 * Employees in PostgreSQL (the local mirror and system of record): the EmployeeStore port. Sensitive fields arrive
 * here already encrypted (`*_enc`) with their last four digits for masking; this module never sees them in clear.
 */

// Dates come back as text so no time zone shifts a date of birth.
const RETURNED = `id, organization_id, employee_code, first_name, last_name, department, designation, phone, email,
  to_char(dob, 'YYYY-MM-DD') AS dob, to_char(date_of_joining, 'YYYY-MM-DD') AS date_of_joining, account_title,
  account_number_enc, account_number_last4, emirates_id_enc, emirates_id_last4, net_salary::text AS net_salary, gender,
  bank_id, payroll_start_day, preferred_locale, status, synced_at, created_at, updated_at, deleted_at`;
const SELECT = `SELECT ${RETURNED} FROM employees`;

export async function findEmployeeById(db: Queryable, id: string, options: { forUpdate?: boolean } = {}): Promise<EmployeeRow | undefined> {
  const { rows } = await db.query<EmployeeRow>(`${SELECT} WHERE id = $1${options.forUpdate ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0];
}

export async function findEmployeeByCode(db: Queryable, organizationId: string, employeeCode: string): Promise<EmployeeRow | undefined> {
  const { rows } = await db.query<EmployeeRow>(`${SELECT} WHERE organization_id = $1 AND employee_code = $2`, [organizationId, employeeCode]);
  return rows[0];
}

/** The organization's employees with any of these codes (one query for a whole batch). */
export async function findEmployeesByCodes(db: Queryable, organizationId: string, codes: readonly string[]): Promise<EmployeeRow[]> {
  if (codes.length === 0) return [];
  const { rows } = await db.query<EmployeeRow>(`${SELECT} WHERE organization_id = $1 AND employee_code = ANY($2::text[])`, [organizationId, [...codes]]);
  return rows;
}

export async function findEmployeesByIds(db: Queryable, ids: readonly string[]): Promise<EmployeeRow[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query<EmployeeRow>(`${SELECT} WHERE id = ANY($1::text[])`, [[...ids]]);
  return rows;
}

function where(filter: EmployeeFilter): { sql: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const add = (clause: (n: string) => string, value: unknown) => {
    params.push(value);
    clauses.push(clause(`$${params.length}`));
  };
  if (filter.scope.kind === 'only') add((p) => `organization_id = ANY(${p}::text[])`, [...filter.scope.organizationIds]);
  if (filter.organizationId) add((p) => `organization_id = ${p}`, filter.organizationId);
  if (filter.employeeId) add((p) => `id = ${p}`, filter.employeeId);
  if (filter.department) add((p) => `lower(department) = lower(${p})`, filter.department);
  if (filter.status) add((p) => `status = ${p}`, filter.status);
  else clauses.push(`status <> 'deleted'`);
  if (filter.search) {
    add(
      (p) =>
        `(first_name ILIKE ${p} OR last_name ILIKE ${p} OR (first_name || ' ' || last_name) ILIKE ${p} OR employee_code ILIKE ${p} OR email ILIKE ${p})`,
      `%${escapeLike(filter.search)}%`,
    );
  }
  return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

/** A page of employees in a stable order (last name, first name, id). */
export async function listEmployees(
  db: Queryable,
  filter: EmployeeFilter,
  page: number,
  limit: number,
): Promise<{ rows: EmployeeRow[]; total: number }> {
  const { sql, params } = where(filter);
  const [list, count] = await Promise.all([
    db.query<EmployeeRow>(`${SELECT} ${sql} ORDER BY last_name, first_name, id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`, [
      ...params,
      limit,
      (page - 1) * limit,
    ]),
    db.query<{ total: number }>(`SELECT count(*)::int AS total FROM employees ${sql}`, params),
  ]);
  return { rows: list.rows, total: count.rows[0]?.total ?? 0 };
}

/** Best matches first: exact code or e-mail, then name prefix, then anything containing the term. */
export async function searchEmployees(db: Queryable, filter: EmployeeFilter & { search: string }, limit: number): Promise<EmployeeRow[]> {
  const { sql, params } = where(filter);
  const term = filter.search;
  const { rows } = await db.query<EmployeeRow>(
    `${SELECT} ${sql}
     ORDER BY CASE
       WHEN lower(employee_code) = lower($${params.length + 1}) OR lower(email) = lower($${params.length + 1}) THEN 0
       WHEN first_name ILIKE $${params.length + 2} OR last_name ILIKE $${params.length + 2} THEN 1
       ELSE 2 END, last_name, first_name, id
     LIMIT $${params.length + 3}`,
    [...params, term, `${escapeLike(term)}%`, limit],
  );
  return rows;
}

const WRITE_COLUMNS = [
  ['id', 'id'],
  ['organization_id', 'organizationId'],
  ['employee_code', 'employeeCode'],
  ['first_name', 'firstName'],
  ['last_name', 'lastName'],
  ['department', 'department'],
  ['designation', 'designation'],
  ['phone', 'phone'],
  ['email', 'email'],
  ['dob', 'dob'],
  ['date_of_joining', 'dateOfJoining'],
  ['account_title', 'accountTitle'],
  ['account_number_enc', 'accountNumberEnc'],
  ['account_number_last4', 'accountNumberLast4'],
  ['emirates_id_enc', 'emiratesIdEnc'],
  ['emirates_id_last4', 'emiratesIdLast4'],
  ['net_salary', 'netSalary'],
  ['gender', 'gender'],
  ['bank_id', 'bankId'],
  ['payroll_start_day', 'payrollStartDay'],
  ['preferred_locale', 'preferredLocale'],
  ['status', 'status'],
] as const satisfies readonly (readonly [string, keyof EmployeeRecord])[];

export async function insertEmployee(db: Queryable, record: EmployeeRecord, options: { synced?: boolean } = {}): Promise<EmployeeRow> {
  const columns = WRITE_COLUMNS.map(([column]) => column);
  const values = WRITE_COLUMNS.map(([, key]) => record[key]);
  const { rows } = await db.query<EmployeeRow>(
    `INSERT INTO employees (${columns.join(', ')}, synced_at) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')}, ${
      options.synced ? 'now()' : 'NULL'
    }) RETURNING ${RETURNED}`,
    values,
  );
  return rows[0]!;
}

/** Sets the given fields (record keys) and `updated_at`; returns the row after the change. */
export async function updateEmployee(
  db: Queryable,
  id: string,
  changes: Partial<Omit<EmployeeRecord, 'id' | 'organizationId' | 'employeeCode'>>,
  options: { synced?: boolean } = {},
): Promise<EmployeeRow | undefined> {
  const sets: string[] = [];
  const params: unknown[] = [id];
  for (const [column, key] of WRITE_COLUMNS) {
    if (key === 'id' || key === 'organizationId' || key === 'employeeCode') continue;
    const value = (changes as Record<string, unknown>)[key];
    if (value === undefined) continue;
    params.push(value);
    sets.push(`${column} = $${params.length}`);
  }
  if (options.synced) sets.push('synced_at = now()');
  if (sets.length === 0) return findEmployeeById(db, id);
  await db.query(`UPDATE employees SET ${sets.join(', ')}, updated_at = now() WHERE id = $1`, params);
  return findEmployeeById(db, id);
}

/** Soft delete: the row stays (the ledger refers to it) with status `deleted`. */
export async function markEmployeeDeleted(db: Queryable, id: string): Promise<void> {
  await db.query(`UPDATE employees SET status = 'deleted', deleted_at = now(), updated_at = now() WHERE id = $1`, [id]);
}

export async function hasOpenAdvances(db: Queryable, employeeId: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM advance_requests WHERE employee_id = $1 AND status = ANY($2::text[]) LIMIT 1', [
    employeeId,
    [...OPEN_ADVANCE_STATUSES],
  ]);
  return (rowCount ?? 0) > 0;
}

export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** What the mirror's writers use (their roots wire only this, and bundle only these queries). */
export const postgresEmployeeMirror: EmployeeMirror = {
  findById: findEmployeeById,
  findByCode: findEmployeeByCode,
  findByCodes: findEmployeesByCodes,
  insert: insertEmployee,
  update: updateEmployee,
  markDeleted: markEmployeeDeleted,
  hasOpenAdvances,
};

// Listed again, not spread: a spread keeps both objects (and every query) in bundles that use neither.
export const postgresEmployees: EmployeeStore = {
  findById: findEmployeeById,
  findByCode: findEmployeeByCode,
  findByCodes: findEmployeesByCodes,
  insert: insertEmployee,
  update: updateEmployee,
  markDeleted: markEmployeeDeleted,
  hasOpenAdvances,
  findByIds: findEmployeesByIds,
  list: listEmployees,
  search: searchEmployees,
};
