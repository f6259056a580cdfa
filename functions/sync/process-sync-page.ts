import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { syncDeps } from '#shared/wiring/sync';
import { deadlineFrom } from '#shared/use-cases/invocation';
import { logger } from '#shared/observability';
import { processSqsBatch } from '#shared/triggers/sqs-batch';
import { processSyncPage, syncMessageSchema } from '#shared/use-cases/employees/abhi-sync';

/**
 * Consumer of the `abhi-sync` queue (batch size 1): mirrors one page of Abhi organizations or employees and
 * enqueues the next page. A failed page is retried by SQS (then lands in the DLQ); the upserts are idempotent.
 */
export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  logger.addContext(context);
  const deps = syncDeps();
  const deadline = deadlineFrom(context.getRemainingTimeInMillis(), 'batch');
  const recordHandler = async (record: SQSRecord): Promise<void> => {
    const parsed = syncMessageSchema.safeParse(JSON.parse(record.body));
    if (!parsed.success) {
      logger.error('Dropping a malformed sync message', { messageId: record.messageId });
      return;
    }
    const result = await processSyncPage(deps, parsed.data, deadline);
    logger.info('Abhi sync page mirrored', { runId: parsed.data.runId, ...result });
  };
  return processSqsBatch(event, context, recordHandler);
};
