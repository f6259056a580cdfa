import { Annotations, CfnOutput, Duration, NestedStack, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { TimeZone } from 'aws-cdk-lib';
import { Trigger } from 'aws-cdk-lib/triggers';
import type { Construct } from 'constructs';
import { ROUTES, type Route } from '../../functions/shared/routes';
import { QUEUES, SCHEDULES, type QueueDefinition, type ScheduleDefinition } from '../../functions/shared/topology';
import {
  AUTHORIZER_ACCESS,
  AUTHORIZER_ENTRY,
  COGNITO_PRE_TOKEN_ENTRY,
  MIGRATIONS_ENTRY,
  consumerAccess,
  routeAccess,
  scheduleAccess,
  workflowTaskAccess,
  type FunctionAccess,
} from '../config/function-access';
import { names } from '../config/names';
import { stageQueues, type StageConfig } from '../config/stages';
import { LAMBDA_RDS_CA_BUNDLE } from '../constructs/database';
import type { EntryResolver } from '../constructs/entries';
import { PlatformFunction } from '../constructs/platform-function';
import { PlatformApi } from '../constructs/rest-api';
import { PlatformUserPool } from '../constructs/user-pool';
import { pascal, type StatefulStack } from './stateful-stack';

export interface ApiStackProps extends StackProps {
  readonly config: StageConfig;
  readonly stateful: StatefulStack;
  /** Where handler entries come from; defaults to functions/<entry>.ts, which must exist. */
  readonly resolveEntry?: EntryResolver;
}

/** The kinds of functions, for sizing, alarms and the dashboard. */
export type FunctionKind = 'route' | 'authorizer' | 'consumer' | 'scheduled' | 'migrations' | 'workflow-task' | 'identity-trigger';

export interface PlatformFunctionRecord {
  readonly kind: FunctionKind;
  readonly function: PlatformFunction;
  readonly functionName: string;
  readonly access: FunctionAccess;
}

/** What the advance workflow construct gets when it is attached (see `attachAdvanceWorkflow`). */
export interface AdvanceWorkflowSlot {
  readonly config: StageConfig;
  /**
   * A task function of the workflow, bundled and bound like every other function: by default `workflowTaskAccess`
   * (database and event topic; the state table and the Abhi client only for the tasks that call Abhi).
   */
  taskFunction(id: string, entry: string, options?: { timeoutSeconds?: number; memoryMb?: number; access?: FunctionAccess }): PlatformFunction;
}

/** A workflow task's Lambda timeout (default): also the longest a task waits for a fleet rate slot towards Abhi. */
export const WORKFLOW_TASK_TIMEOUT_SECONDS = 60;


/**
 * The stateless half: every function of the route table and topology, the REST API with its authorizer and WAF,
 * queue consumers, schedules, and the migrations trigger. Redeployed with every code change.
 */
export class ApiStack extends Stack {
  readonly config: StageConfig;
  readonly platformApi: PlatformApi;
  readonly functions: PlatformFunctionRecord[] = [];
  /**
   * Queue consumers, schedules and the advance workflow with its task functions, in a nested stack: CloudFormation
   * counts resources per template (500), and the API (one function, role, policy, log group, method and permission
   * per route) alone grows with every route. Deployed with this stack, after the migrations trigger.
   */
  readonly workers: NestedStack;
  advanceStateMachine?: sfn.IStateMachine;
  private readonly stateful: StatefulStack;
  private readonly resolveEntry?: EntryResolver;
  private readonly migrationsTrigger: Trigger;
  /** The user pool, when the stage uses Cognito (`--context identityProvider=cognito`). */
  readonly userPool?: PlatformUserPool;
  /** Issuer, audience and JWKS the functions verify tokens with: the stage's OIDC provider or the user pool. */
  private readonly oidc: { issuer: string; audience: string; jwksUrl: string };

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { config, stateful } = props;
    this.config = config;
    this.stateful = stateful;
    this.resolveEntry = props.resolveEntry;
    const sizes = config.functions;

    this.workers = new NestedStack(this, 'Workers', { description: `Abhi EWA ${config.stage}: queue consumers, schedules, advance workflow` });

    // Migrations first: the trigger runs them on deployment before the API and consumers take the new code.
    const migrations = this.createMigrations();
    this.migrationsTrigger = migrations.trigger;

    if (config.identityProvider === 'cognito') {
      const preToken = this.createFunction(this, 'identity-trigger', 'CognitoPreTokenFunction', {
        entry: COGNITO_PRE_TOKEN_ENTRY,
        functionName: `${config.prefix}-cognito-pre-token`,
        description: 'Cognito pre-token-generation trigger: organization, employee, MFA and the service role into access tokens',
        memoryMb: 256,
        timeoutSeconds: 5,
        access: {},
      });
      this.userPool = new PlatformUserPool(this, 'Identity', { config, preTokenGeneration: preToken });
      this.oidc = { issuer: this.userPool.issuer, audience: this.userPool.clientIds.join(','), jwksUrl: this.userPool.jwksUrl };
    } else {
      this.oidc = { issuer: config.oidc.issuer, audience: config.oidc.audience, jwksUrl: config.oidc.jwksUrl };
    }

    const authorizer = this.createFunction(this, 'authorizer', 'Authorizer', {
      entry: AUTHORIZER_ENTRY,
      functionName: names.authorizerFunction(config),
      description: 'Lambda authorizer: verifies OIDC JWTs and returns the policy of every route the roles allow',
      memoryMb: sizes.authorizer.memoryMb,
      timeoutSeconds: sizes.authorizer.timeoutSeconds,
      access: AUTHORIZER_ACCESS,
      reservedConcurrentExecutions: sizes.authorizerReservedConcurrency,
    });

    const handlers = new Map<string, PlatformFunction>();
    for (const route of ROUTES) handlers.set(route.id, this.createRouteFunction(route));

    this.platformApi = new PlatformApi(this, 'Api', { config, routes: ROUTES, handlers, authorizerFunction: authorizer });

    for (const queue of stageQueues(config, QUEUES)) this.createConsumer(queue);
    for (const schedule of SCHEDULES) this.createScheduled(schedule);

    // New code (every function, the API deployment) is created only after the schema migrations succeeded.
    migrations.trigger.executeBefore(this.platformApi, ...this.functions.filter((f) => f.kind !== 'migrations').map((f) => f.function));

    // Every function here is invoked synchronously (API Gateway, the authorizer, SQS event source mappings, the
    // trigger) or has an on-failure destination (scheduled jobs); a DLQ on the function would never receive anything.
    Validations.of(this).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        'Synchronous invocations (API Gateway, authorizer, SQS event source mappings) return errors to the caller or the queue redrive; scheduled jobs use an on-failure destination to the async-failures queue instead of a DLQ.',
    });
    Validations.of(this).acknowledge({
      id: 'Serverless-LambdaEventSourceMappingDestination',
      reason:
        'SQS event source mappings do not support on-failure destinations; failed messages move to each queue’s DLQ through its redrive policy (maxReceiveCount from topology.ts), and every DLQ has an alarm.',
    });

    if (!config.deploy.sesFromAddress || !config.deploy.smsEnabled) {
      const missing = [!config.deploy.sesFromAddress && 'e-mail (--context sesFromAddress=<verified SES identity>)', !config.deploy.smsEnabled && 'SMS (--context smsEnabled=true)'].filter(Boolean);
      Annotations.of(this).addWarningV2(
        'abhi-ewa:notifications-recorded-only',
        `Stage ${config.stage} delivers no ${missing.join(' and no ')}: those notifications are only recorded in the notifications table.`,
      );
    }
    new CfnOutput(this, 'ApiUrl', {
      value: this.platformApi.baseUrl,
      description: config.deploy.apiDomain ? 'Base URL of the API (custom domain; execute-api is disabled)' : 'Base URL of the REST API stage',
    });
    if (this.platformApi.domain) {
      new CfnOutput(this, 'ApiDomainTarget', {
        value: this.platformApi.domain.domainNameAliasDomainName,
        description: `Point ${config.deploy.apiDomain!.name} here: a CNAME, or a Route 53 alias in the zone of the ApiDomainHostedZone output`,
      });
      new CfnOutput(this, 'ApiDomainHostedZone', { value: this.platformApi.domain.domainNameAliasHostedZoneId });
    }
  }

  /**
   * Slot for the advance workflow (Step Functions, infra/constructs/advance-workflow.ts). `buildPlatform` attaches it
   * through `attachAdvanceWorkflow(platform, build)` (infra/stacks/platform.ts), which also wires its alarms:
   * `build` receives a slot whose `taskFunction(id, entry)` creates a task function bundled and bound like every other
   * function (default access: `workflowTaskAccess(entry)`), and returns the state machine.
   *
   * Afterwards every function whose access line has `advanceWorkflow` (request-advance, update-transaction-status)
   * gets ADVANCE_STATE_MACHINE_ARN, states:StartExecution and the task-token permissions on that state machine.
   */
  attachAdvanceWorkflow(build: (scope: Construct, slot: AdvanceWorkflowSlot) => sfn.IStateMachine): sfn.IStateMachine {
    if (this.advanceStateMachine) throw new Error('The advance workflow is already attached.');
    const slot: AdvanceWorkflowSlot = {
      config: this.config,
      taskFunction: (id, entry, options = {}) => {
        const fn = this.createFunction(this.workers, 'workflow-task', `${pascal(id)}WorkflowTaskFunction`, {
          entry,
          functionName: `${this.config.prefix}-task-${id.replace(/[^A-Za-z0-9-]/g, '-')}`,
          description: `Advance workflow task: ${entry}`,
          memoryMb: options.memoryMb ?? this.config.functions.api.memoryMb,
          timeoutSeconds: options.timeoutSeconds ?? WORKFLOW_TASK_TIMEOUT_SECONDS,
          access: options.access ?? workflowTaskAccess(entry),
        });
        this.migrationsTrigger.executeBefore(fn);
        return fn;
      },
    };
    const stateMachine = build(this.workers, slot);
    this.advanceStateMachine = stateMachine;
    for (const record of this.functions) {
      if (record.access.advanceWorkflow) record.function.bindStateMachine(stateMachine, 'ADVANCE_STATE_MACHINE_ARN');
    }
    return stateMachine;
  }

  private createRouteFunction(route: Route): PlatformFunction {
    const { config } = this;
    const access = routeAccess(route);
    const fn = this.createFunction(this, 'route', `${pascal(route.id)}Function`, {
      entry: route.entry,
      functionName: names.routeFunction(config, route.id),
      description: `${route.method} ${route.path}: ${route.summary}`.slice(0, 256),
      memoryMb: config.functions.api.memoryMb,
      timeoutSeconds: route.timeoutSeconds ?? config.functions.api.timeoutSeconds,
      access,
    });
    if (route.rateLimitClass !== 'none') {
      for (const [cls, limit] of Object.entries(config.principalRateLimits)) {
        fn.addEnvironment(`RATE_LIMIT_${cls.toUpperCase()}_RPS`, String(limit.rps));
        fn.addEnvironment(`RATE_LIMIT_${cls.toUpperCase()}_BURST`, String(limit.burst));
      }
    }
    fn.addEnvironment('CORS_ALLOWED_ORIGINS', config.corsAllowedOrigins.join(','));
    return fn;
  }

  /** User provisioning's directory: least privilege on the one user pool, or the Keycloak client's secret. */
  private bindIdentityDirectory(fn: PlatformFunction): void {
    const provisioning = this.config.userProvisioning;
    if (!provisioning) throw new Error('A function needs the identity directory, but the stage configures no userProvisioning.');
    fn.addEnvironment('USER_PROVISIONING', provisioning.kind);
    if (provisioning.kind === 'cognito') {
      if (!this.userPool) throw new Error('userProvisioning=cognito needs identityProvider=cognito (the stack\'s user pool).');
      fn.addEnvironment('COGNITO_USER_POOL_ID', this.userPool.userPool.userPoolId);
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['cognito-idp:AdminCreateUser', 'cognito-idp:AdminUpdateUserAttributes', 'cognito-idp:AdminEnableUser', 'cognito-idp:AdminDisableUser', 'cognito-idp:AdminAddUserToGroup'],
          resources: [this.userPool.userPool.userPoolArn],
        }),
      );
      return;
    }
    fn.addEnvironment('KEYCLOAK_BASE_URL', provisioning.baseUrl);
    fn.addEnvironment('KEYCLOAK_REALM', provisioning.realm);
    fn.addEnvironment('KEYCLOAK_PROVISIONING_CLIENT_ID', provisioning.clientId);
    fn.bindSecret(secretsmanager.Secret.fromSecretNameV2(this, 'KeycloakProvisioningSecret', provisioning.secretName), 'KEYCLOAK_PROVISIONING_SECRET_ID');
  }

  private createConsumer(queue: QueueDefinition): PlatformFunction {
    const { config } = this;
    const fn = this.createFunction(this.workers, 'consumer', `${pascal(queue.name)}Consumer`, {
      entry: queue.consumer,
      functionName: names.consumerFunction(config, queue.name),
      description: `Consumer of ${queue.name}: ${queue.purpose}`.slice(0, 256),
      memoryMb: config.functions.consumerMemoryMb,
      timeoutSeconds: queue.consumerTimeoutSeconds,
      access: consumerAccess(queue),
    });
    fn.bindQueue(this.stateful.queue(queue.name), 'consume');
    return fn;
  }

  private createScheduled(schedule: ScheduleDefinition): PlatformFunction {
    const { config, stateful } = this;
    const expression = config.deploy.scheduleOverrides[schedule.name] ?? schedule.expression;
    const timeoutSeconds = schedule.name === 'reconciliation' ? config.functions.reconciliationTimeoutSeconds : config.functions.scheduled.timeoutSeconds;
    const fn = this.createFunction(this.workers, 'scheduled', `${pascal(schedule.name)}Scheduled`, {
      entry: schedule.entry,
      functionName: names.scheduledFunction(config, schedule.name),
      description: `Schedule ${schedule.name} (${expression}): ${schedule.purpose}`.slice(0, 256),
      memoryMb: config.functions.scheduled.memoryMb,
      timeoutSeconds,
      access: scheduleAccess(schedule),
    });
    // Scheduler invokes asynchronously: after Lambda's retries a failed run lands in the async-failures queue.
    fn.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(1),
      onFailure: new SqsDestination(stateful.asyncFailures),
    });
    // Scheduler's own role: invoke this one function (CDK's grantInvoke adds its versions, `:*`) and send to the DLQ.
    const schedulerRole = new iam.Role(this.workers, `${pascal(schedule.name)}SchedulerRole`, {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': this.workers.account } } }),
      description: `EventBridge Scheduler: invokes ${names.scheduledFunction(config, schedule.name)}`,
    });
    Validations.of(schedulerRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${this.workers.getLogicalId(fn.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
      reason: 'lambda:InvokeFunction on this one function and its versions (grantInvoke adds `<arn>:*` for qualified invocations); no other function.',
    });
    new scheduler.Schedule(this.workers, `${pascal(schedule.name)}Schedule`, {
      scheduleName: `${config.prefix}-${schedule.name}`,
      description: schedule.purpose,
      // Cron expressions read as UAE time (the business day of the employers); rate() ignores the zone.
      schedule: scheduler.ScheduleExpression.expression(expression, TimeZone.ASIA_DUBAI),
      target: new targets.LambdaInvoke(fn, {
        role: schedulerRole,
        retryAttempts: 3,
        maxEventAge: Duration.hours(1),
        deadLetterQueue: stateful.asyncFailures,
      }),
    });
    return fn;
  }

  private createMigrations(): { function: PlatformFunction; trigger: Trigger } {
    const { config, stateful } = this;
    const database = stateful.database;
    const fn = new PlatformFunction(this, 'RunMigrationsFunction', {
      config,
      entry: MIGRATIONS_ENTRY,
      functionName: names.migrationsFunction(config),
      description: 'Applies pending SQL migrations; run by a CDK trigger on deployment',
      memoryMb: config.functions.migrations.memoryMb,
      timeout: Duration.seconds(config.functions.migrations.timeoutSeconds),
      network: { vpc: stateful.network.vpc, subnets: stateful.network.appSubnets, securityGroup: stateful.network.migrationsSecurityGroup },
      copyIntoBundle: [{ from: 'functions/shared/db/migrations', to: 'migrations' }],
      resolveEntry: this.resolveEntry,
      environment: {
        MIGRATIONS_DIR: '/var/task/migrations',
        // Straight to the writer as the master user (the proxy admits IAM-authenticated application users only).
        DATABASE_HOST: database.clusterEndpoint,
        DATABASE_PORT: String(database.clusterPort),
        DATABASE_NAME: database.databaseName,
        DATABASE_USER: database.masterUser,
        DATABASE_AUTH: 'secret',
        DATABASE_SSL: 'true',
        // The writer's certificate is signed by the RDS CA, which Lambda's Node.js 20+ runtimes no longer trust by
        // default: without this bundle the TLS handshake fails and the first deploy rolls back.
        NODE_EXTRA_CA_CERTS: LAMBDA_RDS_CA_BUNDLE,
        // The role migrations create and GRANT rds_iam to, so the proxy can log it in with IAM.
        DATABASE_APP_USER: database.appUser,
      },
    });
    fn.bindSecret(database.masterSecret, 'DATABASE_SECRET_ARN');
    this.functions.push({ kind: 'migrations', function: fn, functionName: names.migrationsFunction(config), access: { database: true } });
    const trigger = new Trigger(this, 'RunMigrations', {
      handler: fn,
      timeout: Duration.seconds(config.functions.migrations.timeoutSeconds),
      executeOnHandlerChange: true,
    });
    return { function: fn, trigger };
  }

  private createFunction(
    scope: Construct,
    kind: FunctionKind,
    id: string,
    props: {
      entry: string;
      functionName: string;
      description: string;
      memoryMb: number;
      timeoutSeconds: number;
      access: FunctionAccess;
      reservedConcurrentExecutions?: number;
    },
  ): PlatformFunction {
    const { config, stateful } = this;
    const { access } = props;
    const fn = new PlatformFunction(scope, id, {
      config,
      entry: props.entry,
      functionName: props.functionName,
      description: props.description,
      memoryMb: props.memoryMb,
      timeout: Duration.seconds(props.timeoutSeconds),
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      network: access.database
        ? { vpc: stateful.network.vpc, subnets: stateful.network.appSubnets, securityGroup: stateful.network.functionsSecurityGroup }
        : undefined,
      resolveEntry: this.resolveEntry,
    });

    const state = access.abhi === 'client' ? 'readWrite' : access.state;
    if (state) fn.bindTable(stateful.tables.state, state);
    if (access.idempotency) fn.bindTable(stateful.tables.idempotency, 'readWrite');
    if (access.database) fn.bindDatabase(stateful.database);
    if (access.abhi) fn.addEnvironment('ABHI_BASE_URL', config.abhi.baseUrl);
    if (access.abhi === 'client') {
      fn.bindSecret(stateful.secrets.abhiCredentials, 'ABHI_CREDENTIALS_SECRET_ID');
      fn.bindSecret(stateful.secrets.abhiTokenKey, 'ABHI_TOKEN_KEY_SECRET_ID');
      fn.addEnvironment('ABHI_SIGNING_ENABLED', String(config.abhi.signingEnabled));
      fn.addEnvironment('ABHI_RATE_LIMIT_RPS', String(config.abhi.rateLimitRps));
      fn.addEnvironment('ABHI_RATE_LIMIT_BURST', String(config.abhi.rateLimitBurst));
      fn.addEnvironment('ABHI_TIMEOUT_MS', String(config.abhi.timeoutMs));
    }
    if (access.dataKey) fn.bindSecret(stateful.secrets.dataKey, 'DATA_KEY_SECRET_ID');
    if (access.webhookSecret) fn.bindSecret(stateful.secrets.webhookSecret, 'WEBHOOK_SECRET_ID');
    if (access.publishEvents) fn.bindTopic(stateful.events.topic);
    for (const name of access.sendTo ?? []) fn.bindQueue(stateful.queue(name), 'send');
    for (const name of access.probeQueues ?? []) fn.bindQueue(stateful.queue(name), 'probe');
    if (access.oidc) {
      fn.addEnvironment('OIDC_ISSUER', this.oidc.issuer);
      fn.addEnvironment('OIDC_AUDIENCE', this.oidc.audience);
      fn.addEnvironment('OIDC_JWKS_URL', this.oidc.jwksUrl);
      fn.addEnvironment('OIDC_CLAIMS', JSON.stringify(config.oidc.claims));
      if (config.oidc.clientIds.length > 0) fn.addEnvironment('OIDC_CLIENT_IDS', config.oidc.clientIds.join(','));
    }
    if (access.personalDataRetention) fn.addEnvironment('PERSONAL_DATA_RETENTION_DAYS', String(config.personalDataRetentionDays));
    if (access.deliverNotifications) {
      fn.bindNotificationDelivery({ sesFromAddress: config.deploy.sesFromAddress, sesRegion: config.deploy.sesRegion, smsEnabled: config.deploy.smsEnabled });
    }
    if (access.identityDirectory) this.bindIdentityDirectory(fn);
    if (access.advanceWorkflow && this.advanceStateMachine) fn.bindStateMachine(this.advanceStateMachine, 'ADVANCE_STATE_MACHINE_ARN');
    this.functions.push({ kind, function: fn, functionName: props.functionName, access });
    return fn;
  }
}
