import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildPlatform } from '../../infra/stacks/platform';
import { resourcesOf, synthStage, templatesOf, TEST_CONTEXT, type SynthesizedStage } from './support/synth';

/**
 * Issue #15 (1)(2)(3): disaster recovery in the templates (the AWS control plane cannot run here): the AWS Backup plan
 * of the cluster and every table with its opt-in copy to a second region under a key of that region, the alarm on
 * failed backup/copy/restore jobs, the prod reader in another AZ, and the weekly restore check.
 */

let prod: SynthesizedStage;
let dev: SynthesizedStage;
let prodRecovery: Template;
let devRecovery: Template;
let copied: { recovery: Template; copy: Template; region: string };

beforeAll(() => {
  prod = synthStage('prod');
  dev = synthStage('dev');
  prodRecovery = templatesOf(prod.app)(prod.platform.recovery.stackName);
  devRecovery = templatesOf(dev.app)(dev.platform.recovery.stackName);
  const withCopy = synthStage('prod', { backupCopyRegion: 'eu-central-1' });
  const templates = templatesOf(withCopy.app);
  copied = { recovery: templates(withCopy.platform.recovery.stackName), copy: templates(withCopy.platform.backupCopy!.stackName), region: withCopy.platform.backupCopy!.region };
});

describe('AWS Backup plan', () => {
  it('selects the Aurora cluster and every DynamoDB table, daily, into a vault with its own KMS key; no copy unless configured', () => {
    prodRecovery.hasResourceProperties('AWS::Backup::BackupVault', { BackupVaultName: 'abhi-ewa-prod-backups', EncryptionKeyArn: Match.anyValue(), LockConfiguration: { MinRetentionDays: 7 } });
    const [plan] = Object.values(resourcesOf(prodRecovery, 'AWS::Backup::BackupPlan'));
    const rule = plan!.Properties.BackupPlan.BackupPlanRule[0];
    expect(rule.ScheduleExpression).toBe('cron(30 22 * * ? *)');
    expect(rule.Lifecycle.DeleteAfterDays).toBe(35);
    expect(rule.CopyActions ?? []).toEqual([]);
    const [selection] = Object.values(resourcesOf(prodRecovery, 'AWS::Backup::BackupSelection'));
    const resources = JSON.stringify(selection!.Properties.BackupSelection.Resources);
    expect(resources).toContain(':cluster:');
    expect(selection!.Properties.BackupSelection.Resources).toHaveLength(3); // the cluster and both tables
    expect(Object.keys(resourcesOf(devRecovery, 'AWS::Backup::BackupPlan'))).toHaveLength(1);
    expect(Object.values(resourcesOf(devRecovery, 'AWS::Backup::BackupPlan'))[0]!.Properties.BackupPlan.BackupPlanRule[0].Lifecycle.DeleteAfterDays).toBe(7);
  });

  it('with --context backupCopyRegion, copies every recovery point to a vault in that region encrypted with a key of that region', () => {
    expect(copied.region).toBe('eu-central-1');
    const [plan] = Object.values(resourcesOf(copied.recovery, 'AWS::Backup::BackupPlan'));
    const [copy] = plan!.Properties.BackupPlan.BackupPlanRule[0].CopyActions;
    expect(JSON.stringify(copy.DestinationBackupVaultArn)).toContain(':backup:eu-central-1:');
    expect(JSON.stringify(copy.DestinationBackupVaultArn)).toContain('backup-vault:abhi-ewa-prod-backups');
    expect(copy.Lifecycle.DeleteAfterDays).toBe(35);
    copied.copy.hasResourceProperties('AWS::Backup::BackupVault', { BackupVaultName: 'abhi-ewa-prod-backups', EncryptionKeyArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('VaultKey'), 'Arn'] } });
    copied.copy.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('refuses a copy region equal to the stage region, or not a region, with one sentence', () => {
    const build = (region: string) => () =>
      buildPlatform(new App({ context: { stage: 'prod', ...TEST_CONTEXT, bundling: 'false', backupCopyRegion: region } }), { checks: false, resolveEntry: () => import.meta.filename });
    expect(build('me-central-1')).toThrow(/backupCopyRegion must differ from the stage's region me-central-1/);
    expect(build('UAE')).toThrow(/is not a region name/);
  });

  it('failed, aborted or expired backup, copy and restore jobs go to the alarm topic', () => {
    prodRecovery.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.backup'],
        'detail-type': ['Backup Job State Change', 'Copy Job State Change', 'Restore Job State Change'],
        detail: { state: ['FAILED', 'ABORTED', 'EXPIRED'] },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::ImportValue': Match.stringLikeRegexp('AlarmTopic') } })],
    });
  });
});

describe('reader', () => {
  it('prod runs a reader instance (Serverless v2, scales with the writer, so it can be promoted); dev has none', () => {
    const instances = (s: SynthesizedStage) => Object.values(resourcesOf(s.stateful, 'AWS::RDS::DBInstance'));
    expect(instances(prod)).toHaveLength(2);
    expect(instances(dev)).toHaveLength(1);
    // Aurora places a cluster's instances in different AZs of its subnet group; the subnet group spans the AZs.
    const [group] = Object.values(resourcesOf(prod.stateful, 'AWS::RDS::DBSubnetGroup'));
    expect(group!.Properties.SubnetIds.length).toBeGreaterThanOrEqual(2);
    expect(instances(prod).some((i) => i.Properties.PromotionTier === 2 || i.Properties.PromotionTier === 1)).toBe(true);
  });
});

describe('reader endpoint for read-only routes', () => {
  it('prod has a READ_ONLY proxy endpoint and every function connecting as the application user gets DATABASE_READER_HOST (migrations use the writer); dev has neither (its reader pool is the writer)', () => {
    prod.stateful.hasResourceProperties('AWS::RDS::DBProxyEndpoint', { TargetRole: 'READ_ONLY', DBProxyEndpointName: 'abhi-ewa-prod-reader' });
    expect(Object.keys(resourcesOf(dev.stateful, 'AWS::RDS::DBProxyEndpoint'))).toHaveLength(0);
    const withDatabase = (s: SynthesizedStage) => Object.values(resourcesOf(s.api, 'AWS::Lambda::Function')).filter((f) => f.Properties.Environment?.Variables?.DATABASE_AUTH === 'iam');
    expect(withDatabase(prod).length).toBeGreaterThan(0);
    for (const fn of withDatabase(prod)) expect(JSON.stringify(fn.Properties.Environment.Variables.DATABASE_READER_HOST)).toMatch(/ReaderEndpoint/);
    for (const fn of withDatabase(dev)) expect(fn.Properties.Environment.Variables.DATABASE_READER_HOST).toBeUndefined();
  });
});

describe('weekly restore check (prod)', () => {
  it('restores the latest restorable time into a throwaway cluster, reports, deletes it; scheduled weekly; failures alarm', () => {
    const [machine] = Object.values(resourcesOf(prodRecovery, 'AWS::StepFunctions::StateMachine'));
    const definition = JSON.stringify(machine!.Properties.DefinitionString);
    for (const step of ['rds:restoreDBClusterToPointInTime', 'rds:describeDBClusters', 'rds:deleteDBCluster', 'sns:publish', 'UseLatestRestorableTime', 'abhi-ewa-prod-restore-check']) {
      expect(definition).toContain(step);
    }
    prodRecovery.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'cron(0 23 ? * SUN *)', Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('RestoreCheckStateMachine') } })] });
    prodRecovery.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'abhi-ewa-prod-restore-check-failed', AlarmActions: [{ 'Fn::ImportValue': Match.stringLikeRegexp('AlarmTopic') }] });
    // Least privilege: the restore acts on the production cluster and the throwaway one only.
    const statements = Object.values(resourcesOf(prodRecovery, 'AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
    const restore = statements.find((s) => [s.Action].flat().includes('rds:restoreDBClusterToPointInTime'));
    expect(JSON.stringify(restore.Resource)).toContain('cluster:abhi-ewa-prod-restore-check');
    expect(Object.keys(resourcesOf(devRecovery, 'AWS::StepFunctions::StateMachine'))).toHaveLength(0);
  });
});
