import { randomUUID } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEntry } from '../../infra/local/api-server';
import { LOCAL_AWS } from '../../infra/local/services/aws-local';
import { fakeLambdaContext } from '../../infra/local/lambda-context';
import { abhiClientFromEnv } from '#shared/abhi/client';
import { signWebhook } from '#shared/use-cases/webhooks/abhi-webhook';
import { FINAL, count, frozenBusinessTime, startWorkflowTestApi, type WorkflowTestApi } from './support';

/** Repayments, Abhi's webhook and reconciliation over the local stack (real handlers, sandbox, PostgreSQL). */
let api: WorkflowTestApi;
let webhookSecret: string;
let reversedRequestId = '';

beforeAll(async () => {
  api = await startWorkflowTestApi();
  const secrets = new SecretsManagerClient({ endpoint: process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER, ...LOCAL_AWS });
  const value = await secrets.send(new GetSecretValueCommand({ SecretId: api.platform.env.WEBHOOK_SECRET_ID }));
  webhookSecret = JSON.parse(value.SecretString!).secret;
  secrets.destroy();
});
afterAll(async () => {
  await api?.stop();
});

async function completedAdvance(employeeIndex: number, amount: number) {
  const employee = api.employees[employeeIndex]!;
  const response = await api.requestAdvance(await api.employeeToken(employee), { employeeId: employee.id, amount });
  expect(response.status).toBe(202);
  const done = await api.waitForStatus(response.body.id, FINAL);
  expect(done.status).toBe('COMPLETED');
  return { employee, advance: done };
}

const ledgerSum = async (requestId: string) =>
  Number((await api.db.query(`SELECT COALESCE(sum(amount), 0)::text AS s FROM ledger_entries WHERE advance_request_id = $1`, [requestId])).rows[0].s);

describe('repayments', () => {
  it('a repayment against an advance is created at Abhi once, recorded in the ledger, and lowers the outstanding balance', async () => {
    const { employee, advance } = await completedAdvance(0, 200);
    const finance = await api.financeToken(employee.organizationId);
    const key = `rpy-${randomUUID()}`;
    const body = { transactionId: advance.id, amount: 80, paymentMethod: 'payroll_deduction' };
    const created = await api.request('POST', '/api/v1/transactions/repayment', { token: finance, body, headers: { 'Idempotency-Key': key } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      type: 'repayment',
      status: 'COMPLETED',
      employeeId: employee.id,
      transactionId: advance.abhiTransactionId,
      amount: 80,
      abhiRepaymentId: expect.any(String),
      clientRepaymentReferenceNumber: expect.stringMatching(/^RPY-[0-9a-f]{32}$/),
    });
    // Outstanding = advance 200 + fee 15 - 80 (and whatever this employee owed before).
    const ledger = (await api.db.query(`SELECT kind, amount::text AS amount FROM ledger_entries WHERE repayment_id = $1`, [created.body.id])).rows;
    expect(ledger).toEqual([{ kind: 'repayment', amount: '-80.00' }]);
    const owed = Number((await api.db.query(`SELECT COALESCE(sum(amount), 0)::text AS s FROM ledger_entries WHERE employee_id = $1`, [employee.id])).rows[0].s);
    expect(created.body.outstandingAmount).toBe(owed);
    const events = (await api.db.query(`SELECT type FROM outbox WHERE payload->>'repaymentId' = $1`, [created.body.id])).rows.map((r) => r.type).sort();
    expect(events).toEqual(['balance.updated', 'transaction.repayment.created']);

    const replay = await api.request('POST', '/api/v1/transactions/repayment', { token: finance, body, headers: { 'Idempotency-Key': key } });
    expect(replay.status).toBe(201);
    expect(replay.body.id).toBe(created.body.id);
    // Abhi knows the repayment by its own reference (client references are unique per organization only).
    const abhiReference = (await api.db.query(`SELECT abhi_reference FROM repayments WHERE id = $1`, [created.body.id])).rows[0].abhi_reference;
    const atAbhi = (api.sandbox.state().records.repayments as { clientRepaymentReferenceNumber: string }[]).filter(
      (r) => r.clientRepaymentReferenceNumber === abhiReference,
    );
    expect(atAbhi).toHaveLength(1);

    const fetched = await api.request('GET', `/api/v1/transactions/${created.body.id}`, { token: finance });
    expect(fetched.body).toMatchObject({ type: 'repayment', id: created.body.id });
  });

  it('a reference reused for another repayment is a conflict; Abhi refusing an amount answers 422; employees cannot repay', async () => {
    const { employee } = await completedAdvance(1, 100);
    const finance = await api.financeToken(employee.organizationId);
    const reference = `PAYROLL-${randomUUID().slice(0, 8)}`;
    const first = await api.request('POST', '/api/v1/transactions/repayment', {
      token: finance,
      body: { employeeId: employee.id, amount: 10, clientRepaymentReferenceNumber: reference },
      headers: { 'Idempotency-Key': `rpy-${randomUUID()}` },
    });
    expect(first.status).toBe(201);
    expect(first.body.clientRepaymentReferenceNumber).toBe(reference);
    const reused = await api.request('POST', '/api/v1/transactions/repayment', {
      token: finance,
      body: { employeeId: employee.id, amount: 11, clientRepaymentReferenceNumber: reference },
      headers: { 'Idempotency-Key': `rpy-${randomUUID()}` },
    });
    expect(reused.status).toBe(409);
    const tooMuch = await api.request('POST', '/api/v1/transactions/repayment', {
      token: finance,
      body: { employeeId: employee.id, amount: 99_999 },
      headers: { 'Idempotency-Key': `rpy-${randomUUID()}` },
    });
    expect(tooMuch.status).toBe(422);
    expect(await count(api.db, `SELECT count(*) AS n FROM repayments WHERE employee_id = $1 AND status = 'FAILED'`, [employee.id])).toBe(1);
    const byEmployee = await api.request('POST', '/api/v1/transactions/repayment', {
      token: await api.employeeToken(employee),
      body: { employeeId: employee.id, amount: 5 },
      headers: { 'Idempotency-Key': `rpy-${randomUUID()}` },
    });
    expect(byEmployee.status).toBe(403);
  });
});

describe('Abhi webhook (HMAC-SHA256 over "<timestamp>.<event id>.<raw body>")', () => {
  const send = (body: unknown, options: { eventId?: string; timestamp?: number; secret?: string; signature?: string } = {}) => {
    const raw = JSON.stringify(body);
    const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
    const eventId = options.eventId ?? `evt-${randomUUID()}`;
    const signature = options.signature ?? `sha256=${signWebhook(options.secret ?? webhookSecret, timestamp, eventId, raw)}`;
    return api.request('POST', '/api/v1/webhooks/abhi', {
      rawBody: raw,
      headers: { 'content-type': 'application/json', 'X-Abhi-Timestamp': timestamp, 'X-Abhi-Signature': signature, 'X-Abhi-Event-Id': eventId },
    });
  };
  const statusEvent = (transactionId: string, status: string, occurredAt = new Date().toISOString()) => ({
    type: 'transaction.status_changed',
    occurredAt,
    data: { transactionId, status },
  });

  it('a signed status change is applied once and told once; forged, stale and replayed calls change nothing', async () => {
    const { employee, advance } = await completedAdvance(2, 90);
    const abhiId = advance.abhiTransactionId as string;
    const eventId = `evt-${randomUUID()}`;
    const applied = await send(statusEvent(abhiId, 'completed'), { eventId });
    expect(applied.status).toBe(200);
    expect(applied.body).toEqual({ received: true, duplicate: false, applied: 'Abhi status noted (completed)' });
    expect((await api.getTransaction(advance.id)).abhiStatus).toBe('completed');

    const snapshot = async () => {
      const row = (await api.db.query(`SELECT status, abhi_status, abhi_status_at, updated_at FROM advance_requests WHERE id = $1`, [advance.id])).rows[0];
      return { ...row, ledger: await ledgerSum(advance.id) };
    };
    const before = await snapshot();
    const forged = await send(statusEvent(abhiId, 'reversed'), { secret: 'not-the-secret-at-all-0000' });
    expect(forged.status).toBe(401);
    const tampered = await send(statusEvent(abhiId, 'reversed'), { signature: `sha256=${'0'.repeat(64)}` });
    expect(tampered.status).toBe(401);
    const stale = await send(statusEvent(abhiId, 'reversed'), { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(stale.status).toBe(401);
    const future = await send(statusEvent(abhiId, 'reversed'), { timestamp: Math.floor(Date.now() / 1000) + 6 * 60 });
    expect(future.status).toBe(401);
    const replay = await send(statusEvent(abhiId, 'reversed'), { eventId });
    expect(replay.status).toBe(200);
    expect(replay.body.duplicate).toBe(true);
    const unsigned = await api.request('POST', '/api/v1/webhooks/abhi', { body: statusEvent(abhiId, 'reversed') });
    expect(unsigned.status).toBe(401);
    expect(await snapshot()).toEqual(before);

    // The employee is told the step once, as the status poll would tell it (ADR 0022).
    await api.drainQueues();
    const told = await api.request('GET', `/__local/mailbox?recipient=${encodeURIComponent(employee.email)}&eventType=transaction.advance.disbursed`);
    expect(told.body.items).toEqual([expect.objectContaining({ channel: 'email', subject: 'Advance disbursed', body: expect.stringContaining('AED 90.00') })]);
  });

  it('Abhi reversing a completed advance fails it and reverses the ledger; an older event changes nothing', async () => {
    const { advance } = await completedAdvance(3, 70);
    reversedRequestId = advance.id;
    expect(await ledgerSum(advance.id)).toBe(85);
    const reversed = await send(statusEvent(advance.abhiTransactionId, 'reversed'));
    expect(reversed.body.applied).toMatch(/reversed/);
    const after = await api.getTransaction(advance.id);
    expect(after.status).toBe('FAILED');
    expect(after.reasons[0].code).toBe('ABHI_REVERSED');
    expect(await ledgerSum(advance.id)).toBe(0);
    // The same status again (new event id) and an out-of-date event are both no-ops.
    const again = await send(statusEvent(advance.abhiTransactionId, 'reversed'));
    expect(again.body.applied).toMatch(/^nothing/);
    const older = await send(statusEvent(advance.abhiTransactionId, 'completed', new Date(Date.now() - 3_600_000).toISOString()));
    expect(older.body.applied).toMatch(/^nothing/);
    expect((await api.getTransaction(advance.id)).status).toBe('FAILED');
    expect(await ledgerSum(advance.id)).toBe(0);
  });
});

describe('reconciliation', () => {
  it('recording that keeps failing raises AdvanceRecordingStuck; reconciliation then completes the request', async () => {
    const employee = api.employees[6]!;
    const requestId = randomUUID();
    const created = await abhiClientFromEnv().transactions.createAdvance({ employeeId: employee.id, amount: 21, reference: `ADV-${requestId}` });
    await api.db.query(
      `INSERT INTO advance_requests (id, organization_id, employee_id, requested_by, idempotency_key, amount, status, abhi_reference, reserved_at,
         abhi_create_attempts, abhi_create_last_at, abhi_transaction_id, abhi_transaction, created_at, updated_at)
       VALUES ($1, $2, $3, 'tester', $4, 21, 'PROCESSING', $5, now(), 1, now(), $6, $7, now() - interval '1 hour', now() - interval '1 hour')`,
      [requestId, employee.organizationId, employee.id, `k-${requestId}`, `ADV-${requestId}`, created.id,
        JSON.stringify({ id: created.id, employeeId: employee.id, amount: '21.00', processingFee: '15.00', dueDate: created.dueDate })],
    );
    // The state machine's RaiseRecordingStuck step, with the metrics port recorded.
    const { transactionDeps } = await import('#shared/wiring/advances');
    const { raiseRecordingStuck } = await import('#shared/use-cases/advances/workflow-steps');
    const metrics: { name: string; value?: number }[] = [];
    const ctx = { correlationId: requestId, deadline: Date.now() + 20_000, patience: 'patient' as const };
    await raiseRecordingStuck({ ...transactionDeps(), metrics: { count: (name, value) => void metrics.push({ name, value }) } }, ctx, {
      requestId,
      error: { Error: 'Error', Cause: '{"errorMessage":"database unavailable"}' },
    });
    expect(metrics).toEqual([{ name: 'AdvanceRecordingStuck', value: undefined }]);
    expect((await api.db.query(`SELECT recording_stuck_at IS NOT NULL AS stuck FROM advance_requests WHERE id = $1`, [requestId])).rows[0].stuck).toBe(true);
    await api.db.query(`UPDATE advance_requests SET updated_at = now() - interval '1 hour' WHERE id = $1`, [requestId]);

    const report = await reconcile();
    expect(report.fixed).toBeGreaterThanOrEqual(1);
    const done = await api.getTransaction(requestId);
    expect(done).toMatchObject({ status: 'COMPLETED', abhiTransactionId: created.id, processingFee: 15 });
    expect(await ledgerSum(requestId)).toBe(36);
  });

  const month = () => new Date(frozenBusinessTime() + 4 * 3600_000).toISOString().slice(0, 7);
  const reconcile = async () => {
    const run = await loadEntry<(event: unknown, context: unknown) => Promise<any>>('reconciliation/run-reconciliation');
    return run({ startDate: `${month()}-01`, endDate: `${month()}-28` }, fakeLambdaContext('reconciliation', 120_000));
  };

  it('records an advance Abhi holds whose answer was lost, restarts a workflow that never started, and reports money only Abhi knows', async () => {
    const client = abhiClientFromEnv();
    // 1. Drift: Abhi created the advance but we never learned its id (request left PROCESSING an hour ago).
    const employee = api.employees[4]!;
    const lostId = randomUUID();
    await api.db.query(
      `INSERT INTO advance_requests (id, organization_id, employee_id, requested_by, idempotency_key, amount, status, abhi_reference,
         reserved_at, abhi_create_attempts, abhi_create_last_at, created_at, updated_at)
       VALUES ($1, $2, $3, 'tester', $4, 33, 'PROCESSING', $5, now(), 1, now() - interval '1 hour', now() - interval '1 hour', now() - interval '1 hour')`,
      [lostId, employee.organizationId, employee.id, `k-${lostId}`, `ADV-${lostId}`],
    );
    const atAbhi = await client.transactions.createAdvance({ employeeId: employee.id, amount: 33, reference: `ADV-${lostId}` });
    // 2. A request whose workflow never started.
    const stalledId = randomUUID();
    await api.db.query(
      `INSERT INTO advance_requests (id, organization_id, employee_id, requested_by, idempotency_key, amount, status, abhi_reference, created_at, updated_at)
       VALUES ($1, $2, $3, 'tester', $4, 12, 'PENDING_VALIDATION', $5, now() - interval '1 hour', now() - interval '1 hour')`,
      [stalledId, employee.organizationId, employee.id, `k-${stalledId}`, `ADV-${stalledId}`],
    );
    // 3. A real mismatch: an advance at Abhi that nobody requested through the platform.
    const stranger = api.employees[5]!;
    const unknown = await client.transactions.createAdvance({ employeeId: stranger.id, amount: 44, reference: `EXT-${randomUUID().slice(0, 8)}` });

    const report = await reconcile();
    expect(report.status).toBe('MISMATCHES');
    // The advance the webhook reversed above is still shown as active by the sandbox: a real mismatch too.
    expect(report.mismatches).toBe(2);
    const stored = (await api.db.query(`SELECT status, fixed, mismatches, details, summary FROM reconciliation_reports WHERE id = $1`, [report.id])).rows[0];
    expect(stored.status).toBe('MISMATCHES');
    expect(stored.details.mismatches).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'advance', id: unknown.id, issue: 'UNKNOWN_LOCALLY' }),
        expect.objectContaining({ kind: 'advance', id: reversedRequestId, issue: 'STATUS_MISMATCH' }),
      ]),
    );
    expect(stored.summary).toContain(`MISMATCH advance ${unknown.id} UNKNOWN_LOCALLY`);
    expect(stored.details.fixed).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: lostId, issue: 'NOT_RECORDED' }),
        expect.objectContaining({ id: stalledId, issue: 'NOT_STARTED' }),
      ]),
    );

    const lost = await api.getTransaction(lostId);
    expect(lost).toMatchObject({ status: 'COMPLETED', abhiTransactionId: atAbhi.id });
    expect(lost.history.at(-1)).toMatchObject({ status: 'COMPLETED', actor: 'reconciliation' });
    expect(await ledgerSum(lostId)).toBe(33 + 15);
    const restarted = await api.waitForStatus(stalledId, FINAL);
    expect(restarted.status).toBe('COMPLETED');

    // A second run fixes nothing new and still reports the one real mismatch.
    const second = await reconcile();
    expect(second.fixed).toBe(0);
    expect(second.mismatches).toBe(2);
  });
});
