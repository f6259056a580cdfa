import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SQSEvent } from 'aws-lambda';
import { getPool } from '#shared/db/pool';
import { startTestApi, type TestApi } from '../support/api';
import { fakeLambdaContext } from '../../infra/local/lambda-context';
import { loadEntry } from '../../infra/local/api-server';
import { expectProblem, masterDataIds, sandboxIds, tokenFor, validEmployee, type SandboxIds } from './helpers';

/**
 * Bulk import through the `employee-import` queue: 1,000 rows with 5 % invalid, processed by the real consumer
 * (SQS poller → BatchProcessor → Abhi sandbox) within the Abhi rate limit; per-row results in the job.
 */
const CLIENT_RPS = 100;
let api: TestApi;
let ids: SandboxIds;
let hrA: string;
let hrB: string;

beforeAll(async () => {
  api = await startTestApi({
    extraEnv: {
      RATE_LIMIT_ENABLED: 'false',
      ABHI_RATE_LIMIT_RPS: String(CLIENT_RPS),
      ABHI_RATE_LIMIT_BURST: '10',
      // The whole local platform shares one process and one pool here; a Lambda instance would have its own.
      DATABASE_POOL_MAX: '10',
    },
    // The sandbox enforces a limit above the client's: any 429 would mean the client exceeded its own limit.
    sandbox: { rateLimit: { ratePerSecond: CLIENT_RPS * 1.25, burst: 30 } },
  });
  ids = { ...sandboxIds(api), ...(await masterDataIds(api)) };
  [hrA, hrB] = await Promise.all([tokenFor(api, 'hr_manager', ids.orgA), tokenFor(api, 'hr_manager', ids.orgB)]);
});

afterAll(async () => {
  await api?.stop();
});

async function waitForJob(id: string, token: string, timeoutMs: number): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await api.request('GET', `/api/v1/jobs/${id}?limit=1`, { token });
    expect(job.status).toBe(200);
    if (!['queued', 'processing'].includes(job.body.status)) return job.body;
    if (Date.now() > deadline) throw new Error(`Job ${id} still ${job.body.status} after ${timeoutMs} ms: ${JSON.stringify(job.body)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function allItems(id: string, token: string, itemStatus?: string): Promise<any[]> {
  const items: any[] = [];
  for (let page = 1; ; page++) {
    const res = await api.request('GET', `/api/v1/jobs/${id}?limit=100&page=${page}${itemStatus ? `&itemStatus=${itemStatus}` : ''}`, { token });
    items.push(...res.body.items.items);
    if (page * 100 >= res.body.items.total) return items;
  }
}

describe('POST /employees/bulk', () => {
  it('imports 1,000 rows with 5 % invalid: exactly the valid ones at Abhi, per-row errors, no 429 from Abhi', async () => {
    const rows: Record<string, unknown>[] = [];
    const expectedFailures = new Map<number, string>();
    for (let i = 0; i < 1000; i++) {
      const row = validEmployee(ids.bankId, { department: 'Bulk' });
      if (i % 20 === 7) {
        // 50 invalid rows (5 %), three kinds: refused by validation, duplicated in the file, refused by Abhi.
        const kind = (i / 20) % 3 < 1 ? 'schema' : (i / 20) % 3 < 2 ? 'duplicate' : 'abhi';
        if (kind === 'schema') {
          row.email = 'not-an-email';
          expectedFailures.set(i, 'VALIDATION_ERROR');
        } else if (kind === 'duplicate') {
          row.employeeCode = rows[i - 1]!.employeeCode;
          expectedFailures.set(i, 'CONFLICT');
        } else {
          row.bankId = '0b5fcf65-5fca-4acf-a3a5-6f79055644e1'; // a UUID v4 Abhi does not know
          expectedFailures.set(i, 'VALIDATION_ERROR');
        }
      }
      rows.push(row);
    }
    const employeesBefore = api.sandbox.state().employees;
    const cpuBefore = process.cpuUsage();
    const started = Date.now();
    const accepted = await api.request('POST', '/api/v1/employees/bulk', { token: hrA, body: { employees: rows } });
    expect(accepted.status, JSON.stringify(accepted.body).slice(0, 500)).toBe(202);
    expect(accepted.body).toMatchObject({ total: 1000, status: 'queued' });
    expect(accepted.headers.get('location')).toBe(`/api/v1/jobs/${accepted.body.id}`);
    const acceptedMs = Date.now() - started;

    // Paced by the Abhi rate limit (10 s at 100 rps); the wait is generous: speed belongs to the benchmark, not here.
    const job = await waitForJob(accepted.body.id, hrA, 240_000);
    const elapsedMs = Date.now() - started;
    expect(job).toMatchObject({ status: 'completed_with_errors', total: 1000, succeeded: 950, failed: 50, pending: 0, organizationId: ids.orgA });
    expect(job.completedAt).toBeTruthy();

    // Per-row errors, in row order, with the right reasons.
    const failedItems = await allItems(accepted.body.id, hrA, 'failed');
    expect(failedItems.map((item) => item.index)).toEqual([...expectedFailures.keys()]);
    for (const item of failedItems) {
      expect(item.error.code, JSON.stringify(item)).toBe(expectedFailures.get(item.index));
      expect(item.reference).toBe(rows[item.index]!.employeeCode);
    }
    expect(failedItems.find((item) => item.error.fields)?.error.fields[0].field).toMatch(/^employees\.\d+\.email$/);

    // Exactly the valid rows exist at Abhi, once each, and in the mirror under org A.
    const state = api.sandbox.state();
    expect(state.employees - employeesBefore).toBe(950);
    const codes = new Map<string, number>();
    for (const e of state.records.employees as { employeeCode: string }[]) codes.set(e.employeeCode, (codes.get(e.employeeCode) ?? 0) + 1);
    rows.forEach((row, i) => {
      if (!expectedFailures.has(i)) expect(codes.get(row.employeeCode as string), `row ${i}`).toBe(1);
    });
    const mirrored = await getPool().query(
      "SELECT count(*)::int AS n FROM employees WHERE organization_id = $1 AND department = 'Bulk' AND employee_code = ANY($2::text[])",
      [ids.orgA, rows.map((r) => r.employeeCode)],
    );
    expect(mirrored.rows[0].n).toBe(950);
    const succeeded = await allItems(accepted.body.id, hrA, 'succeeded');
    expect(succeeded).toHaveLength(950);
    expect(succeeded.every((item) => typeof item.resourceId === 'string')).toBe(true);

    // The Abhi rate limit held: no 429, and the request rate stayed at the client's limit.
    expect(state.rateLimited).toBe(0);
    const calls = state.requestLog.filter((entry) => entry.at >= started);
    const seconds = (Math.max(...calls.map((c) => c.at)) - Math.min(...calls.map((c) => c.at))) / 1000;
    const observedRps = calls.length / Math.max(seconds, 1);
    expect(observedRps).toBeLessThanOrEqual(CLIENT_RPS * 1.1 + 10);
    const cpu = process.cpuUsage(cpuBefore);
    console.info(
      `bulk import: 202 after ${acceptedMs} ms, done after ${elapsedMs} ms, ${calls.length} Abhi calls at ${observedRps.toFixed(1)} rps, 0 × 429, ` +
        `CPU of this process (API, consumers, sandbox) ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s`,
    );
    // Its completion was announced exactly once across ~100 batches on two concurrent consumers (ADR 0022).
    const announced = await getPool().query(`SELECT payload FROM outbox WHERE type = 'employee.import.completed' AND correlation_id = $1`, [accepted.body.id]);
    expect(announced.rows.map((r) => r.payload)).toEqual([
      expect.objectContaining({ jobId: accepted.body.id, status: 'completed_with_errors', total: 1000, succeeded: 950, failed: 50, failures: { CONFLICT: 17, VALIDATION_ERROR: 33 } }),
    ]);
    // Another organization cannot read the job.
    expectProblem(await api.request('GET', `/api/v1/jobs/${accepted.body.id}`, { token: hrB }), 404, 'NOT_FOUND');
  }, 300_000);

  it('validates the envelope: empty, more than 1,000 rows, not objects, unknown fields', async () => {
    expectProblem(await api.request('POST', '/api/v1/employees/bulk', { token: hrA, body: { employees: [] } }), 400, 'VALIDATION_ERROR');
    expectProblem(await api.request('POST', '/api/v1/employees/bulk', { token: hrA, body: {} }), 400, 'VALIDATION_ERROR');
    expectProblem(await api.request('POST', '/api/v1/employees/bulk', { token: hrA, body: { employees: [1, 2] } }), 400, 'VALIDATION_ERROR');
    expectProblem(await api.request('POST', '/api/v1/employees/bulk', { token: hrA, body: { employees: [{}], extra: true } }), 400, 'VALIDATION_ERROR');
    const tooMany = Array.from({ length: 1001 }, () => ({ employeeCode: 'X' }));
    expectProblem(await api.request('POST', '/api/v1/employees/bulk', { token: hrA, body: { employees: tooMany } }), 400, 'VALIDATION_ERROR');
    expectProblem(await api.request('POST', '/api/v1/employees/bulk', { token: hrA, body: { employees: [{}], organizationId: ids.orgB } }), 404, 'NOT_FOUND');
    expectProblem(await api.request('GET', '/api/v1/jobs/00000000-0000-4000-8000-000000000000', { token: hrA }), 404, 'NOT_FOUND');
    expectProblem(await api.request('GET', '/api/v1/jobs/x?limit=1000', { token: hrA }), 400, 'VALIDATION_ERROR');
  });

  it('an all-invalid import completes at once as failed', async () => {
    const res = await api.request('POST', '/api/v1/employees/bulk', { token: hrA, body: { employees: [{ employeeCode: 'A' }, { foo: 1 }] } });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'failed', accepted: 0, rejected: 2 });
    const job = await api.request('GET', `/api/v1/jobs/${res.body.id}`, { token: hrA });
    expect(job.body).toMatchObject({ status: 'failed', succeeded: 0, failed: 2, pending: 0 });
    expect(job.body.items.items[1].error.fields).toEqual(expect.arrayContaining([{ field: 'employees.1.foo', message: 'Unknown field.' }]));
  });
});

describe('employee-import consumer', () => {
  it('reports only transiently failed rows in batchItemFailures, records terminal failures, and fails a row for good on its last receive', async () => {
    const handler = await loadEntry<(event: SQSEvent, context: ReturnType<typeof fakeLambdaContext>) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>>(
      'employees/process-employee-import',
    );
    // Three rows queued through the API, then taken off the queue as the poller would deliver them.
    const good = validEmployee(ids.bankId);
    const refused = validEmployee(ids.bankId, { bankId: '0b5fcf65-5fca-4acf-a3a5-6f79055644e1' });
    const flaky = validEmployee(ids.bankId);
    const { startBulkImport } = await import('#shared/use-cases/employees/bulk-import');
    const sent: { body: unknown }[] = [];
    const { employeeImportDeps } = await import('#shared/wiring/employees');
    const real = employeeImportDeps();
    const captured = await startBulkImport(
      { ...real, importQueue: { send: async (messages) => (sent.push(...messages), { failedIds: [] }) } },
      { principal: { subject: 'test', roles: ['hr_manager'], organizationId: ids.orgA, mfa: false }, correlationId: 'consumer-test', deadline: Date.now() + 20_000, patience: 'interactive' },
      { employees: [good, refused, flaky] },
    );
    const record = (index: number, receiveCount: number) => ({
      messageId: `m-${index}-${receiveCount}`,
      receiptHandle: `r-${index}`,
      body: JSON.stringify(sent[index]!.body),
      attributes: { ApproximateReceiveCount: String(receiveCount), SentTimestamp: '0', SenderId: 'test', ApproximateFirstReceiveTimestamp: '0' },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:employee-import',
      awsRegion: 'us-east-1',
    });
    const ctx = () => fakeLambdaContext('employees-process-employee-import', 60_000);

    // Abhi refuses the flaky row's POST four times (the client's whole retry budget).
    api.sandbox.setFaults({ errorRate: 1, status: 500, paths: ['/employees'], methods: ['POST'], count: 4 });
    const first = await handler({ Records: [record(2, 1)] }, ctx());
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'm-2-1' }]);
    api.sandbox.setFaults({});

    const second = await handler({ Records: [record(0, 1), record(1, 1), record(2, 2)] }, ctx());
    expect(second.batchItemFailures).toEqual([]);
    // Redelivery of an already recorded row changes nothing.
    const third = await handler({ Records: [record(0, 2)] }, ctx());
    expect(third.batchItemFailures).toEqual([]);

    const job = await api.request('GET', `/api/v1/jobs/${captured.id}`, { token: hrA });
    expect(job.body).toMatchObject({ status: 'completed_with_errors', succeeded: 2, failed: 1 });
    expect(job.body.items.items.map((i: { status: string }) => i.status)).toEqual(['succeeded', 'failed', 'succeeded']);
    expect((api.sandbox.state().records.employees as { employeeCode: string }[]).filter((e) => e.employeeCode === flaky.employeeCode)).toHaveLength(1);

    // A row still failing on its last receive is recorded as failed instead of cycling to the DLQ.
    const last = validEmployee(ids.bankId);
    const sentBefore = sent.length;
    const lastJob = await startBulkImport(
      { ...real, importQueue: { send: async (messages) => (sent.push(...messages), { failedIds: [] }) } },
      { principal: { subject: 'test', roles: ['hr_manager'], organizationId: ids.orgA, mfa: false }, correlationId: 'consumer-test-2', deadline: Date.now() + 20_000, patience: 'interactive' },
      { employees: [last] },
    );
    api.sandbox.setFaults({ errorRate: 1, status: 503, paths: ['/employees'], methods: ['POST'], count: 4 });
    const final = await handler({ Records: [record(sentBefore, 3)] }, ctx());
    api.sandbox.setFaults({});
    expect(final.batchItemFailures).toEqual([]);
    const lastResult = await api.request('GET', `/api/v1/jobs/${lastJob.id}`, { token: hrA });
    expect(lastResult.body).toMatchObject({ status: 'failed', failed: 1 });
    expect(lastResult.body.items.items[0].error.code).toBe('UPSTREAM_UNAVAILABLE');
  });
});
