import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { abhiClientFromEnv } from '#shared/abhi/client';
import { publishEvents } from '#shared/events/outbox';
import { onceEventId } from '#shared/events/record';
import { startWorkflowTestApi, type WorkflowTestApi } from './support';

/**
 * Finance hears when reconciliation finds differences (ADR 0022), end to end: a run through POST /reconciliation/runs
 * and its queue consumer → `reconciliation.differences.found` committed with the report, one per organization
 * concerned → SNS → the notifications queue → the consumer → the local mailbox. A clean run tells nobody.
 * The sandbox runs on the real clock (a run may not cover future dates; Abhi's records must be dated today).
 */
let api: WorkflowTestApi;
let admin: string;
const FINANCE_EN = 'finance-recon@org-en.example';
const FINANCE_AR = 'finance-recon@org-ar.example';

beforeAll(async () => {
  api = await startWorkflowTestApi({ sandbox: { clock: () => Date.now() } });
  admin = await api.adminToken();
});
afterAll(async () => {
  await api?.stop();
});

async function run(): Promise<any> {
  const started = await api.request('POST', '/api/v1/reconciliation/runs', { token: admin, body: { days: 2 } });
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  await api.drainQueues(60_000);
  const report = await api.request('GET', `/api/v1/reconciliation/reports/${started.body.id}`, { token: admin });
  expect(report.status).toBe(200);
  return report.body;
}

async function mailbox(recipient: string): Promise<any[]> {
  const page = await api.request('GET', `/__local/mailbox?recipient=${encodeURIComponent(recipient)}&eventType=reconciliation.differences.found`);
  expect(page.status).toBe(200);
  return page.body.items;
}

describe('finance: reconciliation found differences', () => {
  it('a clean run tells nobody; differences reach each organization’s finance mailbox once, in its language, without bank data', async () => {
    // Two employees of two organizations; finance reads English in one, Arabic in the other.
    const first = api.employees[0]!;
    const second = api.employees.find((e) => e.organizationId !== first.organizationId)!;
    await api.db.query(`UPDATE organizations SET notification_settings = $2 WHERE id = $1`, [first.organizationId, { approverEmail: FINANCE_EN }]);
    await api.db.query(`UPDATE organizations SET notification_settings = $2 WHERE id = $1`, [second.organizationId, { approverEmail: FINANCE_AR, locale: 'ar' }]);

    const clean = await run();
    expect(clean.status).toBe('CLEAN');
    const noticesOf = (reportId: string) => api.db.query(`SELECT organization_id FROM outbox WHERE type = 'reconciliation.differences.found' AND correlation_id = $1`, [reportId]);
    expect((await noticesOf(clean.id)).rows).toEqual([]);

    // Money only Abhi knows: one advance for each employee that no request here created.
    const client = abhiClientFromEnv();
    const unknownEn = await client.transactions.createAdvance({ employeeId: first.id, amount: 17, reference: `EXT-${randomUUID().slice(0, 8)}` });
    const unknownAr = await client.transactions.createAdvance({ employeeId: second.id, amount: 23, reference: `EXT-${randomUUID().slice(0, 8)}` });

    const report = await run();
    expect(report.status).toBe('MISMATCHES');
    expect(report.mismatches.map((m: { id: string }) => m.id).sort()).toEqual([unknownEn.id, unknownAr.id].sort());
    expect((await noticesOf(report.id)).rows.map((r) => r.organization_id).sort()).toEqual([first.organizationId, second.organizationId].sort());

    const [en, ...moreEn] = await mailbox(FINANCE_EN);
    expect(moreEn).toEqual([]);
    expect(en).toMatchObject({ channel: 'email', subject: 'Reconciliation found 1 difference(s) with Abhi', organizationId: first.organizationId, employeeId: null });
    expect(en.body).toContain('UNKNOWN_LOCALLY: 1');
    expect(en.body).toContain(`advance ${unknownEn.id} (UNKNOWN_LOCALLY)`);
    expect(en.body).toContain(report.id);
    // Only its own organization's records, and no amounts or bank data.
    expect(en.body).not.toContain(unknownAr.id);
    expect(en.body).not.toMatch(/AED|IBAN|784-/);
    const [ar, ...moreAr] = await mailbox(FINANCE_AR);
    expect(moreAr).toEqual([]);
    expect(ar.subject).toBe('وجدت التسوية 1 فرقاً مع Abhi');
    expect(ar.body).toContain(`advance ${unknownAr.id} (UNKNOWN_LOCALLY)`);

    // The relay publishing a notice again reaches the consumer again: still one e-mail.
    const eventId = onceEventId('reconciliation.differences.found', `${report.id}:${first.organizationId}`);
    await api.db.query('UPDATE outbox SET published_at = NULL WHERE id = $1', [eventId]);
    expect(await publishEvents([eventId])).toBe(1);
    await api.drainQueues();
    expect(await mailbox(FINANCE_EN)).toHaveLength(1);
  });
});
