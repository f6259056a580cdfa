import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { logger } from '#shared/observability';
import { processSqsBatch } from '#shared/triggers/sqs-batch';
import { pollAdvanceStatus, statusPollMessage } from '#shared/use-cases/advances/status-poll';
import { statusPollDeps } from '#shared/wiring/advances';
import { statusPollSettings } from '#shared/wiring/transaction-reads';
import { lambdaInvocation } from '#shared/wiring/invocation';

/**
 * Consumer of the `advance-status` queue: asks Abhi for each advance's status (bulk priority: the interactive
 * reserve of the fleet's Abhi rate stays free) and records a change. A failure is retried by SQS, then the DLQ.
 */
export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  logger.addContext(context);
  const recordHandler = async (record: SQSRecord): Promise<void> => {
    const parsed = statusPollMessage.safeParse(JSON.parse(record.body));
    if (!parsed.success) {
      logger.error('Dropping a malformed status-poll message', { messageId: record.messageId });
      return;
    }
    const { requestId } = parsed.data;
    const ctx = lambdaInvocation(context, requestId, { reserve: 'batch', patience: 'bulk' });
    const outcome = await pollAdvanceStatus(statusPollDeps(), ctx, statusPollSettings(), requestId);
    if (outcome === 'changed') logger.info('Advance status changed at Abhi', { requestId });
  };
  return processSqsBatch(event, context, recordHandler);
};
