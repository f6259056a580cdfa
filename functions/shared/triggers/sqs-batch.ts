import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { queueByName } from '#shared/topology';

/**
 * The SQS work-queue consumer's plumbing (Powertools batch processing): runs `recordHandler` for every record and
 * reports only the records it threw for (`batchItemFailures`), so the rest of the batch is not redelivered. A whole
 * batch failing is reported the same way, never thrown.
 */
export function processSqsBatch(event: SQSEvent, context: Context, recordHandler: (record: SQSRecord) => Promise<void>): Promise<SQSBatchResponse> {
  // A processor per invocation: it holds per-batch state, and the local stack runs invocations side by side.
  return processPartialResponse(event, recordHandler, new BatchProcessor(EventType.SQS), { context, throwOnFullBatchFailure: false });
}

/** A work message's JSON body, or undefined when it is not JSON (the consumer's schema then reports it as malformed). */
export function messageBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * How SQS delivers a work queue (topology.ts) to its consumer: the receives before its DLQ, and the consumer timeout,
 * which bounds how long a claim made while handling one delivery must hold.
 */
export function queueDelivery(name: string): { maxReceiveCount: number; leaseSeconds: number } {
  const queue = queueByName(name);
  return { maxReceiveCount: queue.maxReceiveCount, leaseSeconds: queue.consumerTimeoutSeconds };
}
