import type { OrganizationScope } from '#shared/auth/tenant';
import type { Queryable } from '#shared/db/pool';

/**
 * Read models over the ledger for reports. The ledger is append-only; the balance effect of an entry is its amount,
 * except repayments, which always lower the balance (whatever sign the writer used). Amounts are decimal text.
 */
export interface ReportStore {
  /** The instants a statement month starts and ends, cut in STATEMENT_TIME_ZONE. */
  statementPeriod(db: Queryable, year: number, month: number): Promise<{ start: Date; end: Date }>;
  /** The employee's ledger balance just before `before`. */
  balanceBefore(db: Queryable, employeeId: string, before: Date): Promise<string>;
  /** The employee's ledger entries in [start, end), oldest first. */
  entriesBetween(db: Queryable, employeeId: string, start: Date, end: Date): Promise<LedgerEntryRow[]>;
  /** Ledger outstanding and pending (not yet disbursed) advance amounts per employee. */
  localBalances(db: Queryable, employeeIds: readonly string[]): Promise<Map<string, LocalBalanceRow>>;
  /** Employees of the scope (and organization, when given) whose ledger shows entries or who have requests in flight. */
  owingEmployeeIds(db: Queryable, scope: OrganizationScope, organizationId?: string): Promise<string[]>;
}

/** Time zone statements are cut in: UAE calendar months. */
export const STATEMENT_TIME_ZONE = 'Asia/Dubai';

export interface LedgerEntryRow {
  id: string;
  kind: 'advance' | 'repayment' | 'fee' | 'adjustment';
  effect: string;
  occurred_at: Date;
  reference: string | null;
}

export interface LocalBalanceRow {
  employee_id: string;
  ledger_outstanding: string;
  pending_amount: string;
}
