import { postgresApprovalReminders } from '#shared/adapters/postgres/advance-requests';
import { envVar, loadConfig } from '#shared/config';
import type { ApprovalReminderDeps } from '#shared/use-cases/advances/approval-reminders';
import * as z from '#shared/zod';
import { advanceDatabaseDeps } from './advance-database';

/** The approval reminder schedule: one transaction and the outbox (no Abhi), and the reminders' claim. */
export function approvalReminderDeps(): ApprovalReminderDeps {
  return { ...advanceDatabaseDeps(), approvalReminders: postgresApprovalReminders };
}

/** APPROVAL_REMINDER_LEAD_SECONDS (default 4 h): how long before an approval window closes the approvers are reminded. */
export function approvalReminderLeadSeconds(): number {
  return loadConfig({ APPROVAL_REMINDER_LEAD_SECONDS: z._default(envVar.positiveInt(), 4 * 3600) }).APPROVAL_REMINDER_LEAD_SECONDS;
}
