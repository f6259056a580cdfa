import type { Queryable } from '#shared/db/pool';

/**
 * Port: the repayments (PostgreSQL in practice, `#shared/adapters/postgres/repayments`). A repayment is PENDING from
 * the moment we decided to send it to Abhi until Abhi confirmed it (COMPLETED, with Abhi's id and a ledger entry) or
 * refused it (FAILED). `client_reference` (the API's clientRepaymentReferenceNumber) is unique per organization among
 * repayments that are not FAILED; `abhi_reference` is what Abhi knows the repayment by, one per row. The connection
 * comes first, so changes join the caller's transaction.
 */
export type RepaymentStatus = 'PENDING' | 'COMPLETED' | 'FAILED';

export interface RepaymentRow {
  id: string;
  organization_id: string;
  employee_id: string;
  transaction_id: string | null;
  client_reference: string;
  abhi_reference: string;
  amount: string;
  description: string | null;
  payment_method: string | null;
  abhi_repayment_id: string | null;
  status: RepaymentStatus;
  recorded_by: string;
  created_at: Date;
  updated_at: Date;
  abhi_status: string | null;
  failure_reason: string | null;
  abhi_create_attempts: number;
}

export interface NewRepayment {
  id: string;
  organizationId: string;
  employeeId: string;
  transactionId: string | null;
  clientReference: string;
  /** The reference Abhi gets: unique across the platform (see abhiReferenceFor). */
  abhiReference: string;
  amount: string;
  description: string | null;
  paymentMethod: string | null;
  recordedBy: string;
}

export interface RepaymentChanges {
  status?: RepaymentStatus;
  abhiRepaymentId?: string;
  abhiStatus?: string | null;
  failureReason?: string | null;
  /** Counts one more create call sent to Abhi. */
  incrementAttempts?: boolean;
}

export interface RepaymentStore {
  /** Inserts a PENDING repayment, or returns the organization's live (not FAILED) one with the same client reference (`created: false`). */
  insert(db: Queryable, input: NewRepayment): Promise<{ row: RepaymentRow; created: boolean }>;
  /** By our id (undefined for an id that is not one); `forUpdate` locks the row for the transaction. */
  findById(db: Queryable, id: string, options?: { forUpdate?: boolean }): Promise<RepaymentRow | undefined>;
  /** By the reference Abhi knows it by (webhooks, reconciliation, confirmation). */
  findByAbhiReference(db: Queryable, abhiReference: string, options?: { forUpdate?: boolean }): Promise<RepaymentRow | undefined>;
  findByAbhiId(db: Queryable, abhiRepaymentId: string): Promise<RepaymentRow | undefined>;
  /** Repayments with a client reference, across organizations (the caller filters by access): live ones first. */
  listByClientReference(db: Queryable, clientReference: string): Promise<RepaymentRow[]>;
  /** Applies `changes` when the repayment is in one of `onlyIn` (any status when omitted). */
  update(db: Queryable, id: string, changes: RepaymentChanges, onlyIn?: readonly RepaymentStatus[]): Promise<RepaymentRow | undefined>;
  /** Repayments created in [from, to) (reconciliation). */
  listForReconciliation(db: Queryable, from: Date, to: Date): Promise<RepaymentRow[]>;
}
