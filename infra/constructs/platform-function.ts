import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { cdkBundlingOptions } from '../bundling/options';
import { METRICS_NAMESPACE, type StageConfig } from '../config/stages';
import { LOCK_FILE, PROJECT_ROOT, TSCONFIG, strictEntryResolver, type EntryResolver } from './entries';
import { LAMBDA_RDS_CA_BUNDLE, type DatabaseAccess } from './database';
import type { PlatformTable } from './tables';
import type { WorkQueue } from './work-queues';

/** The subnets and security group of an in-VPC function (only functions that use the database run in the VPC). */
export interface FunctionNetwork {
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly securityGroup: ec2.ISecurityGroup;
}

export interface PlatformFunctionProps {
  readonly config: StageConfig;
  /** Entry from the route table / topology, relative to `functions/`, without extension. */
  readonly entry: string;
  /** Physical name, `<prefix>-<operation>`; alarms and dashboards address functions by it. */
  readonly functionName: string;
  readonly description: string;
  readonly memoryMb: number;
  readonly timeout: Duration;
  readonly network?: FunctionNetwork;
  readonly environment?: Record<string, string>;
  readonly reservedConcurrentExecutions?: number;
  /** Folders copied next to the bundle, e.g. SQL migrations: `from` relative to the repository root. */
  readonly copyIntoBundle?: readonly { readonly from: string; readonly to: string }[];
  /** Defaults to the strict resolver (the entry file must exist). Tests may pass another. */
  readonly resolveEntry?: EntryResolver;
}

export { ESM_REQUIRE_BANNER } from '../bundling/options';

const TABLE_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem', 'dynamodb:DescribeTable'];
const TABLE_WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];

/** Lambda runtime of every function (ADR 0010): nodejs24.x is supported into 2028; nodejs22.x is deprecated 2027-04-30. */
export const PLATFORM_RUNTIME = lambda.Runtime.NODEJS_24_X;

/**
 * Every Lambda function of the platform: nodejs24.x on ARM64, active tracing, a bounded timeout, its own log group
 * with retention, its own role with no managed policies, and one esbuild ESM bundle per function (infra/bundling/options.ts:
 * minified, no source map, the AWS SDK bundled so the version is the one we test with).
 *
 * The `bind*` helpers grant one resource and set the environment variable that names it in the same call, so a
 * function never holds a permission it has no variable for, nor the reverse.
 */
export class PlatformFunction extends NodejsFunction {
  readonly functionLogGroup: logs.LogGroup;
  readonly serviceRole: iam.Role;
  readonly entryName: string;
  private readonly network?: FunctionNetwork;
  private readonly wildcardReasons = new Set<string>();

  constructor(scope: Construct, id: string, props: PlatformFunctionProps) {
    const { config } = props;
    const entryFile = (props.resolveEntry ?? strictEntryResolver)(props.entry);

    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      logGroupName: `/aws/lambda/${props.functionName}`,
      retention: config.functions.logRetentionDays as number as logs.RetentionDays,
      removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    // Own role, no AWS managed policies: the basic execution policy would allow writing to every log group.
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${props.functionName}`,
    });

    super(scope, id, {
      entry: entryFile,
      handler: 'handler',
      functionName: props.functionName,
      description: props.description,
      runtime: PLATFORM_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      tracing: lambda.Tracing.ACTIVE,
      memorySize: props.memoryMb,
      timeout: props.timeout,
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      vpc: props.network?.vpc,
      vpcSubnets: props.network?.subnets,
      securityGroups: props.network ? [props.network.securityGroup] : undefined,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: LOCK_FILE,
      environment: {
        STAGE: config.stage,
        POWERTOOLS_SERVICE_NAME: config.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: config.logLevel,
        // Events carry personal data (names, account numbers): never log them whole.
        POWERTOOLS_LOGGER_LOG_EVENT: 'false',
        ...props.environment,
      },
      bundling: {
        // infra/bundling/options.ts: the same options the bundle-size test and the benchmark build with.
        ...cdkBundlingOptions(props.entry),
        tsconfig: TSCONFIG,
        commandHooks: props.copyIntoBundle?.length
          ? {
              beforeBundling: () => [],
              beforeInstall: () => [],
              afterBundling: (inputDir: string, outputDir: string) =>
                (props.copyIntoBundle ?? []).map(
                  ({ from, to }) => `mkdir -p "${outputDir}/${to}" && cp -R "${inputDir}/${from}/." "${outputDir}/${to}/"`,
                ),
            }
          : undefined,
      },
    });

    this.functionLogGroup = logGroup;
    this.serviceRole = role;
    this.entryName = props.entry;
    this.network = props.network;
    logGroup.grantWrite(role);

    // X-Ray accepts no resource ARNs; active tracing needs PutTraceSegments/PutTelemetryRecords on "*".
    this.wildcardReasons.add('X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions (active tracing).');
    if (props.network) {
      // What AWSLambdaVPCAccessExecutionRole grants, minus the log permissions: ENI management supports no useful ARN scoping.
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'ManageVpcNetworkInterfaces',
          actions: [
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DescribeSubnets',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          resources: ['*'],
        }),
      );
      this.wildcardReasons.add('Lambda VPC networking: ec2 network-interface actions (Create/Describe/Delete/Assign) support no resource-level scoping for the Lambda service.');
    }
    this.node.addValidation({ validate: () => (this.timeout && this.timeout.toSeconds() <= 900 ? [] : ['timeout must be set and at most 900 s']) });
    this.acknowledgeWildcards();
  }

  /** In-VPC functions only: whether this function runs in the VPC. */
  get inVpc(): boolean {
    return this.network !== undefined;
  }

  /** Grants read or read/write on a table of tables.ts and sets its env var (`STATE_TABLE_NAME`, `IDEMPOTENCY_TABLE_NAME`). */
  bindTable(table: PlatformTable, access: 'read' | 'readWrite'): this {
    this.addEnvironment(table.definition.envVar, table.tableName);
    this.addToRolePolicy(
      new iam.PolicyStatement({
        sid: `${pascal(table.definition.logicalName)}Table${access === 'read' ? 'Read' : 'ReadWrite'}`,
        actions: access === 'read' ? TABLE_READ_ACTIONS : [...TABLE_READ_ACTIONS, ...TABLE_WRITE_ACTIONS],
        resources: [table.tableArn],
      }),
    );
    return this;
  }

  /**
   * `send`: SendMessage and `QUEUE_URL_<NAME>`. `consume`: the event source mapping with the topology's batch size,
   * maximum concurrency and partial batch responses (the mapping's grant covers receive/delete). `probe`:
   * GetQueueAttributes only (readiness checks).
   */
  bindQueue(queue: WorkQueue, mode: 'send' | 'consume' | 'probe'): this {
    this.addEnvironment(queue.envVar, queue.queue.queueUrl);
    if (mode === 'send') {
      this.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queue.queueArn] }));
    } else if (mode === 'probe') {
      this.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:GetQueueAttributes'], resources: [queue.queue.queueArn] }));
    } else {
      this.addEventSource(
        new SqsEventSource(queue.queue, {
          batchSize: queue.definition.batchSize,
          maxConcurrency: queue.definition.maxConcurrency,
          reportBatchItemFailures: true,
          // Up to 10 messages per batch: wait at most a second for a fuller batch.
          maxBatchingWindow: queue.definition.batchSize > 1 ? Duration.seconds(1) : undefined,
        }),
      );
    }
    return this;
  }

  /** Publish to the domain-event topic (`EVENT_TOPIC_ARN`). The topic uses the AWS managed SNS key, whose policy covers publishers. */
  bindTopic(topic: sns.ITopic): this {
    this.addEnvironment('EVENT_TOPIC_ARN', topic.topicArn);
    this.addToRolePolicy(new iam.PolicyStatement({ sid: 'PublishDomainEvents', actions: ['sns:Publish'], resources: [topic.topicArn] }));
    return this;
  }

  /** Read one secret (and decrypt it through Secrets Manager only); its ARN goes into `envVar`. */
  bindSecret(secret: secretsmanager.ISecret, envVar: string): this {
    this.addEnvironment(envVar, secret.secretArn);
    this.addToRolePolicy(new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] }));
    if (secret.encryptionKey) {
      this.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [secret.encryptionKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` } },
        }),
      );
    }
    return this;
  }

  /**
   * Connect to Aurora with IAM authentication as the application user (through RDS Proxy where the stage has one,
   * else straight to the writer): `rds-db:connect` as that one user, no password anywhere. Env: DATABASE_HOST,
   * DATABASE_PORT, DATABASE_NAME, DATABASE_USER, DATABASE_AUTH=iam, DATABASE_SSL=true, and NODE_EXTRA_CA_CERTS so
   * the writer's RDS certificate verifies (Lambda's Node.js 20+ runtimes do not trust the RDS CAs by default).
   */
  bindDatabase(database: DatabaseAccess): this {
    if (!this.network) {
      throw new Error(`${this.node.path} uses the database but was created without a VPC network: pass \`network\` when creating it.`);
    }
    this.addEnvironment('DATABASE_HOST', database.connectEndpoint);
    if (database.readerEndpoint) this.addEnvironment('DATABASE_READER_HOST', database.readerEndpoint);
    this.addEnvironment('DATABASE_PORT', String(database.connectPort));
    this.addEnvironment('DATABASE_NAME', database.databaseName);
    this.addEnvironment('DATABASE_USER', database.appUser);
    this.addEnvironment('DATABASE_AUTH', 'iam');
    this.addEnvironment('DATABASE_SSL', 'true');
    this.addEnvironment('NODE_EXTRA_CA_CERTS', LAMBDA_RDS_CA_BUNDLE);
    database.grantConnect(this, database.appUser);
    return this;
  }

  /**
   * Notification delivery (issue #19): e-mail through SES from `sesFromAddress` only (ses:SendEmail on that identity
   * and its domain, with ses:FromAddress pinned), SMS through SNS direct publish only (sns:Publish to phone numbers:
   * SNS gives them no ARN, so the resource is "*" and an explicit Deny covers every topic). Without either setting
   * nothing is granted and messages are recorded.
   */
  bindNotificationDelivery(settings: { sesFromAddress?: string; sesRegion: string; smsEnabled: boolean }): this {
    const stack = Stack.of(this);
    if (settings.sesFromAddress) {
      const domain = settings.sesFromAddress.split('@')[1]!;
      this.addEnvironment('NOTIFICATION_EMAIL_FROM', settings.sesFromAddress);
      this.addEnvironment('NOTIFICATION_SES_REGION', settings.sesRegion);
      this.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'SendNotificationEmail',
          actions: ['ses:SendEmail'],
          resources: [settings.sesFromAddress, domain].map((identity) =>
            stack.formatArn({ service: 'ses', region: settings.sesRegion, resource: 'identity', resourceName: identity }),
          ),
          conditions: { StringEquals: { 'ses:FromAddress': settings.sesFromAddress } },
        }),
      );
    }
    if (settings.smsEnabled) {
      this.addEnvironment('NOTIFICATION_DELIVERY', 'sns');
      this.addToRolePolicy(new iam.PolicyStatement({ sid: 'SendNotificationSms', actions: ['sns:Publish'], resources: ['*'] }));
      this.addToRolePolicy(
        new iam.PolicyStatement({ sid: 'NoTopicPublish', effect: iam.Effect.DENY, actions: ['sns:Publish'], resources: [stack.formatArn({ service: 'sns', region: '*', account: '*', resource: '*' })] }),
      );
      this.wildcardReasons.add('SMS through SNS direct publish: phone numbers have no ARN, so sns:Publish needs "*"; an explicit Deny on every topic ARN leaves only phone numbers.');
      this.acknowledgeWildcards();
    }
    return this;
  }

  /** Start executions of a state machine and answer its task tokens; the ARN goes into `envVar`. */
  bindStateMachine(stateMachine: sfn.IStateMachine, envVar = 'ADVANCE_STATE_MACHINE_ARN'): this {
    this.addEnvironment(envVar, stateMachine.stateMachineArn);
    stateMachine.grantStartExecution(this);
    stateMachine.grantTaskResponse(this);
    return this;
  }

  private acknowledgeWildcards(): void {
    const reason = [...this.wildcardReasons].join(' ');
    Validations.of(this.serviceRole).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason });
  }
}

function pascal(name: string): string {
  return name.replace(/(^|[-_])([a-z])/g, (_, __, c: string) => c.toUpperCase());
}
