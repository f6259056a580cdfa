import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getPool } from '#shared/db/pool';
import { startTestApi, type TestApi } from '../support/api';
import { loadEntry } from '../../infra/local/api-server';
import { fakeLambdaContext } from '../../infra/local/lambda-context';
import { expectProblem, masterDataIds, sandboxCalls, sandboxIds, tokenFor, validEmployee, type SandboxIds } from './helpers';

/**
 * Employees end to end: the local API (real handlers, authorizer, rate limits) against the Abhi sandbox, PostgreSQL,
 * DynamoDB Local and the SQS/SNS emulator.
 */
let api: TestApi;
let ids: SandboxIds;
let hrA: string;
let hrB: string;
let admin: string;
const EVENTS_DIR = path.resolve(import.meta.dirname, '../../events');

beforeAll(async () => {
  api = await startTestApi({
    // A short per-attempt timeout keeps the timeout case quick.
    extraEnv: { RATE_LIMIT_ENABLED: 'false', ABHI_RATE_LIMIT_RPS: '50', ABHI_RATE_LIMIT_BURST: '50', ABHI_TIMEOUT_MS: '1000' },
    sandbox: { rateLimit: { ratePerSecond: 100, burst: 100 } },
  });
  ids = { ...sandboxIds(api), ...(await masterDataIds(api)) };
  [hrA, hrB, admin] = await Promise.all([tokenFor(api, 'hr_manager', ids.orgA), tokenFor(api, 'hr_manager', ids.orgB), tokenFor(api, 'admin')]);
});

afterAll(async () => {
  await api?.stop();
});

async function createEmployee(token = hrA, overrides: Record<string, unknown> = {}) {
  const body = validEmployee(ids.bankId, overrides);
  const response = await api.request('POST', '/api/v1/employees', { token, body });
  return { body, response };
}

describe('POST /employees', () => {
  it('creates the employee at Abhi and in the mirror, masks sensitive fields, and records employee.created', async () => {
    const { body, response } = await createEmployee();
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    const employee = response.body;
    expect(employee).toMatchObject({
      organizationId: ids.orgA,
      employeeCode: body.employeeCode,
      firstName: 'Fatima',
      netSalary: 8000,
      status: 'active',
      accountNumber: `****${String(body.accountNumber).slice(-4)}`,
      emiratesId: `784-****-*******-${String(body.emiratesId).slice(-1)}`,
    });
    expect(response.headers.get('location')).toBe(`/api/v1/employees/${employee.id}`);
    // Abhi has it under the id we return.
    const atAbhi = (api.sandbox.state().records.employees as { id: string; employeeCode: string; netSalary: string }[]).find((e) => e.id === employee.id);
    expect(atAbhi).toMatchObject({ employeeCode: body.employeeCode });
    expect(Number(atAbhi!.netSalary)).toBe(8000);
    // Stored encrypted, never in clear.
    const { rows } = await getPool().query('SELECT account_number_enc, emirates_id_enc FROM employees WHERE id = $1', [employee.id]);
    expect(rows[0].account_number_enc).toMatch(/^v1\./);
    expect(rows[0].account_number_enc).not.toContain(String(body.accountNumber));
    const events = await getPool().query("SELECT type, published_at FROM outbox WHERE payload->>'employeeId' = $1", [employee.id]);
    expect(events.rows.map((r) => r.type)).toEqual(['employee.created']);
    expect(events.rows[0].published_at).not.toBeNull();
  });

  it('refuses invalid bodies with field errors (400)', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ email: 'not-an-email' }, 'body.email'],
      [{ emiratesId: '784-1990-1234567-0' }, 'body.emiratesId'],
      [{ phone: '0501234567' }, 'body.phone'],
      [{ netSalary: 100.123 }, 'body.netSalary'],
      [{ netSalary: -5 }, 'body.netSalary'],
      [{ dob: '1990-02-30' }, 'body.dob'],
      [{ dateOfJoining: '1980-01-01' }, 'body.dateOfJoining'],
      [{ gender: 'x' }, 'body.gender'],
      [{ bankId: 'not-a-uuid' }, 'body.bankId'],
      [{ payrollStartDay: 32 }, 'body.payrollStartDay'],
      [{ unexpected: true }, 'body.unexpected'],
    ];
    for (const [override, field] of cases) {
      const { response } = await createEmployee(hrA, override);
      expectProblem(response, 400, 'VALIDATION_ERROR');
      expect(response.body.errors.map((e: { field: string }) => e.field), JSON.stringify(override)).toContain(field);
    }
    const missing = await api.request('POST', '/api/v1/employees', { token: hrA, body: { employeeCode: 'X' } });
    expectProblem(missing, 400, 'VALIDATION_ERROR');
  });

  it('answers 409 for a duplicate employee code, and requires platform admins to name the organization', async () => {
    const { body } = await createEmployee();
    const again = await api.request('POST', '/api/v1/employees', { token: hrA, body: { ...validEmployee(ids.bankId), employeeCode: body.employeeCode } });
    expectProblem(again, 409, 'CONFLICT');
    const adminNoOrg = await api.request('POST', '/api/v1/employees', { token: admin, body: validEmployee(ids.bankId) });
    expectProblem(adminNoOrg, 400, 'VALIDATION_ERROR');
    const adminWithOrg = await api.request('POST', '/api/v1/employees', { token: admin, body: { ...validEmployee(ids.bankId), organizationId: ids.orgB } });
    expect(adminWithOrg.status).toBe(201);
    expect(adminWithOrg.body.organizationId).toBe(ids.orgB);
  });

  it('answers 422 when Abhi refuses the data (unknown bank)', async () => {
    const { response } = await createEmployee(hrA, { bankId: '0b5fcf65-5fca-4acf-a3a5-6f79055644e1' });
    expectProblem(response, 422);
  });

  it('an hr_manager cannot create employees in another organization (404)', async () => {
    const { response } = await createEmployee(hrA, { organizationId: ids.orgB });
    expectProblem(response, 404, 'NOT_FOUND');
  });
});

describe('GET /employees/{id}, PUT, DELETE', () => {
  it('reads, updates (no stale read of the own write) and deletes', async () => {
    const { response } = await createEmployee();
    const id = response.body.id as string;
    const first = await api.request('GET', `/api/v1/employees/${id}`, { token: hrA });
    expect(first.status).toBe(200);
    expect(first.body.designation).toBe('Accountant');

    const updated = await api.request('PUT', `/api/v1/employees/${id}`, { token: hrA, body: { designation: 'Senior Accountant', netSalary: 9500.5 } });
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
    expect(updated.body).toMatchObject({ designation: 'Senior Accountant', netSalary: 9500.5 });
    const atAbhi = (api.sandbox.state().records.employees as { id: string; designation: string; netSalary: string }[]).find((e) => e.id === id)!;
    expect(atAbhi.designation).toBe('Senior Accountant');
    expect(atAbhi.netSalary).toBe('9500.50');
    // The cached GET must not serve the old record.
    const reread = await api.request('GET', `/api/v1/employees/${id}`, { token: hrA });
    expect(reread.body).toMatchObject({ designation: 'Senior Accountant', netSalary: 9500.5 });

    const deactivated = await api.request('PUT', `/api/v1/employees/${id}`, { token: hrA, body: { status: 'inactive' } });
    expect(deactivated.body.status).toBe('inactive');

    const deleted = await api.request('DELETE', `/api/v1/employees/${id}`, { token: hrA });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ id, status: 'deleted' });
    expectProblem(await api.request('GET', `/api/v1/employees/${id}`, { token: hrA }), 404, 'NOT_FOUND');
    expectProblem(await api.request('DELETE', `/api/v1/employees/${id}`, { token: hrA }), 404, 'NOT_FOUND');
    const types = await getPool().query("SELECT type FROM outbox WHERE payload->>'employeeId' = $1 ORDER BY occurred_at", [id]);
    expect(types.rows.map((r) => r.type)).toEqual(['employee.created', 'employee.updated', 'employee.updated', 'employee.deleted']);
  });

  it('an advance request in flight blocks the delete (409, nothing changes); once it is decided, the delete goes through', async () => {
    const { response } = await createEmployee();
    const id = response.body.id as string;
    const advance = randomUUID();
    await getPool().query(
      `INSERT INTO advance_requests (id, organization_id, employee_id, requested_by, idempotency_key, amount, description, status, processing_fee)
       VALUES ($1, $2, $3, 'employee-sub', $4, '500.00', 'rent', 'PENDING_APPROVAL', '10.00')`,
      [advance, ids.orgA, id, randomUUID()],
    );
    expectProblem(await api.request('DELETE', `/api/v1/employees/${id}`, { token: hrA }), 409, 'CONFLICT');
    expect((await api.request('GET', `/api/v1/employees/${id}`, { token: hrA })).body.status).toBe('active');
    expect((api.sandbox.state().records.employees as { id: string }[]).some((e) => e.id === id)).toBe(true);

    await getPool().query(`UPDATE advance_requests SET status = 'REJECTED' WHERE id = $1`, [advance]);
    const deleted = await api.request('DELETE', `/api/v1/employees/${id}`, { token: hrA });
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(200);
    expect(deleted.body).toEqual({ id, status: 'deleted' });
  });

  it('tenant isolation: org A sees 404 for an employee of org B', async () => {
    const { response } = await createEmployee(hrB);
    const id = response.body.id as string;
    expectProblem(await api.request('GET', `/api/v1/employees/${id}`, { token: hrA }), 404, 'NOT_FOUND');
    expectProblem(await api.request('PUT', `/api/v1/employees/${id}`, { token: hrA, body: { designation: 'X' } }), 404, 'NOT_FOUND');
    expectProblem(await api.request('DELETE', `/api/v1/employees/${id}`, { token: hrA }), 404, 'NOT_FOUND');
    const list = await api.request('GET', `/api/v1/employees?limit=100&search=${encodeURIComponent(response.body.lastName)}`, { token: hrA });
    expect(list.body.items).toEqual([]);
    expect((await api.request('GET', `/api/v1/employees/${id}`, { token: hrB })).status).toBe(200);
    expect((await api.request('GET', `/api/v1/employees/${id}`, { token: admin })).status).toBe(200);
  });

  it('validates path and body of updates, and answers 404 for unknown ids', async () => {
    expectProblem(await api.request('GET', '/api/v1/employees/bad%20id', { token: hrA }), 400, 'VALIDATION_ERROR');
    expectProblem(await api.request('GET', '/api/v1/employees/00000000-0000-4000-8000-000000000000', { token: hrA }), 404, 'NOT_FOUND');
    const { response } = await createEmployee();
    const id = response.body.id as string;
    expectProblem(await api.request('PUT', `/api/v1/employees/${id}`, { token: hrA, body: {} }), 400, 'VALIDATION_ERROR');
    expectProblem(await api.request('PUT', `/api/v1/employees/${id}`, { token: hrA, body: { employeeCode: 'NEW' } }), 400, 'VALIDATION_ERROR');
    expectProblem(await api.request('PUT', `/api/v1/employees/${id}`, { token: hrA, body: { email: 'nope' } }), 400, 'VALIDATION_ERROR');
  });

  it('reads serve Abhi through the cache: a second GET does not call Abhi', async () => {
    const { response } = await createEmployee();
    const id = response.body.id as string;
    await api.request('GET', `/api/v1/employees/${id}`, { token: hrA });
    const before = sandboxCalls(api, 'GET', `/employees/${id}`);
    await api.request('GET', `/api/v1/employees/${id}`, { token: hrA });
    expect(sandboxCalls(api, 'GET', `/employees/${id}`)).toBe(before);
  });
});

describe('GET /employees, /employees/search, /employee/me', () => {
  it('lists with pagination, stable order, filters and validation', async () => {
    const department = `Dept${Date.now()}`;
    for (let i = 0; i < 3; i++) await createEmployee(hrA, { department, lastName: `Zed${i}` });
    const page1 = await api.request('GET', `/api/v1/employees?department=${department}&limit=2&page=1`, { token: hrA });
    expect(page1.status).toBe(200);
    expect(page1.body).toMatchObject({ page: 1, limit: 2, total: 3 });
    expect(page1.body.items.map((e: { lastName: string }) => e.lastName)).toEqual(['Zed0', 'Zed1']);
    const page2 = await api.request('GET', `/api/v1/employees?department=${department}&limit=2&page=2`, { token: hrA });
    expect(page2.body.items.map((e: { lastName: string }) => e.lastName)).toEqual(['Zed2']);
    expect(page2.body.items[0].accountNumber).toMatch(/^\*{4}\d{4}$/);
    for (const query of ['limit=101', 'page=0', 'status=gone', 'foo=bar']) {
      expectProblem(await api.request('GET', `/api/v1/employees?${query}`, { token: hrA }), 400, 'VALIDATION_ERROR');
    }
    expectProblem(await api.request('GET', `/api/v1/employees?organizationId=${ids.orgB}`, { token: hrA }), 404, 'NOT_FOUND');
  });

  it('searches by name, code or e-mail within the tenant', async () => {
    const { body, response } = await createEmployee(hrA, { firstName: 'Searchable' });
    const byCode = await api.request('GET', `/api/v1/employees/search?q=${body.employeeCode}`, { token: hrA });
    expect(byCode.status).toBe(200);
    expect(byCode.body.items[0].id).toBe(response.body.id);
    const byOtherTenant = await api.request('GET', `/api/v1/employees/search?q=${body.employeeCode}`, { token: hrB });
    expect(byOtherTenant.body.items).toEqual([]);
    expectProblem(await api.request('GET', '/api/v1/employees/search?q=a', { token: hrA }), 400, 'VALIDATION_ERROR');
    expectProblem(await api.request('GET', '/api/v1/employees/search', { token: hrA }), 400, 'VALIDATION_ERROR');
  });

  it('GET /employee/me returns the caller’s own record and 404 without one', async () => {
    const { response } = await createEmployee();
    const me = await tokenFor(api, 'employee', ids.orgA, response.body.id);
    const own = await api.request('GET', '/api/v1/employee/me', { token: me });
    expect(own.status).toBe(200);
    expect(own.body.id).toBe(response.body.id);
    const foreign = await tokenFor(api, 'employee', ids.orgB, response.body.id);
    expectProblem(await api.request('GET', '/api/v1/employee/me', { token: foreign }), 404, 'NOT_FOUND');
    expectProblem(await api.request('GET', '/api/v1/employee/me', { token: hrA }), 404, 'NOT_FOUND');
    // An employee may not read others through the employees routes at all.
    expectProblem(await api.request('GET', `/api/v1/employees/${response.body.id}`, { token: me }), 403);
  });
});

describe('handlers with the sample API Gateway events (events/*.json)', () => {
  it('every business handler answers its realistic proxy event with a proper status, never a bare 500', async () => {
    // The events name the local seed's ids, which this stack seeds too: they reach real records. The bulk import's
    // rows are refused (the first repeats the employee the create event made, the second is invalid by design), and
    // the delete is refused by Abhi (409): the seeded employee has an outstanding balance.
    const expected: Record<string, [entry: string, status: number]> = {
      'employees-list.json': ['employees/list-employees', 200],
      'employees-search.json': ['employees/search-employees', 200],
      'employees-create.json': ['employees/create-employee', 201],
      'employees-bulk-import.json': ['employees/bulk-import-employees', 202],
      'employees-get.json': ['employees/get-employee', 200],
      'employees-update.json': ['employees/update-employee', 200],
      'employees-delete.json': ['employees/delete-employee', 409],
      'employees-me.json': ['employees/get-my-profile', 200],
      'jobs-get.json': ['jobs/get-job', 404],
      'organizations-list.json': ['organizations/list-organizations', 200],
      'organizations-create.json': ['organizations/create-organization', 201],
      'organizations-get.json': ['organizations/get-organization', 200],
      'organizations-update.json': ['organizations/update-organization', 200],
      'organizations-statistics.json': ['organizations/get-organization-statistics', 200],
      'master-data-banks.json': ['master-data/list-banks', 200],
      'master-data-business-types.json': ['master-data/list-business-types', 200],
      'reports-outstanding.json': ['reports/get-outstanding-report', 200],
      'reports-statement.json': ['reports/get-statement', 200],
    };
    for (const [file, [entry, status]] of Object.entries(expected)) {
      const event = JSON.parse(fs.readFileSync(path.join(EVENTS_DIR, file), 'utf8'));
      const handler = await loadEntry<(e: unknown, c: ReturnType<typeof fakeLambdaContext>) => Promise<{ statusCode: number; headers: Record<string, string>; body: string }>>(entry);
      const result = await handler(event, fakeLambdaContext(entry.replace('/', '-'), 29_000));
      expect(result.statusCode, `${file}: ${result.body}`).toBe(status);
      const contentType = Object.entries(result.headers).find(([name]) => name.toLowerCase() === 'content-type')?.[1] ?? '';
      expect(contentType).toContain(status >= 400 ? 'application/problem+json' : 'application/json');
    }
  });
});

describe('Abhi failures', () => {
  it('maps sandbox faults to 502/503/504 problem+json, never a bare 500', async () => {
    const { response } = await createEmployee();
    const id = response.body.id as string;
    // No answer within the per-attempt timeout (1 s here), on every attempt: 504.
    api.sandbox.setFaults({ timeoutRate: 1, paths: ['/employees/*'], methods: ['GET'], hangMs: 5_000 });
    const timedOut = await api.request('PUT', `/api/v1/employees/${id}`, { token: hrA, body: { designation: 'Slow' } });
    expectProblem(timedOut, 504, 'EXTERNAL_API_ERROR');
    // Abhi answers 5xx on every retry: 502 — or 503 once the circuit breaker has opened on these failures.
    api.sandbox.setFaults({ errorRate: 1, status: 500, paths: ['/employees*'], methods: ['POST'] });
    const created = (await createEmployee()).response;
    expect([502, 503]).toContain(created.status);
    expect(created.headers.get('content-type')).toContain('application/problem+json');
    api.sandbox.setFaults({ errorRate: 1, status: 503, paths: [`/employees/${id}`] });
    for (const [method, path] of [['GET', `/api/v1/employees/${id}`], ['DELETE', `/api/v1/employees/${id}`]] as const) {
      const failed = await api.request(method, path, { token: method === 'GET' ? admin : hrA });
      expect([502, 503], `${method} ${failed.status}`).toContain(failed.status);
      expect(failed.headers.get('content-type')).toContain('application/problem+json');
    }
    api.sandbox.setFaults({});
  });
});
