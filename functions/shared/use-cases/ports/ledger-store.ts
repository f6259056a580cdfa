import type { Queryable } from '#shared/db/pool';

/**
 * Port: the append-only ledger (PostgreSQL in practice, `#shared/adapters/postgres/ledger`): one entry per money
 * movement, signed from the employee's point of view (an advance and its fee add to what the employee owes, a
 * repayment subtracts; a reversal is an `adjustment`). `(kind, abhiReference)` is unique, so recording the same Abhi
 * transaction twice is a no-op. The connection comes first, so entries join the caller's transaction.
 */
export type LedgerKind = 'advance' | 'repayment' | 'fee' | 'adjustment';

export interface LedgerEntryInput {
  organizationId: string;
  employeeId: string;
  kind: LedgerKind;
  /** Signed decimal text. */
  amount: string;
  advanceRequestId?: string | null;
  repaymentId?: string | null;
  /** Abhi's id of the movement (transaction or repayment id; `<id>:reversal` for a reversal). */
  abhiReference: string;
}

export interface LedgerEntryRow {
  id: number;
  organization_id: string;
  employee_id: string;
  kind: LedgerKind;
  amount: string;
  advance_request_id: string | null;
  repayment_id: string | null;
  abhi_reference: string | null;
  occurred_at: Date;
}

export interface LedgerStore {
  /** Appends an entry; returns its id, or undefined when the same (kind, Abhi reference) is already recorded. */
  append(db: Queryable, entry: LedgerEntryInput): Promise<number | undefined>;
  /** What the employee owes according to the ledger (decimal text, may be negative after an overpayment). */
  outstanding(db: Queryable, employeeId: string): Promise<string>;
  /** Entries of one kind whose Abhi reference is in `references`. */
  byReferences(db: Queryable, kind: LedgerKind, references: readonly string[]): Promise<LedgerEntryRow[]>;
}
