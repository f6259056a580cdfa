import { describe, expect, it } from 'vitest';
import { compose, isNotifiable } from '#shared/events/notifications';
import { isOrganizationNotifiable } from '#shared/events/organization-notifications';
import { resolveNotificationSettings } from '#shared/schemas/organizations';
import type { DomainEvent } from '#shared/events/types';
import { QUEUES } from '#shared/topology';

const recipient = { employeeId: 'emp-1', firstName: 'Aisha', email: 'aisha@example.com', phone: '+971500000001' };
const event = (type: string, payload: Record<string, unknown>): DomainEvent =>
  ({ id: 'evt-1', type, version: 1, time: '2026-12-01T09:00:00.000Z', payload }) as DomainEvent;

describe('notification composition (pure rules)', () => {
  it('every event type the notifications queue subscribes to has a template', () => {
    const subscribed = QUEUES.find((q) => q.name === 'notifications')?.eventTypes ?? [];
    expect(subscribed.length).toBeGreaterThan(0);
    for (const type of subscribed) expect(isNotifiable(type) || isOrganizationNotifiable(type), type).toBe(true);
  });

  it('an advance waiting for approval tells the employee and asks the approvers’ mailbox, with the request to act on', () => {
    const settings = resolveNotificationSettings({ approverEmail: 'finance@orga.example', hrEmail: 'hr@orga.example', channels: { sms: false } });
    const messages = compose(
      event('transaction.advance.approval_requested', { requestId: 'req-9', employeeId: 'emp-1', amount: 2500, expiresAt: '2026-12-03T09:00:00.000Z' }),
      recipient,
      settings,
    );
    expect(messages.map((m) => m.recipient)).toEqual(['aisha@example.com', 'finance@orga.example']);
    const ask = messages[1]!;
    expect(ask.subject).toBe('[Approval needed] Advance waiting for approval');
    expect(ask.body).toContain('AED 2500.00');
    expect(ask.body).toContain('/api/v1/transactions/req-9/status');
    expect(ask.body).toContain('2026-12-03T09:00:00.000Z');
  });

  it('falls back to the HR mailbox when no approvers’ mailbox is set, and asks nobody when e-mail is off', () => {
    const hrOnly = compose(event('transaction.advance.approval_requested', { requestId: 'r', amount: 3000 }), recipient, resolveNotificationSettings({ hrEmail: 'hr@orga.example' }));
    expect(hrOnly.filter((m) => m.subject?.startsWith('[Approval needed]')).map((m) => m.recipient)).toEqual(['hr@orga.example']);
    const noEmail = compose(
      event('transaction.advance.approval_requested', { requestId: 'r', amount: 3000 }),
      recipient,
      resolveNotificationSettings({ hrEmail: 'hr@orga.example', channels: { email: false } }),
    );
    expect(noEmail.every((m) => m.channel === 'sms')).toBe(true);
  });

  it('expired and cancelled requests tell the employee nothing was paid', () => {
    for (const type of ['transaction.advance.expired', 'transaction.advance.cancelled']) {
      const [mail] = compose(event(type, { amount: 1200 }), recipient, resolveNotificationSettings({ channels: { sms: false } }));
      expect(mail?.body).toMatch(/AED 1200\.00.*Nothing was paid/);
    }
  });
});
