import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import type { SQSEvent } from 'aws-lambda';
import { getPool, withTransaction } from '#shared/db/pool';
import { createOutboxRelay, publishEvents, recordEvent, sweepOutbox } from '#shared/events/outbox';
import { snsTransport, type EventTransport } from '#shared/events/sns-transport';
import { eventConsumer } from '#shared/triggers/event-consumer';
import type { DomainEvent } from '#shared/events/types';
import { LOCAL_AWS } from '../../infra/local/services/aws-local';
import { testEnv } from '../support/env';
import { fakeLambdaContext } from '../../infra/local/lambda-context';

/**
 * The transactional outbox against real PostgreSQL and the SNS/SQS emulator: events exist exactly when their change
 * committed, the relay publishes once, a relay killed between commit and publish loses nothing (the sweep publishes),
 * and a publish repeated after a crash is seen once by an idempotent consumer.
 */
const env = testEnv();
const sqs = new SQSClient({ endpoint: env.sqsEndpoint, ...LOCAL_AWS });
const sns = new SNSClient({ endpoint: env.sqsEndpoint, ...LOCAL_AWS });
// A private queue subscribed to this file's own event type, so other tests' events never show up here.
const eventType = `test.outbox${randomUUID().replace(/[^a-f]/g, '').slice(0, 8)}.changed`;
let queueUrl = '';

beforeAll(async () => {
  const created = await sqs.send(new CreateQueueCommand({ QueueName: `outbox-test-${randomUUID().slice(0, 8)}`, Attributes: { VisibilityTimeout: '1' } }));
  queueUrl = created.QueueUrl!;
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  await sns.send(
    new SubscribeCommand({
      TopicArn: env.get('EVENT_TOPIC_ARN'),
      Protocol: 'sqs',
      Endpoint: Attributes!.QueueArn!,
      Attributes: { RawMessageDelivery: 'true', FilterPolicy: JSON.stringify({ type: [eventType] }) },
    }),
  );
});

afterAll(async () => {
  await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => undefined);
  sqs.destroy();
  sns.destroy();
});

async function receiveAll(expectAtLeast: number, timeoutMs = 5_000): Promise<Message[]> {
  const messages: Message[] = [];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 30, MessageAttributeNames: ['All'] }),
    );
    messages.push(...(Messages ?? []));
    if (messages.length >= expectAtLeast && !Messages?.length) break;
    if (!Messages?.length) await new Promise((r) => setTimeout(r, 100));
  }
  return messages;
}

async function committedEvent(payload: Record<string, unknown> = {}): Promise<DomainEvent> {
  return withTransaction((db) => recordEvent(db, { type: eventType, organizationId: 'org-outbox', correlationId: 'req-outbox', payload }));
}

async function publishedAt(id: string): Promise<Date | null> {
  const { rows } = await getPool().query<{ published_at: Date | null }>('SELECT published_at FROM outbox WHERE id = $1', [id]);
  return rows[0]!.published_at;
}

describe('outbox', () => {
  it('records nothing when the transaction rolls back', async () => {
    let id = '';
    await expect(
      withTransaction(async (db) => {
        id = (await recordEvent(db, { type: eventType, payload: {} })).id;
        throw new Error('change failed');
      }),
    ).rejects.toThrow('change failed');
    const { rowCount } = await getPool().query('SELECT 1 FROM outbox WHERE id = $1', [id]);
    expect(rowCount).toBe(0);
  });

  it('publishes a committed event once with its type attribute, and a second relay call publishes nothing', async () => {
    const event = await committedEvent({ n: 1 });
    expect(event).toMatchObject({ type: eventType, version: 1, organizationId: 'org-outbox', correlationId: 'req-outbox' });
    expect(await publishEvents([event.id])).toBe(1);
    expect(await publishEvents([event.id])).toBe(0);
    expect(await publishedAt(event.id)).toBeInstanceOf(Date);
    const messages = await receiveAll(1);
    expect(messages).toHaveLength(1);
    expect(JSON.parse(messages[0]!.Body!)).toEqual(event);
    expect(messages[0]!.MessageAttributes?.type?.StringValue).toBe(eventType);
  });

  it('concurrent relays and sweeps publish each event exactly once', async () => {
    const events = await Promise.all(Array.from({ length: 12 }, (_, n) => committedEvent({ n })));
    const ids = events.map((e) => e.id);
    const counts = await Promise.all([publishEvents(ids), publishEvents(ids), sweepOutbox(1000), publishEvents(ids.slice(0, 5))]);
    const total = counts.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(12); // the sweep may also publish other tests' leftovers
    const messages = await receiveAll(12);
    const seen = messages.map((m) => (JSON.parse(m.Body!) as DomainEvent).id).sort();
    expect(seen).toEqual([...ids].sort());
  });

  it('a relay killed between commit and publish loses nothing: the sweep publishes it, the consumer sees it once', async () => {
    // The "killed" relay: the change committed, publishEvents never ran.
    const event = await committedEvent({ killed: true });
    expect(await publishedAt(event.id)).toBeNull();
    expect(await sweepOutbox(1000)).toBeGreaterThanOrEqual(1);
    expect(await publishedAt(event.id)).toBeInstanceOf(Date);
    const messages = await receiveAll(1);
    expect(messages.map((m) => JSON.parse(m.Body!).id)).toEqual([event.id]);
  });

  it('a crash after SNS accepted but before the row was marked republishes; the consumer dedupes by event id', async () => {
    const event = await committedEvent({ crash: true });
    // This relay's process "dies" right after SNS accepted the message: the transaction that marks the row rolls back.
    const real = snsTransport();
    const crashing: EventTransport = {
      async publish(events) {
        await real.publish(events);
        throw new Error('process killed after publish');
      },
    };
    const dying = createOutboxRelay({ pool: getPool, transport: () => crashing });
    expect(await dying.publishEvents([event.id])).toBe(0);
    expect(await publishedAt(event.id)).toBeNull();
    expect(await sweepOutbox(1000)).toBeGreaterThanOrEqual(1);

    const messages = await receiveAll(2);
    expect(messages).toHaveLength(2); // delivered twice: at-least-once
    const handled: string[] = [];
    const consumer = eventConsumer(`outbox-test-${randomUUID().slice(0, 8)}`, async (e) => {
      handled.push(e.id);
    });
    const asRecords = (batch: Message[]): SQSEvent => ({
      Records: batch.map((m) => ({
        messageId: m.MessageId!,
        receiptHandle: m.ReceiptHandle!,
        body: m.Body!,
        attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'test', ApproximateFirstReceiveTimestamp: '0' },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:outbox-test',
        awsRegion: 'us-east-1',
      })),
    });
    const first = await consumer(asRecords(messages.slice(0, 1)), fakeLambdaContext('outbox-test'));
    const second = await consumer(asRecords(messages.slice(1)), fakeLambdaContext('outbox-test'));
    expect(first.batchItemFailures).toEqual([]);
    expect(second.batchItemFailures).toEqual([]);
    expect(handled).toEqual([event.id]);
  });

  it('a failing consumer releases its claim so the redelivery runs the work again', async () => {
    const event = await committedEvent({ retry: true });
    let attempts = 0;
    const consumer = eventConsumer(`outbox-retry-${randomUUID().slice(0, 8)}`, async () => {
      attempts++;
      if (attempts === 1) throw new Error('transient');
    });
    const record = (id: string) => ({
      Records: [
        {
          messageId: id,
          receiptHandle: id,
          body: JSON.stringify(event),
          attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'test', ApproximateFirstReceiveTimestamp: '0' },
          messageAttributes: {},
          md5OfBody: '',
          eventSource: 'aws:sqs',
          eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:outbox-test',
          awsRegion: 'us-east-1',
        },
      ],
    });
    const failed = await consumer(record('m1'), fakeLambdaContext('outbox-test'));
    expect(failed.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    const ok = await consumer(record('m1'), fakeLambdaContext('outbox-test'));
    expect(ok.batchItemFailures).toEqual([]);
    const dup = await consumer(record('m2'), fakeLambdaContext('outbox-test'));
    expect(dup.batchItemFailures).toEqual([]);
    expect(attempts).toBe(2);
  });

  it('a batch mixing a done event, a new one and a second copy of it runs the work once, with one claim request', async () => {
    const done = await committedEvent({ batch: 'done' });
    const fresh = await committedEvent({ batch: 'fresh' });
    const handled: string[] = [];
    const consumer = eventConsumer(`outbox-batch-${randomUUID().slice(0, 8)}`, async (e) => {
      handled.push(e.id);
    });
    const record = (id: string, event: DomainEvent) => ({
      messageId: id,
      receiptHandle: id,
      body: JSON.stringify(event),
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'test', ApproximateFirstReceiveTimestamp: '0' },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:outbox-test',
      awsRegion: 'us-east-1',
    });
    expect((await consumer({ Records: [record('a', done)] }, fakeLambdaContext('outbox-test'))).batchItemFailures).toEqual([]);
    const mixed = await consumer({ Records: [record('b', done), record('c', fresh), record('d', fresh)] }, fakeLambdaContext('outbox-test'));
    expect(mixed.batchItemFailures).toEqual([]);
    expect(handled).toEqual([done.id, fresh.id]);
  });
});
