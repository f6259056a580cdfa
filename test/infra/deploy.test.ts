import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { allowServicePublish } from '../../infra/constructs/topic-publishers';
import { beforeAll, describe, expect, it } from 'vitest';
import { QUEUES } from '../../functions/shared/topology';
import { names } from '../../infra/config/names';
import { resolveStageConfig, StageConfigError } from '../../infra/config/stages';
import { LAMBDA_RDS_CA_BUNDLE } from '../../infra/constructs/database';
import { buildPlatform } from '../../infra/stacks/platform';
import { resourcesOf, synthStage, type SynthesizedStage } from './support/synth';

/**
 * What a first `cdk deploy` to me-central-1 needs that the local stand-ins cannot show (issue #19): template tests
 * of the synthesized dev and prod stages, AWS control plane not involved.
 */
const DOMAIN = { apiDomainName: 'api.example.ae', apiCertificateArn: 'arn:aws:acm:me-central-1:123456789012:certificate/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0' };
const DELIVERY = { sesFromAddress: 'no-reply@example.ae', smsEnabled: 'true', wafExemptCidrs: '203.0.113.10/32,198.51.100.0/28', alarmHttpsUrl: 'https://pager.example.com/hook' };

let dev: SynthesizedStage;
let prod: SynthesizedStage;
let custom: SynthesizedStage;

beforeAll(() => {
  dev = synthStage('dev');
  prod = synthStage('prod');
  custom = synthStage('uat', { ...DOMAIN, ...DELIVERY });
});

const functionsOf = (s: SynthesizedStage) => Object.values(resourcesOf(s.api, 'AWS::Lambda::Function')).map((f) => f.Properties);
const read = (values: Record<string, string>) => (key: string) => values[key];

describe('1. database TLS verifies', () => {
  it('every function that connects to PostgreSQL (migrations to the writer included) trusts the runtime RDS CA bundle', () => {
    for (const s of [dev, prod]) {
      const dbFunctions = functionsOf(s).filter((p) => p.Environment?.Variables?.DATABASE_HOST);
      expect(dbFunctions.length).toBeGreaterThan(5);
      for (const p of dbFunctions) {
        expect(p.Environment.Variables.NODE_EXTRA_CA_CERTS, p.FunctionName).toBe(LAMBDA_RDS_CA_BUNDLE);
        expect(p.Environment.Variables.DATABASE_SSL).toBe('true');
      }
    }
    const migrations = functionsOf(prod).find((p) => p.FunctionName === names.migrationsFunction(prod.platform.config))!;
    expect(migrations.Environment.Variables).toMatchObject({ DATABASE_AUTH: 'secret', NODE_EXTRA_CA_CERTS: LAMBDA_RDS_CA_BUNDLE });
  });

  it('dev has no RDS Proxy: functions log in to the writer with IAM (rds-db:connect on the cluster user) and it may pause at 0 ACU', () => {
    dev.stateful.resourceCountIs('AWS::RDS::DBProxy', 0);
    prod.stateful.resourceCountIs('AWS::RDS::DBProxy', 1);
    dev.stateful.hasResourceProperties('AWS::RDS::DBCluster', {
      ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 4, SecondsUntilAutoPause: 600 },
    });
    // Nothing touches the database every minute in dev, or Aurora would never pause: the outbox sweep runs hourly there.
    for (const name of ['outbox-sweep', 'advance-status-poll', 'approval-reminders']) {
      dev.api.hasResourceProperties('AWS::Scheduler::Schedule', { Name: `abhi-ewa-dev-${name}`, ScheduleExpression: 'rate(1 hour)' });
    }
    prod.api.hasResourceProperties('AWS::Scheduler::Schedule', { Name: 'abhi-ewa-prod-outbox-sweep', ScheduleExpression: 'rate(1 minute)' });
    const policies = JSON.stringify(resourcesOf(dev.api, 'AWS::IAM::Policy'));
    expect(policies).toContain('rds-db:connect');
    expect(policies).toContain('dbuser:');
    expect(policies).toContain('/abhi_app');
  });
});

describe('2. alarms reach people', () => {
  it('the alarm topic lets CloudWatch (this account, its alarms) publish, beside the SSL-only deny', () => {
    const [policy] = Object.values(resourcesOf(prod.monitoring, 'AWS::SNS::TopicPolicy'));
    const statements = policy!.Properties.PolicyDocument.Statement as any[];
    const allow = statements.find((s) => s.Effect === 'Allow' && s.Principal?.Service === 'cloudwatch.amazonaws.com');
    expect(allow).toMatchObject({ Action: 'sns:Publish', Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } });
    expect(JSON.stringify(allow.Condition.ArnLike)).toContain(':alarm:*');
    expect(statements.some((s) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false')).toBe(true);
  });

  it('allowServicePublish gives EventBridge and AWS Backup the same account-conditioned publish right on their topics', () => {
    const stack = new Stack(new App(), 'Topics', { env: { region: 'me-central-1' } });
    const topic = new sns.Topic(stack, 'BackupEvents', { enforceSSL: true });
    allowServicePublish(topic, 'backup');
    allowServicePublish(topic, 'eventbridge');
    const [policy] = Object.values(Template.fromStack(stack).findResources('AWS::SNS::TopicPolicy'));
    const statements = (policy as any).Properties.PolicyDocument.Statement as any[];
    for (const service of ['backup.amazonaws.com', 'events.amazonaws.com']) {
      const allow = statements.find((st) => st.Principal?.Service === service);
      expect(allow, service).toMatchObject({ Effect: 'Allow', Action: 'sns:Publish', Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } });
    }
  });

  it('every stage subscribes an e-mail and/or an HTTPS endpoint from context; prod refuses to synth without one', () => {
    custom.monitoring.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'https', Endpoint: DELIVERY.alarmHttpsUrl });
    dev.monitoring.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email' });
    expect(() => resolveStageConfig(read({ stage: 'prod', oidcIssuer: 'https://login.example.com/' }))).toThrow(/alarm subscriber/);
    expect(resolveStageConfig(read({ stage: 'prod', oidcIssuer: 'https://login.example.com/', alarmHttpsUrl: 'https://pager.example.com/' })).deploy.alarmHttpsUrl).toBe(
      'https://pager.example.com/',
    );
  });
});

describe('3. region and residency', () => {
  it('every stack is pinned to me-central-1 without an account in context, and takes the account from context or CDK_DEFAULT_ACCOUNT', () => {
    for (const stack of [dev.platform.stateful, dev.platform.api, dev.platform.monitoring, dev.platform.api.workers]) expect(stack.region).toBe('me-central-1');
    expect(resolveStageConfig(read({ account: '123456789012' })).env).toEqual({ account: '123456789012', region: 'me-central-1' });
    const previous = process.env.CDK_DEFAULT_ACCOUNT;
    process.env.CDK_DEFAULT_ACCOUNT = '210987654321';
    try {
      expect(resolveStageConfig(read({})).env).toEqual({ account: '210987654321', region: 'me-central-1' });
      const app = new App({ context: { stage: 'dev', bundling: 'false' } });
      const platform = buildPlatform(app, { checks: false, resolveEntry: () => new URL('./fixtures/probe-handler.ts', import.meta.url).pathname });
      expect(platform.api.account).toBe('210987654321');
      expect(platform.api.region).toBe('me-central-1');
    } finally {
      if (previous === undefined) delete process.env.CDK_DEFAULT_ACCOUNT;
      else process.env.CDK_DEFAULT_ACCOUNT = previous;
    }
  });
});

describe('4. notifications delivered', () => {
  const consumer = (s: SynthesizedStage) => functionsOf(s).find((p) => p.FunctionName === names.consumerFunction(s.platform.config, 'notifications'))!;

  it('with context: SES from the verified identity only, SMS to phone numbers only (topics denied)', () => {
    expect(consumer(custom).Environment.Variables).toMatchObject({ NOTIFICATION_EMAIL_FROM: DELIVERY.sesFromAddress, NOTIFICATION_DELIVERY: 'sns', NOTIFICATION_SES_REGION: 'me-central-1' });
    const policies = Object.values(resourcesOf(custom.api, 'AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement as any[]);
    const ses = policies.find((s) => s.Sid === 'SendNotificationEmail');
    expect(ses).toMatchObject({ Action: 'ses:SendEmail', Condition: { StringEquals: { 'ses:FromAddress': DELIVERY.sesFromAddress } } });
    expect(JSON.stringify(ses.Resource)).toContain('identity/no-reply@example.ae');
    expect(policies.find((s) => s.Sid === 'NoTopicPublish')).toMatchObject({ Effect: 'Deny', Action: 'sns:Publish' });
    // Only the notifications consumer may send.
    expect(policies.filter((s) => s.Sid === 'SendNotificationEmail' || s.Sid === 'SendNotificationSms')).toHaveLength(2);
  });

  it('without context: no permission, messages recorded, and synth says so', () => {
    expect(consumer(dev).Environment.Variables.NOTIFICATION_EMAIL_FROM).toBeUndefined();
    expect(JSON.stringify(resourcesOf(dev.api, 'AWS::IAM::Policy'))).not.toMatch(/ses:SendEmail|SendNotificationSms/);
    // Read from the construct metadata (Annotations.fromStack would synthesize the app again).
    const warnings = (s: SynthesizedStage) => s.platform.api.node.metadata.filter((m) => m.type === 'aws:cdk:warning').map((m) => String(m.data));
    expect(warnings(dev).some((w) => w.includes('only recorded in the notifications table'))).toBe(true);
    expect(warnings(custom).some((w) => w.includes('only recorded'))).toBe(false);
  });
});

describe('5. the HTTPS endpoint', () => {
  it('custom domain: TLS 1.2, base path mapping to the stage, execute-api disabled, its URL is the ApiUrl output', () => {
    custom.api.hasResourceProperties('AWS::ApiGateway::DomainName', {
      DomainName: DOMAIN.apiDomainName,
      RegionalCertificateArn: DOMAIN.apiCertificateArn,
      SecurityPolicy: 'TLS_1_2',
      EndpointConfiguration: { Types: ['REGIONAL'] },
    });
    custom.api.resourceCountIs('AWS::ApiGateway::BasePathMapping', 1);
    custom.api.hasResourceProperties('AWS::ApiGateway::RestApi', { DisableExecuteApiEndpoint: true });
    expect(custom.api.toJSON().Outputs.ApiUrl.Value).toBe(`https://${DOMAIN.apiDomainName}/`);
    dev.api.resourceCountIs('AWS::ApiGateway::DomainName', 0);
    dev.api.hasResourceProperties('AWS::ApiGateway::RestApi', { DisableExecuteApiEndpoint: false });
    expect(() => resolveStageConfig(read({ apiDomainName: DOMAIN.apiDomainName }))).toThrow(StageConfigError);
  });

  it('WAF logs to CloudWatch Logs (aws-waf-logs-*) with the authorization and cookie headers redacted', () => {
    const [logging] = Object.values(resourcesOf(prod.api, 'AWS::WAFv2::LoggingConfiguration'));
    expect(logging!.Properties.RedactedFields).toEqual([{ SingleHeader: { Name: 'authorization' } }, { SingleHeader: { Name: 'cookie' } }]);
    expect(JSON.stringify(logging!.Properties.LogDestinationConfigs)).toContain('log-group:aws-waf-logs-abhi-ewa-prod-api');
    prod.api.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: 'aws-waf-logs-abhi-ewa-prod-api' });
  });

  it("partners' addresses (IP set from context) skip the per-IP rate rule only", () => {
    custom.api.hasResourceProperties('AWS::WAFv2::IPSet', { Scope: 'REGIONAL', Addresses: ['203.0.113.10/32', '198.51.100.0/28'] });
    const [acl] = Object.values(resourcesOf(custom.api, 'AWS::WAFv2::WebACL'));
    const rate = (acl!.Properties.Rules as any[]).find((r) => r.Name === 'RateLimitPerIp');
    expect(rate.Statement.RateBasedStatement.ScopeDownStatement.NotStatement.Statement.IPSetReferenceStatement.Arn['Fn::GetAtt'][1]).toBe('Arn');
    dev.api.resourceCountIs('AWS::WAFv2::IPSet', 0);
    expect(() => resolveStageConfig(read({ wafExemptCidrs: '203.0.113.10' }))).toThrow(/not an IPv4 CIDR/);
  });
});

describe('6. alarms that page for real failures (CloudWatch itself not involved)', () => {
  const alarmNames = (s: SynthesizedStage) => Object.values(resourcesOf(s.monitoring, 'AWS::CloudWatch::Alarm')).map((a) => a.Properties.AlarmName as string);

  it('per-domain Lambda alarms instead of two per function; duration p99 against each timeout; account throttles and concurrency', () => {
    const names_ = alarmNames(prod);
    const functions = prod.platform.api.functions.length;
    expect(names_.filter((n) => n.includes('-Lambda-')).length).toBeLessThan(functions);
    expect(names_).toEqual(expect.arrayContaining(['abhi-ewa-prod-Lambda-transactions-Errors', 'abhi-ewa-prod-Lambda-workflow-DurationP99', 'abhi-ewa-prod-LambdaThrottles', 'abhi-ewa-prod-LambdaAccountConcurrency']));
    const duration = Object.values(resourcesOf(prod.monitoring, 'AWS::CloudWatch::Alarm')).find((a) => a.Properties.AlarmName === 'abhi-ewa-prod-Lambda-workflow-DurationP99')!;
    expect(duration.Properties.Threshold).toBe(80);
    expect(JSON.stringify(duration.Properties.Metrics)).toContain('/ 60000');
  });

  it('DynamoDB throttles and system errors, Aurora memory, proxy borrow latency (prod), Step Functions, queue age, WAF spike, Abhi 429 apart', () => {
    const names_ = alarmNames(prod);
    for (const suffix of [
      'DynamoDb-state-Throttled',
      'DynamoDb-state-SystemErrors',
      'AuroraFreeableMemory',
      'AuroraCpu',
      'AuroraAcuUtilization',
      'ProxyBorrowLatency',
      'ProxyConnections',
      'AdvanceWorkflow-ExecutionsFailed',
      'AdvanceWorkflow-ExecutionsTimedOut',
      'AdvanceWorkflow-ExecutionsAborted',
      'WafBlockedSpike',
      'AbhiRateLimited',
      'AbhiServerErrors',
      ...QUEUES.filter((q) => !q.optIn).map((q) => `Queue-${q.name}-OldestMessage`),
    ]) {
      expect(names_, suffix).toContain(`abhi-ewa-prod-${suffix}`);
    }
    expect(alarmNames(dev)).not.toContain('abhi-ewa-dev-ProxyBorrowLatency');
    const body = JSON.stringify(prod.monitoring.toJSON());
    expect(body).not.toContain('AbhiLocalLimiterRefused"');
  });

  it('the dashboard shows every function and the workflow', () => {
    const [dashboard] = Object.values(resourcesOf(prod.monitoring, 'AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard!.Properties.DashboardBody);
    for (const record of prod.platform.api.functions) expect(body, record.functionName).toContain(record.functionName);
    expect(body).toContain('AdvanceWorkflow outcomes');
  });
});
