import { describe, expect, it } from 'vitest';
import { compose } from '#shared/events/notifications';
import { composeForOrganization, isOrganizationNotifiable } from '#shared/events/organization-notifications';
import { onceEventId } from '#shared/events/record';
import type { DomainEvent } from '#shared/events/types';
import { notificationSettingsInput, resolveNotificationSettings } from '#shared/schemas/organizations';
import { QUEUES } from '#shared/topology';

/**
 * Who hears what, in which language (ADR 0022): the teams' notices (HR: a bulk import finished; finance:
 * reconciliation found differences) and the per-recipient language (the employee's own, a mailbox's own, else the
 * organization's, else English). Pure composition; the end-to-end path is in notification-teams.test.ts.
 */
const ARABIC = /[\u0600-\u06FF]/;
const event = (type: string, payload: Record<string, unknown>): DomainEvent =>
  ({ id: `evt-${type}`, type, version: 1, time: '2026-12-01T09:00:00.000Z', organizationId: 'org-1', payload }) as DomainEvent;

const importDone = event('employee.import.completed', {
  jobId: 'job-1',
  total: 5,
  succeeded: 3,
  failed: 2,
  failures: { VALIDATION_ERROR: 1, CONFLICT: 1 },
  failedRows: [
    { index: 1, reference: 'EMP-2', code: 'VALIDATION_ERROR' },
    { index: 4, reference: 'EMP-5', code: 'CONFLICT' },
  ],
});
const differences = event('reconciliation.differences.found', {
  reportId: 'rep-1',
  periodStart: '2026-11-30',
  periodEnd: '2026-12-01',
  differences: 2,
  issues: { UNKNOWN_LOCALLY: 1, AMOUNT_MISMATCH: 1 },
  records: [
    { kind: 'advance', id: 'adv-1', issue: 'UNKNOWN_LOCALLY' },
    { kind: 'repayment', id: 'rp-1', issue: 'AMOUNT_MISMATCH' },
  ],
});
const teams = { hrEmail: 'hr@org.example', approverEmail: 'finance@org.example' };

describe('the teams’ notices', () => {
  it('the notifications queue receives both; neither is an employee’s event', () => {
    const subscribed = QUEUES.find((q) => q.name === 'notifications')!.eventTypes!;
    for (const type of ['employee.import.completed', 'reconciliation.differences.found']) {
      expect(subscribed).toContain(type);
      expect(isOrganizationNotifiable(type)).toBe(true);
    }
  });

  it('HR hears that an import finished, with the counts, the reasons and the failed rows, in English and Arabic', () => {
    const [en, ...more] = composeForOrganization(importDone, resolveNotificationSettings(teams));
    expect(more).toEqual([]);
    expect(en).toMatchObject({ channel: 'email', recipient: 'hr@org.example', employeeId: null, subject: 'Employee import finished: 3 of 5 imported' });
    expect(en!.body).toContain('3 of 5 rows imported, 2 failed');
    expect(en!.body).toContain('VALIDATION_ERROR: 1, CONFLICT: 1');
    expect(en!.body).toContain('row 2 (EMP-2) VALIDATION_ERROR; row 5 (EMP-5) CONFLICT');
    expect(en!.body).toContain('/api/v1/jobs/job-1?itemStatus=failed');
    expect(ARABIC.test(`${en!.subject} ${en!.body}`)).toBe(false);

    const [ar] = composeForOrganization(importDone, resolveNotificationSettings({ ...teams, locale: 'ar' }));
    expect(ar!.recipient).toBe('hr@org.example');
    expect(ar!.subject).toBe('اكتمل استيراد الموظفين: تم استيراد 3 من 5');
    expect(ar!.body).toContain('تم استيراد 3 من أصل 5 صفاً، وفشل 2');
    expect(ar!.body).toContain('VALIDATION_ERROR: 1، CONFLICT: 1');
    expect(ar!.body).toContain('الصف 2 (EMP-2) VALIDATION_ERROR');
  });

  it('an import without failures says so and lists nothing', () => {
    const clean = event('employee.import.completed', { jobId: 'job-2', total: 4, succeeded: 4, failed: 0, failures: {}, failedRows: [] });
    const [en] = composeForOrganization(clean, resolveNotificationSettings(teams));
    expect(en!.body).toBe('The employee import job-2 finished: 4 of 4 rows imported, 0 failed.');
  });

  it('finance (the approvers’ mailbox, else HR’s) hears of reconciliation differences: count and kinds, no amounts or bank data', () => {
    const [en] = composeForOrganization(differences, resolveNotificationSettings(teams));
    expect(en).toMatchObject({ channel: 'email', recipient: 'finance@org.example', subject: 'Reconciliation found 2 difference(s) with Abhi' });
    expect(en!.body).toContain('2026-11-30 to 2026-12-01');
    expect(en!.body).toContain('UNKNOWN_LOCALLY: 1, AMOUNT_MISMATCH: 1');
    expect(en!.body).toContain('advance adv-1 (UNKNOWN_LOCALLY); repayment rp-1 (AMOUNT_MISMATCH)');
    expect(en!.body).not.toMatch(/AED|\d{3}-\d{4}-\d{7}-\d|AE\d{2}/);
    const [ar] = composeForOrganization(differences, resolveNotificationSettings({ ...teams, locale: 'ar' }));
    expect(ar!.subject).toBe('وجدت التسوية 2 فرقاً مع Abhi');
    expect(ar!.body).toContain('من 2026-11-30 إلى 2026-12-01');
    const [hrOnly] = composeForOrganization(differences, resolveNotificationSettings({ hrEmail: 'hr@org.example' }));
    expect(hrOnly!.recipient).toBe('hr@org.example');
  });

  it('nobody to tell: no mailbox, e-mail off, or the event muted', () => {
    expect(composeForOrganization(importDone, resolveNotificationSettings({ approverEmail: 'finance@org.example' }))).toEqual([]);
    expect(composeForOrganization(differences, resolveNotificationSettings({}))).toEqual([]);
    expect(composeForOrganization(importDone, resolveNotificationSettings({ ...teams, channels: { email: false } }))).toEqual([]);
    expect(composeForOrganization(importDone, resolveNotificationSettings({ ...teams, mutedEvents: ['employee.import.completed'] }))).toEqual([]);
  });

  it('one fact, one event id: the id comes from the type and the key', () => {
    expect(onceEventId('employee.import.completed', 'job-1')).toBe(onceEventId('employee.import.completed', 'job-1'));
    expect(onceEventId('employee.import.completed', 'job-1')).not.toBe(onceEventId('employee.import.completed', 'job-2'));
    expect(onceEventId('employee.import.completed', 'job-1')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('the approvers: approval needed with its deadline, and the reminder before it expires, in both languages', () => {
  const recipient = { employeeId: 'emp-7', firstName: 'Omar', email: null, phone: null };
  const payload = { requestId: 'req-3', employeeId: 'emp-7', amount: 1200, expiresAt: '2026-12-03T09:00:00.000Z' };
  for (const [locale, requested, reminder] of [
    ['en', 'waits for approval until 2026-12-03T09:00:00.000Z', 'still waits for approval and expires at 2026-12-03T09:00:00.000Z'],
    ['ar', 'بانتظار الموافقة حتى 2026-12-03T09:00:00.000Z', 'وتنتهي صلاحيتها في 2026-12-03T09:00:00.000Z'],
  ] as const) {
    it(`${locale}: both name the deadline and the request to act on; the reminder goes to the approvers only`, () => {
      const settings = resolveNotificationSettings({ approverEmail: 'finance@org.example', locale });
      const [ask] = compose(event('transaction.advance.approval_requested', payload), recipient, settings);
      expect(ask!.recipient).toBe('finance@org.example');
      expect(ask!.body).toContain(requested);
      expect(ask!.body).toContain('/api/v1/transactions/req-3/status');
      const reminders = compose(event('transaction.advance.approval_reminder', payload), { ...recipient, email: 'omar@example.com' }, settings);
      expect(reminders.map((m) => m.recipient)).toEqual(['finance@org.example']);
      expect(reminders[0]!.body).toContain(reminder);
      expect(ARABIC.test(reminders[0]!.body)).toBe(locale === 'ar');
    });
  }
});

describe('each recipient in their own language', () => {
  const recipient = { employeeId: 'emp-7', firstName: 'Omar', email: 'omar@example.com', phone: null };
  const approval = event('transaction.advance.approval_requested', { requestId: 'req-1', employeeId: 'emp-7', amount: 100, expiresAt: '2026-12-03T09:00:00.000Z' });
  const failed = event('transaction.advance.failed', { requestId: 'req-1', employeeId: 'emp-7', amount: 100 });
  const byRecipient = (messages: { recipient: string; subject: string | null }[]) => Object.fromEntries(messages.map((m) => [m.recipient, m.subject]));

  it('an Arabic-speaking employee of an English organization hears Arabic; HR and the approvers keep English', () => {
    const settings = resolveNotificationSettings({ ...teams, channels: { sms: false } });
    expect(byRecipient(compose(approval, { ...recipient, locale: 'ar' }, settings))).toEqual({
      'omar@example.com': 'سلفة بانتظار الموافقة',
      'finance@org.example': '[Approval needed] Advance waiting for approval',
    });
    expect(byRecipient(compose(failed, { ...recipient, locale: 'ar' }, settings))).toEqual({
      'omar@example.com': 'تعذّر صرف السلفة',
      'hr@org.example': '[HR] Advance could not be paid',
    });
  });

  it('an English-speaking employee of an Arabic organization hears English; a mailbox’s own language beats the organization’s', () => {
    const settings = resolveNotificationSettings({ ...teams, channels: { sms: false }, locale: 'ar', recipientLocales: { 'HR@org.example': 'en' } });
    const messages = compose(failed, { ...recipient, locale: 'en' }, settings);
    expect(byRecipient(messages)).toEqual({ 'omar@example.com': 'Advance could not be paid', 'hr@org.example': '[HR] Advance could not be paid' });
    expect(messages.find((m) => m.recipient === 'hr@org.example')!.body).toBe(
      'Advance could not be paid for employee emp-7. Hello Omar, we could not pay out AED 100.00. Nothing was deducted; please try again later.',
    );
    // The approvers' mailbox is not listed: the organization's Arabic.
    expect(byRecipient(compose(approval, { ...recipient, locale: 'en' }, settings))['finance@org.example']).toBe('[مطلوب اعتماد] سلفة بانتظار الموافقة');
    // The teams' notices follow the same rule.
    expect(composeForOrganization(importDone, settings)[0]!.subject).toBe('Employee import finished: 3 of 5 imported');
    expect(composeForOrganization(differences, settings)[0]!.subject).toBe('وجدت التسوية 2 فرقاً مع Abhi');
  });

  it('no language of one’s own: the organization’s, else English', () => {
    expect(compose(failed, { ...recipient, locale: null }, resolveNotificationSettings({ locale: 'ar' }))[0]!.subject).toBe('تعذّر صرف السلفة');
    expect(compose(failed, recipient, resolveNotificationSettings({}))[0]!.subject).toBe('Advance could not be paid');
  });

  it('a mailbox language must name an address and a known language (the organization API refuses others)', () => {
    expect(notificationSettingsInput.safeParse({ recipientLocales: { 'hr@org.example': 'ar' } }).success).toBe(true);
    expect(notificationSettingsInput.safeParse({ recipientLocales: { 'hr@org.example': 'fr' } }).success).toBe(false);
    expect(notificationSettingsInput.safeParse({ recipientLocales: { 'not-an-address': 'ar' } }).success).toBe(false);
  });
});
