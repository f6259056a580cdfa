import type { Queryable } from '#shared/db/pool';

/**
 * Port: the transactions list, advances and repayments as one read model with the employee's name and code
 * (PostgreSQL in practice, `#shared/adapters/postgres/advance-requests`). Only the list routes read it, so the other
 * advance functions bundle none of its query.
 */
export interface TransactionListFilter {
  organizationIds?: readonly string[];
  employeeId?: string;
  status?: string;
  type?: 'advance' | 'repayment';
  /** Inclusive dates YYYY-MM-DD (UAE calendar). */
  startDate?: string;
  endDate?: string;
  employeeCode?: string;
  department?: string;
  page: number;
  limit: number;
}

/** One line of the transactions list: an advance request or a repayment, with the employee's name and code. */
export interface TransactionListRow {
  type: 'advance' | 'repayment';
  id: string;
  organization_id: string;
  employee_id: string;
  employee_code: string | null;
  employee_name: string | null;
  department: string | null;
  amount: string;
  status: string;
  description: string | null;
  reference: string | null;
  abhi_id: string | null;
  processing_fee: string | null;
  repayment_amount: string | null;
  due_date: string | null;
  transaction_id: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface TransactionListStore {
  /** Advances and repayments as one list, newest first, with the total for the filter. */
  list(db: Queryable, filter: TransactionListFilter): Promise<{ rows: TransactionListRow[]; total: number }>;
}
