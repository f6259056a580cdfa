import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { queueUrlVariable, type QueueDefinition } from '../../functions/shared/topology';
import { names } from '../config/names';
import type { StageConfig } from '../config/stages';

/** DLQs keep failed messages for the maximum SQS retention, so a weekend incident loses nothing. */
export const DLQ_RETENTION = Duration.days(14);
/** AWS's recommendation for Lambda consumers: visibility timeout = 6 × the function timeout. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

export interface WorkQueueProps {
  readonly config: StageConfig;
  readonly definition: QueueDefinition;
}

/**
 * One queue of topology.ts with its dead-letter queue: `<stage>-<name>` and `<stage>-<name>-dlq`, SQS-managed
 * encryption, TLS enforced by queue policy, redrive after the topology's maxReceiveCount.
 */
export class WorkQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly definition: QueueDefinition;

  constructor(scope: Construct, id: string, props: WorkQueueProps) {
    super(scope, id);
    const { config, definition } = props;
    this.definition = definition;
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      queueName: names.deadLetterQueue(config, definition.name),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: DLQ_RETENTION,
      removalPolicy,
    });
    acknowledgeDeadLetterQueue(this.deadLetterQueue, `the redrive target of ${definition.name}`);
    this.queue = new sqs.Queue(this, 'Queue', {
      queueName: names.queue(config, definition.name),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(definition.consumerTimeoutSeconds * VISIBILITY_TIMEOUT_FACTOR),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: definition.maxReceiveCount },
      removalPolicy,
    });
  }

  /** `QUEUE_URL_<NAME_UPPER_SNAKE>`, e.g. `QUEUE_URL_EMPLOYEE_IMPORT`. */
  get envVar(): string {
    return queueUrlVariable(this.definition.name);
  }
}

export interface EventFanoutProps {
  readonly config: StageConfig;
  readonly queues: readonly WorkQueue[];
}

/**
 * The domain-event topic and its fan-out: one raw-delivery SQS subscription per queue that lists `eventTypes`,
 * filtered on the message attribute `type`. Deliveries SNS cannot make land in a shared DLQ.
 */
export class EventFanout extends Construct {
  readonly topic: sns.Topic;
  readonly deliveryDeadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: EventFanoutProps) {
    super(scope, id);
    const { config } = props;
    this.topic = new sns.Topic(this, 'Topic', {
      topicName: names.eventTopic(config),
      displayName: 'Abhi EWA domain events',
      enforceSSL: true,
    });
    // AWS managed SNS key: encrypted at rest, and its key policy already admits this account's publishers and the
    // delivery to SSE-SQS queues (a CMK would need key-policy entries for both; events carry ids, not personal data).
    (this.topic.node.defaultChild as sns.CfnTopic).kmsMasterKeyId = 'alias/aws/sns';

    this.deliveryDeadLetterQueue = new sqs.Queue(this, 'DeliveryDeadLetterQueue', {
      queueName: names.eventDeliveryDeadLetterQueue(config),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: DLQ_RETENTION,
      removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    acknowledgeDeadLetterQueue(this.deliveryDeadLetterQueue, 'the redrive target of every SNS subscription of the event topic');

    for (const queue of props.queues) {
      const eventTypes = queue.definition.eventTypes;
      if (!eventTypes?.length) continue;
      const subscription = new subscriptions.SqsSubscription(queue.queue, {
        rawMessageDelivery: true,
        filterPolicy: { type: sns.SubscriptionFilter.stringFilter({ allowlist: [...eventTypes] }) },
        deadLetterQueue: this.deliveryDeadLetterQueue,
      });
      this.topic.addSubscription(subscription);
    }
  }
}

/** A DLQ is the end of the line: it has no DLQ of its own, and its alarm (any message) is how it is drained. */
export function acknowledgeDeadLetterQueue(queue: sqs.IQueue, role: string): void {
  const reason = `This queue is a dead-letter queue (${role}); messages end here, an alarm fires on the first one, and operators redrive them after fixing the cause (docs/operations.md).`;
  Validations.of(queue).acknowledge({ id: 'AwsSolutions-SQS3', reason }, { id: 'Serverless-SQSRedrivePolicy', reason });
}
