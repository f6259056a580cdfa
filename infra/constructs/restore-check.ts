import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { StageConfig } from '../config/stages';

export interface RestoreCheckProps {
  readonly config: StageConfig;
  readonly clusterIdentifier: string;
  readonly subnetGroupName: string;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly storageKey: kms.IKey;
  /** Results (passed and failed) are published here. */
  readonly topic: sns.ITopic;
  /** Where EventBridge puts schedule events it could not deliver. */
  readonly deadLetterQueue: sqs.IQueue;
}

/**
 * The weekly restore check: a Step Functions state machine (AWS SDK integrations only, no code) that restores the
 * cluster to its latest restorable time — the newest snapshot plus the transaction log, the path a real recovery
 * takes — into a throwaway cluster, waits until it is available, reports the restored time and how long it took,
 * and deletes it. A failure (or no cluster within two hours) is reported, deletes what it created, and fails the
 * execution, which raises an alarm.
 */
export class RestoreCheck extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly schedule: events.Rule;
  readonly failedAlarm: cloudwatch.Alarm;
  readonly restoredClusterIdentifier: string;

  constructor(scope: Construct, id: string, props: RestoreCheckProps) {
    super(scope, id);
    const { config } = props;
    const stack = Stack.of(this);
    const restoredId = `${config.prefix}-restore-check`;
    this.restoredClusterIdentifier = restoredId;
    const clusterArn = (identifier: string) => stack.formatArn({ service: 'rds', resource: 'cluster', resourceName: identifier, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const restoredArn = clusterArn(restoredId);

    const restore = tasks.CallAwsService.jsonPath(this, 'RestoreLatest', {
      service: 'rds',
      action: 'restoreDBClusterToPointInTime',
      parameters: {
        SourceDBClusterIdentifier: props.clusterIdentifier,
        DbClusterIdentifier: restoredId,
        UseLatestRestorableTime: true,
        DbSubnetGroupName: props.subnetGroupName,
        VpcSecurityGroupIds: [props.securityGroup.securityGroupId],
        KmsKeyId: props.storageKey.keyArn,
        DeletionProtection: false,
        ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 2 },
        Tags: [{ Key: 'purpose', Value: 'weekly-restore-check' }],
      },
      iamResources: [clusterArn(props.clusterIdentifier), restoredArn, stack.formatArn({ service: 'rds', resource: 'subgrp', resourceName: props.subnetGroupName, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
      additionalIamStatements: [new iam.PolicyStatement({ actions: ['rds:AddTagsToResource'], resources: [restoredArn] })],
      resultSelector: { 'startedAt.$': '$$.State.EnteredTime' },
      resultPath: '$.restore',
    });
    const wait = new sfn.Wait(this, 'WaitForCluster', { time: sfn.WaitTime.duration(Duration.minutes(5)) });
    const describe = tasks.CallAwsService.jsonPath(this, 'DescribeRestored', {
      service: 'rds',
      action: 'describeDBClusters',
      parameters: { DbClusterIdentifier: restoredId },
      iamResources: [restoredArn],
      resultSelector: { 'status.$': '$.DbClusters[0].Status', 'restoredTo.$': '$.DbClusters[0].LatestRestorableTime' },
      resultPath: '$.cluster',
    });
    const deleteRestored = (name: string) =>
      tasks.CallAwsService.jsonPath(this, name, {
        service: 'rds',
        action: 'deleteDBCluster',
        parameters: { DbClusterIdentifier: restoredId, SkipFinalSnapshot: true },
        iamResources: [restoredArn],
        resultPath: sfn.JsonPath.DISCARD,
      });
    const report = (name: string, subject: string, message: string) =>
      new tasks.SnsPublish(this, name, {
        topic: props.topic,
        subject,
        message: sfn.TaskInput.fromText(message),
        resultPath: sfn.JsonPath.DISCARD,
      });

    const passed = report(
      'ReportPassed',
      `Abhi EWA ${config.stage}: weekly restore check passed`,
      sfn.JsonPath.format(`The cluster ${props.clusterIdentifier} was restored to its latest restorable time into ${restoredId} (restore started {}, available at {}); the throwaway cluster is deleted.`, sfn.JsonPath.stringAt('$.restore.startedAt'), sfn.JsonPath.stringAt('$$.State.EnteredTime')),
    );
    const failed = report('ReportFailed', `Abhi EWA ${config.stage}: weekly restore check FAILED`, sfn.JsonPath.format(`Restoring ${props.clusterIdentifier} failed: {}. Follow docs/operations.md "Restore".`, sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.error'))));
    const cleanUpAfterFailure = deleteRestored('DeleteAfterFailure');
    cleanUpAfterFailure.addCatch(failed, { resultPath: sfn.JsonPath.DISCARD });
    const failure = cleanUpAfterFailure.next(failed);
    failed.next(new sfn.Fail(this, 'RestoreCheckFailed', { error: 'RestoreCheckFailed', cause: 'The weekly restore check did not produce an available cluster.' }));

    const definition = restore
      .addCatch(failed, { resultPath: '$.error' })
      .next(wait)
      .next(describe.addCatch(failure, { resultPath: '$.error' }))
      .next(
        new sfn.Choice(this, 'Available?')
          .when(sfn.Condition.stringEquals('$.cluster.status', 'available'), deleteRestored('DeleteRestored').addCatch(failed, { resultPath: '$.error' }).next(passed).next(new sfn.Succeed(this, 'RestoreCheckPassed')))
          .when(sfn.Condition.or(sfn.Condition.stringEquals('$.cluster.status', 'failed'), sfn.Condition.stringEquals('$.cluster.status', 'inaccessible-encryption-credentials')), new sfn.Pass(this, 'RestoreFailed', { result: sfn.Result.fromObject({ Error: 'ClusterNotAvailable' }), resultPath: '$.error' }).next(failure))
          .otherwise(wait),
      );

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: `${config.prefix}-restore-check`,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      timeout: Duration.hours(2),
      tracingEnabled: true,
      logs: {
        destination: new logs.LogGroup(this, 'Logs', {
          logGroupName: `/aws/vendedlogs/states/${config.prefix}-restore-check`,
          retention: config.functions.logRetentionDays as number as logs.RetentionDays,
          removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
        }),
        level: sfn.LogLevel.ALL,
        includeExecutionData: false,
      },
    });
    // Restoring into an encrypted cluster needs grants on the storage key.
    props.storageKey.grant(this.stateMachine, 'kms:CreateGrant', 'kms:DescribeKey', 'kms:Decrypt', 'kms:GenerateDataKey');

    // Sundays 03:00 in the UAE.
    this.schedule = new events.Rule(this, 'Weekly', {
      ruleName: `${config.prefix}-restore-check-weekly`,
      description: 'Weekly restore check of the Aurora cluster',
      schedule: events.Schedule.cron({ weekDay: 'SUN', hour: '23', minute: '0' }),
      targets: [new targets.SfnStateMachine(this.stateMachine, { deadLetterQueue: props.deadLetterQueue })],
    });

    this.failedAlarm = new cloudwatch.Alarm(this, 'FailedAlarm', {
      alarmName: `${config.prefix}-restore-check-failed`,
      alarmDescription: 'The weekly restore check failed, timed out or was aborted. Runbook: docs/operations.md "Restore".',
      metric: new cloudwatch.MathExpression({
        expression: 'failed + timedOut + aborted',
        usingMetrics: {
          failed: this.stateMachine.metricFailed({ statistic: 'Sum' }),
          timedOut: this.stateMachine.metricTimedOut({ statistic: 'Sum' }),
          aborted: this.stateMachine.metricAborted({ statistic: 'Sum' }),
        },
        period: Duration.hours(1),
      }),
      threshold: 1,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.failedAlarm.addAlarmAction(new actions.SnsAction(props.topic));
  }
}
