import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScheduledEvent } from 'aws-lambda';
import { getPool } from '#shared/db/pool';
import type { ErasureResult } from '#shared/use-cases/employees/erase-personal-data';
import { startTestApi, type TestApi } from '../support/api';
import { loadEntry } from '../../infra/local/api-server';
import { masterDataIds, sandboxIds, tokenFor, validEmployee, type SandboxIds } from './helpers';

/**
 * Erasure (UAE PDPL): a deleted employee's personal data is erased by the scheduled job once the retention period
 * (PERSONAL_DATA_RETENTION_DAYS, 30 here) has passed; the ledger keeps its amounts and the audit log says what was
 * erased. Real PostgreSQL, the real API for create/delete, the real job handler. The clock is moved by back-dating
 * `deleted_at`, the one value the job compares with now.
 */
let api: TestApi;
let ids: SandboxIds;
let hr: string;

const RETENTION_DAYS = 30;
const scheduledEvent = JSON.parse(
  fs.readFileSync(path.resolve(import.meta.dirname, '../../events/scheduled-personal-data-erasure.json'), 'utf8'),
) as ScheduledEvent;

beforeAll(async () => {
  api = await startTestApi({
    extraEnv: { RATE_LIMIT_ENABLED: 'false', PERSONAL_DATA_RETENTION_DAYS: String(RETENTION_DAYS), ERASURE_BATCH_SIZE: '2' },
  });
  ids = { ...sandboxIds(api), ...(await masterDataIds(api)) };
  hr = await tokenFor(api, 'hr_manager', ids.orgA);
});

afterAll(async () => {
  await api?.stop();
});

interface Created {
  id: string;
  /** Every personal value sent at creation, as the database would show it. */
  values: string[];
}

async function createEmployee(tag: string): Promise<Created> {
  const body = validEmployee(ids.bankId, {
    firstName: `Zenobia${tag}`,
    lastName: `Qarawi${tag}`,
    accountTitle: `Zenobia Qarawi ${tag}`,
    phone: `+97150${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`,
    netSalary: 12345.67,
    dob: '1987-11-23',
  });
  const res = await api.request('POST', '/api/v1/employees', { token: hr, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const id = res.body.id as string;
  const emiratesId = String(body.emiratesId);
  const accountNumber = String(body.accountNumber);
  return {
    id,
    values: [
      String(body.firstName),
      String(body.lastName),
      String(body.employeeCode),
      String(body.email),
      String(body.phone),
      '12345.67',
      '1987-11-23',
      emiratesId.replace(/-/g, '').slice(-4),
      accountNumber.slice(-4),
    ],
  };
}

/** An advance with its ledger rows, as the workflow leaves it (completed, so the employee may be deleted). */
async function completedAdvance(employeeId: string, amount: string, fee: string): Promise<string> {
  const requestId = randomUUID();
  const db = getPool();
  await db.query(
    `INSERT INTO advance_requests (id, organization_id, employee_id, requested_by, idempotency_key, amount, description, status, processing_fee)
     VALUES ($1, $2, $3, 'employee-sub', $4, $5, 'school fees for Zenobia', 'COMPLETED', $6)`,
    [requestId, ids.orgA, employeeId, randomUUID(), amount, fee],
  );
  await db.query(
    `INSERT INTO ledger_entries (organization_id, employee_id, kind, amount, advance_request_id, abhi_reference) VALUES
       ($1, $2, 'advance', $3, $4, $5), ($1, $2, 'fee', $6, $4, $5)`,
    [ids.orgA, employeeId, amount, requestId, `ABHI-${requestId}`, fee],
  );
  return requestId;
}

async function deleteEmployee(id: string, daysAgo: number): Promise<void> {
  const res = await api.request('DELETE', `/api/v1/employees/${id}`, { token: hr });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  await getPool().query(`UPDATE employees SET deleted_at = now() - make_interval(days => $2) WHERE id = $1`, [id, daysAgo]);
}

/** Every row that refers to the employee, as text (what a reader of the database could see). */
async function rowsAbout(employeeId: string): Promise<string> {
  const { rows } = await getPool().query<{ text: string }>(
    `SELECT string_agg(t, E'\\n') AS text FROM (
       SELECT row_to_json(e)::text AS t FROM employees e WHERE id = $1
       UNION ALL SELECT row_to_json(n)::text FROM notifications n WHERE employee_id = $1
       UNION ALL SELECT row_to_json(a)::text FROM advance_requests a WHERE employee_id = $1
       UNION ALL SELECT row_to_json(o)::text FROM outbox o WHERE payload->>'employeeId' = $1
     ) x`,
    [employeeId],
  );
  return rows[0]?.text ?? '';
}

/**
 * The rows with their ids and timestamps masked: the last four digits of an account number or Emirates ID are short
 * enough to turn up by chance inside a random UUID or a microsecond timestamp, which is not personal data.
 */
function withoutIdsAndTimes(rows: string): string {
  return rows
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<id>')
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)?/g, '<time>');
}

async function ledgerOf(employeeId: string) {
  const { rows } = await getPool().query(
    `SELECT id, kind, amount::text, advance_request_id, abhi_reference, occurred_at FROM ledger_entries WHERE employee_id = $1 ORDER BY id`,
    [employeeId],
  );
  const totals = await getPool().query(`SELECT kind, sum(amount)::text AS total FROM ledger_entries WHERE organization_id = $1 GROUP BY kind ORDER BY kind`, [ids.orgA]);
  return { rows, totals: totals.rows };
}

async function erasureAudit(employeeId: string) {
  const { rows } = await getPool().query(`SELECT * FROM audit_log WHERE action = 'employee.erase_personal_data' AND resource = $1`, [`employee/${employeeId}`]);
  return rows;
}

async function runJob(): Promise<ErasureResult> {
  const handler = await loadEntry<(event: ScheduledEvent) => Promise<ErasureResult>>('employees/erase-personal-data');
  return handler(scheduledEvent);
}

describe('personal data erasure after the retention period', () => {
  it('erases a deleted employee past retention, keeps the ledger, audits it, leaves a recent deletion alone, and is idempotent', async () => {
    const due = await createEmployee('Due');
    const dueToo = await createEmployee('DueToo');
    const recent = await createEmployee('Recent');
    const advance = await completedAdvance(due.id, '750.50', '15.00');
    await completedAdvance(recent.id, '200.00', '10.00');
    // The welcome e-mail and SMS land in the notification log, addressed to the employee and naming them.
    await api.drainQueues();
    await deleteEmployee(due.id, RETENTION_DAYS + 1);
    await deleteEmployee(dueToo.id, RETENTION_DAYS + 5);
    await deleteEmployee(recent.id, RETENTION_DAYS - 1);
    await api.drainQueues();

    const before = await rowsAbout(due.id);
    for (const value of due.values) expect(before, `precondition: ${value} is stored`).toContain(value);
    expect((await getPool().query('SELECT count(*)::int AS n FROM notifications WHERE employee_id = $1', [due.id])).rows[0].n).toBeGreaterThan(0);
    const ledgerBefore = await ledgerOf(due.id);
    const recentBefore = await rowsAbout(recent.id);

    // Batch size 2: the two due employees fill the first batch, the second finds nothing more.
    const first = await runJob();
    expect(first).toMatchObject({ erased: 2, more: false });

    const after = await rowsAbout(due.id);
    for (const value of due.values) expect(withoutIdsAndTimes(after), `${value} is erased`).not.toContain(value);
    expect(after).not.toContain('Zenobia');
    const { rows: [row] } = await getPool().query('SELECT * FROM employees WHERE id = $1', [due.id]);
    expect(row).toMatchObject({
      first_name: 'Erased',
      last_name: 'Employee',
      employee_code: `erased-${due.id}`,
      email: null,
      phone: null,
      dob: null,
      net_salary: null,
      account_number_enc: null,
      account_number_last4: null,
      emirates_id_enc: null,
      emirates_id_last4: null,
      account_title: null,
      status: 'deleted',
      organization_id: ids.orgA,
    });
    expect(row.erased_at).toBeInstanceOf(Date);
    for (const value of dueToo.values) expect(withoutIdsAndTimes(await rowsAbout(dueToo.id))).not.toContain(value);

    // The money is untouched: the same ledger rows, amounts and organization totals; the advance keeps its amount.
    expect(await ledgerOf(due.id)).toEqual(ledgerBefore);
    const { rows: [request] } = await getPool().query('SELECT amount::text, processing_fee::text, status, description FROM advance_requests WHERE id = $1', [advance]);
    expect(request).toEqual({ amount: '750.50', processing_fee: '15.00', status: 'COMPLETED', description: null });

    // One audit row per erased employee, naming the fields and counts, never the values.
    const audit = await erasureAudit(due.id);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'personal-data-erasure', organization_id: ids.orgA, outcome: 'succeeded' });
    expect(audit[0].details.erasedFields).toEqual(expect.arrayContaining(['first_name', 'email', 'phone', 'emirates_id_enc', 'account_number_enc', 'net_salary', 'dob']));
    expect(audit[0].details.retentionDays).toBe(RETENTION_DAYS);
    expect(audit[0].details.relatedRows.notifications).toBeGreaterThan(0);
    for (const value of due.values) expect(withoutIdsAndTimes(JSON.stringify(audit[0]))).not.toContain(value);
    expect(await erasureAudit(dueToo.id)).toHaveLength(1);

    // Deleted within the retention period: untouched, not audited.
    expect(await rowsAbout(recent.id)).toBe(recentBefore);
    expect(await erasureAudit(recent.id)).toEqual([]);

    // A second run finds nothing to do and changes nothing.
    const rowAfterFirst = await rowsAbout(due.id);
    expect(await runJob()).toMatchObject({ erased: 0, more: false });
    expect(await rowsAbout(due.id)).toBe(rowAfterFirst);
    expect(await erasureAudit(due.id)).toHaveLength(1);
    expect(await rowsAbout(recent.id)).toBe(recentBefore);

    // Once its retention ends too, the recent one goes the same way; the ledger total of the organization stays.
    const totalsBefore = (await ledgerOf(recent.id)).totals;
    await getPool().query(`UPDATE employees SET deleted_at = now() - make_interval(days => $2) WHERE id = $1`, [recent.id, RETENTION_DAYS + 1]);
    expect(await runJob()).toMatchObject({ erased: 1 });
    for (const value of recent.values) expect(withoutIdsAndTimes(await rowsAbout(recent.id))).not.toContain(value);
    expect((await ledgerOf(recent.id)).totals).toEqual(totalsBefore);
  });

  it('an active employee is never erased, however old the row', async () => {
    const active = await createEmployee('Active');
    await getPool().query(`UPDATE employees SET created_at = now() - interval '5 years' WHERE id = $1`, [active.id]);
    expect(await runJob()).toMatchObject({ erased: 0 });
    const res = await api.request('GET', `/api/v1/employees/${active.id}`, { token: hr });
    expect(res.status).toBe(200);
    expect(res.body.firstName).toBe('ZenobiaActive');
  });
});
