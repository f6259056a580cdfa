import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CoreAdvanceDeps } from '#shared/use-cases/advances/ports';
import { recordConfirmedRepayment } from '#shared/use-cases/repayments/create-repayment';
import { MemoryMoneyTables } from '../../support/memory-ports';

/**
 * Recording a repayment Abhi confirmed (use-cases/repayments, shared with the webhook and reconciliation) against the
 * in-memory money tables: COMPLETED once, one exact ledger entry, the two events in the same transaction, and nothing
 * at all when any part fails. The engine tier (test/workflow/repayments-webhooks-reconciliation.test.ts) proves the
 * same against PostgreSQL.
 */
const ORG = 'org-1';
const EMPLOYEE = 'emp-1';

async function world(owed = '1000.00') {
  const tables = new MemoryMoneyTables();
  const deps = tables.coreAdvanceDeps('recordConfirmedRepayment');
  await tables.ledger.append(tables.db, { organizationId: ORG, employeeId: EMPLOYEE, kind: 'advance', amount: owed, abhiReference: 'abhi-advance-1' });
  return { tables, deps };
}

async function pending(tables: MemoryMoneyTables, amount: string, clientReference = `ref-${randomUUID()}`) {
  return (await tables.pendingRepayment({ organizationId: ORG, employeeId: EMPLOYEE, amount, clientReference })).row;
}

const confirmed = (id: string, amountFils: bigint) => ({ id, amountFils, reference: 'unused', status: 'COMPLETED' });

describe('recordConfirmedRepayment against the in-memory money tables', () => {
  it('completes the repayment, appends one exact negative entry, and records and publishes both events', async () => {
    const { tables, deps } = await world('1000.00');
    const row = await pending(tables, '250.50');
    const done = await recordConfirmedRepayment(deps, row.abhi_reference, confirmed('abhi-rep-1', 25_050n), { actor: 'hr-1' });

    expect(done).toMatchObject({ id: row.id, status: 'COMPLETED', abhi_repayment_id: 'abhi-rep-1', abhi_status: 'COMPLETED', failure_reason: null });
    expect(tables.ledgerRows.filter((e) => e.kind === 'repayment')).toEqual([
      expect.objectContaining({ amount: '-250.50', repayment_id: row.id, abhi_reference: 'abhi-rep-1', employee_id: EMPLOYEE }),
    ]);
    expect(await tables.ledger.outstanding(tables.db, EMPLOYEE)).toBe('749.50');
    expect(tables.outboxRows.map((r) => [r.event.type, r.event.payload])).toEqual([
      ['transaction.repayment.created', expect.objectContaining({ repaymentId: row.id, abhiRepaymentId: 'abhi-rep-1', amount: 250.5, recordedBy: 'hr-1' })],
      ['balance.updated', { employeeId: EMPLOYEE, outstandingAmount: 749.5, cause: 'repayment', repaymentId: row.id }],
    ]);
    expect(tables.published).toEqual(tables.outboxRows.map((r) => r.id));
  });

  it('is exact in fils: 0.10 and 0.20 repaid of 0.30 leave 0.00 owed, not a float remainder', async () => {
    const { tables, deps } = await world('0.30');
    const first = await pending(tables, '0.10');
    const second = await pending(tables, '0.20');
    await recordConfirmedRepayment(deps, first.abhi_reference, confirmed('abhi-rep-a', 10n), { actor: 'hr-1' });
    await recordConfirmedRepayment(deps, second.abhi_reference, confirmed('abhi-rep-b', 20n), { actor: 'hr-1' });
    expect(await tables.ledger.outstanding(tables.db, EMPLOYEE)).toBe('0.00');
    expect(tables.outboxRows.at(-1)!.event.payload).toMatchObject({ outstandingAmount: 0 });
  });

  it('a second confirmation (webhook after the API, a redelivery) changes nothing and tells no one again', async () => {
    const { tables, deps } = await world();
    const row = await pending(tables, '100.00');
    await recordConfirmedRepayment(deps, row.abhi_reference, confirmed('abhi-rep-1', 10_000n), { actor: 'hr-1' });
    const before = { ledger: tables.ledgerRows.length, outbox: tables.outboxRows.length, published: tables.published.length };
    const again = await recordConfirmedRepayment(deps, row.abhi_reference, confirmed('abhi-rep-1', 10_000n), { actor: 'abhi-webhook' });
    expect(again.status).toBe('COMPLETED');
    expect({ ledger: tables.ledgerRows.length, outbox: tables.outboxRows.length, published: tables.published.length }).toEqual(before);
    expect(await tables.ledger.outstanding(tables.db, EMPLOYEE)).toBe('900.00');
  });

  it('a failure inside the transaction leaves the repayment PENDING with no entry and no event; the retry records it once', async () => {
    const { tables, deps } = await world();
    const row = await pending(tables, '100.00');
    let calls = 0;
    const failing: CoreAdvanceDeps = {
      ...deps,
      events: {
        record: async (db, event) => {
          if (++calls === 2) throw new Error('connection lost');
          return deps.events.record(db, event);
        },
        publish: deps.events.publish,
      },
    };
    await expect(recordConfirmedRepayment(failing, row.abhi_reference, confirmed('abhi-rep-1', 10_000n), { actor: 'hr-1' })).rejects.toThrow('connection lost');
    expect((await tables.repayments.findById(tables.db, row.id))!.status).toBe('PENDING');
    expect(tables.ledgerRows.filter((e) => e.kind === 'repayment')).toEqual([]);
    expect(tables.outboxRows).toEqual([]);
    expect(tables.published).toEqual([]);

    await recordConfirmedRepayment(deps, row.abhi_reference, confirmed('abhi-rep-1', 10_000n), { actor: 'hr-1' });
    expect(tables.ledgerRows.filter((e) => e.kind === 'repayment')).toHaveLength(1);
    expect(await tables.ledger.outstanding(tables.db, EMPLOYEE)).toBe('900.00');
  });

  it('an unknown reference is an error and changes nothing', async () => {
    const { tables, deps } = await world();
    await expect(recordConfirmedRepayment(deps, 'no-such-reference', confirmed('abhi-rep-x', 100n), { actor: 'hr-1' })).rejects.toThrow(/does not exist/);
    expect(tables.ledgerRows).toHaveLength(1);
    expect(tables.outboxRows).toEqual([]);
  });
});

describe('the in-memory repayment store keeps the table’s reference rule', () => {
  it('one live repayment per organization and client reference; a FAILED one releases the reference', async () => {
    const { tables } = await world();
    const first = await pending(tables, '10.00', 'INV-1');
    const again = await tables.repayments.insert(tables.db, { ...newFrom(first), id: randomUUID(), abhiReference: `other-${randomUUID()}` });
    expect(again).toEqual({ row: first, created: false });
    expect(await tables.repayments.update(tables.db, first.id, { status: 'FAILED' }, ['COMPLETED'])).toBeUndefined();
    await tables.repayments.update(tables.db, first.id, { status: 'FAILED', failureReason: 'refused' }, ['PENDING']);
    const fresh = await tables.repayments.insert(tables.db, { ...newFrom(first), id: randomUUID(), abhiReference: `other-${randomUUID()}` });
    expect(fresh.created).toBe(true);
    expect((await tables.repayments.listByClientReference(tables.db, 'INV-1')).map((r) => r.status)).toEqual(['PENDING', 'FAILED']);
  });
});

function newFrom(row: Awaited<ReturnType<typeof pending>>) {
  return {
    id: row.id,
    organizationId: row.organization_id,
    employeeId: row.employee_id,
    transactionId: row.transaction_id,
    clientReference: row.client_reference,
    abhiReference: row.abhi_reference,
    amount: row.amount,
    description: row.description,
    paymentMethod: row.payment_method,
    recordedBy: row.recorded_by,
  };
}
