import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAbhiSandbox, type AbhiSandbox, type SandboxState } from '../../infra/local/abhi-sandbox/server';
import { CREDENTIALS } from './helpers';

// Friday 14 February 2025, 14:00 in Dubai: day 14 of a 28-day month.
const FEB_14 = Date.UTC(2025, 1, 14, 10, 0, 0);

describe('Abhi sandbox (HTTP, injected clock)', () => {
  let sandbox: AbhiSandbox;
  let now = FEB_14;
  let token: string;

  const call = async (method: string, urlPath: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${sandbox.baseUrl}${urlPath}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, json: (text ? JSON.parse(text) : undefined) as any };
  };
  const login = async (password = CREDENTIALS.password) => {
    const r = await fetch(`${sandbox.baseUrl}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...CREDENTIALS, password }) });
    return { status: r.status, json: (await r.json()) as any };
  };
  const employees = async () => (await call('GET', '/employees?limit=100')).json.data.results as { id: string; netSalary: string; status: string; employeeCode: string }[];

  beforeAll(async () => {
    sandbox = await startAbhiSandbox({ port: 0, credentials: CREDENTIALS, rateLimit: false, clock: () => now, autoProcessAfterMs: 3_600_000 });
  });
  afterAll(() => sandbox.stop());
  beforeEach(async () => {
    now = FEB_14;
    sandbox.reset();
    token = (await login()).json.data.token;
  });

  it('serves the API at / and under /uat-open-api, with the envelope, pagination and errors carrying statusCode', async () => {
    const root = await fetch(`${sandbox.url}/banks?limit=2`, { headers: { authorization: `Bearer ${token}` } });
    const based = await call('GET', '/banks?limit=2');
    expect(root.status).toBe(200);
    expect(await root.json()).toEqual(based.json);
    expect(based.json).toMatchObject({ statusCode: 200, message: 'Success', data: { total: 11, results: [expect.any(Object), expect.any(Object)] } });
    const page2 = await call('GET', '/employees?page=2&limit=5');
    const page1 = await call('GET', '/employees?page=1&limit=5');
    expect(page2.json.data.results[0].id).not.toBe(page1.json.data.results[0].id);
    expect((await call('GET', '/employees')).json.data.results).toHaveLength(10); // default limit
    expect((await call('GET', '/employees?page=99&limit=100')).json.data).toEqual({ total: 20, results: [] });
    const missing = await call('GET', '/business-types');
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ statusCode: 404, message: 'Not Found', details: 'No route for GET /business-types' });
    expect((await call('GET', '/business?limit=1')).json.data.total).toBe(9);
    const bad = await call('GET', '/employees?page=abc');
    expect(bad.json).toEqual({ statusCode: 400, message: 'Bad Request', details: 'page must be an integer' });
  });

  it('keeps the documented traps: netSalary string, RFC 3339 or null timestamps (never ""), double-nested organization create', async () => {
    const list = await call('GET', '/employees?limit=100');
    for (const e of list.json.data.results) expect(typeof e.netSalary).toBe('string');
    const advance = await call('POST', '/transactions/employee', { employeeId: list.json.data.results[4].id, amount: 10, type: 'advance' });
    const bodies = [
      list.text,
      advance.text,
      (await call('GET', '/organizations?showInactive=true&limit=50')).text,
      (await call('GET', '/repayments?limit=50')).text,
      (await call('GET', '/transactions/employer?limit=50')).text,
    ];
    const timeKeys = /^(createdAt|updatedAt|requestedAt|processedAt|deletedDate)$/;
    const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
    let checked = 0;
    for (const text of bodies) {
      JSON.parse(text, (key, value) => {
        if (timeKeys.test(key)) {
          checked += 1;
          expect(value === null || (typeof value === 'string' && rfc3339.test(value))).toBe(true);
        }
        return value;
      });
    }
    expect(checked).toBeGreaterThan(40);
    const typeId = (await call('GET', '/business?limit=1')).json.data.results[0].id;
    const org = await call('POST', '/organizations', { name: 'Trap LLC', industry: 'Retail', businessTypeId: typeId, address: 'x', city: 'Dubai', managementAlias: 'trap_llc', creditLimit: 5000 });
    expect(org.status).toBe(201);
    expect(org.json).toMatchObject({ statusCode: 201, message: expect.any(String), data: { message: expect.any(String), data: { organizationId: expect.any(String), users: { admin: {}, operator: {} } } } });
  });

  it('auth: 24 h JWT, a new login revokes the previous token, five failed logins lock the user', async () => {
    const claims = decodeJwt(token);
    expect(claims.exp! - claims.iat!).toBe(86_400);
    const second = (await login()).json.data.token as string;
    const revoked = await call('GET', '/auth/me');
    expect(revoked.status).toBe(401);
    expect(revoked.json).toMatchObject({ statusCode: 401, details: expect.stringContaining('revoked') });
    token = second;
    expect((await call('GET', '/auth/me')).status).toBe(200);

    for (let i = 0; i < 5; i++) expect((await login('wrong')).status).toBe(401);
    const locked = await login();
    expect(locked.status).toBe(403);
    expect(locked.json).toMatchObject({ statusCode: 403, message: 'User locked' });
    expect(sandbox.state()).toMatchObject({ lockedUsers: [CREDENTIALS.username], loginFailures: 6 });
    sandbox.reset();
    expect((await login()).status).toBe(200);

    // Consecutive: a success in between resets the count.
    for (let i = 0; i < 4; i++) await login('wrong');
    expect((await login()).status).toBe(200);
    for (let i = 0; i < 4; i++) await login('wrong');
    expect((await login()).status).toBe(200);
  });

  it('advance rule: ≤ 50 % of salary earned to date minus advances this month, exact to the fils', async () => {
    const worker = (await employees()).find((e) => e.status === 'active' && e.employeeCode === 'EMP-1006')!;
    const salaryFils = BigInt(Math.round(Number(worker.netSalary) * 100));
    const limit = (salaryFils * 14n * 50n) / (28n * 100n);
    const aed = (fils: bigint) => Number(fils) / 100;
    const validate = async (amount: number) => (await call('POST', '/transactions/employee/validate', { employeeId: worker.id, amount })).json.data;
    expect(await validate(aed(limit))).toMatchObject({ isValid: true, maxAmount: aed(limit), availableAmount: aed(limit) });
    expect(await validate(aed(limit + 1n))).toMatchObject({ isValid: false, message: expect.stringContaining('exceeds the available amount') });
    expect(await validate(0)).toMatchObject({ isValid: false, validationErrors: [{ field: 'amount', message: 'amount must be greater than 0', value: 0 }] });

    const first = limit / 3n;
    const created = await call('POST', '/transactions/employee', { employeeId: worker.id, amount: aed(first), type: 'advance', description: 'one' });
    expect(created.status).toBe(201);
    expect(created.json.data).toMatchObject({ status: 'pending', processedAt: null, dueDate: '2025-03-01', processingFee: 15 });
    await call('POST', '/transactions/employee', { employeeId: worker.id, amount: aed(limit - first), type: 'advance' });
    const over = await call('POST', '/transactions/employee', { employeeId: worker.id, amount: 0.01, type: 'advance' });
    expect(over.status).toBe(400);
    expect(over.json).toMatchObject({ statusCode: 400, message: 'Advance not allowed' });
    const balance = (await call('GET', `/transactions/employee/${worker.id}/balance`)).json.data.balance;
    expect(balance).toMatchObject({ month: '02', year: 2025, availableAmount: 0, pendingAmount: aed(limit), usedAmount: 0 });

    // An hour later (processing time) the advances are completed: used, not pending.
    now = FEB_14 + 3_600_000;
    expect((await call('GET', `/transactions/employee/${worker.id}/balance`)).json.data.balance).toMatchObject({ usedAmount: aed(limit), pendingAmount: 0 });
    // Later in the month more salary is earned: day 21 → 21/28.
    now = Date.UTC(2025, 1, 21, 10, 0, 0);
    expect((await validate(0.01)).availableAmount).toBe(aed((salaryFils * 21n * 50n) / (28n * 100n) - limit));
    // A new month starts from zero use; the previous month still shows its use.
    now = Date.UTC(2025, 2, 1, 6, 0, 0); // 1 March, 10:00 Dubai
    expect((await validate(0.01)).availableAmount).toBe(aed((salaryFils * 1n * 50n) / (31n * 100n)));
    expect((await call('GET', `/transactions/employee/${worker.id}/balance?month=2&year=2025`)).json.data.balance.usedAmount).toBe(aed(limit));

    const inactive = (await employees()).find((e) => e.status === 'inactive')!;
    expect(await (async () => (await call('POST', '/transactions/employee/validate', { employeeId: inactive.id, amount: 1 })).json.data)()).toMatchObject({
      isValid: false,
      message: 'Employee is not active',
    });
    expect((await call('POST', '/transactions/employee', { employeeId: randomUUID(), amount: 1, type: 'advance' })).status).toBe(404);
    expect((await call('POST', '/transactions/employee', { employeeId: worker.id, amount: 1.234, type: 'advance' })).status).toBe(400);
  });

  it('repayments reduce the outstanding balance; references are unique; over-repayment is refused', async () => {
    const worker = (await employees()).find((e) => e.employeeCode === 'EMP-1008')!;
    await call('POST', '/transactions/employee', { employeeId: worker.id, amount: 200, type: 'advance' });
    const outstanding = async () => (await call('GET', `/repayments/outstanding?employeeId=${worker.id}`)).json.data.results[0];
    expect(await outstanding()).toMatchObject({ totalOutstanding: 215, principalAmount: 200, processingFee: 15 });
    const ref = `R-${randomUUID()}`;
    const first = await call('POST', '/repayments', { amount: 20.5, clientRepaymentReferenceNumber: ref, employeeId: worker.id });
    expect(first.status).toBe(201);
    expect(await outstanding()).toMatchObject({ totalOutstanding: 194.5, processingFee: 0, principalAmount: 194.5, lastPaymentAmount: 20.5 });
    const duplicate = await call('POST', '/repayments', { amount: 1, clientRepaymentReferenceNumber: ref, employeeId: worker.id });
    expect(duplicate.status).toBe(409);
    expect(duplicate.json).toMatchObject({ statusCode: 409, message: 'Conflict' });
    expect((await call('POST', '/repayments', { amount: 194.51, clientRepaymentReferenceNumber: `R-${randomUUID()}`, employeeId: worker.id })).status).toBe(400);
    await call('POST', '/transactions/employee', { employeeId: worker.id, amount: 94.5, type: 'repayment' });
    expect(await outstanding()).toMatchObject({ totalOutstanding: 100 });
    expect(sandbox.state()).toMatchObject({ repayments: 2, advances: 3 }); // two seeded advances + this one
    // Employees with something outstanding cannot be deleted.
    expect((await call('DELETE', `/employees/${worker.id}`)).status).toBe(409);
  });

  it('rate limits with 429 + Retry-After; faults are scoped, counted, cleared by {} and never touch /__sandbox', async () => {
    const limited = await startAbhiSandbox({ port: 0, credentials: CREDENTIALS, rateLimit: { ratePerSecond: 2, burst: 3 } });
    try {
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 5; i++) {
        const r = await fetch(`${limited.baseUrl}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(CREDENTIALS) });
        statuses.push(r.status);
        if (r.status === 429) {
          retryAfter = r.headers.get('retry-after');
          expect(await r.json()).toMatchObject({ statusCode: 429, message: 'Too Many Requests' });
        }
      }
      expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
      expect(statuses.slice(3)).toEqual([429, 429]);
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
      expect(limited.state()).toMatchObject({ rateLimited: 2, logins: 3, requests: 5 });
      expect((await fetch(`${limited.url}/__sandbox/state`)).status).toBe(200); // admin: never rate limited
    } finally {
      await limited.stop();
    }

    const put = (faults: unknown) => fetch(`${sandbox.url}/__sandbox/faults`, { method: 'PUT', body: JSON.stringify(faults) }).then((r) => r.json());
    expect(await put({ errorRate: 1, status: 503, paths: ['/banks*'] })).toMatchObject({ errorRate: 1, paths: ['/banks*'] });
    expect((await call('GET', '/banks')).status).toBe(503);
    expect((await call('GET', '/business')).status).toBe(200);
    expect((await fetch(`${sandbox.url}/__sandbox/state`)).status).toBe(200);
    const state = (await (await fetch(`${sandbox.url}/__sandbox/state`)).json()) as SandboxState;
    expect(state).toMatchObject({ logins: 1, requests: 3, rateLimited: 0, advances: 2, repayments: 1, employees: 20, faultsInjected: 1 });
    expect(state.records.employees).toHaveLength(20);
    expect(await put({})).toEqual({});
    expect((await call('GET', '/banks')).status).toBe(200);

    await put({ latencyMs: 150, count: 1 });
    const started = Date.now();
    await call('GET', '/banks');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect((await fetch(`${sandbox.url}/__sandbox/faults`).then((r) => r.json()))).toEqual({});

    await put({ timeoutRate: 1, hangMs: 5_000, paths: ['/banks'] });
    await expect(fetch(`${sandbox.baseUrl}/banks`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(200) })).rejects.toThrow();
    await put({ dropAfterCommitRate: 1, paths: ['/repayments'], methods: ['POST'] });
    const worker = (await employees())[0]!;
    await expect(call('POST', '/repayments', { amount: 1, clientRepaymentReferenceNumber: 'DROP-1', employeeId: worker.id })).rejects.toThrow();
    expect((sandbox.state().records.repayments as { clientRepaymentReferenceNumber: string }[]).some((r) => r.clientRepaymentReferenceNumber === 'DROP-1')).toBe(true);
    await put({});

    const reset = await fetch(`${sandbox.url}/__sandbox/reset`, { method: 'POST' });
    expect(reset.status).toBe(200);
    expect(sandbox.state()).toMatchObject({ repayments: 1, requests: 0, logins: 0 });
  });

  it('main.ts fails fast with one sentence when its port is taken', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('infra/local/abhi-sandbox/main.ts')], {
        env: { ...process.env, ABHI_SANDBOX_PORT: String(port) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(code).toBe(1);
      expect(stderr.trim()).toBe(`Port ${port} is already in use: stop the process holding it or set ABHI_SANDBOX_PORT to another port.`);
    } finally {
      blocker.close();
    }
  });
});
