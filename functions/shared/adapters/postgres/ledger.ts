import type { Queryable } from '#shared/db/pool';
import type { LedgerEntryInput, LedgerEntryRow, LedgerKind, LedgerStore } from '#shared/use-cases/ports/ledger-store';

/**
 * The append-only ledger: one row per money movement, signed from the employee's point of view (an advance and its
 * fee add to what the employee owes, a repayment subtracts; a reversal is an `adjustment`). `(kind, abhi_reference)`
 * is unique, so recording the same Abhi transaction twice is a no-op.
 */

/** Appends an entry; returns its id, or undefined when the same (kind, Abhi reference) is already recorded. */
export async function appendLedgerEntry(db: Queryable, entry: LedgerEntryInput): Promise<number | undefined> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO ledger_entries (organization_id, employee_id, kind, amount, advance_request_id, repayment_id, abhi_reference)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (kind, abhi_reference) DO NOTHING
     RETURNING id`,
    [entry.organizationId, entry.employeeId, entry.kind, entry.amount, entry.advanceRequestId ?? null, entry.repaymentId ?? null, entry.abhiReference],
  );
  return rows[0]?.id;
}

/** What the employee owes according to the ledger (decimal text, may be negative after an overpayment). */
export async function outstandingAmount(db: Queryable, employeeId: string): Promise<string> {
  const { rows } = await db.query<{ total: string }>(
    `SELECT COALESCE(sum(amount), 0)::text AS total FROM ledger_entries WHERE employee_id = $1`,
    [employeeId],
  );
  return rows[0]?.total ?? '0';
}

/** Ledger rows of one kind whose Abhi reference is in `references`. */
export async function ledgerByReferences(db: Queryable, kind: LedgerKind, references: readonly string[]): Promise<LedgerEntryRow[]> {
  if (references.length === 0) return [];
  const { rows } = await db.query<LedgerEntryRow>(
    `SELECT id, organization_id, employee_id, kind, amount::text AS amount, advance_request_id, repayment_id, abhi_reference, occurred_at
     FROM ledger_entries WHERE kind = $1 AND abhi_reference = ANY($2::text[])`,
    [kind, [...references]],
  );
  return rows;
}

/** The ledger in PostgreSQL, as the use cases' port. */
export const postgresLedger: LedgerStore = {
  append: appendLedgerEntry,
  outstanding: outstandingAmount,
  byReferences: ledgerByReferences,
};
