import type { OrganizationScope } from '#shared/auth/tenant';
import type { Queryable } from '#shared/db/pool';
import type { NotificationLocale } from '#shared/schemas/common';

/**
 * The employee mirror (PostgreSQL's `employees`: the local mirror of Abhi's record and the system of record for
 * everything local). Sensitive fields arrive already encrypted (`*_enc`) with their last four digits for masking.
 * Every method takes the connection first, so a use case's writes compose in one transaction:
 * `deps.transaction((tx) => deps.employees.insert(tx, record))`.
 */
export interface EmployeeStore extends EmployeeMirror {
  findByIds(db: Queryable, ids: readonly string[]): Promise<EmployeeRow[]>;
  /** A page of employees in a stable order (last name, first name, id). */
  list(db: Queryable, filter: EmployeeFilter, page: number, limit: number): Promise<{ rows: EmployeeRow[]; total: number }>;
  /** Best matches first: exact code or e-mail, then name prefix, then anything containing the term. */
  search(db: Queryable, filter: EmployeeFilter & { search: string }, limit: number): Promise<EmployeeRow[]>;
}

/**
 * What the mirror's writers (employee routes, import, sync) use: single rows by id or code, and the writes. Their
 * roots wire only this part, so their bundles leave out the list and report queries.
 */
export interface EmployeeMirror {
  findById(db: Queryable, id: string, options?: { forUpdate?: boolean }): Promise<EmployeeRow | undefined>;
  findByCode(db: Queryable, organizationId: string, employeeCode: string): Promise<EmployeeRow | undefined>;
  /** The organization's employees with any of these codes (one query for a whole batch). */
  findByCodes(db: Queryable, organizationId: string, codes: readonly string[]): Promise<EmployeeRow[]>;
  insert(db: Queryable, record: EmployeeRecord, options?: { synced?: boolean }): Promise<EmployeeRow>;
  /** Sets the given fields and `updated_at`; returns the row after the change. */
  update(
    db: Queryable,
    id: string,
    changes: Partial<Omit<EmployeeRecord, 'id' | 'organizationId' | 'employeeCode'>>,
    options?: { synced?: boolean },
  ): Promise<EmployeeRow | undefined>;
  /** Soft delete: the row stays (the ledger refers to it) with status `deleted`. */
  markDeleted(db: Queryable, id: string): Promise<void>;
  /** True while any of the employee's advance requests is open (OPEN_ADVANCE_STATUSES): they block a delete. */
  hasOpenAdvances(db: Queryable, employeeId: string): Promise<boolean>;
}

/** A stored employee, as the mirror returns it (dates as YYYY-MM-DD text, amounts as decimal text). */
export interface EmployeeRow {
  id: string;
  organization_id: string;
  employee_code: string;
  first_name: string;
  last_name: string;
  department: string | null;
  designation: string | null;
  phone: string | null;
  email: string | null;
  dob: string | null;
  date_of_joining: string | null;
  account_title: string | null;
  account_number_enc: string | null;
  account_number_last4: string | null;
  emirates_id_enc: string | null;
  emirates_id_last4: string | null;
  net_salary: string | null;
  gender: string | null;
  bank_id: string | null;
  payroll_start_day: number | null;
  preferred_locale: NotificationLocale | null;
  status: string;
  synced_at: Date | null;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

/** Columns a write sets (everything but the timestamps the database manages). */
export interface EmployeeRecord {
  id: string;
  organizationId: string;
  employeeCode: string;
  firstName: string;
  lastName: string;
  department: string | null;
  designation: string | null;
  phone: string | null;
  email: string | null;
  dob: string | null;
  dateOfJoining: string | null;
  accountTitle: string | null;
  accountNumberEnc: string | null;
  accountNumberLast4: string | null;
  emiratesIdEnc: string | null;
  emiratesIdLast4: string | null;
  /** Decimal string, e.g. "8000.00". */
  netSalary: string | null;
  gender: string | null;
  bankId: string | null;
  payrollStartDay: number | null;
  /** Language of the employee's notifications; absent or null: the organization's (ADR 0022). */
  preferredLocale?: NotificationLocale | null;
  status: string;
}

export interface EmployeeFilter {
  scope: OrganizationScope;
  organizationId?: string;
  department?: string;
  search?: string;
  status?: string;
  /** Restrict to one employee (self-only principals). */
  employeeId?: string;
}
