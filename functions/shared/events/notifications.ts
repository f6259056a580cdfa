import type { NotificationSettings } from '#shared/schemas/organizations';
import type { DomainEvent } from './types';

/**
 * What a domain event tells whom: pure composition (no I/O), so the rules are easy to read and test. The consumer
 * (`functions/events/send-notification.ts`) loads the employee and the organization's settings, calls `compose`, and
 * hands each message to the sender.
 */
export interface Recipient {
  employeeId: string;
  firstName: string;
  email: string | null;
  phone: string | null;
}

export interface OutgoingNotification {
  channel: 'email' | 'sms' | 'push';
  /** E-mail address, E.164 phone number, or `employee:<id>` for push. */
  recipient: string;
  subject: string | null;
  body: string;
  employeeId: string | null;
}

interface Template {
  subject: string;
  text: (event: DomainEvent, recipient: Recipient) => string;
  /** Also tell the organization's HR mailbox. */
  copyHr?: boolean;
  /** Also ask the approvers (the finance managers' mailbox, else HR's) to act. */
  askApprovers?: (event: DomainEvent, recipient: Recipient) => string;
}

const aed = (value: unknown): string => (typeof value === 'number' && Number.isFinite(value) ? `AED ${value.toFixed(2)}` : 'your advance');

const TEMPLATES: Record<string, Template> = {
  'employee.created': {
    subject: 'Welcome to earned wage access',
    text: (_e, r) => `Hello ${r.firstName}, your employer has enrolled you in earned wage access. You can now request an advance on the salary you have earned.`,
  },
  'transaction.advance.requested': {
    subject: 'Advance request received',
    text: (e, r) => `Hello ${r.firstName}, we received your request for ${aed(e.payload.amount)}. We will let you know when it is decided.`,
    copyHr: true,
  },
  'transaction.advance.approved': {
    subject: 'Advance approved',
    text: (e, r) => `Hello ${r.firstName}, your request for ${aed(e.payload.amount)} was approved and is being paid out.`,
  },
  'transaction.advance.rejected': {
    subject: 'Advance not approved',
    text: (e, r) => {
      const reasons = [e.payload.reason, ...(Array.isArray(e.payload.reasons) ? e.payload.reasons : [])].filter((x): x is string => typeof x === 'string' && x !== '');
      return `Hello ${r.firstName}, your request for ${aed(e.payload.amount)} was not approved${reasons.length ? `: ${reasons.join('; ')}` : ''}.`;
    },
  },
  'transaction.advance.approval_requested': {
    subject: 'Advance waiting for approval',
    text: (e, r) => `Hello ${r.firstName}, your request for ${aed(e.payload.amount)} needs your employer's approval. We will let you know when it is decided.`,
    askApprovers: (e, r) =>
      `An advance of ${aed(e.payload.amount)} for ${r.firstName} (employee ${r.employeeId}) waits for approval` +
      `${typeof e.payload.expiresAt === 'string' ? ` until ${e.payload.expiresAt}` : ''}. ` +
      `Approve or reject it with PUT /api/v1/transactions/${String(e.payload.requestId)}/status.`,
  },
  'transaction.advance.expired': {
    subject: 'Advance request expired',
    text: (e, r) => `Hello ${r.firstName}, nobody decided on your request for ${aed(e.payload.amount)} in time, so it expired. Nothing was paid or deducted; you can ask again.`,
  },
  'transaction.advance.cancelled': {
    subject: 'Advance request cancelled',
    text: (e, r) => `Hello ${r.firstName}, your request for ${aed(e.payload.amount)} was cancelled. Nothing was paid or deducted.`,
  },
  'transaction.advance.created': {
    subject: 'Advance paid out',
    text: (e, r) => `Hello ${r.firstName}, ${aed(e.payload.amount)} is on its way to your bank account.`,
  },
  'transaction.advance.disbursed': {
    subject: 'Advance disbursed',
    text: (e, r) => `Hello ${r.firstName}, Abhi has disbursed your advance of ${aed(e.payload.amount)} to your bank account.`,
  },
  'transaction.advance.status_changed': {
    subject: 'Advance status updated',
    text: (e, r) => `Hello ${r.firstName}, the status of your advance of ${aed(e.payload.amount)} is now "${String(e.payload.status)}".`,
  },
  'transaction.advance.failed': {
    subject: 'Advance could not be paid',
    text: (e, r) => `Hello ${r.firstName}, we could not pay out ${aed(e.payload.amount)}. Nothing was deducted; please try again later.`,
    copyHr: true,
  },
  'transaction.repayment.created': {
    subject: 'Repayment recorded',
    text: (e, r) => `Hello ${r.firstName}, a repayment of ${aed(e.payload.amount)} was recorded against your advances.`,
  },
};

export function isNotifiable(type: string): boolean {
  return type in TEMPLATES;
}

/** The messages an event sends under these settings (empty when muted or nobody is reachable). */
export function compose(event: DomainEvent, recipient: Recipient, settings: NotificationSettings): OutgoingNotification[] {
  const template = TEMPLATES[event.type];
  if (!template || settings.mutedEvents.includes(event.type)) return [];
  const body = template.text(event, recipient);
  const out: OutgoingNotification[] = [];
  if (settings.channels.email && recipient.email) {
    out.push({ channel: 'email', recipient: recipient.email, subject: template.subject, body, employeeId: recipient.employeeId });
  }
  if (settings.channels.sms && recipient.phone) {
    out.push({ channel: 'sms', recipient: recipient.phone, subject: null, body, employeeId: recipient.employeeId });
  }
  if (settings.channels.push) {
    out.push({ channel: 'push', recipient: `employee:${recipient.employeeId}`, subject: template.subject, body, employeeId: recipient.employeeId });
  }
  if (template.copyHr && settings.hrEmail && settings.channels.email) {
    out.push({
      channel: 'email',
      recipient: settings.hrEmail,
      subject: `[HR] ${template.subject}`,
      body: `${template.subject} for employee ${recipient.employeeId}. ${body}`,
      employeeId: recipient.employeeId,
    });
  }
  const approvers = settings.approverEmail ?? settings.hrEmail;
  if (template.askApprovers && approvers && settings.channels.email) {
    out.push({
      channel: 'email',
      recipient: approvers,
      subject: `[Approval needed] ${template.subject}`,
      body: template.askApprovers(event, recipient),
      employeeId: recipient.employeeId,
    });
  }
  return out;
}
