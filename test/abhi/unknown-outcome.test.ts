import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AbhiOutcomeUnknownError, referenceOf } from '#shared/abhi/client';
import { startAbhiSandbox, type AbhiSandbox } from '../../infra/local/abhi-sandbox/server';
import { CREDENTIALS, instance, uniquePrefix } from './helpers';

describe('non-idempotent writes with a lost answer are resolved by lookup, never repeated blindly', () => {
  let sandbox: AbhiSandbox;
  let employeeId: string;
  beforeAll(async () => {
    sandbox = await startAbhiSandbox({ port: 0, credentials: CREDENTIALS, rateLimit: false, clock: () => Date.UTC(2025, 2, 20, 8, 0, 0) });
  });
  afterAll(() => sandbox.stop());
  beforeEach(() => {
    sandbox.reset();
    // An active employee with no advance yet (the seed gives the first two employees last month's advances).
    employeeId = (sandbox.state().records.employees as { id: string; status: string }[]).filter((e) => e.status === 'active')[3]!.id;
  });

  const advancesWith = (reference: string) =>
    (sandbox.state().records.advances as { description?: string }[]).filter((a) => referenceOf(a.description) === reference);
  const posts = () => sandbox.state().requestLog.filter((r) => r.method === 'POST' && r.path === '/transactions/employee');

  it('an advance committed by Abhi whose answer is dropped is found by its reference and not created twice', async () => {
    const { client, metrics } = instance(sandbox, uniquePrefix());
    await client.employees.list({ limit: 1 }); // log in first
    const reference = `req-${randomUUID()}`;
    sandbox.setFaults({ dropAfterCommitRate: 1, paths: ['/transactions/employee'], methods: ['POST'] });

    const advance = await client.transactions.createAdvance({ employeeId, amount: 150.25, reference, description: 'Salary advance' });
    expect(advance).toMatchObject({ employeeId, amount: 150.25, type: 'advance', status: 'pending', description: `Salary advance ref:${reference}` });
    expect(advancesWith(reference)).toHaveLength(1);
    expect(posts()).toHaveLength(1);
    expect(posts()[0]!.fault).toBe('dropAfterCommit');
    expect(metrics.sum('AbhiOutcomeResolved')).toBe(1);
    // The workflow can also look it up itself.
    await expect(client.transactions.findAdvanceByReference(employeeId, reference)).resolves.toMatchObject({ id: advance.id });
    await expect(client.transactions.findAdvanceByReference(employeeId, 'req-unknown')).resolves.toBeUndefined();
  });

  it('a request that timed out before Abhi applied it is looked up, then sent once more: exactly one advance', async () => {
    const { client } = instance(sandbox, uniquePrefix(), { timeoutMs: 300 });
    await client.employees.list({ limit: 1 });
    const reference = `req-${randomUUID()}`;
    sandbox.setFaults({ timeoutRate: 1, paths: ['/transactions/employee'], methods: ['POST'], count: 1, hangMs: 2_000 });

    const advance = await client.transactions.createAdvance({ employeeId, amount: 80, reference });
    expect(advance.description).toBe(`ref:${reference}`);
    expect(advancesWith(reference)).toHaveLength(1);
    expect(posts().map((p) => p.fault ?? p.status)).toEqual(['timeout', 201]);
  });

  it('a 5xx answer to the create is treated as unknown: lookup, then one retry', async () => {
    const { client } = instance(sandbox, uniquePrefix());
    await client.employees.list({ limit: 1 });
    const reference = `req-${randomUUID()}`;
    sandbox.setFaults({ errorRate: 1, status: 502, paths: ['/transactions/employee'], methods: ['POST'], count: 1 });
    await client.transactions.createAdvance({ employeeId, amount: 40, reference });
    expect(advancesWith(reference)).toHaveLength(1);
    expect(posts().map((p) => p.status)).toEqual([502, 201]);
  });

  it('a repayment whose answer is lost is resolved by clientRepaymentReferenceNumber (and 409 is never surfaced)', async () => {
    const { client } = instance(sandbox, uniquePrefix());
    await client.transactions.createAdvance({ employeeId, amount: 200, reference: `req-${randomUUID()}` });
    const ref = `REPAY-${randomUUID()}`;
    sandbox.setFaults({ dropAfterCommitRate: 1, paths: ['/repayments'], methods: ['POST'] });
    const result = await client.repayments.create({ amount: 50, clientRepaymentReferenceNumber: ref, employeeId });
    expect(result.repayment).toMatchObject({ amount: 50, clientRepaymentReferenceNumber: ref, employeeId });
    expect((sandbox.state().records.repayments as { clientRepaymentReferenceNumber: string }[]).filter((r) => r.clientRepaymentReferenceNumber === ref)).toHaveLength(1);
  });

  it('a write with no way to look it up reports AbhiOutcomeUnknownError instead of repeating it', async () => {
    const { client } = instance(sandbox, uniquePrefix());
    await client.employees.list({ limit: 1 });
    sandbox.setFaults({ dropAfterCommitRate: 1, paths: ['/auth/mfa/setup'] });
    const error = await client.auth.setupMfa({ method: 'totp' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbhiOutcomeUnknownError);
    expect((error as AbhiOutcomeUnknownError).endpoint).toBe('POST /auth/mfa/setup');
    expect(sandbox.state().requestLog.filter((r) => r.path === '/auth/mfa/setup')).toHaveLength(1);
  });
});
