import { RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { RecoveryConfig } from '../config/recovery';
import type { StageConfig } from '../config/stages';
import { BackupCopyVault, PlatformBackup } from '../constructs/backup';
import { RestoreCheck } from '../constructs/restore-check';
import { acknowledgeDeadLetterQueue, DLQ_RETENTION } from '../constructs/work-queues';
import type { StatefulStack } from './stateful-stack';

export interface RecoveryStackProps extends StackProps {
  readonly config: StageConfig;
  readonly recovery: RecoveryConfig;
  readonly stateful: StatefulStack;
  readonly alarmTopic: sns.ITopic;
}

/**
 * Disaster recovery of a stage (docs/operations.md, ADR 0017): the AWS Backup plan of the cluster and the tables with
 * its optional copy to a second region, alarms on failed backup jobs, and in prod the weekly restore check. A stack of
 * its own so that backup changes never touch the stateful stack's resources.
 */
export class RecoveryStack extends Stack {
  readonly backup: PlatformBackup;
  readonly restoreCheck?: RestoreCheck;

  constructor(scope: Construct, id: string, props: RecoveryStackProps) {
    super(scope, id, props);
    const { config, recovery, stateful } = props;
    const undelivered = new sqs.Queue(this, 'UndeliveredEventsQueue', {
      queueName: `${config.prefix}-recovery-undelivered`,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: DLQ_RETENTION,
      removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    acknowledgeDeadLetterQueue(undelivered, 'backup failure notifications and restore-check schedules EventBridge could not deliver');
    new cloudwatch.Alarm(this, 'UndeliveredEventsAlarm', {
      alarmName: `${config.prefix}-recovery-undelivered`,
      alarmDescription: 'A backup failure notification or a restore-check schedule was not delivered. Runbook: docs/operations.md "Backups".',
      metric: undelivered.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum' }),
      threshold: 1,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(new actions.SnsAction(props.alarmTopic));
    this.backup = new PlatformBackup(this, 'Backup', {
      config,
      recovery,
      cluster: stateful.database.cluster,
      tables: [stateful.tables.state, stateful.tables.idempotency],
      alarmTopic: props.alarmTopic,
      deadLetterQueue: undelivered,
    });
    if (recovery.weeklyRestoreCheck) {
      const cfnCluster = stateful.database.cluster.node.defaultChild as rds.CfnDBCluster;
      this.restoreCheck = new RestoreCheck(this, 'RestoreCheck', {
        config,
        clusterIdentifier: stateful.database.clusterIdentifier,
        subnetGroupName: cfnCluster.dbSubnetGroupName!,
        securityGroup: stateful.database.securityGroup,
        storageKey: stateful.secrets.storageKey,
        topic: props.alarmTopic,
        deadLetterQueue: undelivered,
      });
      Validations.of(this.restoreCheck.stateMachine.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'Step Functions log delivery and X-Ray accept no resource ARNs; AWS documents "*" for both.',
      });
    }
  }
}

/** The vault in the copy region (deployed only when backupCopyRegion is set). */
export class BackupCopyStack extends Stack {
  readonly copyVault: BackupCopyVault;

  constructor(scope: Construct, id: string, props: StackProps & { config: StageConfig }) {
    super(scope, id, props);
    this.copyVault = new BackupCopyVault(this, 'CopyVault', { config: props.config });
  }
}
