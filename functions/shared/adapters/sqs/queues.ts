import { SendMessageBatchCommand, SQSClient, type SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import { loadConfig, envVar } from '#shared/config';
import { queueByName, queueUrlVariable } from '#shared/topology';

/**
 * Sends work to the queues of topology.ts. The queue URL reaches a function as `QUEUE_URL_<NAME>` (CDK and the
 * local stack set it). Batches of 10 (the SQS limit), a few in flight at once; entries SQS refuses are retried once
 * and then returned as failed, so the caller never believes work was queued when it was not.
 */
export interface QueueMessage {
  /** Unique within one call; used as the batch entry id (1-80 characters of A-Z, a-z, 0-9, - and _). */
  id: string;
  body: unknown;
  attributes?: Record<string, string>;
}

export interface WorkQueue {
  /** Sends all messages; returns the ids of those SQS did not take (after one retry), so the caller can account for them. */
  send(messages: readonly QueueMessage[]): Promise<{ failedIds: string[] }>;
}

let client: SQSClient | undefined;

const urls = new Map<string, string>();

export function queueUrl(name: string): string {
  let url = urls.get(name);
  if (!url) {
    queueByName(name); // fails fast on a name topology.ts does not know
    const variable = queueUrlVariable(name);
    url = loadConfig({ [variable]: envVar.text() })[variable] as string;
    urls.set(name, url);
  }
  return url;
}

export function sqsWorkQueue(name: string, options: { concurrency?: number } = {}): WorkQueue {
  return {
    async send(messages) {
      if (messages.length === 0) return { failedIds: [] };
      const failedIds: string[] = [];
      client ??= new SQSClient({ maxAttempts: 3 });
      const sqs = client;
      const url = queueUrl(name);
      const batches: QueueMessage[][] = [];
      for (let i = 0; i < messages.length; i += 10) batches.push(messages.slice(i, i + 10));
      const sendBatch = async (batch: QueueMessage[]): Promise<void> => {
        let entries: SendMessageBatchRequestEntry[] = batch.map((message) => ({
          Id: message.id,
          MessageBody: JSON.stringify(message.body),
          ...(message.attributes
            ? {
                MessageAttributes: Object.fromEntries(
                  Object.entries(message.attributes).map(([key, value]) => [key, { DataType: 'String', StringValue: value }]),
                ),
              }
            : {}),
        }));
        for (let attempt = 0; attempt < 2 && entries.length > 0; attempt++) {
          try {
            const result = await sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries }));
            const failed = new Set((result.Failed ?? []).map((entry) => entry.Id));
            entries = entries.filter((entry) => failed.has(entry.Id));
          } catch {
            // The whole call failed (throttled, network): retry the batch once, then report it.
          }
        }
        failedIds.push(...entries.map((entry) => entry.Id!));
      };
      const concurrency = options.concurrency ?? 8;
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(concurrency, batches.length) }, async () => {
          while (next < batches.length) await sendBatch(batches[next++]!);
        }),
      );
      return { failedIds };
    },
  };
}
