import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollDelaySeconds, isAbhiFinalStatus, type StatusPollSettings } from '../../functions/shared/use-cases/advances/status-poll';
import { TEST_POLICY, startWorkflowTestApi, type WorkflowTestApi } from './support';

/**
 * Status kept in step with Abhi (docs/operations.md, "Advance status polling"): a status moved at the Abhi sandbox
 * (`PUT /__sandbox/transactions/{id}/status`) reaches `GET /api/v1/transactions/{id}`, the ledger and the local
 * mailbox through the scheduled poll, here every 300 ms with 0.3 s between polls of one advance.
 */
let api: WorkflowTestApi;

beforeAll(async () => {
  api = await startWorkflowTestApi({
    extraEnv: { LOCAL_STATUS_POLL_INTERVAL_MS: '300', STATUS_POLL_DELAYS_SECONDS: '0.3', STATUS_POLL_MAX_POLLS: '6', APPROVAL_REMINDER_LEAD_SECONDS: '7200' },
  });
});
afterAll(async () => {
  await api?.stop();
});

async function completedAdvance(employeeIndex: number, amount: number) {
  const employee = api.employees[employeeIndex]!;
  const response = await api.request('POST', '/api/v1/transactions/advance', {
    token: await api.employeeToken(employee),
    body: { employeeId: employee.id, amount },
    headers: { 'Idempotency-Key': `poll-${employeeIndex}-${Date.now()}`, Prefer: 'wait=20' },
  });
  expect(response.status).toBe(201);
  expect(response.body.abhiStatus).toBe('pending');
  return { employee, advance: response.body };
}

async function moveAtSandbox(abhiId: string, status: string) {
  const moved = await fetch(`${api.sandbox.url}/__sandbox/transactions/${abhiId}/status`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ status }),
  });
  expect(moved.status).toBe(200);
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

async function mailbox(recipient: string, eventType: string): Promise<any[]> {
  const page = await api.request('GET', `/__local/mailbox?recipient=${encodeURIComponent(recipient)}&eventType=${eventType}`);
  return page.body.items;
}

describe('advance status polled at Abhi', () => {
  it('disbursed at the sandbox: the transaction shows it, the history says so, the employee is told once', async () => {
    const { employee, advance } = await completedAdvance(0, 64.5);
    await moveAtSandbox(advance.abhiTransactionId, 'disbursed');
    const seen = await eventually('the disbursed status', async () => {
      const view = await api.getTransaction(advance.id);
      return view.abhiStatus === 'disbursed' ? view : undefined;
    });
    expect(seen.status).toBe('COMPLETED');
    expect(seen.history.at(-1)).toMatchObject({ status: 'COMPLETED', actor: 'abhi', reason: 'Abhi status: disbursed' });
    const mails = await eventually('the disbursed notification', async () => {
      const items = await mailbox(employee.email, 'transaction.advance.disbursed');
      return items.length > 0 ? items : undefined;
    });
    expect(mails[0]).toMatchObject({ channel: 'email', subject: 'Advance disbursed', body: expect.stringContaining('AED 64.50') });
    // Final at Abhi: no more polls, and the event (one per change) was sent once.
    const [row] = (await api.db.query(`SELECT abhi_next_poll_at, abhi_poll_count FROM advance_requests WHERE id = $1`, [advance.id])).rows;
    expect(row.abhi_next_poll_at).toBeNull();
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await mailbox(employee.email, 'transaction.advance.disbursed')).toHaveLength(1);
    expect((await api.db.query(`SELECT count(*)::int AS n FROM outbox WHERE type = 'balance.updated' AND payload->>'cause' = 'abhi_status' AND payload->>'requestId' = $1`, [advance.id])).rows[0].n).toBe(1);
  });

  it('failed at the sandbox: the advance becomes FAILED, the ledger is reversed, the employee is told (in Arabic here)', async () => {
    const { employee, advance } = await completedAdvance(1, 80);
    await api.db.query(`UPDATE organizations SET notification_settings = '{"locale":"ar"}' WHERE id = $1`, [employee.organizationId]);
    await moveAtSandbox(advance.abhiTransactionId, 'failed');
    const failed = await eventually('the failed status', async () => {
      const view = await api.getTransaction(advance.id);
      return view.status === 'FAILED' ? view : undefined;
    });
    expect(failed.abhiStatus).toBe('failed');
    expect(failed.reasons[0]).toMatchObject({ code: 'ABHI_REVERSED' });
    const ledger = await api.db.query(`SELECT sum(amount)::text AS total FROM ledger_entries WHERE advance_request_id = $1`, [advance.id]);
    expect(Number(ledger.rows[0].total)).toBe(0);
    const mails = await eventually('the failed notification', async () => {
      const items = await mailbox(employee.email, 'transaction.advance.failed');
      return items.length > 0 ? items : undefined;
    });
    expect(mails[0]).toMatchObject({ subject: 'تعذّر صرف السلفة', body: expect.stringContaining('80.00 درهم') });
  });

  it('repaid at the sandbox: the employee is told the advance is repaid, in their own Arabic in an English organization (ADR 0022)', async () => {
    const { employee, advance } = await completedAdvance(4, 41);
    await api.db.query(`UPDATE organizations SET notification_settings = '{"locale":"en"}' WHERE id = $1`, [employee.organizationId]);
    await api.db.query(`UPDATE employees SET preferred_locale = 'ar' WHERE id = $1`, [employee.id]);
    await moveAtSandbox(advance.abhiTransactionId, 'repaid');
    const mails = await eventually('the repaid notification', async () => {
      const items = await mailbox(employee.email, 'transaction.advance.repaid');
      return items.length > 0 ? items : undefined;
    });
    expect(mails[0]).toMatchObject({ channel: 'email', subject: 'تم سداد السلفة', body: expect.stringContaining('41.00 درهم') });
    expect((await api.getTransaction(advance.id)).abhiStatus).toBe('repaid');
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await mailbox(employee.email, 'transaction.advance.repaid')).toHaveLength(1);
  });

  it('an advance Abhi never settles is polled on the schedule and given up after the limit (alarm metric: CloudWatch not local)', async () => {
    const { advance } = await completedAdvance(2, 33);
    const row = await eventually('the last poll', async () => {
      const { rows } = await api.db.query(`SELECT abhi_poll_count, abhi_poll_exhausted_at, abhi_next_poll_at FROM advance_requests WHERE id = $1`, [advance.id]);
      return rows[0].abhi_poll_exhausted_at ? rows[0] : undefined;
    }, 40_000);
    expect(row.abhi_poll_count).toBe(6);
    expect(row.abhi_next_poll_at).toBeNull();
    expect((await api.getTransaction(advance.id)).abhiStatus).toBe('pending');
  });

  it('the approvers are reminded once before an approval expires (the schedule run by the test: EventBridge is not local)', async () => {
    const employee = api.employees[3]!;
    await api.db.query(`UPDATE organizations SET notification_settings = '{"approverEmail":"finance@reminder.example"}' WHERE id = $1`, [employee.organizationId]);
    const token = await api.employeeToken(employee);
    const created = await api.requestAdvance(token, { employeeId: employee.id, amount: TEST_POLICY.approvalThreshold + 20 });
    await api.waitForStatus(created.body.id, ['PENDING_APPROVAL']);
    const { handler } = await import('../../functions/transactions/remind-approvers');
    const run = async () => (await handler({} as never)).reminded;
    expect(await run()).toBe(1);
    expect(await run()).toBe(0);
    const mails = await eventually('the reminder', async () => {
      const items = await mailbox('finance@reminder.example', 'transaction.advance.approval_reminder');
      return items.length > 0 ? items : undefined;
    });
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ subject: '[Approval needed] Reminder: advance waiting for approval', body: expect.stringContaining(`/api/v1/transactions/${created.body.id}/status`) });
    expect(await mailbox(employee.email, 'transaction.advance.approval_reminder')).toHaveLength(0);
    await api.request('PUT', `/api/v1/transactions/${created.body.id}/status`, { token, body: { action: 'cancel' } });
  });

  it('the production schedule: 1 min, 5 min, 30 min, then hourly; Abhi statuses that end it', () => {
    const settings: StatusPollSettings = { delaysSeconds: [60, 300, 1800, 3600], maxPolls: 50, batchLimit: 150, leaseSeconds: 300 };
    expect([0, 1, 2, 3, 4, 10].map((done) => pollDelaySeconds(settings, done))).toEqual([60, 300, 1800, 3600, 3600, 3600]);
    expect(['disbursed', 'Completed', 'repaid', 'failed', 'reversed'].every(isAbhiFinalStatus)).toBe(true);
    expect(['pending', 'approved', 'processing'].some(isAbhiFinalStatus)).toBe(false);
  });
});
