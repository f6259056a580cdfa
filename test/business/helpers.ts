import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { luhnCheckDigit } from '#shared/schemas/common';
import type { Role } from '#shared/routes';
import type { TestApi } from '../support/api';

/** Shared fixtures of the business API tests: sandbox ids, valid employees, tokens, problem assertions. */

export interface SandboxIds {
  rootId: string;
  /** Active child organizations (A and B for tenant tests). */
  orgA: string;
  orgB: string;
  bankId: string;
  businessTypeId: string;
}

export function sandboxIds(api: TestApi): SandboxIds {
  const state = api.sandbox.state();
  const organizations = state.records.organizations as { id: string; organizationType?: string; active?: boolean; name: string }[];
  const root = organizations.find((o) => o.organizationType === 'root') ?? organizations[0]!;
  const children = organizations.filter((o) => o.id !== root.id && o.active !== false);
  return {
    rootId: root.id,
    orgA: children[0]!.id,
    orgB: children[1]!.id,
    bankId: '',
    businessTypeId: '',
  };
}

/** Ids of active master data, read through the API (admin token). */
export async function masterDataIds(api: TestApi): Promise<{ bankId: string; businessTypeId: string }> {
  const token = await api.token({ role: 'admin' });
  const banks = await api.request('GET', '/api/v1/organizations/banks?active=true&limit=100', { token });
  const types = await api.request('GET', '/api/v1/organizations/business-types?active=true&limit=100', { token });
  expect(banks.status).toBe(200);
  expect(types.status).toBe(200);
  return { bankId: banks.body.items[0].id, businessTypeId: types.body.items[0].id };
}

// Serials count up from a random start, so Emirates IDs never repeat within a run (the sandbox refuses duplicates).
let serial = 1_000_000 + Math.floor(Math.random() * 7_000_000);

/** A valid, unique Emirates ID (784-YYYY-NNNNNNN-C with its Luhn check digit). */
export function emiratesId(): string {
  const year = String(1970 + (serial % 30));
  const digits7 = String(serial++).padStart(7, '0');
  const digits = `784${year}${digits7}`;
  return `784-${year}-${digits7}-${luhnCheckDigit(digits)}`;
}

export function employeeCode(prefix = 'EMP'): string {
  return `${prefix}-${randomUUID().slice(0, 8).toUpperCase()}`;
}

export function validEmployee(bankId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const code = employeeCode();
  return {
    employeeCode: code,
    firstName: 'Fatima',
    lastName: `Ali${code.slice(-4)}`,
    department: 'Finance',
    designation: 'Accountant',
    phone: '+971501234567',
    email: `${code.toLowerCase()}@example.ae`,
    dob: '1990-04-12',
    dateOfJoining: '2021-03-01',
    accountTitle: 'Fatima Ali',
    accountNumber: `AE07033${String(Math.floor(Math.random() * 1e15)).padStart(16, '0')}`,
    netSalary: 8000,
    emiratesId: emiratesId(),
    gender: 'Female',
    bankId,
    payrollStartDay: 25,
    ...overrides,
  };
}

export async function tokenFor(api: TestApi, role: Role, org?: string, employee?: string, mfa = false): Promise<string> {
  return api.token({ role, ...(org ? { org } : {}), ...(employee ? { employee } : {}), mfa });
}

/** Asserts an RFC 9457 problem response with the given status (and code). */
export function expectProblem(response: { status: number; headers: Headers; body: any }, status: number, code?: string): void {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.headers.get('content-type') ?? '').toContain('application/problem+json');
  expect(response.body).toMatchObject({ status, ...(code ? { code } : {}) });
}

/** Sandbox requests seen for a method and path (after the base path). */
export function sandboxCalls(api: TestApi, method: string, path: string | RegExp): number {
  return api.sandbox
    .state()
    .requestLog.filter((entry) => entry.method === method && (typeof path === 'string' ? stripBase(entry.path) === path : path.test(stripBase(entry.path)))).length;
}

function stripBase(path: string): string {
  const withoutQuery = path.split('?')[0]!;
  return withoutQuery.startsWith('/uat-open-api') ? withoutQuery.slice('/uat-open-api'.length) : withoutQuery;
}
