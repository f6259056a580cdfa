import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AbhiWebhookBody } from '#shared/schemas/transactions';
import { receiveAbhiWebhook, signWebhook, type WebhookDeps } from '#shared/use-cases/webhooks/abhi-webhook';
import { MemoryMoneyTables, TestClock } from '../../support/memory-ports';

/**
 * Abhi's `repayment.status_changed` webhook (use-cases/webhooks) against the in-memory money tables: the status rules
 * for a repayment, each with what it must and must not change. The engine tier
 * (test/workflow/repayments-webhooks-reconciliation.test.ts) proves the signed route end to end on PostgreSQL.
 */
const SECRET = 'unit-tier-webhook-secret-0123456789';
const ORG = 'org-1';
const EMPLOYEE = 'emp-1';

async function world() {
  const clock = new TestClock();
  const tables = new MemoryMoneyTables(clock);
  const counted: string[] = [];
  const deps = tables.coreAdvanceDeps('the repayment webhook', { count: (name: string) => void counted.push(name) });
  const claimed = new Set<string>();
  const webhook: WebhookDeps = {
    secret: async () => SECRET,
    claimEvent: async (id) => (claimed.has(id) ? false : (claimed.add(id), true)),
    releaseEvent: async (id) => void claimed.delete(id),
  };
  await tables.ledger.append(tables.db, { organizationId: ORG, employeeId: EMPLOYEE, kind: 'advance', amount: '500.00', abhiReference: 'abhi-advance-1' });
  /** A new PENDING repayment of 120.00 under the client reference INV-7. */
  const recordRepayment = () => tables.pendingRepayment({ organizationId: ORG, employeeId: EMPLOYEE, amount: '120.00', clientReference: 'INV-7' });
  const { row: repayment } = await recordRepayment();
  const deliver = (data: Record<string, unknown>, eventId = randomUUID()) => {
    const body: AbhiWebhookBody = { type: 'repayment.status_changed', data } as AbhiWebhookBody;
    const rawBody = JSON.stringify(body);
    const timestamp = String(Math.floor(clock.now() / 1000));
    const headers = { 'x-abhi-timestamp': timestamp, 'x-abhi-event-id': eventId, 'x-abhi-signature': `sha256=${signWebhook(SECRET, timestamp, eventId, rawBody)}` };
    return receiveAbhiWebhook(deps, webhook, { headers, rawBody, body });
  };
  const state = async () => ({
    repayment: await tables.repayments.findById(tables.db, repayment.id),
    repaymentEntries: tables.ledgerRows.filter((e) => e.kind === 'repayment').map((e) => e.amount),
    outstanding: await tables.ledger.outstanding(tables.db, EMPLOYEE),
    events: tables.outboxRows.map((r) => r.event.type),
  });
  return { tables, deps, counted, repayment, recordRepayment, deliver, state };
}

describe('repayment.status_changed against the in-memory money tables', () => {
  it('PENDING and confirmed with Abhi’s id: recorded once (COMPLETED, ledger, events), at Abhi’s amount', async () => {
    const { repayment, deliver, state } = await world();
    const outcome = await deliver({ repaymentId: 'abhi-rep-1', clientRepaymentReferenceNumber: repayment.abhi_reference, status: 'completed', amount: 120 });
    expect(outcome).toEqual({ received: true, duplicate: false, applied: 'repayment confirmed (Abhi: completed)' });
    expect(await state()).toMatchObject({
      repayment: { status: 'COMPLETED', abhi_repayment_id: 'abhi-rep-1' },
      repaymentEntries: ['-120.00'],
      outstanding: '380.00',
      events: ['transaction.repayment.created', 'balance.updated'],
    });
    // The same change again, under a new event id: the row is COMPLETED with that status, nothing is added.
    expect((await deliver({ repaymentId: 'abhi-rep-1', status: 'completed' })).applied).toBe('nothing (same status)');
    expect((await state()).repaymentEntries).toEqual(['-120.00']);
  });

  it('PENDING and failed at Abhi: FAILED with the reason, no ledger entry, no event; the client reference is free again', async () => {
    const { repayment, recordRepayment, deliver, state } = await world();
    expect((await deliver({ clientRepaymentReferenceNumber: repayment.abhi_reference, status: 'Rejected' })).applied).toBe('repayment failed (Abhi: Rejected)');
    expect(await state()).toMatchObject({
      repayment: { status: 'FAILED', abhi_status: 'Rejected', failure_reason: 'Abhi reported Rejected' },
      repaymentEntries: [],
      outstanding: '500.00',
      events: [],
    });
    const again = await recordRepayment();
    expect(again.created).toBe(true);
  });

  it('COMPLETED and later reported failed: the status is noted and counted as a mismatch; the ledger keeps the money', async () => {
    const { repayment, deliver, state, counted } = await world();
    await deliver({ repaymentId: 'abhi-rep-1', clientRepaymentReferenceNumber: repayment.abhi_reference, status: 'completed' });
    const before = await state();
    expect(before.repayment!.status).toBe('COMPLETED');
    expect((await deliver({ repaymentId: 'abhi-rep-1', status: 'reversed' })).applied).toBe('Abhi status noted (reversed)');
    expect(counted).toContain('RepaymentReportedFailedByAbhi');
    expect(await state()).toMatchObject({ repayment: { status: 'COMPLETED', abhi_status: 'reversed' }, repaymentEntries: before.repaymentEntries, outstanding: before.outstanding });
  });

  it('a replayed delivery (same event id) and an unknown repayment change nothing', async () => {
    const { repayment, deliver, state } = await world();
    const eventId = randomUUID();
    await deliver({ repaymentId: 'abhi-rep-1', clientRepaymentReferenceNumber: repayment.abhi_reference, status: 'completed' }, eventId);
    const after = await state();
    expect(await deliver({ repaymentId: 'abhi-rep-1', status: 'failed' }, eventId)).toMatchObject({ duplicate: true, applied: 'nothing (already processed)' });
    expect((await deliver({ repaymentId: 'abhi-unknown', status: 'failed' })).applied).toBe('nothing (unknown repayment)');
    expect(await state()).toEqual(after);
  });
});
