import { describe, expect, it } from 'vitest';
import { queueByName } from '../../functions/shared/topology';
import { names } from '../../infra/config/names';
import { nagPacks } from '../../infra/constructs/checks';
import { resolveStageConfig, StageConfigError } from '../../infra/config/stages';
import { resourcesOf, synthStage, TEST_CONTEXT, type SynthesizedStage } from './support/synth';

/**
 * User provisioning in the synthesized templates (the AWS control plane has no local stand-in): off unless the stage
 * sets `userProvisioning`; when on, the queue, its DLQ, the DLQ alarm, the event subscription and a consumer whose role
 * reaches only the stage's directory.
 */
const QUEUE = queueByName('user-provisioning');

function consumerOf(stage: SynthesizedStage) {
  const name = names.consumerFunction(stage.platform.config, QUEUE.name);
  const entry = Object.entries(resourcesOf(stage.api, 'AWS::Lambda::Function')).find(([, r]) => r.Properties.FunctionName === name);
  if (!entry) return undefined;
  const [, fn] = entry;
  const roleId = fn.Properties.Role['Fn::GetAtt'][0];
  const statements = Object.values(resourcesOf(stage.api, 'AWS::IAM::Policy'))
    .filter((p) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as any[]);
  return { env: fn.Properties.Environment.Variables as Record<string, unknown>, statements };
}

const queueNames = (stage: SynthesizedStage) => Object.values(resourcesOf(stage.stateful, 'AWS::SQS::Queue')).map((q) => q.Properties.QueueName as string);
const nagFindings = (stage: SynthesizedStage) =>
  nagPacks().flatMap((pack) => pack.validateScope(stage.app).violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`));

describe('user provisioning in the templates', () => {
  it('is off unless the stage configures it: no queue, no DLQ, no subscription, no consumer', () => {
    const stage = synthStage('dev');
    expect(queueNames(stage).filter((n) => n.includes('user-provisioning'))).toEqual([]);
    expect(consumerOf(stage)).toBeUndefined();
  });

  describe('userProvisioning=cognito (identityProvider=cognito)', () => {
    const stage = synthStage('prod', { identityProvider: 'cognito', userProvisioning: 'cognito' });

    it('creates the queue and its DLQ, subscribes it to the employee and organization events, and alarms on the DLQ', () => {
      expect(queueNames(stage)).toEqual(expect.arrayContaining(['prod-user-provisioning', 'prod-user-provisioning-dlq']));
      const filters = Object.values(resourcesOf(stage.stateful, 'AWS::SNS::Subscription')).map((s) => s.Properties.FilterPolicy);
      expect(filters).toContainEqual({ type: [...QUEUE.eventTypes!] });
      const alarms = Object.values(resourcesOf(stage.monitoring, 'AWS::CloudWatch::Alarm')).map((a) => a.Properties);
      expect(alarms).toContainEqual(expect.objectContaining({ Threshold: 0, Dimensions: [{ Name: 'QueueName', Value: 'prod-user-provisioning-dlq' }] }));
    });

    it('least privilege: cognito-idp Admin* actions on the stack’s user pool only, no Abhi or data-key secret', () => {
      const consumer = consumerOf(stage)!;
      expect(consumer.env).toMatchObject({ USER_PROVISIONING: 'cognito', COGNITO_USER_POOL_ID: { Ref: expect.stringMatching(/UserPool/) } });
      const cognito = consumer.statements.filter((s) => [s.Action].flat().some((a: string) => a.startsWith('cognito-idp:')));
      expect(cognito).toHaveLength(1);
      expect([cognito[0].Action].flat().every((a: string) => /^cognito-idp:Admin[A-Za-z]+$/.test(a))).toBe(true);
      // The consumer lives in the nested workers stack: the pool's ARN reaches it as a parameter of that stack.
      expect(cognito[0].Resource).toEqual({ Ref: expect.stringMatching(/UserPool.*Arn$/) });
      expect(JSON.stringify(consumer.statements)).not.toContain('secretsmanager:GetSecretValue');
      expect(consumer.env).not.toHaveProperty('ABHI_CREDENTIALS_SECRET_ID');
      expect(consumer.env).not.toHaveProperty('DATA_KEY_SECRET_ID');
    });

    it('passes the cdk-nag packs', () => {
      expect(nagFindings(stage)).toEqual([]);
    });
  });

  describe('userProvisioning=keycloak', () => {
    const stage = synthStage('uat', {
      userProvisioning: 'keycloak',
      keycloakAdminUrl: 'https://sso.example.ae',
      keycloakProvisioningClientId: 'abhi-provisioning',
      keycloakProvisioningSecretName: 'abhi-ewa-uat/keycloak-provisioning',
    });

    it('gives the consumer Keycloak’s URL, realm and client, and read access to that one secret; no cognito-idp', () => {
      const consumer = consumerOf(stage)!;
      expect(consumer.env).toMatchObject({
        USER_PROVISIONING: 'keycloak',
        KEYCLOAK_BASE_URL: 'https://sso.example.ae',
        KEYCLOAK_REALM: 'abhi-microservices',
        KEYCLOAK_PROVISIONING_CLIENT_ID: 'abhi-provisioning',
      });
      const reads = consumer.statements.filter((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue'));
      expect(reads).toHaveLength(1);
      expect(JSON.stringify(reads[0].Resource)).toContain('secret:abhi-ewa-uat/keycloak-provisioning');
      expect(JSON.stringify(consumer.statements)).not.toContain('cognito-idp');
    });

    it('passes the cdk-nag packs', () => {
      expect(nagFindings(stage)).toEqual([]);
    });
  });

  it('a wrong or incomplete setting stops the synth with a sentence naming it', () => {
    const resolve = (context: Record<string, string>) => () => resolveStageConfig((key) => ({ stage: 'uat', ...TEST_CONTEXT, ...context })[key]);
    expect(resolve({ userProvisioning: 'okta' })).toThrow(new StageConfigError('Unknown context userProvisioning "okta": pass --context userProvisioning=keycloak or cognito, or leave it out.'));
    expect(resolve({ userProvisioning: 'cognito' })).toThrow(/userProvisioning=cognito .*--context identityProvider=cognito/);
    expect(resolve({ userProvisioning: 'keycloak' })).toThrow(/--context keycloakAdminUrl=/);
    expect(resolve({ userProvisioning: 'keycloak', keycloakAdminUrl: 'https://sso.example.ae', keycloakProvisioningClientId: 'c' })).toThrow(/--context keycloakProvisioningSecretName=/);
    expect(resolveStageConfig((key) => ({ stage: 'uat', ...TEST_CONTEXT })[key as keyof typeof TEST_CONTEXT]).userProvisioning).toBeUndefined();
  });
});
