import type { ScheduledEvent } from 'aws-lambda';
import { envVar, loadConfig } from '#shared/config';
import { logger } from '#shared/observability';
import { remindApprovers } from '#shared/use-cases/advances/approval-reminders';
import { transactionDeps } from '#shared/wiring/advances';

/** APPROVAL_REMINDER_LEAD_SECONDS (default 4 h): how long before an approval window closes the approvers are reminded. */
const config = loadConfig({ APPROVAL_REMINDER_LEAD_SECONDS: envVar.positiveInt().default(4 * 3600) });

/** Scheduled (every 5 minutes): reminds the approvers of advances whose approval window closes soon. */
export const handler = async (_event: ScheduledEvent): Promise<{ reminded: number }> => {
  const reminded = await remindApprovers(transactionDeps(), { leadSeconds: config.APPROVAL_REMINDER_LEAD_SECONDS });
  if (reminded > 0) logger.info('Approvers reminded', { reminded });
  return { reminded };
};
