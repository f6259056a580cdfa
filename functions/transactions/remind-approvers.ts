import type { ScheduledEvent } from 'aws-lambda';
import { logger } from '#shared/observability';
import { remindApprovers } from '#shared/use-cases/advances/approval-reminders';
import { approvalReminderDeps, approvalReminderLeadSeconds } from '#shared/wiring/approval-reminders';

// Read at start: a malformed lead time fails the cold start with one sentence.
const leadSeconds = approvalReminderLeadSeconds();

/** Scheduled (every 5 minutes): reminds the approvers of advances whose approval window closes soon. */
export const handler = async (_event: ScheduledEvent): Promise<{ reminded: number }> => {
  const reminded = await remindApprovers(approvalReminderDeps(), { leadSeconds });
  if (reminded > 0) logger.info('Approvers reminded', { reminded });
  return { reminded };
};
