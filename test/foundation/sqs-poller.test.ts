import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createMessaging, type LocalMessaging } from '../../infra/local/services/sqs-local';
import { startPoller, type PollerHandle } from '../../infra/local/services/sqs-poller';
import { LOCAL_AWS } from '../../infra/local/services/aws-local';
import { testEnv } from '../support/env';

describe('SQS poller (the local event source mapping) on the real SQS emulator', () => {
  let messaging: LocalMessaging;
  let sqs: SQSClient;
  let poller: PollerHandle;
  const seen = new Map<string, number>();

  beforeAll(async () => {
    const env = testEnv();
    messaging = await createMessaging(env.sqsEndpoint, `poller${randomUUID().slice(0, 8)}`, { visibilityTimeoutSeconds: 1 });
    sqs = new SQSClient({ endpoint: env.sqsEndpoint, ...LOCAL_AWS });
    // A consumer that reports `poison` bodies as batch item failures and succeeds for the rest.
    const consumer = async (event: SQSEvent): Promise<SQSBatchResponse> => {
      for (const record of event.Records) seen.set(record.body, (seen.get(record.body) ?? 0) + 1);
      return { batchItemFailures: event.Records.filter((r) => r.body.startsWith('poison')).map((r) => ({ itemIdentifier: r.messageId })) };
    };
    poller = startPoller({ endpoint: env.sqsEndpoint, queue: messaging.queues['notifications']!, loadHandler: async () => consumer });
  });

  afterAll(async () => {
    await poller.stop();
    sqs.destroy();
  });

  it('delivers good messages once and moves a failing one to the DLQ after maxReceiveCount', async () => {
    const queue = messaging.queues['notifications']!;
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'good-1' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'poison-1' }));

    let dlqBodies: string[] = [];
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && dlqBodies.length === 0) {
      const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.dlqUrl, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }));
      dlqBodies = (received.Messages ?? []).map((m) => m.Body ?? '');
    }
    expect(dlqBodies).toEqual(['poison-1']);
    expect(seen.get('good-1')).toBe(1);
    expect(seen.get('poison-1')).toBe(queue.definition.maxReceiveCount);
  });
});
