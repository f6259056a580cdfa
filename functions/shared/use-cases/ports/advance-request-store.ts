import type { Queryable } from '#shared/db/pool';
import type { AdvanceStatus } from '#shared/domain/advance-status';

/**
 * Port: the advance requests (the workflow's source of truth), their history, and the reads the workflow and the API
 * need (PostgreSQL in practice, `#shared/adapters/postgres/advance-requests`). Every method takes the connection to
 * run on first, so a use case composes them in one transaction:
 * `deps.transaction((tx) => deps.advanceRequests.findById(tx, id, { forUpdate: true }))`.
 * Every status change goes through `transition` (a conditional change plus a history row), so concurrent actors
 * (approver, requester, workflow, webhook) settle on exactly one outcome.
 */
export interface StoredReason {
  code: string;
  source: string;
  message: string;
}

export interface AdvanceRequestRow {
  id: string;
  organization_id: string;
  employee_id: string;
  requested_by: string;
  idempotency_key: string;
  /** Decimal text, e.g. "1500.00". */
  amount: string;
  description: string | null;
  status: AdvanceStatus;
  reasons: StoredReason[];
  execution_arn: string | null;
  abhi_transaction_id: string | null;
  processing_fee: string | null;
  interest_rate: string | null;
  repayment_amount: string | null;
  due_date: string | null;
  decided_by: string | null;
  created_at: Date;
  updated_at: Date;
  abhi_reference: string | null;
  reserved_at: Date | null;
  approval_required: boolean;
  task_token: string | null;
  approval_expires_at: Date | null;
  abhi_create_attempts: number;
  abhi_create_last_at: Date | null;
  abhi_transaction: Record<string, unknown> | null;
  abhi_status: string | null;
  abhi_status_at: Date | null;
  recording_stuck_at: Date | null;
  completed_at: Date | null;
}

export interface HistoryRow {
  id: number;
  request_id: string;
  status: string;
  actor: string;
  reason: string | null;
  occurred_at: Date;
}

export interface NewAdvanceRequest {
  id: string;
  organizationId: string;
  employeeId: string;
  requestedBy: string;
  idempotencyKey: string;
  /** Decimal text. */
  amount: string;
  description: string | null;
  abhiReference: string;
}

/** Columns `update`/`transition` may set (the status only through `transition`). */
export type SettableColumn =
  | 'execution_arn'
  | 'abhi_transaction_id'
  | 'processing_fee'
  | 'interest_rate'
  | 'repayment_amount'
  | 'due_date'
  | 'decided_by'
  | 'reasons'
  | 'reserved_at'
  | 'approval_required'
  | 'task_token'
  | 'approval_expires_at'
  | 'abhi_create_attempts'
  | 'abhi_create_last_at'
  | 'abhi_transaction'
  | 'abhi_status'
  | 'abhi_status_at'
  | 'recording_stuck_at'
  | 'completed_at';
/** New column values; `'now()'` sets a timestamp to the database clock. */
export type AdvanceRequestChanges = Partial<Record<SettableColumn, unknown>>;

/**
 * A further condition of a transition: `approval-window-open` (no approval expiry, or one still ahead), `not-at-abhi`
 * (no Abhi transaction id: nothing was created at Abhi that the change would hide).
 */
export type TransitionCondition = 'approval-window-open' | 'not-at-abhi';

export interface Transition {
  id: string;
  from: readonly AdvanceStatus[];
  to: AdvanceStatus;
  actor: string;
  reason?: string | null;
  changes?: AdvanceRequestChanges;
  onlyIf?: TransitionCondition;
}

/** The employee and organization facts the advance rules need. */
export interface EmployeeAdvanceContext {
  employee_id: string;
  organization_id: string;
  employee_code: string;
  employee_status: string;
  deleted: boolean;
  date_of_joining: string | null;
  employee_payroll_day: number | null;
  organization_active: boolean;
  organization_payroll_day: number | null;
  advance_policy: unknown;
}

export interface AdvanceRequestStore {
  /**
   * Inserts a PENDING_VALIDATION request, or returns the one the same requester already made with the same
   * Idempotency-Key (`created: false`), so a retried POST never creates a second request.
   */
  insert(db: Queryable, input: NewAdvanceRequest): Promise<{ row: AdvanceRequestRow; created: boolean }>;
  /** The request a caller already made with this Idempotency-Key, if any. */
  findByIdempotencyKey(db: Queryable, requestedBy: string, idempotencyKey: string): Promise<AdvanceRequestRow | undefined>;
  /** By our id (undefined for an id that is not a UUID); `forUpdate` locks the row for the transaction. */
  findById(db: Queryable, id: string, options?: { forUpdate?: boolean }): Promise<AdvanceRequestRow | undefined>;
  findByAbhiTransactionId(db: Queryable, abhiTransactionId: string, options?: { forUpdate?: boolean }): Promise<AdvanceRequestRow | undefined>;
  /** By our id, or by Abhi's transaction id (clients may hold either). */
  findByIdOrAbhiId(db: Queryable, idOrAbhiId: string): Promise<AdvanceRequestRow | undefined>;
  /** The history rows of each request, oldest first. */
  history(db: Queryable, requestIds: readonly string[]): Promise<Map<string, HistoryRow[]>>;
  addHistory(db: Queryable, requestId: string, status: string, actor: string, reason?: string | null): Promise<void>;
  /** Updates columns (not the status) when the request is in one of `onlyIn` (any status when omitted). */
  update(db: Queryable, id: string, changes: AdvanceRequestChanges, onlyIn?: readonly AdvanceStatus[]): Promise<AdvanceRequestRow | undefined>;
  /**
   * Moves the request from one of `from` to `to` (setting `changes` too) and writes the history row. Returns the
   * updated row, or undefined when the request was not in one of `from` (someone else settled it first).
   */
  transition(db: Queryable, input: Transition): Promise<AdvanceRequestRow | undefined>;
  /**
   * Serializes the check-and-reserve of one employee's advances for the rest of the transaction (the employee's
   * record itself stays free for profile updates and the sync).
   */
  lockEmployee(db: Queryable, employeeId: string): Promise<void>;
  /**
   * Money of the employee's other requests that Abhi's figure (taken at `snapshotAt`) may not include yet: requests
   * holding a reservation that are still open, and requests completed after the snapshot (decimal text).
   */
  reservedAmount(db: Queryable, employeeId: string, excludeId: string | null, snapshotAt: Date): Promise<string>;
  /** What the employee has asked for that Abhi's balance (taken at `snapshotAt`) may not show yet. */
  pendingAmount(db: Queryable, employeeId: string, snapshotAt: Date): Promise<{ total: string; count: number }>;
  /**
   * Against Abhi's figure read at `snapshotAt` (the store's clock, see `databaseNow`): open requests and advances
   * completed at or after the snapshot.
   */
  sinceSnapshot(db: Queryable, employeeId: string, snapshotAt: Date): Promise<{ openTotal: string; openCount: number; completedTotal: string }>;
  /** The store's clock: the one `completed_at` is written with, so a snapshot time compares without skew. */
  databaseNow(db: Queryable): Promise<Date>;
  /** Advances of the employee since `since` that count against `maxAdvancesPerMonth` (excluding `excludeId`). */
  countSince(db: Queryable, employeeId: string, since: Date, excludeId: string | null): Promise<number>;
  /** Requests stuck in PENDING_VALIDATION/PROCESSING since before `before` (reconciliation restarts or completes them). */
  listStalled(db: Queryable, before: Date, limit?: number): Promise<AdvanceRequestRow[]>;
  /** Requests created in [from, to) that may have reached Abhi (for reconciliation). */
  listForReconciliation(db: Queryable, from: Date, to: Date): Promise<AdvanceRequestRow[]>;
  employeeContext(db: Queryable, employeeId: string): Promise<EmployeeAdvanceContext | undefined>;
}

/**
 * The approval reminders' claim on the advance requests: a port of its own, so only the reminder schedule's bundle
 * carries its statement (ADR 0029's narrow ports).
 */
export interface ApprovalReminderStore {
  /**
   * Marks reminded, once each, up to `limit` requests still PENDING_APPROVAL whose approval window closes within
   * `leadSeconds` (soonest first; rows another caller holds are skipped), and returns them. Call it inside the
   * transaction that records the reminders, so the mark and the events commit together.
   */
  markDueForReminder(db: Queryable, leadSeconds: number, limit: number): Promise<ReminderDue[]>;
}

/** A request whose approvers are to be reminded (amount as decimal text). */
export interface ReminderDue {
  id: string;
  organization_id: string;
  employee_id: string;
  amount: string;
  approval_expires_at: Date;
}
