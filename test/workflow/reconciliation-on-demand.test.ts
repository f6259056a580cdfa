import { randomUUID } from 'node:crypto';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_AWS } from '../../infra/local/services/aws-local';
import { abhiClientFromEnv } from '#shared/abhi/client';
import { uaeToday } from '#shared/domain/advance-policy';
import { ROLES } from '#shared/routes';
import { queueByName } from '#shared/topology';
import { testEnv } from '../support/env';
import { count, startWorkflowTestApi, type WorkflowTestApi } from './support';

/**
 * On-demand reconciliation through the local API (real handlers, the `reconciliation-requests` queue and its
 * consumer, PostgreSQL, the Abhi sandbox): POST /reconciliation/runs, GET /reconciliation/reports[/{id}].
 *
 * The sandbox runs on the real clock here (not the workflow tests' frozen 28th): a run may not cover future dates,
 * so Abhi's records must be dated today for a run to see them.
 */
let api: WorkflowTestApi;
let admin: string;

const RUNS = '/api/v1/reconciliation/runs';
const REPORTS = '/api/v1/reconciliation/reports';
const QUEUE = queueByName('reconciliation-requests');

beforeAll(async () => {
  api = await startWorkflowTestApi({ sandbox: { clock: () => Date.now() } });
  admin = await api.adminToken();
});
afterAll(async () => {
  await api?.stop();
});

const startRun = (body: unknown, token = admin) => api.request('POST', RUNS, { token, body });
const reportRow = async (id: string) =>
  (
    await api.db.query(
      `SELECT status, to_char(period_start, 'YYYY-MM-DD') AS period_start, to_char(period_end, 'YYYY-MM-DD') AS period_end, trigger, requested_by,
              abhi_advances, abhi_repayments, local_advances, local_repayments, fixed, mismatches, details, summary, finished_at, claimed_at, error
         FROM reconciliation_reports WHERE id = $1`,
      [id],
    )
  ).rows[0];
const reportCount = () => count(api.db, `SELECT count(*) AS n FROM reconciliation_reports`);
const daysAgo = (days: number) => uaeToday(new Date(Date.now() - days * 86_400_000));
const abhiListCalls = (since: number) => api.sandbox.state().requestLog.filter((e) => e.at >= since && e.method === 'GET' && e.path === '/repayments').length;

/** The API's report equals the row: status, period, counts, findings and summary. */
async function expectReportMatchesRow(report: any) {
  const row = await reportRow(report.id);
  expect(report).toMatchObject({
    id: report.id,
    status: row.status,
    trigger: row.trigger,
    periodStart: row.period_start,
    periodEnd: row.period_end,
    requestedBy: row.requested_by,
    finishedAt: row.finished_at ? new Date(row.finished_at).toISOString() : null,
    counts: {
      abhiAdvances: row.abhi_advances,
      abhiRepayments: row.abhi_repayments,
      localAdvances: row.local_advances,
      localRepayments: row.local_repayments,
      fixed: row.fixed,
      mismatches: row.mismatches,
    },
    error: row.error,
  });
  expect(report.fixed).toEqual(row.details.fixed ?? []);
  expect(report.mismatches).toEqual(row.details.mismatches ?? []);
  expect(report.summary).toBe(row.summary);
  expect(report.counts.fixed).toBe(report.fixed.length);
  expect(report.counts.mismatches).toBe(report.mismatches.length);
}

describe('who may reconcile', () => {
  it('every role but admin gets 403 FORBIDDEN on the three routes, and nothing is recorded', async () => {
    const before = await reportCount();
    for (const role of ROLES.filter((r) => r !== 'admin')) {
      const token = await api.token({ role, org: api.employees[0]!.organizationId, employee: role === 'employee' ? api.employees[0]!.id : undefined, mfa: true });
      for (const [method, path] of [
        ['POST', RUNS],
        ['GET', REPORTS],
        ['GET', `${REPORTS}/${randomUUID()}`],
      ] as const) {
        const response = await api.request(method, path, { token, body: method === 'POST' ? {} : undefined });
        expect(response.status, `${role} ${method} ${path}`).toBe(403);
        expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(response.body.code).toBe('FORBIDDEN');
      }
    }
    expect(await reportCount()).toBe(before);
  });

  it('an unknown report id is 404 problem+json', async () => {
    for (const id of [randomUUID(), 'not-a-report-id']) {
      const response = await api.request('GET', `${REPORTS}/${id}`, { token: admin });
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.body).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    }
  });
});

describe('POST /reconciliation/runs validates the period', () => {
  it.each([
    ['a date that is not YYYY-MM-DD', { startDate: '01/12/2025' }, 'body.startDate'],
    ['a date that does not exist', { startDate: '2025-02-30', endDate: '2025-03-01' }, 'body.startDate'],
    ['an end before the start', { startDate: daysAgo(2), endDate: daysAgo(5) }, 'body.endDate'],
    ['a period longer than 92 days', { startDate: daysAgo(100), endDate: daysAgo(1) }, 'body.startDate'],
    ['an end date in the future', { endDate: daysAgo(-1) }, 'body.endDate'],
    ['a start date in the future', { startDate: daysAgo(-3) }, 'body.startDate'],
    ['days out of range', { days: 93 }, 'body.days'],
    ['days that are not whole', { days: 1.5 }, 'body.days'],
    ['startDate together with days', { startDate: daysAgo(5), days: 3 }, 'body.days'],
    ['an unknown field', { from: daysAgo(5) }, 'body.from'],
  ])('%s is 400 VALIDATION_ERROR naming the field, and creates no report', async (_case, body, field) => {
    const before = await reportCount();
    const response = await startRun(body);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.body.code).toBe('VALIDATION_ERROR');
    expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect(await reportCount()).toBe(before);
  });

  it('a body that is not JSON, or no body at all, is 400 too', async () => {
    const before = await reportCount();
    const malformed = await api.request('POST', RUNS, { token: admin, rawBody: '{"days":', headers: { 'content-type': 'application/json' } });
    expect(malformed.status).toBe(400);
    const empty = await api.request('POST', RUNS, { token: admin });
    expect(empty.status).toBe(400);
    expect(await reportCount()).toBe(before);
  });
});

describe('running reconciliation on demand', () => {
  it('202 + Location; a second request while it runs is 409; the run happens once; the report is final and readable', async () => {
    // Abhi answers the repayments list slowly: the run outlives the local queue's 2 s visibility timeout, so its
    // message is delivered a second time while the first delivery is still running it.
    api.sandbox.setFaults({ latencyMs: 2_500, methods: ['GET'], paths: ['/repayments'] });
    const since = Date.now();
    try {
      const started = await startRun({});
      expect(started.status).toBe(202);
      expect(started.body).toEqual({ id: expect.any(String), status: 'RUNNING', periodStart: daysAgo(2), periodEnd: uaeToday() });
      expect(started.headers.get('location')).toBe(`${REPORTS}/${started.body.id}`);
      expect(await reportRow(started.body.id)).toMatchObject({ status: 'RUNNING', trigger: 'on_demand', requested_by: 'platform-admin' });

      const stacked = await startRun({ days: 1 });
      expect(stacked.status).toBe(409);
      expect(stacked.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(stacked.body.code).toBe('CONFLICT');
      expect(stacked.body.detail).toContain(started.body.id);

      const polled = await api.request('GET', started.headers.get('location')!, { token: admin });
      expect(polled.status).toBe(200);
      expect(polled.body).toMatchObject({ id: started.body.id, status: 'RUNNING', finishedAt: null });

      await api.drainQueues(60_000);
      expect(abhiListCalls(since)).toBe(1);

      const report = await api.request('GET', `${REPORTS}/${started.body.id}`, { token: admin });
      expect(report.status).toBe(200);
      expect(report.body).toMatchObject({ status: 'CLEAN', periodStart: daysAgo(2), periodEnd: uaeToday(), fixed: [], mismatches: [], error: null });
      expect(report.body.summary).toContain(`Reconciliation ${daysAgo(2)} to ${uaeToday()}`);
      expect(report.body.summary).toContain('No mismatches.');
      await expectReportMatchesRow(report.body);

      const listed = await api.request('GET', REPORTS, { token: admin });
      expect(listed.status).toBe(200);
      const { fixed: _fixed, mismatches: _mismatches, summary: _summary, ...withoutFindings } = report.body;
      expect(listed.body.items[0]).toEqual(withoutFindings);
    } finally {
      api.sandbox.setFaults({});
    }
  });

  it('a run still RUNNING blocks new runs (409) until it is older than the consumer timeout; then it is closed as FAILED', async () => {
    // A scheduled run in progress (the nightly job writes its row RUNNING, too).
    const nightly = randomUUID();
    await api.db.query(
      `INSERT INTO reconciliation_reports (id, period_start, period_end, trigger, status, started_at) VALUES ($1, $2, $3, 'schedule', 'RUNNING', now() - interval '1 minute')`,
      [nightly, daysAgo(2), uaeToday()],
    );
    const before = await reportCount();
    const refused = await startRun({ days: 1 });
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain(nightly);
    expect(await reportCount()).toBe(before);

    // Its function died (a run lives at most the consumer timeout): it no longer blocks, and says what happened.
    await api.db.query(`UPDATE reconciliation_reports SET started_at = now() - make_interval(secs => $2) WHERE id = $1`, [nightly, QUEUE.consumerTimeoutSeconds + 60]);
    const accepted = await startRun({ days: 1 });
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({ periodStart: uaeToday(), periodEnd: uaeToday() });
    const abandoned = await reportRow(nightly);
    expect(abandoned).toMatchObject({ status: 'FAILED' });
    expect(abandoned.error).toMatch(/^Abandoned: not finished within 900 s/);

    await api.drainQueues(60_000);
    expect((await reportRow(accepted.body.id)).status).toBe('CLEAN');
    const failedOnly = await api.request('GET', `${REPORTS}?status=FAILED`, { token: admin });
    expect(failedOnly.body.items.map((r: { id: string }) => r.id)).toEqual([nightly]);
  });

  it('fixes a drifted advance, reports money only Abhi knows, and both GET routes show what the row holds', async () => {
    const client = abhiClientFromEnv();
    // Drift: Abhi created the advance but the answer was lost (request left PROCESSING an hour ago).
    const employee = api.employees[0]!;
    const lostId = randomUUID();
    await api.db.query(
      `INSERT INTO advance_requests (id, organization_id, employee_id, requested_by, idempotency_key, amount, status, abhi_reference,
         reserved_at, abhi_create_attempts, abhi_create_last_at, created_at, updated_at)
       VALUES ($1, $2, $3, 'tester', $4, 21, 'PROCESSING', $5, now(), 1, now() - interval '1 hour', now() - interval '1 hour', now() - interval '1 hour')`,
      [lostId, employee.organizationId, employee.id, `k-${lostId}`, `ADV-${lostId}`],
    );
    const atAbhi = await client.transactions.createAdvance({ employeeId: employee.id, amount: 21, reference: `ADV-${lostId}` });
    // A real mismatch: an advance at Abhi that nobody requested through the platform.
    const stranger = api.employees[1]!;
    const unknown = await client.transactions.createAdvance({ employeeId: stranger.id, amount: 17, reference: `EXT-${randomUUID().slice(0, 8)}` });

    const started = await startRun({ days: 2 });
    expect(started.status).toBe(202);
    await api.drainQueues(60_000);

    const report = await api.request('GET', `${REPORTS}/${started.body.id}`, { token: admin });
    expect(report.status).toBe(200);
    expect(report.body.status).toBe('MISMATCHES');
    expect(report.body.counts).toMatchObject({ abhiAdvances: 2, localAdvances: 1, fixed: 1, mismatches: 1 });
    expect(report.body.fixed).toEqual([
      { kind: 'advance', id: lostId, issue: 'NOT_RECORDED', detail: expect.stringContaining(atAbhi.id), action: 'recorded; request COMPLETED' },
    ]);
    expect(report.body.mismatches).toEqual([
      { kind: 'advance', id: unknown.id, issue: 'UNKNOWN_LOCALLY', detail: expect.stringContaining('AED 17.00') },
    ]);
    expect(report.body.summary).toContain(`MISMATCH advance ${unknown.id} UNKNOWN_LOCALLY`);
    expect(report.body.summary).toContain(`FIXED advance ${lostId} NOT_RECORDED`);
    await expectReportMatchesRow(report.body);

    // The drift is fixed in the ledger, by reconciliation.
    const lost = await api.getTransaction(lostId);
    expect(lost).toMatchObject({ status: 'COMPLETED', abhiTransactionId: atAbhi.id });
    expect(lost.history.at(-1)).toMatchObject({ status: 'COMPLETED', actor: 'reconciliation' });

    // Listed newest first, filterable by status, paginated; the list items carry the row's counts.
    const mismatching = await api.request('GET', `${REPORTS}?status=MISMATCHES`, { token: admin });
    expect(mismatching.status).toBe(200);
    expect(mismatching.body).toMatchObject({ page: 1, limit: 20, total: 1 });
    expect(mismatching.body.items).toEqual([expect.objectContaining({ id: started.body.id, status: 'MISMATCHES', counts: report.body.counts })]);
    const all = await api.request('GET', REPORTS, { token: admin });
    expect(all.body.total).toBe(await reportCount());
    const startedAt = all.body.items.map((r: { startedAt: string }) => r.startedAt);
    expect(startedAt).toEqual([...startedAt].sort().reverse());
    expect(all.body.items[0].id).toBe(started.body.id);
    const second = await api.request('GET', `${REPORTS}?limit=1&page=2`, { token: admin });
    expect(second.body).toMatchObject({ page: 2, limit: 1, total: all.body.total });
    expect(second.body.items).toEqual([all.body.items[1]]);
    const badFilter = await api.request('GET', `${REPORTS}?status=DONE`, { token: admin });
    expect(badFilter.status).toBe(400);
  });

  it('a redelivered request, or a replayed POST (same Idempotency-Key), changes nothing and asks Abhi nothing', async () => {
    const key = `recon-${randomUUID()}`;
    const started = await api.request('POST', RUNS, { token: admin, body: { days: 1 }, headers: { 'Idempotency-Key': key } });
    expect(started.status).toBe(202);
    await api.drainQueues(60_000);
    const finished = await reportRow(started.body.id);
    expect(finished.status).toBe('MISMATCHES');
    const reports = await reportCount();

    const replayed = await api.request('POST', RUNS, { token: admin, body: { days: 1 }, headers: { 'Idempotency-Key': key } });
    expect(replayed.status).toBe(202);
    expect(replayed.body).toEqual(started.body);
    expect(replayed.headers.get('location')).toBe(`${REPORTS}/${started.body.id}`);
    expect(await reportCount()).toBe(reports);

    const since = Date.now();
    const sqs = new SQSClient({ endpoint: testEnv().sqsEndpoint, useQueueUrlAsEndpoint: false, ...LOCAL_AWS });
    try {
      await sqs.send(new SendMessageCommand({ QueueUrl: api.platform.messaging.queues[QUEUE.name]!.url, MessageBody: JSON.stringify({ reportId: started.body.id }) }));
    } finally {
      sqs.destroy();
    }
    await api.drainQueues(60_000);
    expect(abhiListCalls(since)).toBe(0);
    expect(await reportRow(started.body.id)).toEqual(finished);
  });

  it('two deliveries of one request at the same moment: one runs it, the other skips (the claim)', async () => {
    const { reconciliationDeps } = await import('#shared/wiring/reconciliation-run');
    const { runRequestedReconciliation } = await import('#shared/use-cases/reconciliation/runs');
    // Each delivery's invocation, as the queue consumer builds it (#shared/wiring/invocation).
    const ctx = { correlationId: 'reconciliation-claim-test', deadline: Date.now() + 60_000, patience: 'interactive' as const };
    const reportId = randomUUID();
    await api.db.query(
      `INSERT INTO reconciliation_reports (id, period_start, period_end, trigger, status, requested_by) VALUES ($1, $2, $2, 'on_demand', 'RUNNING', 'tester')`,
      [reportId, uaeToday()],
    );
    // A slow Abhi keeps the first run busy while the second delivery tries to claim the report.
    api.sandbox.setFaults({ latencyMs: 1_000, methods: ['GET'], paths: ['/repayments'] });
    const outcomes = await Promise.all([1, 2].map(() => runRequestedReconciliation(reconciliationDeps(), ctx, { reportId }, { leaseSeconds: QUEUE.consumerTimeoutSeconds }))).finally(() =>
      api.sandbox.setFaults({}),
    );
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['completed', 'skipped']);
    expect(outcomes.find((o) => o.outcome === 'skipped')).toMatchObject({ reason: 'in_progress' });
    const row = await reportRow(reportId);
    expect(row.status).toBe('MISMATCHES');
    // Finished: a later delivery skips it as finished; an unknown report is skipped as unknown.
    expect(await runRequestedReconciliation(reconciliationDeps(), ctx, { reportId }, { leaseSeconds: QUEUE.consumerTimeoutSeconds })).toMatchObject({ outcome: 'skipped', reason: 'finished' });
    expect(await runRequestedReconciliation(reconciliationDeps(), ctx, { reportId: randomUUID() }, { leaseSeconds: QUEUE.consumerTimeoutSeconds })).toMatchObject({ outcome: 'skipped', reason: 'unknown' });
    expect(await reportRow(reportId)).toEqual(row);
  });
});
