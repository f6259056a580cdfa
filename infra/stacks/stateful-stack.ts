import { CfnOutput, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { TABLES } from '../../functions/shared/adapters/dynamodb/tables';
import { QUEUES } from '../../functions/shared/topology';
import { names } from '../config/names';
import { stageQueues, type StageConfig } from '../config/stages';
import { PlatformDatabase } from '../constructs/database';
import { PlatformNetwork } from '../constructs/network';
import { PlatformSecrets } from '../constructs/secrets';
import { PlatformTable } from '../constructs/tables';
import { acknowledgeDeadLetterQueue, DLQ_RETENTION, EventFanout, WorkQueue } from '../constructs/work-queues';

export interface StatefulStackProps extends StackProps {
  readonly config: StageConfig;
}

/**
 * Everything that holds data or identity and must outlive code deployments: network, database, tables, queues,
 * the event topic, keys and secrets. Changed rarely, deployed first, protected from deletion outside dev.
 */
export class StatefulStack extends Stack {
  readonly config: StageConfig;
  readonly network: PlatformNetwork;
  readonly secrets: PlatformSecrets;
  readonly database: PlatformDatabase;
  readonly tables: { readonly state: PlatformTable; readonly idempotency: PlatformTable };
  readonly queues: ReadonlyMap<string, WorkQueue>;
  readonly events: EventFanout;
  /** Failed asynchronous invocations (scheduled jobs after Lambda's retries, and schedules Scheduler could not deliver). */
  readonly asyncFailures: sqs.Queue;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.config = config;

    this.network = new PlatformNetwork(this, 'Network', { config });
    this.secrets = new PlatformSecrets(this, 'Secrets', { config });
    this.database = new PlatformDatabase(this, 'Database', {
      config,
      network: this.network,
      storageKey: this.secrets.storageKey,
      secretsKey: this.secrets.secretsKey,
    });

    const byName = new Map(TABLES.map((definition) => [definition.logicalName, new PlatformTable(this, `${pascal(definition.logicalName)}Table`, { config, definition })]));
    this.tables = { state: byName.get('state')!, idempotency: byName.get('idempotency')! };

    this.queues = new Map(stageQueues(config, QUEUES).map((definition) => [definition.name, new WorkQueue(this, `${pascal(definition.name)}Queue`, { config, definition })]));
    this.events = new EventFanout(this, 'Events', { config, queues: [...this.queues.values()] });

    this.asyncFailures = new sqs.Queue(this, 'AsyncFailuresQueue', {
      queueName: names.asyncFailuresQueue(config),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: DLQ_RETENTION,
      removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    acknowledgeDeadLetterQueue(this.asyncFailures, 'on-failure destination of scheduled jobs and DLQ of their schedules');

    Validations.of(this.database.cluster).acknowledge({
      id: 'AwsSolutions-RDS11',
      reason:
        'The default port stays: the cluster sits in isolated subnets and admits only the proxy and migrations security groups; a non-default port adds no protection there.',
    });

    new CfnOutput(this, 'DatabaseEndpoint', {
      value: this.database.connectEndpoint,
      description: this.database.proxy ? 'RDS Proxy endpoint (IAM authentication)' : 'Aurora writer endpoint (IAM authentication, no proxy in this stage)',
    });
    new CfnOutput(this, 'EventTopicArn', { value: this.events.topic.topicArn });
    new CfnOutput(this, 'AbhiCredentialsSecretArn', { value: this.secrets.abhiCredentials.secretArn });
    new CfnOutput(this, 'WebhookSecretArn', { value: this.secrets.webhookSecret.secretArn });
    new CfnOutput(this, 'DataKeySecretArn', { value: this.secrets.dataKey.secretArn });
  }

  queue(name: string): WorkQueue {
    const queue = this.queues.get(name);
    if (!queue) throw new Error(`Unknown queue "${name}": add it to functions/shared/topology.ts.`);
    return queue;
  }
}

export function pascal(name: string): string {
  return name.replace(/(^|[-_/])([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());
}
