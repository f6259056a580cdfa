import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FINAL, startWorkflowTestApi, type WorkflowTestApi } from './support';

/**
 * Issue #17, the first hour: right after an advance completes, the employee's balance shows it as drawn (usedAmount)
 * and no longer as a pending request — whether Abhi's figure was cached before the advance or is read afresh — and
 * never counts it twice. Real stack: the local API, the workflow, PostgreSQL, DynamoDB Local and the Abhi sandbox.
 */
let api: WorkflowTestApi;

beforeAll(async () => {
  api = await startWorkflowTestApi();
}, 120_000);
afterAll(async () => {
  await api?.stop();
});

const AMOUNT = 42.25;

async function balanceOf(employeeId: string, token: string) {
  const response = await api.request('GET', `/api/v1/transactions/balance/${employeeId}`, { token });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body as { availableAmount: number; usedAmount: number | null; pendingRequests: number; pendingRequestsAmount: number; abhiAvailableAmount: number };
}

async function completeAdvance(employeeId: string, token: string): Promise<void> {
  const created = await api.requestAdvance(token, { employeeId, amount: AMOUNT, description: 'Balance check' });
  expect(created.status, JSON.stringify(created.body)).toBe(202);
  expect((await api.waitForStatus(created.body.id, FINAL)).status).toBe('COMPLETED');
}

describe('the balance reflects a completed advance at once', () => {
  it("with Abhi's figure cached before the advance: drawn, not pending, available down by the amount once", async () => {
    const employee = api.employees[3]!;
    const token = await api.employeeToken(employee);
    const before = await balanceOf(employee.id, token);
    expect(before.pendingRequests).toBe(0);
    await completeAdvance(employee.id, token);

    const after = await balanceOf(employee.id, token);
    // Still the cached figure of Abhi (30 s), so this is the ledger's doing, not a refresh.
    expect(after.abhiAvailableAmount).toBe(before.abhiAvailableAmount);
    expect(after).toMatchObject({ pendingRequests: 0, pendingRequestsAmount: 0 });
    expect(after.usedAmount).toBeCloseTo((before.usedAmount ?? 0) + AMOUNT, 2);
    expect(after.availableAmount).toBeCloseTo(before.availableAmount - AMOUNT, 2);
  });

  it("with Abhi's figure read after the advance: the same numbers, the advance counted once", async () => {
    // One with no advance at Abhi yet; the eligibility check asks Abhi without caching the balance.
    const employee = api.employees.slice(4).find((e) => !api.abhiAdvances().some((a) => a.employeeId === e.id))!;
    const token = await api.employeeToken(employee);
    const availableBefore = (await api.request('POST', '/api/v1/transactions/validate', { token, body: { employeeId: employee.id, amount: 1 } })).body.availableAmount as number;
    await completeAdvance(employee.id, token);

    const after = await balanceOf(employee.id, token);
    expect(after.abhiAvailableAmount).toBeCloseTo(availableBefore - AMOUNT, 2);
    expect(after).toMatchObject({ pendingRequests: 0, pendingRequestsAmount: 0 });
    expect(after.usedAmount).toBeCloseTo(AMOUNT, 2);
    expect(after.availableAmount).toBeCloseTo(availableBefore - AMOUNT, 2);
  });
});
