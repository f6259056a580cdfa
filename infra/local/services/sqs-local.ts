import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { buildApp, interceptLocalhostDns } from 'fauxqs';
import { QUEUES, queueUrlVariable, type QueueDefinition } from '#shared/topology';
import { assertPortFree, freePort } from '../ports';
import { LOCAL_AWS } from './aws-local';

/**
 * fauxqs 1.9.2: an SQS (JSON protocol) and SNS emulator in-process. Queues, DLQs, the event topic and its filtered
 * subscriptions are created through the AWS SDK exactly as CDK declares them, so redrive and fan-out are real.
 */
export interface SqsLocal {
  readonly endpoint: string;
  stop(): Promise<void>;
}

export async function startSqsLocal(options: { port?: number } = {}): Promise<SqsLocal> {
  const port = options.port ?? (await freePort());
  if (options.port) await assertPortFree(port, 'SQS_PORT');
  // fauxqs's startFauxqs() listens on every interface (0.0.0.0, no option); its app, listened to here, on loopback only.
  const app = buildApp({ logger: false });
  await app.listen({ port, host: '127.0.0.1' });
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => app.close() };
}

/**
 * Queue URLs from the emulator look like `http://sqs.us-east-1.localhost:<port>/…`, and the SDK sends each call to
 * its queue URL's host. RFC 6761 says every `*.localhost` name is loopback, but glibc here does not resolve them, so
 * processes that host functions resolve that suffix to 127.0.0.1 (nothing else is touched). Idempotent.
 */
let dnsPatched = false;
export function resolveLocalhostSubdomains(): void {
  if (dnsPatched) return;
  interceptLocalhostDns('localhost');
  dnsPatched = true;
}

export interface LocalQueue {
  readonly definition: QueueDefinition;
  readonly url: string;
  readonly arn: string;
  readonly dlqUrl: string;
  readonly visibilityTimeoutSeconds: number;
}

export interface LocalMessaging {
  readonly queues: Record<string, LocalQueue>;
  readonly topicArn: string;
  /** Environment variables functions read: QUEUE_URL_<NAME>, DLQ_URL_<NAME>, EVENT_TOPIC_ARN. */
  readonly env: Record<string, string>;
}


/**
 * Creates every queue of topology.ts (with its DLQ and redrive policy) and the event topic with one filtered
 * subscription per event-consuming queue. `visibilityScale` shortens visibility timeouts for fast tests.
 */
export async function createMessaging(
  endpoint: string,
  prefix: string,
  options: { visibilityTimeoutSeconds?: number } = {},
): Promise<LocalMessaging> {
  const sqs = new SQSClient({ endpoint, ...LOCAL_AWS });
  const sns = new SNSClient({ endpoint, ...LOCAL_AWS });
  try {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: `${prefix}-domain-events` }));
    const topicArn = TopicArn!;
    const queues: Record<string, LocalQueue> = {};
    const env: Record<string, string> = { EVENT_TOPIC_ARN: topicArn };
    for (const definition of QUEUES) {
      const dlq = await sqs.send(
        new CreateQueueCommand({ QueueName: `${prefix}-${definition.name}-dlq`, Attributes: { MessageRetentionPeriod: String(14 * 24 * 3600) } }),
      );
      const dlqArn = await queueArn(sqs, dlq.QueueUrl!);
      const visibilityTimeoutSeconds = options.visibilityTimeoutSeconds ?? definition.consumerTimeoutSeconds * 6;
      const queue = await sqs.send(
        new CreateQueueCommand({
          QueueName: `${prefix}-${definition.name}`,
          Attributes: {
            VisibilityTimeout: String(visibilityTimeoutSeconds),
            RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: definition.maxReceiveCount }),
          },
        }),
      );
      const arn = await queueArn(sqs, queue.QueueUrl!);
      queues[definition.name] = { definition, url: queue.QueueUrl!, arn, dlqUrl: dlq.QueueUrl!, visibilityTimeoutSeconds };
      env[queueUrlVariable(definition.name)] = queue.QueueUrl!;
      env[queueUrlVariable(definition.name, 'DLQ_URL')] = dlq.QueueUrl!;
      if (definition.eventTypes?.length) {
        await sns.send(
          new SubscribeCommand({
            TopicArn: topicArn,
            Protocol: 'sqs',
            Endpoint: arn,
            Attributes: { RawMessageDelivery: 'true', FilterPolicy: JSON.stringify({ type: [...definition.eventTypes] }) },
          }),
        );
      }
    }
    return { queues, topicArn, env };
  } finally {
    sqs.destroy();
    sns.destroy();
  }
}

async function queueArn(sqs: SQSClient, url: string): Promise<string> {
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return Attributes!.QueueArn!;
}
