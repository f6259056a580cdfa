import type { NotificationLocale } from '#shared/schemas/common';
import type { NotificationSettings } from '#shared/schemas/organizations';
import { API_PREFIX } from '#shared/routes';
import type { OutgoingNotification } from './notifications';
import type { DomainEvent } from './types';

/**
 * Notifications addressed to an organization's teams rather than to an employee: HR hears that a bulk import
 * finished, finance that reconciliation found differences. Pure composition like `./notifications`; the consumer
 * loads the organization's settings. E-mail only (a team mailbox), in English or Arabic: the mailbox's own language
 * (`notificationSettings.recipientLocales`), else the organization's.
 */
type Team = 'hr' | 'finance';

interface Wording {
  subject: (event: DomainEvent) => string;
  body: (event: DomainEvent) => string;
}

interface Template {
  team: Team;
  en: Wording;
  ar: Wording;
}

const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
const tally = (value: unknown, separator: string): string => {
  const entries = value && typeof value === 'object' ? Object.entries(value as Record<string, unknown>) : [];
  return entries.map(([code, n]) => `${code}: ${count(n)}`).join(separator);
};
const rows = (value: unknown): { index: number; reference: string | null; code: string }[] => (Array.isArray(value) ? value : []);
const records = (value: unknown): { kind: string; id: string; issue: string }[] => (Array.isArray(value) ? value : []);

const TEMPLATES: Record<string, Template> = {
  'employee.import.completed': {
    team: 'hr',
    en: {
      subject: (e) => `Employee import finished: ${count(e.payload.succeeded)} of ${count(e.payload.total)} imported`,
      body: (e) => {
        const failed = count(e.payload.failed);
        const lines = [
          `The employee import ${String(e.payload.jobId)} finished: ${count(e.payload.succeeded)} of ${count(e.payload.total)} rows imported, ${failed} failed.`,
        ];
        if (failed > 0) {
          lines.push(`Failures by reason: ${tally(e.payload.failures, ', ')}.`);
          lines.push(`Failed rows: ${rows(e.payload.failedRows).map((r) => `row ${r.index + 1}${r.reference ? ` (${r.reference})` : ''} ${r.code}`).join('; ')}${failed > rows(e.payload.failedRows).length ? '; …' : ''}.`);
          lines.push(`Every failed row with its reason: GET ${API_PREFIX}/jobs/${String(e.payload.jobId)}?itemStatus=failed`);
        }
        return lines.join('\n');
      },
    },
    ar: {
      subject: (e) => `اكتمل استيراد الموظفين: تم استيراد ${count(e.payload.succeeded)} من ${count(e.payload.total)}`,
      body: (e) => {
        const failed = count(e.payload.failed);
        const lines = [
          `اكتملت عملية استيراد الموظفين ${String(e.payload.jobId)}: تم استيراد ${count(e.payload.succeeded)} من أصل ${count(e.payload.total)} صفاً، وفشل ${failed}.`,
        ];
        if (failed > 0) {
          lines.push(`أسباب الفشل: ${tally(e.payload.failures, '، ')}.`);
          lines.push(`الصفوف الفاشلة: ${rows(e.payload.failedRows).map((r) => `الصف ${r.index + 1}${r.reference ? ` (${r.reference})` : ''} ${r.code}`).join('؛ ')}${failed > rows(e.payload.failedRows).length ? '؛ …' : ''}.`);
          lines.push(`كل صف فاشل مع سببه: GET ${API_PREFIX}/jobs/${String(e.payload.jobId)}?itemStatus=failed`);
        }
        return lines.join('\n');
      },
    },
  },
  'reconciliation.differences.found': {
    team: 'finance',
    en: {
      subject: (e) => `Reconciliation found ${count(e.payload.differences)} difference(s) with Abhi`,
      body: (e) =>
        [
          `Reconciliation of ${String(e.payload.periodStart)} to ${String(e.payload.periodEnd)} found ${count(e.payload.differences)} record(s) of your organization that differ from Abhi's and need a person.`,
          `By kind: ${tally(e.payload.issues, ', ')}.`,
          `Records: ${records(e.payload.records).map((r) => `${r.kind} ${r.id} (${r.issue})`).join('; ')}.`,
          `The platform operators hold the full report ${String(e.payload.reportId)}.`,
        ].join('\n'),
    },
    ar: {
      subject: (e) => `وجدت التسوية ${count(e.payload.differences)} فرقاً مع Abhi`,
      body: (e) =>
        [
          `وجدت تسوية الفترة من ${String(e.payload.periodStart)} إلى ${String(e.payload.periodEnd)} ${count(e.payload.differences)} سجلاً لمؤسستك يختلف عن سجلات Abhi ويحتاج إلى مراجعة.`,
          `حسب النوع: ${tally(e.payload.issues, '، ')}.`,
          `السجلات: ${records(e.payload.records).map((r) => `${r.kind} ${r.id} (${r.issue})`).join('؛ ')}.`,
          `التقرير الكامل ${String(e.payload.reportId)} لدى مشغّلي المنصة.`,
        ].join('\n'),
    },
  },
};

export function isOrganizationNotifiable(type: string): boolean {
  return type in TEMPLATES;
}

/** The team mailbox: HR's; finance's is the approvers' (the finance managers), else HR's. */
function mailboxOf(team: Team, settings: NotificationSettings): string | null {
  return team === 'hr' ? settings.hrEmail : (settings.approverEmail ?? settings.hrEmail);
}

export function composeForOrganization(event: DomainEvent, settings: NotificationSettings): OutgoingNotification[] {
  const template = TEMPLATES[event.type];
  if (!template || settings.mutedEvents.includes(event.type) || !settings.channels.email) return [];
  const mailbox = mailboxOf(template.team, settings);
  if (!mailbox) return [];
  const locale: NotificationLocale = settings.recipientLocales?.[mailbox.toLowerCase()] ?? settings.locale;
  const wording = template[locale] ?? template.en;
  return [{ channel: 'email', recipient: mailbox, subject: wording.subject(event), body: wording.body(event), employeeId: null }];
}
