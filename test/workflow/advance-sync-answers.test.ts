import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preferredWaitSeconds } from '../../functions/shared/http/prefer';
import { FINAL, TEST_POLICY, count, startWorkflowTestApi, type WorkflowTestApi } from './support';

/**
 * Synchronous answers to an advance request (ADR 0018), over HTTP against the whole local platform: 400
 * VALIDATION_FAILED for what is decidable before the workflow starts (nothing recorded, nothing started), and with
 * `Prefer: wait=N` 201 with the transaction, 400 with Abhi's reason, or 202 when the wait ends first.
 */
let api: WorkflowTestApi;

beforeAll(async () => {
  api = await startWorkflowTestApi();
});
afterAll(async () => {
  await api?.stop();
});

async function request(token: string, body: Record<string, unknown>, options: { wait?: number; key?: string } = {}) {
  const headers: Record<string, string> = { 'Idempotency-Key': options.key ?? `adv-${randomUUID()}` };
  if (options.wait !== undefined) headers.Prefer = `wait=${options.wait}`;
  return api.request('POST', '/api/v1/transactions/advance', { token, body, headers });
}

/** Nothing was recorded for the employee under this key and no execution started. */
async function expectNothingStarted(employeeId: string, before: number) {
  expect(await count(api.db, `SELECT count(*) AS n FROM advance_requests WHERE employee_id = $1`, [employeeId])).toBe(before);
}

describe('refused before the workflow starts: 400 VALIDATION_FAILED, nothing recorded', () => {
  it('an amount above the policy maximum', async () => {
    const employee = api.employees[0]!;
    const executions = api.sfn.executions().length;
    const before = await count(api.db, `SELECT count(*) AS n FROM advance_requests WHERE employee_id = $1`, [employee.id]);
    const refused = await request(await api.employeeToken(employee, { mfa: true }), { employeeId: employee.id, amount: TEST_POLICY.maxAdvanceAmount + 1 });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body.code).toBe('VALIDATION_FAILED');
    expect(refused.body.errors).toEqual([{ field: 'body.amount', message: expect.stringContaining('AMOUNT_ABOVE_POLICY_MAXIMUM') }]);
    await expectNothingStarted(employee.id, before);
    expect(api.sfn.executions().length).toBe(executions);
  });

  it('an amount of zero (the request schema refuses it per field)', async () => {
    const employee = api.employees[0]!;
    const refused = await request(await api.employeeToken(employee), { employeeId: employee.id, amount: 0 });
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([expect.objectContaining({ field: 'body.amount' })]);
  });

  it('an inactive employee', async () => {
    const inactive = api.seed.employees.find((e) => e.status !== 'active' && api.seed.organizations.find((o) => o.id === e.organizationId)?.active)!;
    const refused = await request(await api.employeeToken(inactive), { employeeId: inactive.id, amount: 50 });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('VALIDATION_FAILED');
    expect(refused.body.errors).toEqual([{ field: 'body.employeeId', message: expect.stringContaining('EMPLOYEE_INACTIVE') }]);
    await expectNothingStarted(inactive.id, 0);
  });

  it('inside the payroll window', async () => {
    const employee = api.employees[1]!;
    const today = new Date(Date.now() + 4 * 3600_000).getUTCDate();
    await api.db.query(`UPDATE employees SET payroll_start_day = $2 WHERE id = $1`, [employee.id, today]);
    await api.setPolicy(employee.organizationId, { ...TEST_POLICY, blackoutDaysBeforePayroll: 2 });
    try {
      const refused = await request(await api.employeeToken(employee), { employeeId: employee.id, amount: 50 });
      expect(refused.status).toBe(400);
      expect(refused.body.errors.map((e: any) => e.message.split(':')[0])).toEqual(['PAYROLL_BLACKOUT']);
      await expectNothingStarted(employee.id, 0);
    } finally {
      await api.setPolicy(employee.organizationId, TEST_POLICY);
      await api.db.query(`UPDATE employees SET payroll_start_day = NULL WHERE id = $1`, [employee.id]);
    }
  });

  it('above the balance already known (Abhi’s figure cached by the balance route)', async () => {
    const employee = api.employees[2]!;
    const token = await api.employeeToken(employee, { mfa: true });
    const balance = await api.request('GET', `/api/v1/transactions/balance/${employee.id}`, { token });
    expect(balance.status).toBe(200);
    const abhiCalls = api.sandbox.state().requestLog.length;
    const refused = await request(token, { employeeId: employee.id, amount: Math.round(balance.body.availableAmount) + 1 });
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([{ field: 'body.amount', message: expect.stringContaining('INSUFFICIENT_AVAILABLE_AMOUNT') }]);
    // Decided without asking Abhi.
    expect(api.sandbox.state().requestLog.length).toBe(abhiCalls);
    await expectNothingStarted(employee.id, 0);
  });
});

describe('Prefer: wait=N', () => {
  it('201 with the transaction when the workflow completes within the wait', async () => {
    const employee = api.employees[3]!;
    const response = await request(await api.employeeToken(employee), { employeeId: employee.id, amount: 75.25 }, { wait: 20 });
    expect(response.status).toBe(201);
    expect(response.headers.get('preference-applied')).toBe('wait=20');
    expect(response.headers.get('location')).toBe(`/api/v1/transactions/${response.body.id}`);
    expect(response.body).toMatchObject({
      status: 'COMPLETED',
      amount: 75.25,
      processingFee: 15,
      reference: `ADV-${response.body.id}`,
      abhiTransactionId: expect.any(String),
      dueDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
    });
  });

  it('400 VALIDATION_FAILED with Abhi’s reason when Abhi refuses it', async () => {
    // Active here, inactive at Abhi: only Abhi's validation (in the workflow) can refuse it.
    const employee = api.seed.employees.find((e) => e.status !== 'active' && api.seed.organizations.find((o) => o.id === e.organizationId)?.active)!;
    await api.db.query(`UPDATE employees SET status = 'active' WHERE id = $1`, [employee.id]);
    const key = `adv-${randomUUID()}`;
    const token = await api.employeeToken(employee);
    const refused = await request(token, { employeeId: employee.id, amount: 40 }, { wait: 20, key });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('VALIDATION_FAILED');
    expect(refused.body.errors).toEqual([{ field: 'body.employeeId', message: 'ABHI_NOT_ELIGIBLE: Employee is not active' }]);
    const [row] = (await api.db.query(`SELECT id, status FROM advance_requests WHERE employee_id = $1 AND idempotency_key = $2`, [employee.id, key])).rows;
    expect(row.status).toBe('REJECTED');
    expect(refused.body.detail).toContain(row.id);
    // The same key again answers the same way, and starts nothing new.
    const again = await request(token, { employeeId: employee.id, amount: 40 }, { wait: 5, key });
    expect(again.status).toBe(400);
    expect(api.sfn.executions().filter((e) => e.name === row.id)).toHaveLength(1);
  });

  it('202 with Location when the wait ends first, or when a person must approve', async () => {
    const employee = api.employees[4]!;
    const token = await api.employeeToken(employee);
    api.sandbox.setFaults({ latencyMs: 2_500 });
    let slow: Awaited<ReturnType<typeof request>>;
    try {
      slow = await request(token, { employeeId: employee.id, amount: 30 }, { wait: 1 });
    } finally {
      api.sandbox.setFaults({});
    }
    expect(slow.status).toBe(202);
    expect(slow.headers.get('preference-applied')).toBe('wait=1');
    expect(slow.headers.get('location')).toBe(`/api/v1/transactions/${slow.body.id}`);
    expect(FINAL).not.toContain(slow.body.status);
    expect((await api.waitForStatus(slow.body.id, FINAL)).status).toBe('COMPLETED');

    // Above the approval threshold: the answer comes as soon as it waits for an approver, not after 20 s.
    const started = Date.now();
    const approval = await request(token, { employeeId: employee.id, amount: TEST_POLICY.approvalThreshold + 10 }, { wait: 20 });
    expect(approval.status).toBe(202);
    expect(approval.body.status).toBe('PENDING_APPROVAL');
    expect(Date.now() - started).toBeLessThan(20_000);
    await api.request('PUT', `/api/v1/transactions/${approval.body.id}/status`, { token, body: { action: 'cancel' } });
  });

  it('reads the preference as RFC 7240 writes it, capped at 25 s', () => {
    expect(preferredWaitSeconds('wait=10', 25)).toBe(10);
    expect(preferredWaitSeconds('respond-async, wait=7', 25)).toBe(7);
    expect(preferredWaitSeconds('wait="3"', 25)).toBe(3);
    expect(preferredWaitSeconds('wait=120', 25)).toBe(25);
    expect(preferredWaitSeconds('return=minimal', 25)).toBeUndefined();
    expect(preferredWaitSeconds('wait=abc', 25)).toBeUndefined();
    expect(preferredWaitSeconds(undefined, 25)).toBeUndefined();
  });
});
