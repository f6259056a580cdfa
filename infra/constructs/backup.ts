import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Validations } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { RecoveryConfig } from '../config/recovery';
import type { StageConfig } from '../config/stages';

/** Name of the backup vault of a stage; the same name in the copy region (the ARN is built from it, no cross-region reference). */
export const backupVaultName = (config: StageConfig): string => `${config.prefix}-backups`;

export interface PlatformBackupProps {
  readonly config: StageConfig;
  readonly recovery: RecoveryConfig;
  readonly cluster: rds.IDatabaseCluster;
  readonly tables: readonly dynamodb.ITable[];
  /** Backup, copy and restore jobs that fail, abort or expire are published here (the stage's alarm topic). */
  readonly alarmTopic: sns.ITopic;
  /** Where EventBridge puts notifications it could not deliver. */
  readonly deadLetterQueue: sqs.IQueue;
}

/**
 * AWS Backup for the stage: a vault encrypted with its own KMS key, a daily plan selecting the Aurora cluster and every
 * DynamoDB table (on top of their continuous point-in-time recovery, which is what meets the RPO), an optional copy of
 * each recovery point to a vault in a second region, and an EventBridge rule that sends failed, aborted and expired
 * backup, copy and restore jobs to the alarm topic.
 */
export class PlatformBackup extends Construct {
  readonly vault: backup.BackupVault;
  readonly plan: backup.BackupPlan;
  readonly failures: events.Rule;

  constructor(scope: Construct, id: string, props: PlatformBackupProps) {
    super(scope, id);
    const { config, recovery } = props;
    this.vault = lockedVault(this, config, { aliasSuffix: 'backups', description: `Abhi EWA ${config.stage}: AWS Backup vault` });

    const stack = Stack.of(this);
    const copyActions: backup.BackupPlanCopyActionProps[] = recovery.copyRegion
      ? [
          {
            destinationBackupVault: backup.BackupVault.fromBackupVaultArn(
              this,
              'CopyVault',
              `arn:${stack.partition}:backup:${recovery.copyRegion}:${stack.account}:backup-vault:${backupVaultName(config)}`,
            ),
            deleteAfter: Duration.days(recovery.copyRetentionDays),
          },
        ]
      : [];

    this.plan = new backup.BackupPlan(this, 'Plan', {
      backupPlanName: `${config.prefix}-daily`,
      backupVault: this.vault,
      backupPlanRules: [
        new backup.BackupPlanRule({
          ruleName: 'daily',
          // 02:00 in the UAE, after the Aurora backup window (22:00-23:00 UTC).
          scheduleExpression: events.Schedule.cron({ hour: '22', minute: '30' }),
          startWindow: Duration.hours(1),
          completionWindow: Duration.hours(4),
          deleteAfter: Duration.days(recovery.snapshotRetentionDays),
          copyActions,
        }),
      ],
    });
    const selection = this.plan.addSelection('Data', {
      backupSelectionName: `${config.prefix}-data`,
      resources: [backup.BackupResource.fromRdsDatabaseCluster(props.cluster), ...props.tables.map((table) => backup.BackupResource.fromDynamoDbTable(table))],
    });
    Validations.of(selection).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]',
      reason: 'The role AWS Backup assumes to take the backups uses the service policy AWS publishes for it; it is kept current by AWS as the services it backs up change.',
    });

    this.failures = new events.Rule(this, 'JobFailures', {
      ruleName: `${config.prefix}-backup-job-failures`,
      description: 'AWS Backup backup, copy or restore job failed, aborted or expired: raise the alarm',
      eventPattern: {
        source: ['aws.backup'],
        detailType: ['Backup Job State Change', 'Copy Job State Change', 'Restore Job State Change'],
        detail: { state: ['FAILED', 'ABORTED', 'EXPIRED'] },
      },
      targets: [new targets.SnsTopic(props.alarmTopic, { deadLetterQueue: props.deadLetterQueue })],
    });
  }
}

/**
 * The vault that receives the copies, deployed to the copy region (its own stack): its own KMS key there, because a
 * copy must be encrypted with a key of the destination region.
 */
export class BackupCopyVault extends Construct {
  readonly vault: backup.BackupVault;

  constructor(scope: Construct, id: string, props: { config: StageConfig }) {
    super(scope, id);
    const { config } = props;
    this.vault = lockedVault(this, config, {
      aliasSuffix: 'backups-copy',
      description: `Abhi EWA ${config.stage}: copies of backups from ${config.env.region}`,
    });
  }
}

/** A stage's backup vault (`VaultKey` and `Vault` under `scope`) with a KMS key of its own region. */
function lockedVault(scope: Construct, config: StageConfig, key: { aliasSuffix: string; description: string }): backup.BackupVault {
  const retain = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
  const encryptionKey = new kms.Key(scope, 'VaultKey', {
    alias: `alias/${config.prefix}-${key.aliasSuffix}`,
    description: key.description,
    enableKeyRotation: true,
    removalPolicy: retain,
  });
  return new backup.BackupVault(scope, 'Vault', {
    backupVaultName: backupVaultName(config),
    encryptionKey,
    removalPolicy: retain,
    // Recovery points cannot be deleted before their retention ends, not even by an administrator of the account.
    ...(config.retainData ? { lockConfiguration: { minRetention: Duration.days(7) } } : {}),
  });
}
