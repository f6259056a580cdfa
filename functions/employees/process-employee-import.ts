import { randomUUID } from 'node:crypto';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { employeeImportDeps } from '#shared/wiring/employees';
import { deadlineFrom } from '#shared/use-cases/invocation';
import { logger, metrics } from '#shared/observability';
import { messageBody, processSqsBatch, queueDelivery } from '#shared/triggers/sqs-batch';
import {
  completeImportRow,
  importMessageSchema,
  prepareImportBatch,
  type ImportOptions,
  type ImportRecord,
} from '#shared/use-cases/employees/bulk-import';
import { announceImportIfFinished } from '#shared/use-cases/employees/import-finished';

/**
 * Consumer of the `employee-import` queue: one row per message, up to 10 per batch.
 *
 * 1. Batch phase: claim the rows, settle those that need no Abhi call, create the rest at Abhi in one call.
 * 2. Record phase (Powertools BatchProcessor, per record): find each created employee's id, mirror it with its
 *    `employee.created` event, record the row's result in the job. Rows that hit a transient Abhi failure throw, so
 *    they alone are listed in `batchItemFailures` and come back after the visibility timeout; on their last delivery
 *    they are recorded as failed instead, so every job completes.
 * Events of the batch are published together at the end (the outbox sweep covers a crash before that).
 */
const QUEUE = queueDelivery('employee-import');

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  logger.addContext(context);
  const deps = employeeImportDeps();
  const options: ImportOptions = {
    deadline: deadlineFrom(context.getRemainingTimeInMillis(), 'batch'),
    maxReceives: QUEUE.maxReceiveCount,
    owner: `${context.awsRequestId}:${randomUUID()}`,
    leaseSeconds: QUEUE.leaseSeconds,
  };
  const records = new Map<string, ImportRecord>();
  for (const record of event.Records) {
    const parsed = importMessageSchema.safeParse(messageBody(record.body));
    if (parsed.success) {
      records.set(record.messageId, { messageId: record.messageId, message: parsed.data, receiveCount: Number(record.attributes.ApproximateReceiveCount ?? '1') });
    } else {
      logger.error('Dropping an import message that is not a row of an import job', { messageId: record.messageId });
    }
  }
  const plans = await prepareImportBatch(deps, [...records.values()], options);
  const eventIds: string[] = [];

  const recordHandler = async (sqsRecord: SQSRecord): Promise<void> => {
    const record = records.get(sqsRecord.messageId);
    const plan = plans.get(sqsRecord.messageId);
    if (!record || !plan) return;
    const { message } = record;
    let outcome;
    try {
      outcome = await completeImportRow(deps, record, plan, options);
    } catch (error) {
      await deps.jobs.releaseItem(message.jobId, message.index, options.owner);
      throw error;
    }
    if (outcome.kind === 'retry') {
      logger.warn('Import row hit a transient failure; it will be retried', { jobId: message.jobId, index: message.index, error: String(outcome.error) });
      await deps.jobs.releaseItem(message.jobId, message.index, options.owner);
      throw outcome.error instanceof Error ? outcome.error : new Error(String(outcome.error));
    }
    if (outcome.kind === 'done') {
      eventIds.push(...outcome.eventIds);
      if ((await deps.jobs.recordItem(message.jobId, outcome.result)) === 'no-job') {
        logger.warn('Import row of a job that does not exist (expired or stray); dropped', { jobId: message.jobId, index: message.index });
        return;
      }
      metrics.addMetric(outcome.result.status === 'succeeded' ? 'ImportRowSucceeded' : 'ImportRowFailed', 'Count', 1);
    }
  };

  try {
    const response = await processSqsBatch(event, context, recordHandler);
    await announceFinishedJobs(deps, [...records.values()], response);
    return response;
  } finally {
    if (eventIds.length > 0) await deps.publishEvents(eventIds);
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
};

/**
 * Tells HR when a job of this batch has its last row (`employee.import.completed`, recorded once per job). When that
 * fails, the job's rows of this batch come back: their results are recorded, so the retry only announces.
 */
async function announceFinishedJobs(deps: ReturnType<typeof employeeImportDeps>, records: ImportRecord[], response: SQSBatchResponse): Promise<void> {
  for (const jobId of new Set(records.map((r) => r.message.jobId))) {
    try {
      await announceImportIfFinished(deps, jobId);
    } catch (error) {
      logger.warn('Import completion not announced; its rows of this batch will be redelivered', { jobId, error: String(error) });
      const failing = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
      for (const r of records) if (r.message.jobId === jobId && !failing.has(r.messageId)) response.batchItemFailures.push({ itemIdentifier: r.messageId });
    }
  }
}
