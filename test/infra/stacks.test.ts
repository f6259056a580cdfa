import { Match } from 'aws-cdk-lib/assertions';
import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { TABLES } from '../../functions/shared/adapters/dynamodb/tables';
import { API_PREFIX, ROUTES } from '../../functions/shared/routes';
import { QUEUES, SCHEDULES } from '../../functions/shared/topology';
import { names } from '../../infra/config/names';
import { nagPacks } from '../../infra/constructs/checks';
import { API_TRACE_SAMPLING } from '../../infra/constructs/rest-api';
import type { StageConfig } from '../../infra/config/stages';
import { resourcesOf, synthStage, type SynthesizedStage } from './support/synth';

/** Opt-in queues (user provisioning) exist only where a stage configures them: test/infra/user-provisioning.test.ts. */
const DEPLOYED_QUEUES = QUEUES.filter((q) => !q.optIn);
let prod: SynthesizedStage;
let dev: SynthesizedStage;
let config: StageConfig;

beforeAll(() => {
  prod = synthStage('prod');
  dev = synthStage('dev');
  config = prod.platform.config;
  if (prod.standIns.length) {
    console.info(`infra tests: ${prod.standIns.length} handler entries not written yet, synthesized with the stand-in: ${prod.standIns.join(', ')}`);
  }
});

/** Logical id of the platform function with this physical name. */
function functionLogicalId(s: SynthesizedStage, functionName: string): string {
  const [id] = Object.entries(resourcesOf(s.api, 'AWS::Lambda::Function')).find(([, r]) => r.Properties.FunctionName === functionName) ?? [];
  if (!id) throw new Error(`no function ${functionName}`);
  return id;
}

/** All statements of the policies attached to the role of a function. */
function statementsOf(s: SynthesizedStage, functionName: string): any[] {
  const fn = resourcesOf(s.api, 'AWS::Lambda::Function')[functionLogicalId(s, functionName)]!;
  const roleId = fn.Properties.Role['Fn::GetAtt'][0];
  return Object.values(resourcesOf(s.api, 'AWS::IAM::Policy'))
    .filter((p) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

const actionsOf = (statements: any[]) => statements.flatMap((st) => [st.Action].flat());
const allowsOn = (statements: any[], action: string, resourceFragment: string) =>
  statements.some((st) => [st.Action].flat().includes(action) && JSON.stringify(st.Resource).includes(resourceFragment));

describe('stateful stack (prod)', () => {
  it.each(TABLES.map((t) => [t.logicalName, t] as const))('table %s: on-demand, PITR, TTL, deletion protection, encrypted, retained', (_, table) => {
    prod.stateful.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        TableName: `abhi-ewa-prod-${table.logicalName}`,
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: table.ttlAttribute, Enabled: true },
        DeletionProtectionEnabled: true,
        SSESpecification: { SSEEnabled: true },
        KeySchema: [
          { AttributeName: table.partitionKey, KeyType: 'HASH' },
          ...(table.sortKey ? [{ AttributeName: table.sortKey, KeyType: 'RANGE' }] : []),
        ],
      }),
    });
  });

  it.each(DEPLOYED_QUEUES.map((q) => [q.name, q] as const))('queue %s: DLQ with its redrive count, visibility 6 × consumer timeout, SSE', (_, queue) => {
    const queues = resourcesOf(prod.stateful, 'AWS::SQS::Queue');
    const [dlqId, dlq] = Object.entries(queues).find(([, q]) => q.Properties.QueueName === `prod-${queue.name}-dlq`)!;
    const main = Object.values(queues).find((q) => q.Properties.QueueName === `prod-${queue.name}`)!;
    expect(main.Properties.VisibilityTimeout).toBe(queue.consumerTimeoutSeconds * 6);
    expect(main.Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
      maxReceiveCount: queue.maxReceiveCount,
    });
    expect(main.Properties.SqsManagedSseEnabled).toBe(true);
    expect(dlq.Properties.SqsManagedSseEnabled).toBe(true);
    expect(dlq.Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
  });

  it('every queue is encrypted and refuses requests without TLS', () => {
    const queues = resourcesOf(prod.stateful, 'AWS::SQS::Queue');
    const policies = Object.values(resourcesOf(prod.stateful, 'AWS::SQS::QueuePolicy'));
    for (const [id, queue] of Object.entries(queues)) {
      expect(queue.Properties.SqsManagedSseEnabled, queue.Properties.QueueName).toBe(true);
      const policy = policies.find((p) => p.Properties.Queues.some((q: any) => q.Ref === id));
      expect(
        policy?.Properties.PolicyDocument.Statement.some(
          (st: any) => st.Effect === 'Deny' && st.Condition?.Bool?.['aws:SecureTransport'] === 'false',
        ),
        `${queue.Properties.QueueName} has no TLS-only policy`,
      ).toBe(true);
    }
  });

  it('fans domain events out: one filtered raw subscription per queue with eventTypes, each with a redrive policy', () => {
    const subscriptions = Object.values(resourcesOf(prod.stateful, 'AWS::SNS::Subscription'));
    const withEvents = DEPLOYED_QUEUES.filter((q) => q.eventTypes?.length);
    expect(subscriptions).toHaveLength(withEvents.length);
    const queues = resourcesOf(prod.stateful, 'AWS::SQS::Queue');
    for (const queue of withEvents) {
      const queueId = Object.entries(queues).find(([, q]) => q.Properties.QueueName === `prod-${queue.name}`)![0];
      const subscription = subscriptions.find((s) => JSON.stringify(s.Properties.Endpoint).includes(queueId));
      expect(subscription?.Properties).toMatchObject({
        Protocol: 'sqs',
        RawMessageDelivery: true,
        FilterPolicy: { type: [...queue.eventTypes!] },
      });
      expect(subscription?.Properties.RedrivePolicy).toBeDefined();
    }
    prod.stateful.hasResourceProperties('AWS::SNS::Topic', { TopicName: 'abhi-ewa-prod-events', KmsMasterKeyId: 'alias/aws/sns' });
  });

  it('Aurora Serverless v2 PostgreSQL 16: encrypted with a CMK, 30-day backups, deletion protection, IAM auth, managed master secret', () => {
    prod.stateful.hasResource('AWS::RDS::DBCluster', {
      DeletionPolicy: 'Snapshot',
      Properties: Match.objectLike({
        Engine: 'aurora-postgresql',
        EngineVersion: Match.stringLikeRegexp('^16\\.'),
        StorageEncrypted: true,
        KmsKeyId: Match.anyValue(),
        BackupRetentionPeriod: 30,
        DeletionProtection: true,
        EnableIAMDatabaseAuthentication: true,
        ManageMasterUserPassword: true,
        ServerlessV2ScalingConfiguration: { MinCapacity: config.database.minCapacityAcu, MaxCapacity: config.database.maxCapacityAcu },
      }),
    });
    const instances = Object.values(resourcesOf(prod.stateful, 'AWS::RDS::DBInstance'));
    expect(instances).toHaveLength(1 + config.database.readers);
    for (const instance of instances) expect(instance.Properties).toMatchObject({ DBInstanceClass: 'db.serverless', PubliclyAccessible: false });
    dev.stateful.hasResourceProperties('AWS::RDS::DBCluster', { DeletionProtection: false });
  });

  it('RDS Proxy requires TLS and end-to-end IAM authentication; its role may connect only as the app user', () => {
    prod.stateful.hasResourceProperties('AWS::RDS::DBProxy', { DefaultAuthScheme: 'IAM_AUTH', RequireTLS: true, EngineFamily: 'POSTGRESQL' });
    const proxy = Object.values(resourcesOf(prod.stateful, 'AWS::RDS::DBProxy'))[0]!;
    expect(proxy.Properties.Auth).toBeUndefined();
    const roleId = proxy.Properties.RoleArn['Fn::GetAtt'][0];
    const statements = Object.values(resourcesOf(prod.stateful, 'AWS::IAM::Policy'))
      .filter((p) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(statements).toHaveLength(1);
    expect(statements[0].Action).toBe('rds-db:connect');
    expect(JSON.stringify(statements[0].Resource)).toContain(`/${config.database.appUser}`);
  });

  it('the database admits PostgreSQL only from the proxy and migrations security groups, never from a CIDR', () => {
    const ingress = Object.values(resourcesOf(prod.stateful, 'AWS::EC2::SecurityGroupIngress'));
    expect(ingress.length).toBeGreaterThan(0);
    for (const rule of ingress) {
      expect(rule.Properties.CidrIp).toBeUndefined();
      expect(rule.Properties.SourceSecurityGroupId).toBeDefined();
    }
    const groups = Object.values(resourcesOf(prod.stateful, 'AWS::EC2::SecurityGroup'));
    for (const group of groups) expect(group.Properties.SecurityGroupIngress ?? []).toEqual([]);
  });

  it('secrets are generated (never in the template), encrypted with the rotating secrets CMK', () => {
    const keys = Object.values(resourcesOf(prod.stateful, 'AWS::KMS::Key'));
    expect(keys).toHaveLength(2);
    for (const key of keys) expect(key.Properties.EnableKeyRotation).toBe(true);
    const secrets = Object.values(resourcesOf(prod.stateful, 'AWS::SecretsManager::Secret'));
    expect(secrets.map((s) => s.Properties.Name).sort()).toEqual([
      'abhi-ewa-prod/abhi/credentials',
      'abhi-ewa-prod/abhi/token-key',
      'abhi-ewa-prod/abhi/webhook-hmac',
      'abhi-ewa-prod/data-encryption-key',
    ]);
    for (const secret of secrets) {
      expect(secret.Properties.SecretString).toBeUndefined();
      expect(secret.Properties.GenerateSecretString).toBeDefined();
      expect(secret.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^SecretsSecretsKey/), 'Arn'] });
    }
    const abhi = secrets.find((s) => s.Properties.Name.endsWith('/abhi/credentials'))!;
    expect(JSON.parse(abhi.Properties.GenerateSecretString.SecretStringTemplate)).toHaveProperty('signingSecret');
    expect(abhi.Properties.GenerateSecretString.GenerateStringKey).toBe('password');
    // Both AES keys: 43 characters of the base64 alphabet, which the key ring decodes to 32 random bytes.
    for (const name of ['/abhi/token-key', '/data-encryption-key']) {
      const key = secrets.find((s) => s.Properties.Name.endsWith(name))!;
      expect(key.Properties.GenerateSecretString).toMatchObject({ GenerateStringKey: 'key', PasswordLength: 43, ExcludePunctuation: true });
    }
  });

  it('network: one NAT gateway per AZ in prod, one small NAT instance (IMDSv2, HTTPS in from the VPC only) in dev; the cluster lives in isolated subnets', () => {
    prod.stateful.resourceCountIs('AWS::EC2::NatGateway', config.network.natGateways);
    dev.stateful.resourceCountIs('AWS::EC2::NatGateway', 0);
    dev.stateful.hasResourceProperties('AWS::EC2::Instance', { InstanceType: 't4g.nano', SourceDestCheck: false, MetadataOptions: { HttpTokens: 'required' } });
    dev.stateful.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'Security Group for NAT instances',
      SecurityGroupIngress: [Match.objectLike({ CidrIp: '10.40.0.0/16', FromPort: 443, ToPort: 443, IpProtocol: 'tcp' })],
    });
    prod.stateful.resourceCountIs('AWS::EC2::FlowLog', 1);
    prod.stateful.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway' });
  });
});

describe('api stack (prod)', () => {
  it('every route of the route table has exactly one method, with the authorizer on jwt routes only', () => {
    const methods = Object.values(resourcesOf(prod.api, 'AWS::ApiGateway::Method')).filter((m) => m.Properties.HttpMethod !== 'OPTIONS');
    expect(methods).toHaveLength(ROUTES.length);
    const built = prod.platform.api.platformApi.methods;
    for (const route of ROUTES) {
      const method = built.get(route.id);
      expect(method?.resource.path, route.id).toBe(`${API_PREFIX}${route.path}`);
      expect(method?.httpMethod).toBe(route.method);
      const cfn = methods.find((m) => m.Properties.OperationName === route.id);
      expect(cfn?.Properties.AuthorizationType, route.id).toBe(route.auth === 'jwt' ? 'CUSTOM' : 'NONE');
      expect(cfn?.Properties.AuthorizerId !== undefined, route.id).toBe(route.auth === 'jwt');
      // Integrated with its own function.
      const uri = JSON.stringify(cfn?.Properties.Integration.Uri);
      expect(uri, route.id).toContain(functionLogicalId(prod, names.routeFunction(config, route.id)));
      if (route.idempotency === 'required') {
        expect(cfn?.Properties.RequestParameters['method.request.header.Idempotency-Key'], route.id).toBe(true);
      }
    }
  });

  it('the REQUEST authorizer caches per Authorization header', () => {
    prod.api.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'REQUEST',
      IdentitySource: 'method.request.header.Authorization',
      AuthorizerResultTtlInSeconds: config.api.authorizerCacheTtlSeconds,
    });
  });

  it('X-Ray samples this API at the rate the cost model prices (a sampling rule for its stage, ADR 0023)', () => {
    const rules = Object.values(resourcesOf(prod.api, 'AWS::XRay::SamplingRule')).map((r) => r.Properties.SamplingRule);
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatchObject({
      ServiceType: 'AWS::ApiGateway::Stage',
      ServiceName: `${names.restApi(config)}/prod`,
      FixedRate: API_TRACE_SAMPLING.fixedRate,
      ReservoirSize: API_TRACE_SAMPLING.reservoirPerSecond,
    });
    expect(rules[0].Priority).toBeLessThan(10_000);
  });

  it('stage: X-Ray, JSON access logs, no data trace, stage and per-method throttling by route class', () => {
    const stage = Object.values(resourcesOf(prod.api, 'AWS::ApiGateway::Stage'))[0]!.Properties;
    expect(stage.StageName).toBe('prod');
    expect(stage.TracingEnabled).toBe(true);
    expect(JSON.parse(stage.AccessLogSetting.Format)).toMatchObject({ requestId: '$context.requestId', status: '$context.status' });
    const settings: any[] = stage.MethodSettings;
    expect(settings.find((s) => s.ResourcePath === '/*' && s.HttpMethod === '*')).toMatchObject({
      DataTraceEnabled: false,
      LoggingLevel: 'ERROR',
      ThrottlingRateLimit: config.api.stageThrottle.rateLimit,
      ThrottlingBurstLimit: config.api.stageThrottle.burstLimit,
    });
    for (const route of ROUTES) {
      const path = `/${`${API_PREFIX}${route.path}`.replace(/\//g, '~1')}`;
      const setting = settings.find((s) => s.ResourcePath === path && s.HttpMethod === route.method);
      expect(setting, route.id).toMatchObject({
        ThrottlingRateLimit: config.api.methodThrottle[route.rateLimitClass].rateLimit,
        ThrottlingBurstLimit: config.api.methodThrottle[route.rateLimitClass].burstLimit,
      });
    }
  });

  it('WAF: managed rule groups and a per-IP rate rule, associated with the stage', () => {
    prod.api.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      Rules: Match.arrayWith([
        Match.objectLike({ Statement: { RateBasedStatement: Match.objectLike({ Limit: config.api.wafRequestsPer5MinPerIp, AggregateKeyType: 'IP' }) } }),
        Match.objectLike({ Statement: { ManagedRuleGroupStatement: Match.objectLike({ Name: 'AWSManagedRulesCommonRuleSet' }) } }),
        Match.objectLike({ Statement: { ManagedRuleGroupStatement: Match.objectLike({ Name: 'AWSManagedRulesKnownBadInputsRuleSet' }) } }),
      ]),
    });
    const stageId = Object.keys(resourcesOf(prod.api, 'AWS::ApiGateway::Stage'))[0]!;
    const association = Object.values(resourcesOf(prod.api, 'AWS::WAFv2::WebACLAssociation'))[0]!;
    expect(JSON.stringify(association.Properties.ResourceArn)).toContain(stageId);
  });

  it('API Gateway’s own answers are problem+json like the functions’: unknown route 404, no token 401, throttled 429', () => {
    const responses = Object.values(resourcesOf(prod.api, 'AWS::ApiGateway::GatewayResponse')).map((r) => r.Properties);
    const byType = (type: string) => responses.find((r) => r.ResponseType === type);
    for (const [type, status, code] of [
      ['MISSING_AUTHENTICATION_TOKEN', '404', 'NOT_FOUND'],
      ['UNAUTHORIZED', '401', 'UNAUTHORIZED'],
      ['ACCESS_DENIED', '403', 'FORBIDDEN'],
      ['THROTTLED', '429', 'RATE_LIMIT_EXCEEDED'],
      ['REQUEST_TOO_LARGE', '413', 'PAYLOAD_TOO_LARGE'],
    ] as const) {
      const response = byType(type)!;
      expect(response, type).toBeDefined();
      expect(response.StatusCode).toBe(status);
      expect(response.ResponseParameters['gatewayresponse.header.Content-Type']).toBe("'application/problem+json'");
      expect(response.ResponseParameters['gatewayresponse.header.X-Content-Type-Options']).toBe("'nosniff'");
      const body = JSON.parse(response.ResponseTemplates['application/json']);
      expect(body).toMatchObject({ status: Number(status), code, requestId: '$context.requestId' });
    }
    expect(byType('UNAUTHORIZED')!.ResponseParameters['gatewayresponse.header.WWW-Authenticate']).toBe('\'Bearer realm="abhi-ewa"\'');
    expect(byType('DEFAULT_5XX')).toBeDefined();
  });

  it('every function: nodejs24.x on arm64, active tracing, bounded timeout, explicit memory, its own log group with retention', () => {
    const functions = Object.values(resourcesOf(prod.api, 'AWS::Lambda::Function')).filter((f) => String(f.Properties.FunctionName ?? '').startsWith('abhi-ewa-prod-'));
    expect(functions).toHaveLength(prod.platform.api.functions.length);
    const logGroups = resourcesOf(prod.api, 'AWS::Logs::LogGroup');
    for (const fn of functions) {
      const p = fn.Properties;
      expect(p.Runtime, p.FunctionName).toBe('nodejs24.x');
      expect(p.Architectures).toEqual(['arm64']);
      expect(p.TracingConfig).toEqual({ Mode: 'Active' });
      expect(p.Timeout).toBeGreaterThan(0);
      expect(p.Timeout).toBeLessThanOrEqual(900);
      expect(p.MemorySize).toBeGreaterThanOrEqual(128);
      const logGroup = logGroups[p.LoggingConfig.LogGroup.Ref];
      expect(logGroup?.Properties.RetentionInDays, p.FunctionName).toBe(config.functions.logRetentionDays);
      expect(p.Environment.Variables).toMatchObject({ STAGE: 'prod', POWERTOOLS_SERVICE_NAME: config.serviceName, POWERTOOLS_METRICS_NAMESPACE: 'AbhiEwa' });
    }
  });

  it('least privilege: no wildcard actions; "*" resources only for X-Ray, VPC networking and Step Functions log delivery', () => {
    const allowedOnStar = new Set([
      'xray:PutTraceSegments',
      'xray:PutTelemetryRecords',
      'ec2:CreateNetworkInterface',
      'ec2:DescribeNetworkInterfaces',
      'ec2:DescribeSubnets',
      'ec2:DeleteNetworkInterface',
      'ec2:AssignPrivateIpAddresses',
      'ec2:UnassignPrivateIpAddresses',
      // Step Functions: execution-log delivery and X-Ray sampling (the state machine's role), documented as "*" only.
      'logs:CreateLogDelivery',
      'logs:GetLogDelivery',
      'logs:UpdateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:DescribeResourcePolicies',
      'logs:DescribeLogGroups',
      'xray:GetSamplingRules',
      'xray:GetSamplingTargets',
    ]);
    for (const template of [prod.api, prod.stateful, prod.monitoring]) {
      for (const policy of Object.values(resourcesOf(template, 'AWS::IAM::Policy'))) {
        for (const statement of policy.Properties.PolicyDocument.Statement) {
          if (statement.Effect !== 'Allow') continue;
          for (const action of [statement.Action].flat()) expect(action, JSON.stringify(statement)).not.toContain('*');
          if ([statement.Resource].flat().includes('*')) {
            for (const action of [statement.Action].flat()) expect(allowedOnStar.has(action), `${action} on *`).toBe(true);
          }
        }
      }
    }
  });

  it('grants follow the access map: Abhi and data-key secrets, the master secret only for migrations, read-only authorizer', () => {
    const createEmployee = statementsOf(prod, names.routeFunction(config, 'createEmployee'));
    expect(allowsOn(createEmployee, 'secretsmanager:GetSecretValue', 'AbhiCredentials')).toBe(true);
    expect(allowsOn(createEmployee, 'secretsmanager:GetSecretValue', 'DataKey')).toBe(true);
    expect(allowsOn(createEmployee, 'sns:Publish', 'EventsTopic')).toBe(true);
    expect(actionsOf(createEmployee)).toContain('rds-db:connect');

    const health = statementsOf(prod, names.routeFunction(config, 'getHealth'));
    expect(actionsOf(health).filter((a) => !a.startsWith('xray:') && !a.startsWith('logs:'))).toEqual([]);

    const authorizer = statementsOf(prod, names.authorizerFunction(config));
    const dynamo = actionsOf(authorizer).filter((a) => a.startsWith('dynamodb:'));
    expect(dynamo).toContain('dynamodb:GetItem');
    expect(dynamo).not.toContain('dynamodb:PutItem');
    expect(actionsOf(authorizer).some((a) => a.startsWith('secretsmanager:'))).toBe(false);

    const webhook = statementsOf(prod, names.routeFunction(config, 'receiveAbhiWebhook'));
    expect(allowsOn(webhook, 'secretsmanager:GetSecretValue', 'WebhookSecret')).toBe(true);
    expect(allowsOn(webhook, 'secretsmanager:GetSecretValue', 'AbhiCredentials')).toBe(false);
    expect(allowsOn(webhook, 'secretsmanager:GetSecretValue', 'AbhiTokenKey')).toBe(false);

    // The token key goes with the Abhi client and nowhere else; the data key does not come with it (ADR 0033).
    for (const record of prod.platform.api.functions) {
      const statements = statementsOf(prod, record.functionName);
      const tokenKey = allowsOn(statements, 'secretsmanager:GetSecretValue', 'AbhiTokenKey');
      expect(tokenKey, record.functionName).toBe(allowsOn(statements, 'secretsmanager:GetSecretValue', 'AbhiCredentials'));
    }
    const banks = statementsOf(prod, names.routeFunction(config, 'listBanks'));
    expect(allowsOn(banks, 'secretsmanager:GetSecretValue', 'AbhiTokenKey')).toBe(true);
    expect(allowsOn(banks, 'secretsmanager:GetSecretValue', 'DataKey')).toBe(false);

    const bulk = statementsOf(prod, names.routeFunction(config, 'bulkImportEmployees'));
    expect(allowsOn(bulk, 'sqs:SendMessage', 'EmployeeImportQueue')).toBe(true);

    for (const record of prod.platform.api.functions) {
      const readsMaster = allowsOn(statementsOf(prod, record.functionName), 'secretsmanager:GetSecretValue', 'MasterUserSecret');
      expect(readsMaster, record.functionName).toBe(record.kind === 'migrations');
    }
  });

  it('only functions that use the database run in the VPC', () => {
    for (const record of prod.platform.api.functions) {
      const fn = resourcesOf(prod.api, 'AWS::Lambda::Function')[functionLogicalId(prod, record.functionName)]!;
      expect(fn.Properties.VpcConfig !== undefined, record.functionName).toBe(Boolean(record.access.database));
      if (record.access.database && record.kind !== 'migrations') {
        expect(fn.Properties.Environment.Variables).toMatchObject({ DATABASE_AUTH: 'iam', DATABASE_USER: 'abhi_app', DATABASE_PORT: '5432' });
      }
    }
  });

  it.each(DEPLOYED_QUEUES.map((q) => [q.name, q] as const))('consumer of %s: partial batch responses, batch size and max concurrency from topology', (_, queue) => {
    const consumerId = functionLogicalId(prod, names.consumerFunction(config, queue.name));
    const mapping = Object.values(resourcesOf(prod.api, 'AWS::Lambda::EventSourceMapping')).find((m) => m.Properties.FunctionName.Ref === consumerId);
    expect(mapping?.Properties).toMatchObject({
      BatchSize: queue.batchSize,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: queue.maxConcurrency },
    });
    const fn = resourcesOf(prod.api, 'AWS::Lambda::Function')[consumerId]!;
    expect(fn.Properties.Timeout).toBe(queue.consumerTimeoutSeconds);
  });

  it.each(SCHEDULES.map((s) => [s.name, s] as const))('schedule %s: EventBridge Scheduler with retries and a DLQ; the job has an on-failure destination', (_, schedule) => {
    prod.api.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: `abhi-ewa-prod-${schedule.name}`,
      ScheduleExpression: schedule.expression,
      ScheduleExpressionTimezone: 'Asia/Dubai',
      Target: Match.objectLike({ DeadLetterConfig: Match.objectLike({ Arn: Match.anyValue() }), RetryPolicy: Match.anyValue() }),
    });
    const fnId = functionLogicalId(prod, names.scheduledFunction(config, schedule.name));
    const invokeConfig = Object.values(resourcesOf(prod.api, 'AWS::Lambda::EventInvokeConfig')).find((c) => c.Properties.FunctionName.Ref === fnId);
    expect(invokeConfig?.Properties.DestinationConfig.OnFailure.Destination).toBeDefined();
  });

  it('the erasure job gets the stage\'s retention period, and no other function does', () => {
    const functions = resourcesOf(prod.api, 'AWS::Lambda::Function');
    const erasure = functions[functionLogicalId(prod, names.scheduledFunction(config, 'personal-data-erasure'))]!;
    expect(config.personalDataRetentionDays).toBe(90);
    expect(erasure.Properties.Environment.Variables.PERSONAL_DATA_RETENTION_DAYS).toBe('90');
    const others = Object.values(functions).filter((f) => f !== erasure && f.Properties.Environment?.Variables?.PERSONAL_DATA_RETENTION_DAYS !== undefined);
    expect(others).toEqual([]);
  });

  it('migrations run from a trigger on deployment, before the API takes new code', () => {
    prod.api.resourceCountIs('Custom::Trigger', 1);
    const migrations = resourcesOf(prod.api, 'AWS::Lambda::Function')[functionLogicalId(prod, names.migrationsFunction(config))]!;
    expect(migrations.Properties.Environment.Variables).toMatchObject({ DATABASE_AUTH: 'secret', DATABASE_USER: 'abhi_admin', MIGRATIONS_DIR: '/var/task/migrations' });
    const triggerId = Object.keys(resourcesOf(prod.api, 'Custom::Trigger'))[0]!;
    const functions = resourcesOf(prod.api, 'AWS::Lambda::Function');
    // Functions of the nested workers stack wait through the nested stack resource, which depends on the trigger.
    const nested = Object.values(resourcesOf(prod.apiOnly, 'AWS::CloudFormation::Stack'));
    expect(nested).toHaveLength(1);
    expect(nested[0]!.DependsOn).toContain(triggerId);
    const inParent = new Set(Object.keys(resourcesOf(prod.apiOnly, 'AWS::Lambda::Function')));
    const inWorkers = new Set(Object.keys(resourcesOf(prod.workers, 'AWS::Lambda::Function')));
    for (const record of prod.platform.api.functions.filter((f) => f.kind !== 'migrations')) {
      const id = functionLogicalId(prod, record.functionName);
      if (inParent.has(id)) expect(functions[id]!.DependsOn, record.functionName).toContain(triggerId);
      else expect(inWorkers.has(id), record.functionName).toBe(true);
    }
    expect(Object.values(resourcesOf(prod.api, 'AWS::ApiGateway::Deployment'))[0]!.DependsOn).toContain(triggerId);
  });
});

describe('advance workflow (infra/constructs/advance-workflow.ts, attached by the platform)', () => {
  it('one task function per workflow task, the state machine logs ALL events without data and traces', () => {
    const tasks = prod.platform.api.functions.filter((f) => f.kind === 'workflow-task');
    expect(tasks.length).toBeGreaterThan(0);
    for (const task of tasks) expect(task.access).toMatchObject({ database: true, publishEvents: true });
    expect(tasks.filter((t) => t.access.abhi === 'client').length).toBe(3);
    prod.api.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: 'abhi-ewa-prod-advance',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: false }),
    });
  });

  it('request-advance and update-transaction-status may start it and answer its task tokens; no other route', () => {
    for (const route of ROUTES) {
      const statements = statementsOf(prod, names.routeFunction(config, route.id));
      const fn = resourcesOf(prod.api, 'AWS::Lambda::Function')[functionLogicalId(prod, names.routeFunction(config, route.id))]!;
      const starts = actionsOf(statements).includes('states:StartExecution');
      expect(starts, route.id).toBe(['requestAdvance', 'updateTransactionStatus'].includes(route.id));
      expect(fn.Properties.Environment.Variables.ADVANCE_STATE_MACHINE_ARN !== undefined, route.id).toBe(starts);
      if (starts) expect(actionsOf(statements)).toEqual(expect.arrayContaining(['states:SendTaskSuccess', 'states:SendTaskFailure']));
    }
  });

  it('alarms on failed, timed-out and aborted executions and on every task function (in its domain alarm)', () => {
    const alarms = Object.values(resourcesOf(prod.monitoring, 'AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    const names_ = alarms.map((a) => a.AlarmName);
    for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted']) expect(names_).toContain(`abhi-ewa-prod-AdvanceWorkflow-${metric}`);
    const errorAlarms = JSON.stringify(alarms.filter((a) => /-Lambda-.*-Errors/.test(a.AlarmName)));
    for (const task of prod.platform.api.functions.filter((f) => f.kind === 'workflow-task')) {
      expect(errorAlarms).toContain(`"${task.functionName}"`);
    }
  });
});

describe('monitoring stack (prod)', () => {
  const alarms = () => Object.values(resourcesOf(prod.monitoring, 'AWS::CloudWatch::Alarm')).map((a) => a.Properties);
  const alarm = (suffix: string) => {
    const found = alarms().find((a) => a.AlarmName === `abhi-ewa-prod-${suffix}`);
    if (!found) throw new Error(`no alarm ${suffix}`);
    return found;
  };

  it('API 5xx rate > 1 % over 5 minutes and p99 latency > 2 s', () => {
    const rate = alarm('Api5xxRate');
    expect(rate).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanThreshold', EvaluationPeriods: 1 });
    const metrics = JSON.stringify(rate.Metrics);
    expect(metrics).toContain('5XXError');
    expect(metrics).toContain('"Period":300');
    expect(alarm('ApiLatencyP99')).toMatchObject({ Threshold: 2000, ComparisonOperator: 'GreaterThanThreshold', ExtendedStatistic: 'p99', Period: 300 });
  });

  it('every DLQ alarms on its first message; every queue on age > 5 min and backlog > 1,000', () => {
    const dlqs = [...DEPLOYED_QUEUES.map((q) => `prod-${q.name}-dlq`), 'prod-event-delivery-dlq', 'prod-async-failures-dlq'];
    for (const dlq of dlqs) {
      expect(alarm(`DLQ-${dlq}`)).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', MetricName: 'ApproximateNumberOfMessagesVisible', Dimensions: [{ Name: 'QueueName', Value: dlq }] });
    }
    // Every dead-letter queue of the stateful stack is covered.
    const realDlqs = Object.values(resourcesOf(prod.stateful, 'AWS::SQS::Queue')).map((q) => q.Properties.QueueName).filter((n: string) => n.endsWith('-dlq'));
    expect(realDlqs.sort()).toEqual([...dlqs].sort());
    for (const queue of DEPLOYED_QUEUES) {
      expect(alarm(`Queue-${queue.name}-OldestMessage`)).toMatchObject({ Threshold: 300, ComparisonOperator: 'GreaterThanThreshold', MetricName: 'ApproximateAgeOfOldestMessage' });
      expect(alarm(`Queue-${queue.name}-Backlog`)).toMatchObject({ Threshold: 1000, ComparisonOperator: 'GreaterThanThreshold' });
    }
  });

  it('every function is in exactly one per-domain errors alarm and one duration alarm; throttles are alarmed account-wide', () => {
    const lambdaAlarms = alarms().filter((a) => a.AlarmName.includes('-Lambda-'));
    for (const record of prod.platform.api.functions) {
      for (const kind of ['Errors', 'DurationP99']) {
        const containing = lambdaAlarms.filter(
          (a) => new RegExp(`-${kind}(-\\d+)?$`).test(a.AlarmName) && JSON.stringify(a.Metrics).includes(`"${record.functionName}"`),
        );
        expect(containing.map((a) => a.AlarmName), `${record.functionName} ${kind}`).toHaveLength(1);
      }
    }
    expect(alarm('LambdaThrottles')).toMatchObject({ MetricName: 'Throttles', Namespace: 'AWS/Lambda', Threshold: 1 });
  });

  it('Abhi and ledger alarms read the custom EMF metrics with the service dimension', () => {
    for (const [name, threshold] of [
      ['AbhiCircuitOpen', 1],
      ['AbhiRateLimited', config.alarms.abhiRateLimitedPer5Min],
      ['AbhiServerErrors', config.alarms.abhiServerErrorsPer5Min],
      ['AbhiLoginFailures', 1],
      ['ReconciliationMismatches', 1],
      ['AdvanceRecordingStuck', 1],
      ['AdvanceOutcomeUnknown', 1],
      ['AdvanceWorkflowSignalFailed', 1],
      ['MirrorIdentityMismatch', 1],
      ['AdvanceStatusPollExhausted', 1],
      ['AdvanceAbhiWaitExhausted', 1],
    ] as const) {
      expect(alarm(name)).toMatchObject({
        Namespace: 'AbhiEwa',
        MetricName: name,
        Threshold: threshold,
        Dimensions: [{ Name: 'service', Value: config.serviceName }],
      });
    }
  });

  it('Aurora CPU, connections and ACU near their limits', () => {
    expect(alarm('AuroraCpu')).toMatchObject({ MetricName: 'CPUUtilization', Threshold: 80 });
    expect(alarm('AuroraAcuUtilization')).toMatchObject({ MetricName: 'ACUUtilization', Threshold: 90 });
    expect(alarm('AuroraConnections').Threshold).toBe(Math.floor(prod.platform.stateful.database.maxConnectionsAtMaxCapacity * 0.8));
  });

  it('every alarm notifies the alarm topic, which mails the configured address', () => {
    for (const a of alarms()) {
      expect(a.AlarmActions, a.AlarmName).toHaveLength(1);
      expect(a.AlarmDescription).toContain('docs/operations.md');
    }
    prod.monitoring.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'alarms@example.com' });
    prod.monitoring.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });
});

describe('cdk-nag (AwsSolutions and Serverless packs)', () => {
  it.each(['dev', 'uat', 'prod'] as const)('%s: no unacknowledged finding', (stage) => {
    const { app } = synthStage(stage);
    const findings = nagPacks().flatMap((pack) =>
      pack.validateScope(app).violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`),
    );
    expect(findings).toEqual([]);
  });

  it('every acknowledgement carries a reason a reviewer can check', () => {
    const { app } = synthStage('prod');
    const acknowledgements: { path: string; id: string; reason: string }[] = [];
    const visit = (node: IConstruct) => {
      for (const entry of node.node.metadata) {
        if (entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY) {
          for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) acknowledgements.push({ path: node.node.path, id, reason });
        }
      }
      node.node.children.forEach(visit);
    };
    visit(app);
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const ack of acknowledgements) expect(ack.reason.length, `${ack.path} ${ack.id}`).toBeGreaterThan(40);
  });
});
