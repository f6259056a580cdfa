import type { Queryable } from '#shared/db/pool';
import type { NewRepayment, RepaymentChanges, RepaymentRow, RepaymentStatus, RepaymentStore } from '#shared/use-cases/ports/repayment-store';

/**
 * Repayments in PostgreSQL. A repayment is PENDING from the moment we decided to send it to Abhi until Abhi
 * confirmed it (COMPLETED, with Abhi's id and a ledger entry) or refused it (FAILED). `client_reference` (the API's
 * clientRepaymentReferenceNumber) is unique per organization among repayments that are not FAILED: the same reference
 * never creates a second repayment, and a refused one releases it. `abhi_reference` is what Abhi knows the repayment
 * by (Abhi's clientRepaymentReferenceNumber, one namespace for the whole platform): unique, one per row.
 */
const COLUMNS = `id, organization_id, employee_id, transaction_id, client_reference, abhi_reference, amount::text AS amount, description,
  payment_method, abhi_repayment_id, status, recorded_by, created_at, updated_at, abhi_status, failure_reason, abhi_create_attempts`;

/**
 * Inserts a PENDING repayment, or returns the organization's live (not FAILED) repayment with the same client
 * reference (`created: false`).
 */
export async function insertRepayment(db: Queryable, input: NewRepayment): Promise<{ row: RepaymentRow; created: boolean }> {
  // Twice at most: the live repayment found in conflict may turn FAILED (releasing the reference) before we read it.
  for (let attempt = 0; attempt < 2; attempt++) {
    const inserted = await db.query<RepaymentRow>(
      `INSERT INTO repayments (id, organization_id, employee_id, transaction_id, client_reference, abhi_reference, amount, description, payment_method, status, recorded_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'PENDING', $10)
       ON CONFLICT (organization_id, client_reference) WHERE status <> 'FAILED' DO NOTHING
       RETURNING ${COLUMNS}`,
      [input.id, input.organizationId, input.employeeId, input.transactionId, input.clientReference, input.abhiReference, input.amount, input.description, input.paymentMethod, input.recordedBy],
    );
    if (inserted.rows[0]) return { row: inserted.rows[0], created: true };
    const existing = await db.query<RepaymentRow>(
      `SELECT ${COLUMNS} FROM repayments WHERE organization_id = $1 AND client_reference = $2 AND status <> 'FAILED'`,
      [input.organizationId, input.clientReference],
    );
    if (existing.rows[0]) return { row: existing.rows[0], created: false };
  }
  throw new Error('repayment reference changed hands twice between insert and select');
}

/** A repayment by the reference Abhi knows it by (webhooks, reconciliation, confirmation). */
export async function getRepaymentByAbhiReference(db: Queryable, abhiReference: string, options: { forUpdate?: boolean } = {}): Promise<RepaymentRow | undefined> {
  const { rows } = await db.query<RepaymentRow>(`SELECT ${COLUMNS} FROM repayments WHERE abhi_reference = $1${options.forUpdate ? ' FOR UPDATE' : ''}`, [abhiReference]);
  return rows[0];
}

/** Repayments with a client reference, across organizations (the caller filters by access): live ones first. */
export async function listRepaymentsByClientReference(db: Queryable, clientReference: string): Promise<RepaymentRow[]> {
  const { rows } = await db.query<RepaymentRow>(
    `SELECT ${COLUMNS} FROM repayments WHERE client_reference = $1 ORDER BY (status = 'FAILED'), created_at DESC LIMIT 20`,
    [clientReference],
  );
  return rows;
}

export async function getRepayment(db: Queryable, id: string, options: { forUpdate?: boolean } = {}): Promise<RepaymentRow | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  const { rows } = await db.query<RepaymentRow>(`SELECT ${COLUMNS} FROM repayments WHERE id = $1${options.forUpdate ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0];
}

export async function getRepaymentByAbhiId(db: Queryable, abhiRepaymentId: string): Promise<RepaymentRow | undefined> {
  const { rows } = await db.query<RepaymentRow>(`SELECT ${COLUMNS} FROM repayments WHERE abhi_repayment_id = $1`, [abhiRepaymentId]);
  return rows[0];
}

export async function updateRepayment(
  db: Queryable,
  id: string,
  changes: RepaymentChanges,
  onlyIn?: readonly RepaymentStatus[],
): Promise<RepaymentRow | undefined> {
  const params: unknown[] = [id];
  const set = ['updated_at = now()'];
  const put = (column: string, value: unknown) => {
    params.push(value);
    set.push(`${column} = $${params.length}`);
  };
  if (changes.status) put('status', changes.status);
  if (changes.abhiRepaymentId !== undefined) put('abhi_repayment_id', changes.abhiRepaymentId);
  if (changes.abhiStatus !== undefined) put('abhi_status', changes.abhiStatus);
  if (changes.failureReason !== undefined) put('failure_reason', changes.failureReason);
  if (changes.incrementAttempts) set.push('abhi_create_attempts = abhi_create_attempts + 1');
  let where = 'id = $1';
  if (onlyIn) {
    params.push([...onlyIn]);
    where += ` AND status = ANY($${params.length}::text[])`;
  }
  const { rows } = await db.query<RepaymentRow>(`UPDATE repayments SET ${set.join(', ')} WHERE ${where} RETURNING ${COLUMNS}`, params);
  return rows[0];
}

/** Repayments created in [from, to) (reconciliation), and PENDING ones older than `pendingBefore`. */
export async function listRepaymentsForReconciliation(db: Queryable, from: Date, to: Date): Promise<RepaymentRow[]> {
  const { rows } = await db.query<RepaymentRow>(
    `SELECT ${COLUMNS} FROM repayments WHERE created_at >= $1 AND created_at < $2 ORDER BY created_at`,
    [from, to],
  );
  return rows;
}

/** The repayments in PostgreSQL, as the use cases' port. */
export const postgresRepayments: RepaymentStore = {
  insert: insertRepayment,
  findById: getRepayment,
  findByAbhiReference: getRepaymentByAbhiReference,
  findByAbhiId: getRepaymentByAbhiId,
  listByClientReference: listRepaymentsByClientReference,
  update: updateRepayment,
  listForReconciliation: listRepaymentsForReconciliation,
};
