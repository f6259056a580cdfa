import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from '#shared/zod';
import { logger, metrics } from '#shared/observability';
import { claimMany, completeMany, MessageInProgressError, release, type Claim } from '#shared/events/dedupe';
import type { DomainEvent } from '#shared/events/types';

/**
 * The SQS consumer shape every event consumer shares: parse the domain event from each record (raw SNS delivery, or
 * the SNS envelope when raw delivery is off), run the handler at most once per event id for this consumer (unless its work
 * is idempotent anyway), and report
 * only the failed records (`batchItemFailures`) so the rest of the batch is not redelivered.
 */
const eventSchema = z.object({
  id: z.uuid(),
  type: z.string().check(z.minLength(1)),
  version: z.literal(1),
  time: z.string(),
  organizationId: z.optional(z.string()),
  correlationId: z.optional(z.string()),
  payload: z.record(z.string(), z.unknown()),
});

export function parseEventRecord(record: Pick<SQSRecord, 'body'>): DomainEvent {
  let body: unknown = JSON.parse(record.body);
  // Without raw message delivery SNS wraps the message: { Type: 'Notification', Message: '<event json>' }.
  if (body && typeof body === 'object' && (body as { Type?: unknown }).Type === 'Notification') {
    body = JSON.parse(String((body as { Message?: unknown }).Message));
  }
  return eventSchema.parse(body) as DomainEvent;
}

export function eventConsumer(
  consumer: string,
  handle: (event: DomainEvent, record: SQSRecord, context: Context) => Promise<void>,
  options: {
    leaseSeconds?: number;
    /**
     * false for consumers whose work is idempotent by nature (dropping cache entries): no per-event claim in the
     * state table is needed to make a redelivery harmless.
     */
    dedupe?: boolean;
  } = {},
): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  return async (sqsEvent, context) => {
    logger.addContext(context);
    // Parse every record first, so the whole batch is claimed with one request.
    const events = new Map<string, DomainEvent>();
    for (const record of sqsEvent.Records) {
      try {
        events.set(record.messageId, parseEventRecord(record));
      } catch (error) {
        // A malformed message never gets better: drop it (logged) rather than cycle it to the DLQ.
        logger.error('Dropping malformed event message', { consumer, messageId: record.messageId, error: String(error) });
      }
    }
    const dedupe = options.dedupe !== false;
    const claims = dedupe ? await claimMany(consumer, [...new Set([...events.values()].map((e) => e.id))], options.leaseSeconds) : new Map<string, Claim>();
    const done: string[] = [];
    const seen = new Set<string>();

    const recordHandler = async (record: SQSRecord): Promise<void> => {
      const event = events.get(record.messageId);
      if (!event) return;
      if (!dedupe) return handle(event, record, context);
      const claim = claims.get(event.id);
      // The same event twice in one batch: the first copy does the work.
      if (claim === 'duplicate' || seen.has(event.id)) {
        logger.info('Duplicate event skipped', { consumer, eventId: event.id, type: event.type });
        metrics.addMetric('DuplicateEventSkipped', 'Count', 1);
        return;
      }
      if (claim !== 'claimed') throw new MessageInProgressError(`MSG#${consumer}#${event.id}`);
      seen.add(event.id);
      try {
        await handle(event, record, context);
        done.push(event.id);
      } catch (error) {
        await release(consumer, event.id);
        throw error;
      }
    };

    try {
      // A processor per invocation: it holds per-batch state, and the local stack runs invocations side by side.
      return await processPartialResponse(sqsEvent, recordHandler, new BatchProcessor(EventType.SQS), { context, throwOnFullBatchFailure: false });
    } finally {
      if (done.length > 0) await completeMany(consumer, done);
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}
