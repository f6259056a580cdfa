import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { fakeLambdaContext } from '../lambda-context';
import type { LocalQueue } from './sqs-local';
import { LOCAL_AWS } from './aws-local';

type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;

/**
 * What Lambda's SQS event source mapping does, for the local stack: long-poll the queue, invoke the consumer with a
 * batch as an `SQSEvent`, delete the records not listed in `batchItemFailures`, and leave the rest to reappear after
 * the visibility timeout — so the queue's own redrive policy moves poison messages to the DLQ for real.
 * A handler that throws fails the whole batch, as in AWS.
 */
export interface PollerHandle {
  stop(): Promise<void>;
  /** Resolves when no batch is being processed (for tests). */
  idle(): Promise<void>;
}

export function startPoller(options: {
  endpoint: string;
  queue: LocalQueue;
  loadHandler: () => Promise<SqsHandler>;
  onError?: (error: unknown) => void;
  waitTimeSeconds?: number;
}): PollerHandle {
  const sqs = new SQSClient({ endpoint: options.endpoint, ...LOCAL_AWS });
  const { queue } = options;
  const workers = Math.max(1, queue.definition.maxConcurrency);
  let running = true;
  let busy = 0;
  const idleWaiters: (() => void)[] = [];
  const abort = new AbortController();

  const loop = async (): Promise<void> => {
    const handler = await options.loadHandler();
    while (running) {
      let messages: Message[] = [];
      try {
        const received = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queue.url,
            MaxNumberOfMessages: Math.min(10, queue.definition.batchSize),
            WaitTimeSeconds: options.waitTimeSeconds ?? 1,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: abort.signal },
        );
        messages = received.Messages ?? [];
      } catch (error) {
        if (!running) break;
        options.onError?.(error);
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      if (messages.length === 0) continue;
      busy++;
      try {
        const event: SQSEvent = { Records: messages.map((m) => toRecord(m, queue)) };
        let failed = new Set<string>();
        try {
          const result = await handler(event, fakeLambdaContext(queue.definition.consumer, queue.definition.consumerTimeoutSeconds * 1000));
          failed = new Set((result?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
        } catch (error) {
          options.onError?.(error);
          failed = new Set(messages.map((m) => m.MessageId!));
        }
        const done = messages.filter((m) => !failed.has(m.MessageId!));
        if (done.length > 0) {
          await sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: queue.url,
              Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
            }),
          );
        }
      } finally {
        busy--;
        if (busy === 0) idleWaiters.splice(0).forEach((resolve) => resolve());
      }
    }
  };

  const loops = Array.from({ length: workers }, () => loop().catch((error) => options.onError?.(error)));
  return {
    async stop() {
      running = false;
      abort.abort();
      await Promise.allSettled(loops);
      sqs.destroy();
    },
    idle: () => (busy === 0 ? Promise.resolve() : new Promise((resolve) => idleWaiters.push(resolve))),
  };
}

function toRecord(message: Message, queue: LocalQueue): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
        name,
        { dataType: value.DataType ?? 'String', stringValue: value.StringValue, stringListValues: [], binaryListValues: [] },
      ]),
    ),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queue.arn,
    awsRegion: LOCAL_AWS.region,
  };
}
