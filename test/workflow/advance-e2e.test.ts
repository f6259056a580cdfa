import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FINAL, TEST_POLICY, count, sandboxAvailable, startWorkflowTestApi, type WorkflowTestApi } from './support';

/**
 * Advance requests end to end over HTTP: the local API with the real handlers, the workflow's ASL (as CDK
 * synthesizes it) in the local Step Functions runner with the real task functions, PostgreSQL, DynamoDB Local,
 * the SQS/SNS emulator and the Abhi sandbox.
 */
let api: WorkflowTestApi;

beforeAll(async () => {
  api = await startWorkflowTestApi();
});
afterAll(async () => {
  await api?.stop();
});

const refOf = (requestId: string) => `ref:ADV-${requestId}`;
const abhiAdvancesFor = (requestId: string) => api.abhiAdvances().filter((a) => a.description?.endsWith(refOf(requestId)));
const statuses = (view: any) => view.history.map((h: any) => h.status);

describe('advance requests end to end', () => {
  it('an auto-approved advance goes to COMPLETED with Abhi’s id, fees, due date, ledger and events', async () => {
    const employee = api.employees[0]!;
    const token = await api.employeeToken(employee);
    const key = `adv-${randomUUID()}`;
    const response = await api.requestAdvance(token, { employeeId: employee.id, amount: 120.5, description: 'School fees' }, key);
    expect(response.status).toBe(202);
    expect(response.headers.get('location')).toBe(`/api/v1/transactions/${response.body.id}`);
    expect(response.body).toMatchObject({ id: expect.any(String), employeeId: employee.id, amount: 120.5 });
    expect(['PENDING_VALIDATION', 'PROCESSING', 'COMPLETED']).toContain(response.body.status);
    expect(response.body.history[0]).toMatchObject({ status: 'PENDING_VALIDATION', actor: `employee-${employee.id}` });

    const done = await api.waitForStatus(response.body.id, FINAL);
    expect(done.status).toBe('COMPLETED');
    expect(done).toMatchObject({ processingFee: 15, repaymentAmount: 135.5, reference: `ADV-${done.id}`, abhiTransactionId: expect.any(String) });
    expect(done.dueDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(statuses(done)).toEqual(['PENDING_VALIDATION', 'PROCESSING', 'COMPLETED']);
    expect(abhiAdvancesFor(done.id)).toHaveLength(1);
    expect(abhiAdvancesFor(done.id)[0]).toMatchObject({ id: done.abhiTransactionId, amount: 120.5 });

    const ledger = await api.db.query(`SELECT kind, amount::text AS amount, abhi_reference FROM ledger_entries WHERE advance_request_id = $1 ORDER BY kind`, [done.id]);
    expect(ledger.rows).toEqual([
      { kind: 'advance', amount: '120.50', abhi_reference: done.abhiTransactionId },
      { kind: 'fee', amount: '15.00', abhi_reference: done.abhiTransactionId },
    ]);
    const events = (await api.db.query(`SELECT type FROM outbox WHERE correlation_id = $1 OR payload->>'requestId' = $1 ORDER BY occurred_at`, [done.id])).rows.map((r) => r.type);
    expect(events).toEqual(expect.arrayContaining(['transaction.advance.requested', 'transaction.advance.created', 'balance.updated']));

    // The same Idempotency-Key again: the same request, no second advance at Abhi.
    const again = await api.requestAdvance(token, { employeeId: employee.id, amount: 120.5, description: 'School fees' }, key);
    expect(again.status).toBe(202);
    expect(again.body.id).toBe(done.id);
    expect(abhiAdvancesFor(done.id)).toHaveLength(1);
    expect(api.sfn.executions().filter((e) => e.name === done.id)).toHaveLength(1);

    // The employee sees it in their history; the employer list finds it by employee code.
    const history = await api.request('GET', `/api/v1/transactions/employee/${employee.id}?type=advance`, { token });
    expect(history.status).toBe(200);
    expect(history.body.items.map((i: any) => i.id)).toContain(done.id);
    const list = await api.request('GET', `/api/v1/transactions?employeeCode=${employee.employeeCode}&status=COMPLETED`, { token: await api.financeToken(employee.organizationId) });
    expect(list.status).toBe(200);
    expect(list.body.items.find((i: any) => i.id === done.id)).toMatchObject({ type: 'advance', employeeCode: employee.employeeCode, abhiId: done.abhiTransactionId });
  });

  it('an employee cannot request for someone else, and the Idempotency-Key is required', async () => {
    const [me, other] = api.employees;
    const token = await api.employeeToken(me!);
    const forOther = await api.requestAdvance(token, { employeeId: other!.id, amount: 10 });
    expect(forOther.status).toBe(404);
    const noKey = await api.request('POST', '/api/v1/transactions/advance', { token, body: { employeeId: me!.id, amount: 10 } });
    expect(noKey.status).toBe(400);
    expect(noKey.body.code).toBe('IDEMPOTENCY_KEY_REQUIRED');
  });

  it('above the MFA threshold the token must carry MFA', async () => {
    const employee = api.employees[1]!;
    const amount = TEST_POLICY.mfaThreshold + 1;
    const refused = await api.requestAdvance(await api.employeeToken(employee), { employeeId: employee.id, amount });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('MFA_REQUIRED');
    const accepted = await api.requestAdvance(await api.employeeToken(employee, { mfa: true }), { employeeId: employee.id, amount });
    expect(accepted.status).toBe(202);
    // Above the approval threshold too: it waits; cancel it so it does not hold the employee's money.
    await api.waitForStatus(accepted.body.id, ['PENDING_APPROVAL']);
    const cancelled = await api.request('PUT', `/api/v1/transactions/${accepted.body.id}/status`, { token: await api.employeeToken(employee), body: { action: 'cancel' } });
    expect(cancelled.status).toBe(200);
  });

  it('above the approval threshold it waits for a finance manager, who approves it (never the requester)', async () => {
    const employee = api.employees[2]!;
    const token = await api.employeeToken(employee);
    const created = await api.requestAdvance(token, { employeeId: employee.id, amount: 600 });
    expect(created.status).toBe(202);
    const pending = await api.waitForStatus(created.body.id, ['PENDING_APPROVAL', ...FINAL]);
    expect(pending.status).toBe('PENDING_APPROVAL');
    expect(pending.approvalRequired).toBe(true);
    expect(new Date(pending.approvalExpiresAt).getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);
    const asked = await count(api.db, `SELECT count(*) AS n FROM outbox WHERE type = 'transaction.advance.approval_requested' AND payload->>'requestId' = $1`, [created.body.id]);
    expect(asked).toBe(1);

    const byRequester = await api.request('PUT', `/api/v1/transactions/${created.body.id}/status`, { token, body: { action: 'approve' } });
    expect(byRequester.status).toBe(403);
    const otherOrg = api.seed.organizations.find((o) => o.id !== employee.organizationId && o.parentOrganizationId)!;
    const outsider = await api.request('PUT', `/api/v1/transactions/${created.body.id}/status`, { token: await api.financeToken(otherOrg.id), body: { action: 'approve' } });
    expect(outsider.status).toBe(404);

    const finance = await api.financeToken(employee.organizationId, 'finance-approver-1');
    const approved = await api.request('PUT', `/api/v1/transactions/${created.body.id}/status`, { token: finance, body: { action: 'approve', reason: 'Within budget' } });
    expect(approved.status).toBe(200);
    expect(['PROCESSING', 'COMPLETED']).toContain(approved.body.status);
    const done = await api.waitForStatus(created.body.id, FINAL);
    expect(done.status).toBe('COMPLETED');
    expect(done.decidedBy).toBe('finance-approver-1');
    expect(statuses(done)).toEqual(['PENDING_VALIDATION', 'PENDING_APPROVAL', 'PROCESSING', 'COMPLETED']);
    expect(abhiAdvancesFor(done.id)).toHaveLength(1);
    const again = await api.request('PUT', `/api/v1/transactions/${created.body.id}/status`, { token: finance, body: { action: 'reject' } });
    expect(again.status).toBe(409);
  });

  it('a finance manager rejects it: REJECTED with the reason, nothing at Abhi', async () => {
    const employee = api.employees[3]!;
    const created = await api.requestAdvance(await api.employeeToken(employee), { employeeId: employee.id, amount: 550 });
    await api.waitForStatus(created.body.id, ['PENDING_APPROVAL']);
    const rejected = await api.request('PUT', `/api/v1/transactions/${created.body.id}/status`, {
      token: await api.financeToken(employee.organizationId),
      body: { action: 'reject', reason: 'Budget freeze this month' },
    });
    expect(rejected.status).toBe(200);
    expect(rejected.body.status).toBe('REJECTED');
    expect(rejected.body.reasons).toEqual([{ code: 'REJECTED_BY_APPROVER', source: 'approver', message: 'Budget freeze this month' }]);
    const execution = await api.sfn.waitForExecution(created.body.id);
    expect(execution.status).toBe('SUCCEEDED');
    expect(abhiAdvancesFor(created.body.id)).toHaveLength(0);
  });

  it('an approval nobody decides expires after the policy TTL (shortened here to ~2 s)', async () => {
    const employee = api.employees[4]!;
    await api.setPolicy(employee.organizationId, { ...TEST_POLICY, approvalTtlHours: 2 / 3600 });
    try {
      const created = await api.requestAdvance(await api.employeeToken(employee), { employeeId: employee.id, amount: 510 });
      await api.waitForStatus(created.body.id, ['PENDING_APPROVAL']);
      const expired = await api.waitForStatus(created.body.id, FINAL, 15_000);
      expect(expired.status).toBe('EXPIRED');
      expect(expired.reasons[0].code).toBe('APPROVAL_EXPIRED');
      const late = await api.request('PUT', `/api/v1/transactions/${created.body.id}/status`, { token: await api.financeToken(employee.organizationId), body: { action: 'approve' } });
      expect(late.status).toBe(409);
      expect(abhiAdvancesFor(created.body.id)).toHaveLength(0);
    } finally {
      await api.setPolicy(employee.organizationId, TEST_POLICY);
    }
  });

  it('an amount Abhi does not allow is rejected with Abhi’s own reason', async () => {
    const employee = api.employees[5]!;
    // Our own thresholds out of the way: only Abhi can refuse this amount.
    await api.setPolicy(employee.organizationId, { ...TEST_POLICY, approvalThreshold: 100_000, mfaThreshold: 100_000, maxAdvanceAmount: 100_000 });
    try {
      const amount = Math.floor(sandboxAvailable(employee)) + 100;
      const created = await api.requestAdvance(await api.employeeToken(employee), { employeeId: employee.id, amount });
      const rejected = await api.waitForStatus(created.body.id, FINAL);
      expect(rejected.status).toBe('REJECTED');
      const abhi = rejected.reasons.find((r: any) => r.source === 'abhi');
      expect(abhi).toMatchObject({ code: 'ABHI_NOT_ELIGIBLE' });
      expect(abhi.message).toMatch(/exceeds the available amount/);
      expect(abhiAdvancesFor(created.body.id)).toHaveLength(0);
    } finally {
      await api.setPolicy(employee.organizationId, TEST_POLICY);
    }
  });

  it('the requester cancels while it waits for approval', async () => {
    const employee = api.employees[6]!;
    const token = await api.employeeToken(employee);
    const created = await api.requestAdvance(token, { employeeId: employee.id, amount: 520 });
    await api.waitForStatus(created.body.id, ['PENDING_APPROVAL']);
    const finance = await api.financeToken(employee.organizationId);
    const notFinance = await api.request('PUT', `/api/v1/transactions/${created.body.id}/status`, { token: finance, body: { action: 'cancel' } });
    expect(notFinance.status).toBe(403);
    const cancelled = await api.request('PUT', `/api/v1/transactions/${created.body.id}/status`, { token, body: { action: 'cancel', reason: 'Not needed any more' } });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('CANCELLED');
    expect((await api.sfn.waitForExecution(created.body.id)).status).toBe('SUCCEEDED');
    const late = await api.request('PUT', `/api/v1/transactions/${created.body.id}/status`, { token: finance, body: { action: 'approve' } });
    expect(late.status).toBe(409);
    expect((await api.getTransaction(created.body.id)).status).toBe('CANCELLED');
    expect(abhiAdvancesFor(created.body.id)).toHaveLength(0);
  });

  it('two concurrent advances of one employee never together exceed what is available', async () => {
    const employee = api.employees[7]!;
    const token = await api.employeeToken(employee, { mfa: true });
    await api.setPolicy(employee.organizationId, { ...TEST_POLICY, approvalThreshold: 4000, mfaThreshold: 4000 });
    try {
      const balance = await api.request('GET', `/api/v1/transactions/balance/${employee.id}`, { token });
      expect(balance.status).toBe(200);
      const available = balance.body.availableAmount as number;
      expect(available).toBeGreaterThan(100);
      const each = Math.floor(available * 0.6);
      const [a, b] = await Promise.all([
        api.requestAdvance(token, { employeeId: employee.id, amount: each }),
        api.requestAdvance(token, { employeeId: employee.id, amount: each }),
      ]);
      // The second is refused either at once (the balance the first call cached, net of the first request: 400,
      // nothing recorded) or by the workflow under the employee's lock (REJECTED).
      const answered = [a, b].filter((r) => r.status === 202);
      const refusedAtOnce = [a, b].filter((r) => r.status === 400);
      expect(answered.length).toBeGreaterThanOrEqual(1);
      for (const r of refusedAtOnce) expect(JSON.stringify(r.body.errors)).toContain('INSUFFICIENT_AVAILABLE_AMOUNT');
      const results = await Promise.all(answered.map((r) => api.waitForStatus(r.body.id, FINAL)));
      expect(results.map((r) => r.status).sort()).toEqual(refusedAtOnce.length ? ['COMPLETED'] : ['COMPLETED', 'REJECTED']);
      const refused = results.find((r) => r.status === 'REJECTED');
      if (refused) expect(refused.reasons.map((r: any) => r.code)).toContain('INSUFFICIENT_AVAILABLE_AMOUNT');
      const atAbhi = api.abhiAdvances().filter((x) => x.employeeId === employee.id && results.some((r) => x.description?.endsWith(refOf(r.id))));
      expect(atAbhi).toHaveLength(1);
      // What the employee sees now is net of the completed advance.
      const after = await api.request('GET', `/api/v1/transactions/balance/${employee.id}`, { token });
      expect(after.body.availableAmount).toBeLessThanOrEqual(available - each + 0.01);
    } finally {
      await api.setPolicy(employee.organizationId, TEST_POLICY);
    }
  });

  it('the balance hides money already asked for, and validate explains a refusal', async () => {
    const employee = api.employees[8]!;
    const token = await api.employeeToken(employee);
    const before = await api.request('GET', `/api/v1/transactions/balance/${employee.id}`, { token });
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ employeeId: employee.id, pendingRequests: 0, asOf: expect.any(String) });
    const created = await api.requestAdvance(token, { employeeId: employee.id, amount: 530 });
    await api.waitForStatus(created.body.id, ['PENDING_APPROVAL']);
    const during = await api.request('GET', `/api/v1/transactions/balance/${employee.id}`, { token });
    // Abhi's figure may be the cached one; the pending request is subtracted either way.
    expect(during.body.pendingRequests).toBe(1);
    expect(during.body.availableAmount).toBeCloseTo(Math.max(0, during.body.abhiAvailableAmount - 530), 2);
    const check = await api.request('POST', '/api/v1/transactions/validate', { token, body: { employeeId: employee.id, amount: during.body.availableAmount + 1 } });
    expect(check.status).toBe(200);
    expect(check.body.eligible).toBe(false);
    expect(check.body.reasons.map((r: any) => r.code)).toContain('INSUFFICIENT_AVAILABLE_AMOUNT');
    const fine = await api.request('POST', '/api/v1/transactions/validate', { token, body: { employeeId: employee.id, amount: 10 } });
    expect(fine.body).toMatchObject({ eligible: true, requiresApproval: false, requiresMfa: false });
    await api.request('PUT', `/api/v1/transactions/${created.body.id}/status`, { token, body: { action: 'cancel' } });
  });
});
