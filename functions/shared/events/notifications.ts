import type { NotificationLocale } from '#shared/schemas/common';
import type { NotificationSettings } from '#shared/schemas/organizations';
import type { DomainEvent } from './types';

/**
 * What a domain event tells whom: pure composition (no I/O), so the rules are easy to read and test. The consumer's use
 * case (`use-cases/events/send-notification.ts`) loads the employee and the organization's settings, calls `compose`,
 * and hands each message to the sender.
 */
export interface Recipient {
  employeeId: string;
  firstName: string;
  email: string | null;
  phone: string | null;
  /** The employee's own language (`employees.preferred_locale`); unset: the organization's. */
  locale?: NotificationLocale | null;
}

export interface OutgoingNotification {
  channel: 'email' | 'sms' | 'push';
  /** E-mail address, E.164 phone number, or `employee:<id>` for push. */
  recipient: string;
  subject: string | null;
  body: string;
  employeeId: string | null;
}

interface Wording {
  subject: string;
  /** The employee's message; absent when only the approvers are told (a reminder). */
  text?: (event: DomainEvent, recipient: Recipient) => string;
  /** The approvers' message (the finance managers' mailbox, else HR's), for events that ask them to act. */
  askApprovers?: (event: DomainEvent, recipient: Recipient) => string;
}

/**
 * Every notification in English and Arabic, chosen per recipient (ADR 0022): the employee's `preferredLocale`, a
 * mailbox's entry in `notificationSettings.recipientLocales`, else the organization's `locale`, else English.
 */
interface Template {
  en: Wording;
  ar: Wording;
  /** Also tell the organization's HR mailbox. */
  copyHr?: boolean;
}

const aed = (value: unknown): string => (typeof value === 'number' && Number.isFinite(value) ? `AED ${value.toFixed(2)}` : 'your advance');
const aedAr = (value: unknown): string => (typeof value === 'number' && Number.isFinite(value) ? `${value.toFixed(2)} درهم` : 'سلفتك');
const reasonsOf = (e: DomainEvent): string[] =>
  [e.payload.reason, ...(Array.isArray(e.payload.reasons) ? e.payload.reasons : [])].filter((x): x is string => typeof x === 'string' && x !== '');
/** The names (never the values) of the fields an employee update changed. */
const changedFields = (e: DomainEvent, separator: string): string => {
  const names = Array.isArray(e.payload.changed) ? e.payload.changed.filter((x): x is string => typeof x === 'string') : [];
  return names.length ? ` (${names.join(separator)})` : '';
};
const until = (e: DomainEvent, word: string): string => (typeof e.payload.expiresAt === 'string' ? ` ${word} ${e.payload.expiresAt}` : '');

const TEMPLATES: Record<string, Template> = {
  'employee.created': {
    en: {
      subject: 'Welcome to earned wage access',
      text: (_e, r) => `Hello ${r.firstName}, your employer has enrolled you in earned wage access. You can now request an advance on the salary you have earned.`,
    },
    ar: {
      subject: 'مرحباً بك في خدمة السلفة على الراتب المكتسب',
      text: (_e, r) => `مرحباً ${r.firstName}، سجّلك صاحب العمل في خدمة السلفة على الراتب المكتسب. يمكنك الآن طلب سلفة من الراتب الذي اكتسبته.`,
    },
  },
  'employee.updated': {
    en: {
      subject: 'Your profile was updated',
      text: (e, r) => `Hello ${r.firstName}, your employee profile was updated${changedFields(e, ', ')}. If you did not expect this, tell your HR team.`,
    },
    ar: {
      subject: 'تم تحديث ملفك الشخصي',
      text: (e, r) => `مرحباً ${r.firstName}، تم تحديث ملفك الوظيفي${changedFields(e, '، ')}. إذا لم تكن تتوقع ذلك، فأبلغ فريق الموارد البشرية.`,
    },
  },
  'employee.deleted': {
    en: {
      subject: 'Your access was deactivated',
      text: (_e, r) => `Hello ${r.firstName}, your employer has deactivated your earned wage access. Advances already paid are still repaid from your salary.`,
    },
    ar: {
      subject: 'تم إيقاف وصولك',
      text: (_e, r) => `مرحباً ${r.firstName}، أوقف صاحب العمل وصولك إلى خدمة السلفة على الراتب المكتسب. تُسدَّد السلف المصروفة سابقاً من راتبك كالمعتاد.`,
    },
    copyHr: true,
  },
  'transaction.advance.requested': {
    en: {
      subject: 'Advance request received',
      text: (e, r) => `Hello ${r.firstName}, we received your request for ${aed(e.payload.amount)}. We will let you know when it is decided.`,
    },
    ar: {
      subject: 'تم استلام طلب السلفة',
      text: (e, r) => `مرحباً ${r.firstName}، استلمنا طلبك بمبلغ ${aedAr(e.payload.amount)}. سنبلغك عند البت فيه.`,
    },
    copyHr: true,
  },
  'transaction.advance.approved': {
    en: {
      subject: 'Advance approved',
      text: (e, r) => `Hello ${r.firstName}, your request for ${aed(e.payload.amount)} was approved and is being paid out.`,
    },
    ar: {
      subject: 'تمت الموافقة على السلفة',
      text: (e, r) => `مرحباً ${r.firstName}، تمت الموافقة على طلبك بمبلغ ${aedAr(e.payload.amount)} وجارٍ صرفه.`,
    },
  },
  'transaction.advance.rejected': {
    en: {
      subject: 'Advance not approved',
      text: (e, r) => {
        const reasons = reasonsOf(e);
        return `Hello ${r.firstName}, your request for ${aed(e.payload.amount)} was not approved${reasons.length ? `: ${reasons.join('; ')}` : ''}.`;
      },
    },
    ar: {
      subject: 'لم تتم الموافقة على السلفة',
      text: (e, r) => {
        const reasons = reasonsOf(e);
        return `مرحباً ${r.firstName}، لم تتم الموافقة على طلبك بمبلغ ${aedAr(e.payload.amount)}${reasons.length ? `: ${reasons.join('؛ ')}` : ''}.`;
      },
    },
  },
  'transaction.advance.approval_requested': {
    en: {
      subject: 'Advance waiting for approval',
      text: (e, r) => `Hello ${r.firstName}, your request for ${aed(e.payload.amount)} needs your employer's approval. We will let you know when it is decided.`,
      askApprovers: (e, r) =>
        `An advance of ${aed(e.payload.amount)} for ${r.firstName} (employee ${r.employeeId}) waits for approval${until(e, 'until')}. ` +
        `Approve or reject it with PUT /api/v1/transactions/${String(e.payload.requestId)}/status.`,
    },
    ar: {
      subject: 'سلفة بانتظار الموافقة',
      text: (e, r) => `مرحباً ${r.firstName}، يحتاج طلبك بمبلغ ${aedAr(e.payload.amount)} إلى موافقة صاحب العمل. سنبلغك عند البت فيه.`,
      askApprovers: (e, r) =>
        `سلفة بمبلغ ${aedAr(e.payload.amount)} للموظف ${r.firstName} (${r.employeeId}) بانتظار الموافقة${until(e, 'حتى')}. ` +
        `وافق عليها أو ارفضها عبر PUT /api/v1/transactions/${String(e.payload.requestId)}/status.`,
    },
  },
  'transaction.advance.approval_reminder': {
    en: {
      subject: 'Reminder: advance waiting for approval',
      askApprovers: (e, r) =>
        `Reminder: the advance of ${aed(e.payload.amount)} for ${r.firstName} (employee ${r.employeeId}) still waits for approval and expires${until(e, 'at')}. ` +
        `Approve or reject it with PUT /api/v1/transactions/${String(e.payload.requestId)}/status.`,
    },
    ar: {
      subject: 'تذكير: سلفة بانتظار الموافقة',
      askApprovers: (e, r) =>
        `تذكير: السلفة بمبلغ ${aedAr(e.payload.amount)} للموظف ${r.firstName} (${r.employeeId}) ما زالت بانتظار الموافقة وتنتهي صلاحيتها${until(e, 'في')}. ` +
        `وافق عليها أو ارفضها عبر PUT /api/v1/transactions/${String(e.payload.requestId)}/status.`,
    },
  },
  'transaction.advance.expired': {
    en: {
      subject: 'Advance request expired',
      text: (e, r) => `Hello ${r.firstName}, nobody decided on your request for ${aed(e.payload.amount)} in time, so it expired. Nothing was paid or deducted; you can ask again.`,
    },
    ar: {
      subject: 'انتهت صلاحية طلب السلفة',
      text: (e, r) => `مرحباً ${r.firstName}، لم يتم البت في طلبك بمبلغ ${aedAr(e.payload.amount)} في الوقت المحدد فانتهت صلاحيته. لم يُصرف أو يُخصم شيء، ويمكنك الطلب مجدداً.`,
    },
  },
  'transaction.advance.cancelled': {
    en: {
      subject: 'Advance request cancelled',
      text: (e, r) => `Hello ${r.firstName}, your request for ${aed(e.payload.amount)} was cancelled. Nothing was paid or deducted.`,
    },
    ar: {
      subject: 'تم إلغاء طلب السلفة',
      text: (e, r) => `مرحباً ${r.firstName}، تم إلغاء طلبك بمبلغ ${aedAr(e.payload.amount)}. لم يُصرف أو يُخصم شيء.`,
    },
  },
  'transaction.advance.created': {
    en: {
      subject: 'Advance paid out',
      text: (e, r) => `Hello ${r.firstName}, ${aed(e.payload.amount)} is on its way to your bank account.`,
    },
    ar: {
      subject: 'تم صرف السلفة',
      text: (e, r) => `مرحباً ${r.firstName}، مبلغ ${aedAr(e.payload.amount)} في طريقه إلى حسابك المصرفي.`,
    },
  },
  'transaction.advance.disbursed': {
    en: {
      subject: 'Advance disbursed',
      text: (e, r) => `Hello ${r.firstName}, Abhi has disbursed your advance of ${aed(e.payload.amount)} to your bank account.`,
    },
    ar: {
      subject: 'تم تحويل السلفة',
      text: (e, r) => `مرحباً ${r.firstName}، حوّلت Abhi سلفتك بمبلغ ${aedAr(e.payload.amount)} إلى حسابك المصرفي.`,
    },
  },
  'transaction.advance.repaid': {
    en: {
      subject: 'Advance repaid',
      text: (e, r) => `Hello ${r.firstName}, your advance of ${aed(e.payload.amount)} is fully repaid. Nothing more will be deducted for it.`,
    },
    ar: {
      subject: 'تم سداد السلفة',
      text: (e, r) => `مرحباً ${r.firstName}، تم سداد سلفتك بمبلغ ${aedAr(e.payload.amount)} بالكامل. لن يُخصم أي مبلغ آخر مقابلها.`,
    },
  },
  'transaction.advance.status_changed': {
    en: {
      subject: 'Advance status updated',
      text: (e, r) => `Hello ${r.firstName}, the status of your advance of ${aed(e.payload.amount)} is now "${String(e.payload.status)}".`,
    },
    ar: {
      subject: 'تحديث حالة السلفة',
      text: (e, r) => `مرحباً ${r.firstName}، أصبحت حالة سلفتك بمبلغ ${aedAr(e.payload.amount)} الآن "${String(e.payload.status)}".`,
    },
  },
  'transaction.advance.failed': {
    en: {
      subject: 'Advance could not be paid',
      text: (e, r) => `Hello ${r.firstName}, we could not pay out ${aed(e.payload.amount)}. Nothing was deducted; please try again later.`,
    },
    ar: {
      subject: 'تعذّر صرف السلفة',
      text: (e, r) => `مرحباً ${r.firstName}، تعذّر صرف مبلغ ${aedAr(e.payload.amount)}. لم يُخصم شيء؛ يرجى المحاولة لاحقاً.`,
    },
    copyHr: true,
  },
  'transaction.repayment.created': {
    en: {
      subject: 'Repayment recorded',
      text: (e, r) => `Hello ${r.firstName}, a repayment of ${aed(e.payload.amount)} was recorded against your advances.`,
    },
    ar: {
      subject: 'تم تسجيل السداد',
      text: (e, r) => `مرحباً ${r.firstName}، تم تسجيل سداد بمبلغ ${aedAr(e.payload.amount)} على سلفك.`,
    },
  },
};

/** The copies for HR and the approvers, in the mailbox's language. */
const COPY_WORDING = {
  en: { hr: '[HR]', approval: '[Approval needed]', forEmployee: (subject: string, id: string) => `${subject} for employee ${id}.` },
  ar: { hr: '[الموارد البشرية]', approval: '[مطلوب اعتماد]', forEmployee: (subject: string, id: string) => `${subject} للموظف ${id}.` },
} as const;

export function isNotifiable(type: string): boolean {
  return type in TEMPLATES;
}

/** The messages an event sends under these settings (empty when muted or nobody is reachable). */
export function compose(event: DomainEvent, recipient: Recipient, settings: NotificationSettings): OutgoingNotification[] {
  const template = TEMPLATES[event.type];
  if (!template || settings.mutedEvents.includes(event.type)) return [];
  const employeeLocale = recipient.locale ?? settings.locale;
  const mailboxLocale = (address: string): NotificationLocale => settings.recipientLocales?.[address.toLowerCase()] ?? settings.locale;
  const wording = template[employeeLocale] ?? template.en;
  const out: OutgoingNotification[] = [];
  if (wording.text) {
    const body = wording.text(event, recipient);
    if (settings.channels.email && recipient.email) {
      out.push({ channel: 'email', recipient: recipient.email, subject: wording.subject, body, employeeId: recipient.employeeId });
    }
    if (settings.channels.sms && recipient.phone) {
      out.push({ channel: 'sms', recipient: recipient.phone, subject: null, body, employeeId: recipient.employeeId });
    }
    if (settings.channels.push) {
      out.push({ channel: 'push', recipient: `employee:${recipient.employeeId}`, subject: wording.subject, body, employeeId: recipient.employeeId });
    }
    if (template.copyHr && settings.hrEmail && settings.channels.email) {
      const locale = mailboxLocale(settings.hrEmail);
      const hrWording = template[locale] ?? template.en;
      const copy = COPY_WORDING[locale] ?? COPY_WORDING.en;
      out.push({
        channel: 'email',
        recipient: settings.hrEmail,
        subject: `${copy.hr} ${hrWording.subject}`,
        body: `${copy.forEmployee(hrWording.subject, recipient.employeeId)} ${hrWording.text?.(event, recipient) ?? body}`,
        employeeId: recipient.employeeId,
      });
    }
  }
  const approvers = settings.approverEmail ?? settings.hrEmail;
  if (approvers && settings.channels.email) {
    const locale = mailboxLocale(approvers);
    const approverWording = template[locale] ?? template.en;
    const copy = COPY_WORDING[locale] ?? COPY_WORDING.en;
    if (approverWording.askApprovers) {
      out.push({
        channel: 'email',
        recipient: approvers,
        subject: `${copy.approval} ${approverWording.subject}`,
        body: approverWording.askApprovers(event, recipient),
        employeeId: recipient.employeeId,
      });
    }
  }
  return out;
}
