import type { Employee as AbhiEmployee, EmployeeInput as AbhiEmployeeInput } from '#shared/abhi/schemas';
import { lastFour, maskAccountNumber, maskEmiratesId, type FieldCipher } from '#shared/crypto/field-cipher';
import { filsToDecimalString, toFils } from '#shared/domain/money';
import type { BulkRow, EmployeeView } from '#shared/schemas/employees';
import type { EmployeeRecord, EmployeeRow } from '../ports/employee-store';

/** Conversions between the API's employee, Abhi's wire shape and the stored row. */

/** The fields every create carries (the API body or an import row). */
export type EmployeeFields = BulkRow;

/** `8000` → `"8000.00"` (Abhi wants netSalary as a string; the conversion is exact, through fils). */
export function netSalaryString(amount: number): string {
  return filsToDecimalString(toFils(amount));
}

export function toAbhiInput(fields: EmployeeFields): AbhiEmployeeInput {
  return {
    employeeCode: fields.employeeCode,
    firstName: fields.firstName,
    lastName: fields.lastName,
    department: fields.department,
    designation: fields.designation,
    ...(fields.phone ? { phone: fields.phone } : {}),
    email: fields.email,
    dob: fields.dob,
    dateOfJoining: fields.dateOfJoining,
    accountTitle: fields.accountTitle,
    accountNumber: fields.accountNumber,
    netSalary: netSalaryString(fields.netSalary),
    emiratesId: fields.emiratesId,
    gender: fields.gender,
    bankId: fields.bankId,
    payrollStartDay: fields.payrollStartDay,
  };
}

/** Encrypts the two sensitive fields for storage (ciphertext + last four digits for masking). */
export async function sealSensitive(
  cipher: FieldCipher,
  values: { accountNumber?: string | null; emiratesId?: string | null },
): Promise<Pick<EmployeeRecord, 'accountNumberEnc' | 'accountNumberLast4' | 'emiratesIdEnc' | 'emiratesIdLast4'>> {
  const [accountNumberEnc, emiratesIdEnc] = await Promise.all([
    values.accountNumber ? cipher.encrypt('account_number', values.accountNumber) : Promise.resolve(null),
    values.emiratesId ? cipher.encrypt('emirates_id', values.emiratesId) : Promise.resolve(null),
  ]);
  return {
    accountNumberEnc,
    accountNumberLast4: values.accountNumber ? lastFour(values.accountNumber) : null,
    emiratesIdEnc,
    emiratesIdLast4: values.emiratesId ? lastFour(values.emiratesId) : null,
  };
}

export function recordFromFields(
  id: string,
  organizationId: string,
  fields: EmployeeFields,
  sealed: Pick<EmployeeRecord, 'accountNumberEnc' | 'accountNumberLast4' | 'emiratesIdEnc' | 'emiratesIdLast4'>,
  status = 'active',
): EmployeeRecord {
  return {
    id,
    organizationId,
    employeeCode: fields.employeeCode,
    firstName: fields.firstName,
    lastName: fields.lastName,
    department: fields.department,
    designation: fields.designation,
    phone: fields.phone ?? null,
    email: fields.email,
    dob: fields.dob,
    dateOfJoining: fields.dateOfJoining,
    accountTitle: fields.accountTitle,
    ...sealed,
    netSalary: netSalaryString(fields.netSalary),
    gender: fields.gender,
    bankId: fields.bankId,
    payrollStartDay: fields.payrollStartDay,
    status,
  };
}

/** Abhi's netSalary text ("8000", "8000.5") → a stored decimal; undefined when absent or not a number. */
export function abhiNetSalary(value: string | undefined): string | null {
  if (value === undefined || value.trim() === '') return null;
  try {
    return filsToDecimalString(toFils(Number(Number(value).toFixed(2))));
  } catch {
    return null;
  }
}

/**
 * The non-sensitive columns Abhi's record implies, for comparison with (and update of) the stored row. Fields Abhi
 * left out keep their stored value.
 */
export function mirroredColumns(remote: AbhiEmployee, row?: EmployeeRow): Partial<EmployeeRecord> {
  // Absent keeps the stored value; an empty string (Go's zero value) means "none".
  const pick = <T>(value: T | undefined, stored: T | null | undefined): T | null =>
    value === undefined ? (stored ?? null) : value === '' ? null : value;
  return {
    firstName: remote.firstName ?? row?.first_name ?? remote.employeeCode,
    lastName: remote.lastName ?? row?.last_name ?? '',
    department: pick(remote.department, row?.department),
    designation: pick(remote.designation, row?.designation),
    phone: pick(remote.phone, row?.phone),
    email: pick(remote.email, row?.email),
    dob: pick(remote.dob, row?.dob),
    dateOfJoining: pick(remote.dateOfJoining, row?.date_of_joining),
    accountTitle: pick(remote.accountTitle, row?.account_title),
    netSalary: remote.netSalary === undefined ? (row?.net_salary ?? null) : abhiNetSalary(remote.netSalary),
    gender: remote.gender ? (remote.gender.toLowerCase() === 'male' ? 'Male' : remote.gender.toLowerCase() === 'female' ? 'Female' : remote.gender) : (row?.gender ?? null),
    bankId: pick(remote.bankId, row?.bank_id),
    payrollStartDay: pick(remote.payrollStartDay, row?.payroll_start_day),
  };
}

/** Names of columns whose values differ between the stored row and `next`. */
export function changedColumns(row: EmployeeRow, next: Partial<EmployeeRecord>): string[] {
  const current: Record<string, unknown> = {
    firstName: row.first_name,
    lastName: row.last_name,
    department: row.department,
    designation: row.designation,
    phone: row.phone,
    email: row.email,
    dob: row.dob,
    dateOfJoining: row.date_of_joining,
    accountTitle: row.account_title,
    netSalary: row.net_salary,
    gender: row.gender,
    bankId: row.bank_id,
    payrollStartDay: row.payroll_start_day,
    preferredLocale: row.preferred_locale,
    status: row.status,
  };
  return Object.entries(next)
    .filter(([key, value]) => key in current && value !== undefined && String(value ?? '') !== String(current[key] ?? ''))
    .map(([key]) => key);
}

/** Whether Abhi's clear-text sensitive values differ from what is stored (decrypts the stored values to compare). */
export async function sensitiveChanges(
  cipher: FieldCipher,
  row: EmployeeRow | undefined,
  remote: Pick<AbhiEmployee, 'accountNumber' | 'emiratesId'>,
): Promise<{ accountNumber?: string; emiratesId?: string }> {
  const out: { accountNumber?: string; emiratesId?: string } = {};
  const differs = async (field: 'account_number' | 'emirates_id', stored: string | null | undefined, value: string | undefined) => {
    if (!value || looksMasked(value)) return false;
    if (!stored) return true;
    try {
      return (await cipher.decrypt(field, stored)) !== value;
    } catch {
      return true; // unreadable (e.g. key rotated without re-encryption): store Abhi's value afresh
    }
  };
  if (await differs('account_number', row?.account_number_enc, remote.accountNumber)) out.accountNumber = remote.accountNumber!;
  if (await differs('emirates_id', row?.emirates_id_enc, remote.emiratesId)) out.emiratesId = remote.emiratesId!;
  return out;
}

/** Abhi may return these fields masked; a masked value is never stored over a real one. */
function looksMasked(value: string): boolean {
  return value.includes('*');
}

/** The stored row as the API shows it: sensitive numbers masked to their last four digits. */
export function toEmployeeView(row: EmployeeRow): EmployeeView {
  return {
    id: row.id,
    organizationId: row.organization_id,
    employeeCode: row.employee_code,
    firstName: row.first_name,
    lastName: row.last_name,
    department: row.department,
    designation: row.designation,
    phone: row.phone,
    email: row.email,
    dob: row.dob,
    dateOfJoining: row.date_of_joining,
    accountTitle: row.account_title,
    accountNumber: maskAccountNumber(row.account_number_last4),
    netSalary: row.net_salary === null ? null : Number(row.net_salary),
    emiratesId: maskEmiratesId(row.emirates_id_last4),
    gender: row.gender,
    bankId: row.bank_id,
    payrollStartDay: row.payroll_start_day,
    preferredLocale: row.preferred_locale ?? null,
    status: row.status,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    syncedAt: row.synced_at ? row.synced_at.toISOString() : null,
  };
}
