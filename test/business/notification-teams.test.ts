import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { employeeImportDeps } from '#shared/wiring/employees';
import { getPool } from '#shared/db/pool';
import { publishEvents } from '#shared/events/outbox';
import { onceEventId } from '#shared/events/record';
import { announceImportIfFinished } from '#shared/use-cases/employees/import-finished';
import { startTestApi, type TestApi } from '../support/api';
import { expectProblem, masterDataIds, sandboxIds, tokenFor, validEmployee, type SandboxIds } from './helpers';

/**
 * HR hears that a bulk import finished, and each person hears in their own language (ADR 0022), end to end on the
 * local stack: the import's last row → `employee.import.completed` in the outbox (once per job) → SNS → the
 * notifications queue → the consumer → the local mailbox (`GET /__local/mailbox`).
 */
let api: TestApi;
let ids: SandboxIds;
let hrA: string;
let orgAdmin: string;
const HR_MAILBOX = 'hr-teams@orga.example';

beforeAll(async () => {
  api = await startTestApi({
    extraEnv: { RATE_LIMIT_ENABLED: 'false', ABHI_RATE_LIMIT_RPS: '50', ABHI_RATE_LIMIT_BURST: '50' },
    sandbox: { rateLimit: { ratePerSecond: 100, burst: 100 } },
  });
  ids = { ...sandboxIds(api), ...(await masterDataIds(api)) };
  [hrA, orgAdmin] = await Promise.all([tokenFor(api, 'hr_manager', ids.orgA), tokenFor(api, 'organization_admin', ids.orgA)]);
  await settings({ hrEmail: HR_MAILBOX, locale: 'en', recipientLocales: {} });
});

afterAll(async () => {
  await api?.stop();
});

async function settings(notificationSettings: Record<string, unknown>): Promise<void> {
  const res = await api.request('PUT', `/api/v1/organizations/${ids.orgA}`, { token: orgAdmin, body: { notificationSettings } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

async function mailbox(recipient: string, eventType: string): Promise<any[]> {
  const page = await api.request('GET', `/__local/mailbox?recipient=${encodeURIComponent(recipient)}&eventType=${eventType}&limit=200`);
  expect(page.status).toBe(200);
  return page.body.items;
}

async function importAndWait(rows: Record<string, unknown>[]): Promise<string> {
  const accepted = await api.request('POST', '/api/v1/employees/bulk', { token: hrA, body: { employees: rows } });
  expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const job = await api.request('GET', `/api/v1/jobs/${accepted.body.id}?limit=1`, { token: hrA });
    if (!['queued', 'processing'].includes(job.body.status)) break;
    if (Date.now() > deadline) throw new Error(`job ${accepted.body.id} still ${job.body.status}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  await api.drainQueues();
  return accepted.body.id;
}

const importMail = async (jobId: string) => (await mailbox(HR_MAILBOX, 'employee.import.completed')).filter((m) => m.body.includes(jobId));

describe('HR: a bulk import finished', () => {
  it('one e-mail per job to HR with the counts and the failed rows; a second look or a redelivered event adds nothing', async () => {
    const rows = [validEmployee(ids.bankId), validEmployee(ids.bankId), validEmployee(ids.bankId, { email: 'not-an-email' }), validEmployee(ids.bankId)];
    rows[3]!.employeeCode = rows[0]!.employeeCode;
    const jobId = await importAndWait(rows);

    const mail = await importMail(jobId);
    expect(mail).toEqual([
      expect.objectContaining({ channel: 'email', subject: 'Employee import finished: 2 of 4 imported', organizationId: ids.orgA, employeeId: null, status: 'captured' }),
    ]);
    expect(mail[0].body).toContain('2 of 4 rows imported, 2 failed');
    expect(mail[0].body).toContain('Failures by reason: CONFLICT: 1, VALIDATION_ERROR: 1.');
    expect(mail[0].body).toContain(`row 3 (${String(rows[2]!.employeeCode)}) VALIDATION_ERROR; row 4 (${String(rows[3]!.employeeCode)}) CONFLICT`);
    // Never the rows' data.
    for (const row of rows) {
      expect(mail[0].body).not.toContain(String(row.accountNumber));
      expect(mail[0].body).not.toContain(String(row.emiratesId));
    }

    // The event is in the outbox once, under the job's id; looking again records nothing new.
    const eventId = onceEventId('employee.import.completed', jobId);
    const outbox = await getPool().query(`SELECT id, published_at FROM outbox WHERE type = 'employee.import.completed' AND correlation_id = $1`, [jobId]);
    expect(outbox.rows).toEqual([{ id: eventId, published_at: expect.any(Date) }]);
    expect(await announceImportIfFinished(employeeImportDeps(), jobId)).toBeUndefined();
    // The relay publishing it again (a crash before the mark) reaches the consumer again: still one e-mail.
    await getPool().query('UPDATE outbox SET published_at = NULL WHERE id = $1', [eventId]);
    expect(await publishEvents([eventId])).toBe(1);
    await api.drainQueues();
    expect(await importMail(jobId)).toHaveLength(1);
  });

  it('an import refused row by row at the request is announced by the request; in Arabic when HR’s mailbox reads Arabic', async () => {
    await settings({ recipientLocales: { [HR_MAILBOX]: 'ar' } });
    try {
      const jobId = await importAndWait([validEmployee(ids.bankId, { email: 'x' }), validEmployee(ids.bankId, { dob: 'yesterday' })]);
      const mail = await importMail(jobId);
      expect(mail).toHaveLength(1);
      expect(mail[0].subject).toBe('اكتمل استيراد الموظفين: تم استيراد 0 من 2');
      expect(mail[0].body).toContain('وفشل 2');
      expect(mail[0].body).toContain('VALIDATION_ERROR: 2');
    } finally {
      await settings({ recipientLocales: {} });
    }
  });

  it('no HR mailbox: nothing is sent, and the job is still announced once', async () => {
    await settings({ hrEmail: null });
    try {
      const jobId = await importAndWait([validEmployee(ids.bankId)]);
      const { rows } = await getPool().query(`SELECT count(*)::int AS n FROM notifications WHERE event_id = $1`, [onceEventId('employee.import.completed', jobId)]);
      expect(rows[0].n).toBe(0);
      const outbox = await getPool().query(`SELECT count(*)::int AS n FROM outbox WHERE type = 'employee.import.completed' AND correlation_id = $1`, [jobId]);
      expect(outbox.rows[0].n).toBe(1);
    } finally {
      await settings({ hrEmail: HR_MAILBOX });
    }
  });
});

describe('each person in their own language', () => {
  it('an employee who reads Arabic hears Arabic in an English organization; clearing it falls back to the organization', async () => {
    const body = validEmployee(ids.bankId);
    const created = await api.request('POST', '/api/v1/employees', { token: hrA, body });
    expect(created.status).toBe(201);
    expect(created.body.preferredLocale).toBeNull();
    const id = created.body.id as string;
    const email = body.email as string;

    const writesAtAbhi = () => api.sandbox.state().requestLog.filter((e) => e.method === 'PUT' || e.method === 'PATCH').length;
    const writesBefore = writesAtAbhi();
    const set = await api.request('PUT', `/api/v1/employees/${id}`, { token: hrA, body: { preferredLocale: 'ar' } });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body.preferredLocale).toBe('ar');
    // The language is ours, not Abhi's: changing only it writes nothing at Abhi.
    expect(writesAtAbhi()).toBe(writesBefore);
    const renamed = await api.request('PUT', `/api/v1/employees/${id}`, { token: hrA, body: { designation: 'Analyst' } });
    expect(renamed.status).toBe(200);
    expect(writesAtAbhi()).toBe(writesBefore + 1);
    expect(renamed.body.preferredLocale).toBe('ar');
    expect((await api.request('GET', `/api/v1/employees/${id}`, { token: hrA })).body.preferredLocale).toBe('ar');
    await api.drainQueues();
    const welcome = await mailbox(email, 'employee.created');
    expect(welcome[0].subject).toBe('Welcome to earned wage access');
    const changes = await mailbox(email, 'employee.updated');
    expect(changes.map((m) => m.subject)).toEqual(['تم تحديث ملفك الشخصي', 'تم تحديث ملفك الشخصي']);
    expect(changes.map((m) => m.body).join('\n')).toContain('(preferredLocale)');
    expect(changes.map((m) => m.body).join('\n')).toContain('(designation)');

    // Deactivation, in the employee's Arabic; HR's copy in the organization's English.
    const deleted = await api.request('DELETE', `/api/v1/employees/${id}`, { token: hrA });
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(200);
    await api.drainQueues();
    const [gone] = await mailbox(email, 'employee.deleted');
    expect(gone.subject).toBe('تم إيقاف وصولك');
    const hrCopy = (await mailbox(HR_MAILBOX, 'employee.deleted')).find((m) => m.employeeId === id);
    expect(hrCopy.subject).toBe('[HR] Your access was deactivated');

    // Another employee, cleared back to null: the organization's language (Arabic now).
    const other = validEmployee(ids.bankId);
    const second = await api.request('POST', '/api/v1/employees', { token: hrA, body: other });
    await api.request('PUT', `/api/v1/employees/${second.body.id}`, { token: hrA, body: { preferredLocale: 'en' } });
    await settings({ locale: 'ar' });
    try {
      const cleared = await api.request('PUT', `/api/v1/employees/${second.body.id}`, { token: hrA, body: { preferredLocale: null } });
      expect(cleared.body.preferredLocale).toBeNull();
      await api.drainQueues();
      const updates = await mailbox(other.email as string, 'employee.updated');
      expect(updates.map((m) => m.subject).sort()).toEqual(['Your profile was updated', 'تم تحديث ملفك الشخصي'].sort());
    } finally {
      await settings({ locale: 'en' });
    }
  });

  it('an employee created with Arabic is welcomed in Arabic; Abhi is not sent the language', async () => {
    const body = validEmployee(ids.bankId);
    const created = await api.request('POST', '/api/v1/employees', { token: hrA, body: { ...body, preferredLocale: 'ar' } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.preferredLocale).toBe('ar');
    await api.drainQueues();
    const [welcome] = await mailbox(body.email as string, 'employee.created');
    expect(welcome.subject).toBe('مرحباً بك في خدمة السلفة على الراتب المكتسب');
    const atAbhi = (api.sandbox.state().records.employees as Record<string, unknown>[]).find((e) => e.employeeCode === body.employeeCode)!;
    expect(atAbhi).toBeDefined();
    expect(Object.keys(atAbhi)).not.toContain('preferredLocale');
  });

  it('a language that is not en or ar is a 400 and changes nothing', async () => {
    const created = await api.request('POST', '/api/v1/employees', { token: hrA, body: validEmployee(ids.bankId) });
    const refused = await api.request('PUT', `/api/v1/employees/${created.body.id}`, { token: hrA, body: { preferredLocale: 'fr' } });
    expectProblem(refused, 400);
    expectProblem(await api.request('POST', '/api/v1/employees', { token: hrA, body: { ...validEmployee(ids.bankId), preferredLocale: 'de' } }), 400);
    expect((await api.request('GET', `/api/v1/employees/${created.body.id}`, { token: hrA })).body.preferredLocale).toBeNull();
    const badMailbox = await api.request('PUT', `/api/v1/organizations/${ids.orgA}`, { token: orgAdmin, body: { notificationSettings: { recipientLocales: { 'not-an-address': 'ar' } } } });
    expectProblem(badMailbox, 400);
  });
});
