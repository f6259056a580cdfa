import { INSERT_AUDIT_SQL } from '#shared/auth/audit';
import type { Queryable } from '#shared/db/pool';
import type { ErasureRecord, PersonalDataStore } from '#shared/use-cases/employees/erase-personal-data';

/**
 * PostgreSQL side of the erasure job. The employee row keeps its id, organization, status and dates of deletion (the
 * ledger's foreign keys and the reports need them) and loses everything that identifies or describes the person.
 * Names and the employee code become pseudonyms (the columns are NOT NULL and the code is unique per organization);
 * the rest becomes NULL.
 */
const PSEUDONYMISED = ['first_name', 'last_name', 'employee_code'] as const;
const EMPTIED = [
  'department',
  'designation',
  'phone',
  'email',
  'dob',
  'date_of_joining',
  'account_title',
  'account_number_enc',
  'account_number_last4',
  'emirates_id_enc',
  'emirates_id_last4',
  'net_salary',
  'gender',
  'bank_id',
  'preferred_locale',
] as const;

export const ERASED_EMPLOYEE_FIELDS: readonly string[] = [...PSEUDONYMISED, ...EMPTIED];

/** What a notification's recipient and body become. */
export const ERASED_TEXT = '[erased]';

export const ERASURE_ACTOR = 'personal-data-erasure';

export function postgresPersonalDataStore(transaction: <T>(work: (db: Queryable) => Promise<T>) => Promise<T>): PersonalDataStore {
  return {
    eraseBatch: ({ deletedBefore, limit, erasedAt, runId, retentionDays }) =>
      transaction(async (db) => {
        // SKIP LOCKED: two overlapping runs (a retry beside a late schedule) split the work instead of waiting.
        const { rows } = await db.query<{ id: string; organization_id: string; deleted_at: Date }>(
          `SELECT id, organization_id, deleted_at FROM employees
            WHERE deleted_at IS NOT NULL AND erased_at IS NULL AND deleted_at < $1
            ORDER BY deleted_at, id LIMIT $2 FOR UPDATE SKIP LOCKED`,
          [deletedBefore, limit],
        );
        const records: ErasureRecord[] = [];
        for (const row of rows) records.push(await eraseOne(db, row, { erasedAt, runId, retentionDays }));
        return records;
      }),
  };
}

async function eraseOne(
  db: Queryable,
  row: { id: string; organization_id: string; deleted_at: Date },
  run: { erasedAt: Date; runId: string; retentionDays: number },
): Promise<ErasureRecord> {
  await db.query(
    `UPDATE employees
        SET first_name = 'Erased', last_name = 'Employee', employee_code = 'erased-' || id,
            ${EMPTIED.map((column) => `${column} = NULL`).join(', ')},
            erased_at = $2, updated_at = now()
      WHERE id = $1`,
    [row.id, run.erasedAt],
  );
  // Every message sent to or about the employee (their own copies and HR's): the recipient must stay unique per
  // event and channel, so it becomes a pseudonym made of the row's own id.
  const notifications = await db.query(
    `UPDATE notifications SET recipient = 'erased:' || id::text, subject = NULL, body = $2
      WHERE employee_id = $1 AND body <> $2`,
    [row.id, ERASED_TEXT],
  );
  // Free-text notes may name the person; the amounts, statuses and dates stay.
  const advances = await db.query(`UPDATE advance_requests SET description = NULL WHERE employee_id = $1 AND description IS NOT NULL`, [row.id]);
  const repayments = await db.query(`UPDATE repayments SET description = NULL WHERE employee_id = $1 AND description IS NOT NULL`, [row.id]);
  // Employee events carry the employer's code for the person (employee.created, employee.deleted).
  const events = await db.query(
    `UPDATE outbox SET payload = payload || jsonb_build_object('employeeCode', 'erased-' || ($1)::text)
      WHERE payload->>'employeeId' = $1 AND payload ? 'employeeCode' AND payload->>'employeeCode' <> 'erased-' || ($1)::text`,
    [row.id],
  );
  const record: ErasureRecord = {
    employeeId: row.id,
    organizationId: row.organization_id,
    deletedAt: row.deleted_at,
    employeeFields: ERASED_EMPLOYEE_FIELDS,
    relatedRows: {
      notifications: notifications.rowCount ?? 0,
      advance_requests: advances.rowCount ?? 0,
      repayments: repayments.rowCount ?? 0,
      outbox: events.rowCount ?? 0,
    },
  };
  // Same transaction as the erasure: an erased employee always has its audit row, and a rolled-back one has none.
  await db.query(INSERT_AUDIT_SQL, [
    run.erasedAt.toISOString(),
    ERASURE_ACTOR,
    [],
    row.organization_id,
    'employee.erase_personal_data',
    `employee/${row.id}`,
    'succeeded',
    `retention of ${run.retentionDays} days after deletion ended`,
    run.runId,
    'internal',
    JSON.stringify({ deletedAt: row.deleted_at.toISOString(), retentionDays: run.retentionDays, erasedFields: record.employeeFields, relatedRows: record.relatedRows }),
  ]);
  return record;
}
