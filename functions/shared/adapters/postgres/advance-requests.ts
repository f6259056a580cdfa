import type { Queryable } from '#shared/db/pool';
import type { AdvanceStatus } from '#shared/domain/advance-status';
import type {
  AdvanceRequestChanges,
  ApprovalReminderStore,
  AdvanceRequestRow,
  AdvanceRequestStore,
  EmployeeAdvanceContext,
  HistoryRow,
  NewAdvanceRequest,
  ReminderDue,
  SettableColumn,
  Transition,
  TransitionCondition,
} from '#shared/use-cases/ports/advance-request-store';
import type { TransactionListFilter, TransactionListRow, TransactionListStore } from '#shared/use-cases/ports/transaction-list-store';

/**
 * Advance requests in PostgreSQL: the request row (the workflow's source of truth), its history, and the queries the
 * workflow and the API need. Every status change goes through `transition` (a conditional UPDATE plus a history
 * row), so concurrent actors (approver, requester, workflow, webhook) settle on exactly one outcome.
 */
const COLUMNS = `id, organization_id, employee_id, requested_by, idempotency_key, amount::text AS amount, description, status,
  reasons, execution_arn, abhi_transaction_id, processing_fee::text AS processing_fee, interest_rate::text AS interest_rate,
  repayment_amount::text AS repayment_amount, to_char(due_date, 'YYYY-MM-DD') AS due_date, decided_by, created_at,
  updated_at, abhi_reference, reserved_at, approval_required, task_token, approval_expires_at, abhi_create_attempts,
  abhi_create_last_at, abhi_transaction, abhi_status, abhi_status_at, recording_stuck_at, completed_at`;

/**
 * Inserts a PENDING_VALIDATION request, or returns the one the same requester already made with the same
 * Idempotency-Key (`created: false`), so a retried POST never creates a second request.
 */
export async function insertAdvanceRequest(db: Queryable, input: NewAdvanceRequest): Promise<{ row: AdvanceRequestRow; created: boolean }> {
  const inserted = await db.query<AdvanceRequestRow>(
    `INSERT INTO advance_requests (id, organization_id, employee_id, requested_by, idempotency_key, amount, description, status, abhi_reference)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'PENDING_VALIDATION', $8)
     ON CONFLICT (requested_by, idempotency_key) DO NOTHING
     RETURNING ${COLUMNS}`,
    [input.id, input.organizationId, input.employeeId, input.requestedBy, input.idempotencyKey, input.amount, input.description, input.abhiReference],
  );
  if (inserted.rows[0]) return { row: inserted.rows[0], created: true };
  const existing = await db.query<AdvanceRequestRow>(`SELECT ${COLUMNS} FROM advance_requests WHERE requested_by = $1 AND idempotency_key = $2`, [
    input.requestedBy,
    input.idempotencyKey,
  ]);
  if (!existing.rows[0]) throw new Error('advance request vanished between insert and select');
  return { row: existing.rows[0], created: false };
}

/** The request a caller already made with this Idempotency-Key, if any. */
export async function findAdvanceRequestByIdempotencyKey(db: Queryable, requestedBy: string, idempotencyKey: string): Promise<AdvanceRequestRow | undefined> {
  const { rows } = await db.query<AdvanceRequestRow>(`SELECT ${COLUMNS} FROM advance_requests WHERE requested_by = $1 AND idempotency_key = $2`, [requestedBy, idempotencyKey]);
  return rows[0];
}

export async function getAdvanceRequest(db: Queryable, id: string, options: { forUpdate?: boolean } = {}): Promise<AdvanceRequestRow | undefined> {
  if (!isUuid(id)) return undefined;
  const { rows } = await db.query<AdvanceRequestRow>(`SELECT ${COLUMNS} FROM advance_requests WHERE id = $1${options.forUpdate ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0];
}

export async function getAdvanceRequestByAbhiTransactionId(db: Queryable, abhiTransactionId: string, options: { forUpdate?: boolean } = {}) {
  const { rows } = await db.query<AdvanceRequestRow>(
    `SELECT ${COLUMNS} FROM advance_requests WHERE abhi_transaction_id = $1${options.forUpdate ? ' FOR UPDATE' : ''}`,
    [abhiTransactionId],
  );
  return rows[0];
}

/** By our id, or by Abhi's transaction id (clients may hold either). */
export async function findAdvanceRequest(db: Queryable, idOrAbhiId: string): Promise<AdvanceRequestRow | undefined> {
  return (await getAdvanceRequest(db, idOrAbhiId)) ?? (await getAdvanceRequestByAbhiTransactionId(db, idOrAbhiId));
}

export async function listHistory(db: Queryable, requestIds: readonly string[]): Promise<Map<string, HistoryRow[]>> {
  const result = new Map<string, HistoryRow[]>();
  if (requestIds.length === 0) return result;
  const { rows } = await db.query<HistoryRow>(
    `SELECT id, request_id, status, actor, reason, occurred_at FROM advance_request_history WHERE request_id = ANY($1::uuid[]) ORDER BY id`,
    [[...requestIds]],
  );
  for (const row of rows) {
    const list = result.get(row.request_id) ?? [];
    list.push(row);
    result.set(row.request_id, list);
  }
  return result;
}

export async function addHistory(db: Queryable, requestId: string, status: string, actor: string, reason?: string | null): Promise<void> {
  await db.query(`INSERT INTO advance_request_history (request_id, status, actor, reason) VALUES ($1, $2, $3, $4)`, [
    requestId,
    status,
    actor,
    reason ?? null,
  ]);
}

/** Columns `updateAdvanceRequest`/`transition` may set, with their SQL casts. */
const SETTABLE: Readonly<Record<SettableColumn, 'text' | 'numeric' | 'date' | 'jsonb' | 'timestamptz' | 'boolean' | 'integer'>> = {
  execution_arn: 'text',
  abhi_transaction_id: 'text',
  processing_fee: 'numeric',
  interest_rate: 'numeric',
  repayment_amount: 'numeric',
  due_date: 'date',
  decided_by: 'text',
  reasons: 'jsonb',
  reserved_at: 'timestamptz',
  approval_required: 'boolean',
  task_token: 'text',
  approval_expires_at: 'timestamptz',
  abhi_create_attempts: 'integer',
  abhi_create_last_at: 'timestamptz',
  abhi_transaction: 'jsonb',
  abhi_status: 'text',
  abhi_status_at: 'timestamptz',
  recording_stuck_at: 'timestamptz',
  completed_at: 'timestamptz',
};

function setClause(changes: AdvanceRequestChanges, params: unknown[]): string {
  const parts = ['updated_at = now()'];
  for (const [column, value] of Object.entries(changes)) {
    const cast = SETTABLE[column as SettableColumn];
    if (!cast) throw new Error(`advance_requests.${column} cannot be set here`);
    if (value === 'now()') {
      parts.push(`${column} = now()`);
      continue;
    }
    params.push(cast === 'jsonb' && value !== null ? JSON.stringify(value) : value);
    parts.push(`${column} = $${params.length}::${cast}`);
  }
  return parts.join(', ');
}

/** Updates columns (not the status) when the request is in one of `onlyIn` (any status when omitted). */
export async function updateAdvanceRequest(
  db: Queryable,
  id: string,
  changes: AdvanceRequestChanges,
  onlyIn?: readonly AdvanceStatus[],
): Promise<AdvanceRequestRow | undefined> {
  const params: unknown[] = [id];
  const set = setClause(changes, params);
  let where = 'id = $1';
  if (onlyIn) {
    params.push([...onlyIn]);
    where += ` AND status = ANY($${params.length}::text[])`;
  }
  const { rows } = await db.query<AdvanceRequestRow>(`UPDATE advance_requests SET ${set} WHERE ${where} RETURNING ${COLUMNS}`, params);
  return rows[0];
}

/** The SQL of a transition's further condition. */
const CONDITIONS: Readonly<Record<TransitionCondition, string>> = {
  'approval-window-open': 'approval_expires_at IS NULL OR approval_expires_at > now()',
  'not-at-abhi': 'abhi_transaction_id IS NULL',
};

/**
 * Moves the request from one of `from` to `to` (setting `changes` too) and writes the history row. Returns the
 * updated row, or undefined when the request was not in one of `from` (someone else settled it first).
 */
export async function transition(db: Queryable, input: Transition): Promise<AdvanceRequestRow | undefined> {
  const params: unknown[] = [input.id, input.to, [...input.from]];
  const set = setClause(input.changes ?? {}, params);
  const { rows } = await db.query<AdvanceRequestRow>(
    `UPDATE advance_requests SET status = $2, ${set}
     WHERE id = $1 AND status = ANY($3::text[])${input.onlyIf ? ` AND (${CONDITIONS[input.onlyIf]})` : ''}
     RETURNING ${COLUMNS}`,
    params,
  );
  const row = rows[0];
  if (row) await addHistory(db, row.id, input.to, input.actor, input.reason);
  return row;
}

/**
 * Serializes the check-and-reserve of one employee's advances for the rest of the transaction (an advisory lock,
 * so the employee row itself stays free for profile updates and the sync).
 */
export async function lockEmployeeAdvances(db: Queryable, employeeId: string): Promise<void> {
  await db.query(`SELECT pg_advisory_xact_lock(hashtextextended('advance-employee:' || $1, 0))`, [employeeId]);
}

/**
 * Money of the employee's other requests that Abhi's figure (taken at `snapshotAt`) may not include yet: requests
 * holding a reservation that are still open, and requests completed after the snapshot. Conservative on purpose:
 * an advance Abhi already created but we have not recorded yet counts twice for a moment, never zero times.
 */
export async function reservedAmount(db: Queryable, employeeId: string, excludeId: string | null, snapshotAt: Date): Promise<string> {
  const { rows } = await db.query<{ total: string }>(
    `SELECT COALESCE(sum(amount), 0)::text AS total FROM advance_requests
     WHERE employee_id = $1 AND ($2::uuid IS NULL OR id <> $2::uuid)
       AND ((reserved_at IS NOT NULL AND status IN ('PENDING_VALIDATION', 'PENDING_APPROVAL', 'PROCESSING'))
            OR (status = 'COMPLETED' AND completed_at >= $3::timestamptz - interval '5 seconds'))`,
    [employeeId, excludeId, snapshotAt],
  );
  return rows[0]?.total ?? '0';
}

/**
 * What the employee has asked for that Abhi's balance (taken at `snapshotAt`) may not show yet: every open request
 * (reserved or not) and those completed after the snapshot. Used for the balance an employee sees.
 */
export async function pendingAmount(db: Queryable, employeeId: string, snapshotAt: Date): Promise<{ total: string; count: number }> {
  const { rows } = await db.query<{ total: string; count: number }>(
    `SELECT COALESCE(sum(amount), 0)::text AS total, count(*)::int AS count FROM advance_requests
     WHERE employee_id = $1
       AND (status IN ('PENDING_VALIDATION', 'PENDING_APPROVAL', 'PROCESSING')
            OR (status = 'COMPLETED' AND completed_at >= $2::timestamptz - interval '5 seconds'))`,
    [employeeId, snapshotAt],
  );
  return rows[0] ?? { total: '0', count: 0 };
}

/**
 * The balance an employee sees, against Abhi's figure read at `snapshotAt` (the database clock, see `databaseNow`):
 * open requests (not at Abhi yet, or not recorded yet) and advances completed here at or after the snapshot (at Abhi,
 * but not in that figure). `completed_at` is the recording transaction's start, after Abhi answered the create, so
 * an advance completed before the snapshot is in Abhi's figure and one completed after it is counted here.
 */
export async function requestsSinceSnapshot(
  db: Queryable,
  employeeId: string,
  snapshotAt: Date,
): Promise<{ openTotal: string; openCount: number; completedTotal: string }> {
  const { rows } = await db.query<{ open_total: string; open_count: number; completed_total: string }>(
    `SELECT COALESCE(sum(amount) FILTER (WHERE status IN ('PENDING_VALIDATION', 'PENDING_APPROVAL', 'PROCESSING')), 0)::text AS open_total,
            (count(*) FILTER (WHERE status IN ('PENDING_VALIDATION', 'PENDING_APPROVAL', 'PROCESSING')))::int AS open_count,
            COALESCE(sum(amount) FILTER (WHERE status = 'COMPLETED' AND completed_at >= $2::timestamptz), 0)::text AS completed_total
       FROM advance_requests
      WHERE employee_id = $1 AND (status IN ('PENDING_VALIDATION', 'PENDING_APPROVAL', 'PROCESSING') OR (status = 'COMPLETED' AND completed_at >= $2::timestamptz))`,
    [employeeId, snapshotAt],
  );
  const row = rows[0];
  return { openTotal: row?.open_total ?? '0', openCount: row?.open_count ?? 0, completedTotal: row?.completed_total ?? '0' };
}

/** The database's clock: the one `completed_at` is written with, so a snapshot time compares without skew. */
export async function databaseNow(db: Queryable): Promise<Date> {
  const { rows } = await db.query<{ now: Date }>('SELECT clock_timestamp() AS now');
  return new Date(rows[0]!.now);
}

/** Advances of the employee this month that count against `maxAdvancesPerMonth` (excluding `excludeId`). */
export async function countAdvancesSince(db: Queryable, employeeId: string, since: Date, excludeId: string | null): Promise<number> {
  const { rows } = await db.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM advance_requests
     WHERE employee_id = $1 AND created_at >= $2 AND ($3::uuid IS NULL OR id <> $3::uuid)
       AND (status IN ('PENDING_APPROVAL', 'PROCESSING', 'COMPLETED') OR (status = 'PENDING_VALIDATION' AND reserved_at IS NOT NULL))`,
    [employeeId, since, excludeId],
  );
  return rows[0]?.count ?? 0;
}

/** Requests stuck in PENDING_VALIDATION/PROCESSING since before `before` (reconciliation restarts or completes them). */
export async function listStalledRequests(db: Queryable, before: Date, limit = 100): Promise<AdvanceRequestRow[]> {
  const { rows } = await db.query<AdvanceRequestRow>(
    `SELECT ${COLUMNS} FROM advance_requests
     WHERE status IN ('PENDING_VALIDATION', 'PROCESSING') AND updated_at < $1
     ORDER BY updated_at LIMIT $2`,
    [before, limit],
  );
  return rows;
}

/** Requests created in [from, to) that may have reached Abhi (for reconciliation). */
export async function listRequestsForReconciliation(db: Queryable, from: Date, to: Date): Promise<AdvanceRequestRow[]> {
  const { rows } = await db.query<AdvanceRequestRow>(
    `SELECT ${COLUMNS} FROM advance_requests
     WHERE created_at >= $1 AND created_at < $2 AND (abhi_transaction_id IS NOT NULL OR abhi_create_attempts > 0 OR status IN ('PROCESSING', 'COMPLETED'))`,
    [from, to],
  );
  return rows;
}

// ---------------------------------------------------------------------------------------------------------------
// Listing: advances and repayments as one "transactions" list
// ---------------------------------------------------------------------------------------------------------------

export async function listTransactions(db: Queryable, filter: TransactionListFilter): Promise<{ rows: TransactionListRow[]; total: number }> {
  const params: unknown[] = [];
  const where: string[] = [];
  const add = (sql: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  if (filter.organizationIds) add((p) => `t.organization_id = ANY(${p}::text[])`, [...filter.organizationIds]);
  if (filter.employeeId) add((p) => `t.employee_id = ${p}`, filter.employeeId);
  if (filter.status) add((p) => `upper(t.status) = upper(${p})`, filter.status);
  if (filter.type) add((p) => `t.type = ${p}`, filter.type);
  // Dates are UAE calendar days (UTC+4).
  if (filter.startDate) add((p) => `t.created_at >= (${p}::date::timestamp - interval '4 hours') AT TIME ZONE 'UTC'`, filter.startDate);
  if (filter.endDate) add((p) => `t.created_at < (${p}::date::timestamp + interval '20 hours') AT TIME ZONE 'UTC'`, filter.endDate);
  if (filter.employeeCode) add((p) => `e.employee_code = ${p}`, filter.employeeCode);
  if (filter.department) add((p) => `lower(e.department) = lower(${p})`, filter.department);
  const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const union = `(
    SELECT 'advance' AS type, a.id::text AS id, a.organization_id, a.employee_id, a.amount, a.status, a.description,
           a.abhi_reference AS reference, a.abhi_transaction_id AS abhi_id, a.processing_fee, a.repayment_amount,
           to_char(a.due_date, 'YYYY-MM-DD') AS due_date, NULL::text AS transaction_id, a.created_at, a.updated_at
      FROM advance_requests a
    UNION ALL
    SELECT 'repayment', r.id::text, r.organization_id, r.employee_id, r.amount, r.status, r.description,
           r.client_reference, r.abhi_repayment_id, NULL::numeric, NULL::numeric, NULL::text, r.transaction_id, r.created_at, r.updated_at
      FROM repayments r
  ) t`;
  const from = `FROM ${union} LEFT JOIN employees e ON e.id = t.employee_id ${whereSql}`;
  const countResult = await db.query<{ total: number }>(`SELECT count(*)::int AS total ${from}`, params);
  params.push(filter.limit, (filter.page - 1) * filter.limit);
  const { rows } = await db.query<TransactionListRow>(
    `SELECT t.type, t.id, t.organization_id, t.employee_id, e.employee_code,
            NULLIF(trim(coalesce(e.first_name, '') || ' ' || coalesce(e.last_name, '')), '') AS employee_name, e.department,
            t.amount::text AS amount, t.status, t.description, t.reference, t.abhi_id, t.processing_fee::text AS processing_fee,
            t.repayment_amount::text AS repayment_amount, t.due_date, t.transaction_id, t.created_at, t.updated_at
     ${from} ORDER BY t.created_at DESC, t.id LIMIT $${params.length - 1} OFFSET $${params.length}`,
    params,
  );
  return { rows, total: countResult.rows[0]?.total ?? 0 };
}

function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

// ---------------------------------------------------------------------------------------------------------------
// The employee and organization facts the advance rules need
// ---------------------------------------------------------------------------------------------------------------

export async function getEmployeeAdvanceContext(db: Queryable, employeeId: string): Promise<EmployeeAdvanceContext | undefined> {
  const { rows } = await db.query<EmployeeAdvanceContext>(
    `SELECT e.id AS employee_id, e.organization_id, e.employee_code, e.status AS employee_status,
            (e.deleted_at IS NOT NULL) AS deleted, to_char(e.date_of_joining, 'YYYY-MM-DD') AS date_of_joining,
            e.payroll_start_day AS employee_payroll_day, o.active AS organization_active,
            o.payroll_start_day AS organization_payroll_day, o.advance_policy
     FROM employees e JOIN organizations o ON o.id = e.organization_id
     WHERE e.id = $1`,
    [employeeId],
  );
  return rows[0];
}

async function markDueForReminder(db: Queryable, leadSeconds: number, limit: number): Promise<ReminderDue[]> {
  const { rows } = await db.query<ReminderDue>(
    `UPDATE advance_requests SET approval_reminded_at = now()
     WHERE id IN (
       SELECT id FROM advance_requests
       WHERE status = 'PENDING_APPROVAL' AND approval_reminded_at IS NULL
         AND approval_expires_at > now() AND approval_expires_at <= now() + make_interval(secs => $1)
       ORDER BY approval_expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)
     RETURNING id, organization_id, employee_id, amount::text AS amount, approval_expires_at`,
    [leadSeconds, limit],
  );
  return rows;
}

/** The advance requests in PostgreSQL, as the use cases' port. */
export const postgresAdvanceRequests: AdvanceRequestStore = {
  insert: insertAdvanceRequest,
  findByIdempotencyKey: findAdvanceRequestByIdempotencyKey,
  findById: getAdvanceRequest,
  findByAbhiTransactionId: getAdvanceRequestByAbhiTransactionId,
  findByIdOrAbhiId: findAdvanceRequest,
  history: listHistory,
  addHistory,
  update: updateAdvanceRequest,
  transition,
  lockEmployee: lockEmployeeAdvances,
  reservedAmount,
  pendingAmount,
  sinceSnapshot: requestsSinceSnapshot,
  databaseNow,
  countSince: countAdvancesSince,
  listStalled: listStalledRequests,
  listForReconciliation: listRequestsForReconciliation,
  employeeContext: getEmployeeAdvanceContext,
};

/** The approval reminders' claim (the reminder schedule's port). */
export const postgresApprovalReminders: ApprovalReminderStore = { markDueForReminder };

/** The transactions list in PostgreSQL, as the use cases' port (a separate object: only the list routes bundle its query). */
export const postgresTransactionList: TransactionListStore = { list: listTransactions };
