import type { ScheduledEvent } from 'aws-lambda';
import { logger } from '#shared/observability';
import { claimDuePolls } from '#shared/use-cases/advances/status-poll';
import { statusPollQueue, statusPollSettings, transactionReadDeps } from '#shared/wiring/transaction-reads';

const queue = statusPollQueue();

/**
 * Scheduled (every minute; every few seconds locally): enqueues the advances whose next status check at Abhi is due,
 * oldest first, at most the poller's share of the Abhi rate. One message per advance on the `advance-status` queue.
 */
export const handler = async (_event: ScheduledEvent): Promise<{ enqueued: number; failed: number }> => {
  const ids = await claimDuePolls(transactionReadDeps(), statusPollSettings());
  // A message SQS did not take is polled again when its lease ends.
  const { failedIds } = await queue.send(ids.map((requestId, index) => ({ id: `poll-${index}`, body: { requestId } })));
  if (ids.length > 0) logger.info('Advance status polls enqueued', { enqueued: ids.length - failedIds.length, failed: failedIds.length });
  return { enqueued: ids.length - failedIds.length, failed: failedIds.length };
};
