import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ScheduledEvent } from 'aws-lambda';
import { dynamoDocumentClient } from '#shared/adapters/dynamodb/client';
import { getPool } from '#shared/db/pool';
import { startTestApi, type TestApi } from '../support/api';
import { loadEntry } from '../../infra/local/api-server';
import { fakeLambdaContext } from '../../infra/local/lambda-context';
import { expectProblem, masterDataIds, sandboxIds, tokenFor, validEmployee, type SandboxIds } from './helpers';

/** Reports: outstanding balances (Abhi merged with the local ledger) and monthly statements (local ledger). */
let api: TestApi;
let ids: SandboxIds;
let admin: string;
let hrA: string;
let seeded: { id: string; organizationId: string }[];

beforeAll(async () => {
  api = await startTestApi({
    extraEnv: { RATE_LIMIT_ENABLED: 'false', ABHI_RATE_LIMIT_RPS: '50', ABHI_RATE_LIMIT_BURST: '50' },
    sandbox: { rateLimit: { ratePerSecond: 100, burst: 100 } },
  });
  ids = { ...sandboxIds(api), ...(await masterDataIds(api)) };
  [admin, hrA] = await Promise.all([tokenFor(api, 'admin'), tokenFor(api, 'hr_manager', ids.orgA)]);
  // Mirror the sandbox's employees (two of them carry last month's advances) with the scheduled sync.
  const start = await loadEntry<(e: ScheduledEvent, c: ReturnType<typeof fakeLambdaContext>) => Promise<unknown>>('sync/start-abhi-sync');
  await start({ id: randomUUID() } as ScheduledEvent, fakeLambdaContext('sync-start-abhi-sync'));
  await api.drainQueues(60_000);
  const advances = api.sandbox.state().records.advances as { employeeId: string }[];
  const employees = api.sandbox.state().records.employees as { id: string; organizationId: string }[];
  seeded = [...new Set(advances.map((a) => a.employeeId))].map((id) => employees.find((e) => e.id === id)!);
});

afterAll(async () => {
  await api?.stop();
});

async function createEmployee(token = hrA): Promise<string> {
  const res = await api.request('POST', '/api/v1/employees', { token, body: validEmployee(ids.bankId) });
  expect(res.status).toBe(201);
  return res.body.id;
}

async function ledger(employeeId: string, organizationId: string, kind: string, amount: number, at: string): Promise<void> {
  await getPool().query(
    'INSERT INTO ledger_entries (organization_id, employee_id, kind, amount, abhi_reference, occurred_at) VALUES ($1, $2, $3, $4, $5, $6)',
    [organizationId, employeeId, kind, amount, `ref-${randomUUID()}`, at],
  );
}

async function ageCache(kind: string): Promise<void> {
  const table = api.platform.env.STATE_TABLE_NAME!;
  const cached = await dynamoDocumentClient().send(
    new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `CACHE#${kind}` } }),
  );
  for (const item of cached.Items ?? []) {
    await dynamoDocumentClient().send(
      new UpdateCommand({ TableName: table, Key: { pk: item.pk, sk: item.sk }, UpdateExpression: 'SET expiresAtMs = :past', ExpressionAttributeValues: { ':past': 0 } }),
    );
  }
}

describe('GET /reports/outstanding', () => {
  it('merges Abhi’s balances with the local ledger, within the caller’s tenant', async () => {
    expect(seeded.length).toBeGreaterThanOrEqual(2);
    const employeeId = await createEmployee();
    await ledger(employeeId, ids.orgA, 'advance', 500, '2025-01-10T08:00:00Z');
    await ledger(employeeId, ids.orgA, 'fee', 15, '2025-01-10T08:00:00Z');
    await ledger(employeeId, ids.orgA, 'repayment', 200, '2025-01-25T08:00:00Z');

    const all = await api.request('GET', '/api/v1/reports/outstanding?limit=100', { token: admin });
    expect(all.status, JSON.stringify(all.body)).toBe(200);
    const byId = new Map(all.body.items.map((item: { employeeId: string }) => [item.employeeId, item]));
    for (const employee of seeded) {
      expect(byId.get(employee.id)).toMatchObject({ organizationId: employee.organizationId, ledgerOutstanding: 0, mismatch: true });
      expect((byId.get(employee.id) as { totalOutstanding: number }).totalOutstanding).toBeGreaterThan(0);
    }
    expect(byId.get(employeeId)).toMatchObject({ totalOutstanding: 0, ledgerOutstanding: 315, mismatch: true, organizationId: ids.orgA });
    const sum = all.body.items.reduce((total: number, item: { totalOutstanding: number }) => total + Math.round(item.totalOutstanding * 100), 0) / 100;
    expect(all.body.summary).toMatchObject({ totalEmployees: all.body.total, totalOutstanding: sum });

    // An HR manager sees only the own organization's employees.
    const orgOfSeed = seeded[0]!.organizationId;
    const hrSeed = await tokenFor(api, 'hr_manager', orgOfSeed);
    const scoped = await api.request('GET', '/api/v1/reports/outstanding?limit=100', { token: hrSeed });
    expect(scoped.status).toBe(200);
    expect(scoped.body.items.length).toBeGreaterThan(0);
    expect(scoped.body.items.every((item: { organizationId: string }) => item.organizationId === orgOfSeed)).toBe(true);
    const mine = await api.request('GET', '/api/v1/reports/outstanding?limit=100', { token: hrA });
    expect(mine.body.items.map((item: { employeeId: string }) => item.employeeId)).toContain(employeeId);
    expect(mine.body.items.every((item: { organizationId: string }) => item.organizationId === ids.orgA)).toBe(true);

    // Pages are stable and consistent.
    const paged: string[] = [];
    for (let page = 1; page <= all.body.total; page++) {
      const res = await api.request('GET', `/api/v1/reports/outstanding?limit=1&page=${page}`, { token: admin });
      paged.push(...res.body.items.map((item: { employeeId: string }) => item.employeeId));
    }
    expect(paged).toEqual(all.body.items.map((item: { employeeId: string }) => item.employeeId));

    const overdue = await api.request('GET', '/api/v1/reports/outstanding?overdue=true&limit=100', { token: admin });
    expect(overdue.status).toBe(200);
    expect(overdue.body.items.every((item: { overdueAmount: number }) => item.overdueAmount > 0)).toBe(true);
  });

  it('validates its query, isolates tenants and maps Abhi failures', async () => {
    expectProblem(await api.request('GET', '/api/v1/reports/outstanding?limit=0', { token: admin }), 400, 'VALIDATION_ERROR');
    expectProblem(await api.request('GET', '/api/v1/reports/outstanding?overdue=maybe', { token: admin }), 400, 'VALIDATION_ERROR');
    expectProblem(await api.request('GET', `/api/v1/reports/outstanding?organizationId=${ids.orgB}`, { token: hrA }), 404, 'NOT_FOUND');
    expectProblem(await api.request('GET', '/api/v1/reports/outstanding', { token: await tokenFor(api, 'employee', ids.orgA, 'e1') }), 403);
    await ageCache('outstanding');
    api.sandbox.setFaults({ errorRate: 1, status: 500, paths: ['/repayments/outstanding'] });
    const failed = await api.request('GET', '/api/v1/reports/outstanding', { token: admin });
    api.sandbox.setFaults({});
    expect([502, 503]).toContain(failed.status);
    expect(failed.headers.get('content-type')).toContain('application/problem+json');
  });
});

describe('GET /reports/statements/{employeeId}', () => {
  it('cuts UAE calendar months from the ledger with opening and closing balances', async () => {
    const employeeId = await createEmployee();
    await ledger(employeeId, ids.orgA, 'advance', 100, '2024-12-20T08:00:00Z');
    await ledger(employeeId, ids.orgA, 'advance', 500, '2025-01-10T08:00:00Z');
    await ledger(employeeId, ids.orgA, 'fee', 15, '2025-01-10T08:00:01Z');
    await ledger(employeeId, ids.orgA, 'adjustment', -5, '2025-01-20T08:00:00Z');
    // 21:00 UTC on 31 January is 01:00 on 1 February in Dubai.
    await ledger(employeeId, ids.orgA, 'repayment', 200, '2025-01-31T21:00:00Z');

    const january = await api.request('GET', `/api/v1/reports/statements/${employeeId}?month=1&year=2025`, { token: hrA });
    expect(january.status, JSON.stringify(january.body)).toBe(200);
    expect(january.body).toMatchObject({
      employeeId,
      organizationId: ids.orgA,
      month: 1,
      year: 2025,
      currency: 'AED',
      timeZone: 'Asia/Dubai',
      periodStart: '2024-12-31T20:00:00.000Z',
      periodEnd: '2025-01-31T20:00:00.000Z',
      openingBalance: 100,
      closingBalance: 610,
      totals: { advances: 500, fees: 15, repayments: 0, adjustments: -5 },
    });
    expect(january.body.entries.map((e: { kind: string; amount: number; balance: number }) => [e.kind, e.amount, e.balance])).toEqual([
      ['advance', 500, 600],
      ['fee', 15, 615],
      ['adjustment', -5, 610],
    ]);
    const february = await api.request('GET', `/api/v1/reports/statements/${employeeId}?month=2&year=2025`, { token: hrA });
    expect(february.body).toMatchObject({ openingBalance: 610, closingBalance: 410, totals: { repayments: 200 } });
    expect(february.body.entries).toHaveLength(1);

    // The employee reads the own statement; not someone else's.
    const self = await tokenFor(api, 'employee', ids.orgA, employeeId);
    expect((await api.request('GET', `/api/v1/reports/statements/${employeeId}?month=1&year=2025`, { token: self })).status).toBe(200);
    const other = await createEmployee();
    expectProblem(await api.request('GET', `/api/v1/reports/statements/${other}?month=1&year=2025`, { token: self }), 404, 'NOT_FOUND');
  });

  it('validates month and year, and answers 404 for unknown or foreign employees', async () => {
    const employeeId = await createEmployee();
    for (const query of ['month=13&year=2025', 'month=0&year=2025', 'month=1', 'year=2025', 'month=1&year=1999', 'month=1&year=2025&x=1']) {
      expectProblem(await api.request('GET', `/api/v1/reports/statements/${employeeId}?${query}`, { token: hrA }), 400, 'VALIDATION_ERROR');
    }
    expectProblem(await api.request('GET', '/api/v1/reports/statements/unknown-employee?month=1&year=2025', { token: hrA }), 404, 'NOT_FOUND');
    const hrB = await tokenFor(api, 'hr_manager', ids.orgB);
    expectProblem(await api.request('GET', `/api/v1/reports/statements/${employeeId}?month=1&year=2025`, { token: hrB }), 404, 'NOT_FOUND');
    const empty = await api.request('GET', `/api/v1/reports/statements/${employeeId}?month=1&year=2025`, { token: admin });
    expect(empty.body).toMatchObject({ openingBalance: 0, closingBalance: 0, entries: [] });
  });
});
