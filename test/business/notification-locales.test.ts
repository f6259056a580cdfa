import { describe, expect, it } from 'vitest';
import { compose } from '#shared/events/notifications';
import { isOrganizationNotifiable } from '#shared/events/organization-notifications';
import type { DomainEvent } from '#shared/events/types';
import { resolveNotificationSettings } from '#shared/schemas/organizations';
import { QUEUES } from '#shared/topology';

/**
 * Every notification in English and Arabic (ADR 0018), chosen by the organization's `notificationSettings.locale`:
 * the employee's message, HR's copy and the approvers' request, for every event the notifications queue receives.
 */
const recipient = { employeeId: 'emp-7', firstName: 'Omar', email: 'omar@example.com', phone: '+971500000007' };
const ARABIC = /[\u0600-\u06FF]/;
const event = (type: string): DomainEvent =>
  ({
    id: `evt-${type}`,
    type,
    version: 1,
    time: '2026-12-01T09:00:00.000Z',
    payload: { requestId: 'req-1', employeeId: 'emp-7', changed: ['phone', 'department'], amount: 250.5, reasons: ['Budget freeze'], expiresAt: '2026-12-03T09:00:00.000Z', status: 'on_hold' },
  }) as DomainEvent;
/** The events told to an employee (the teams' notices are tested below). */
const subscribed = QUEUES.find((q) => q.name === 'notifications')!.eventTypes!.filter((type) => !isOrganizationNotifiable(type));

describe('notifications in English and Arabic', () => {
  it('the organization setting chooses the language; English is the default; other values are refused', () => {
    expect(resolveNotificationSettings({}).locale).toBe('en');
    expect(resolveNotificationSettings({ locale: 'ar' }).locale).toBe('ar');
    expect(resolveNotificationSettings({ locale: 'fr' }).locale).toBe('en');
  });

  for (const type of subscribed) {
    it(`${type}: an English and an Arabic message with the amount`, () => {
      const settings = { hrEmail: 'hr@org.example', approverEmail: 'finance@org.example', channels: { sms: false } };
      const en = compose(event(type), recipient, resolveNotificationSettings(settings));
      const ar = compose(event(type), recipient, resolveNotificationSettings({ ...settings, locale: 'ar' }));
      expect(en.length).toBeGreaterThan(0);
      expect(ar.map((m) => [m.channel, m.recipient])).toEqual(en.map((m) => [m.channel, m.recipient]));
      for (const message of en) {
        expect(ARABIC.test(`${message.subject} ${message.body}`), message.body).toBe(false);
        expect(message.body).toContain('Omar');
      }
      for (const message of ar) {
        expect(ARABIC.test(message.subject ?? ''), message.subject ?? '').toBe(true);
        expect(ARABIC.test(message.body), message.body).toBe(true);
        expect(message.body).toContain('Omar');
      }
      if (type.startsWith('transaction.')) {
        expect(en[0]!.body).toContain('AED 250.50');
        expect(ar[0]!.body).toContain('250.50 درهم');
      }
    });
  }

  it('a profile change names the fields (never their values)', () => {
    const [en] = compose(event('employee.updated'), recipient, resolveNotificationSettings({}));
    expect(en!.body).toContain('(phone, department)');
    const [ar] = compose(event('employee.updated'), recipient, resolveNotificationSettings({ locale: 'ar' }));
    expect(ar!.body).toContain('(phone، department)');
  });

  it('the approvers’ request and HR’s copy are in the organization’s language too', () => {
    const settings = resolveNotificationSettings({ hrEmail: 'hr@org.example', approverEmail: 'finance@org.example', locale: 'ar' });
    const ask = compose(event('transaction.advance.approval_requested'), recipient, settings).find((m) => m.recipient === 'finance@org.example')!;
    expect(ask.subject).toBe('[مطلوب اعتماد] سلفة بانتظار الموافقة');
    expect(ask.body).toContain('حتى 2026-12-03T09:00:00.000Z');
    expect(ask.body).toContain('/api/v1/transactions/req-1/status');
    const hr = compose(event('transaction.advance.failed'), recipient, settings).find((m) => m.recipient === 'hr@org.example')!;
    expect(hr.subject).toBe('[الموارد البشرية] تعذّر صرف السلفة');
    expect(hr.body).toContain('emp-7');
  });
});
