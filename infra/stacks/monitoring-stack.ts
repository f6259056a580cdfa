import { Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { QueueDefinition } from '../../functions/shared/topology';
import { CUSTOM_METRICS } from '../config/metrics';
import { names } from '../config/names';
import { METRICS_NAMESPACE, type StageConfig } from '../config/stages';

export interface MonitoredFunction {
  readonly functionName: string;
  readonly kind: string;
}

export interface MonitoringStackProps extends StackProps {
  readonly config: StageConfig;
  /** Every function of the platform, by physical name. */
  readonly functions: readonly MonitoredFunction[];
  readonly queues: readonly QueueDefinition[];
  /** Maximum connections at the cluster's maximum capacity (from PlatformDatabase). */
  readonly databaseMaxConnections: number;
}

/** Alarm ids double as runbook anchors in docs/operations.md ("Alarm runbook"). */
export const RUNBOOK_URL_HINT = 'docs/operations.md#alarm-runbook';

/**
 * Alarms (to an SNS topic with the stage's e-mail subscription) and the operations dashboard. Everything is
 * addressed by physical name (infra/config/names.ts), so this stack holds no cross-stack references except the
 * state machine once the advance workflow is attached.
 */
export class MonitoringStack extends Stack {
  readonly config: StageConfig;
  readonly alarmTopic: sns.Topic;
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[] = [];
  private readonly action: actions.SnsAction;

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.config = config;
    const thresholds = config.alarms;

    // Alarm notifications hold no personal data; CloudWatch cannot publish to a topic under the AWS managed SNS key.
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', { topicName: `${config.prefix}-alarms`, displayName: `Abhi EWA ${config.stage} alarms`, enforceSSL: true });
    if (thresholds.email) {
      const email = this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(thresholds.email));
      Validations.of(email).acknowledge({
        id: 'Serverless-SNSRedrivePolicy',
        reason:
          'E-mail delivery of alarm notifications: a failed e-mail leaves the alarm in ALARM state in CloudWatch and on the dashboard, and SNS delivery-status logging shows it; a DLQ for e-mails would itself need watching.',
      });
    }
    this.action = new actions.SnsAction(this.alarmTopic);

    const apiName = names.restApi(config);
    const apiDims = { ApiName: apiName, Stage: config.stage };
    const api = (metricName: string, statistic: string, period = Duration.minutes(5)) =>
      new cloudwatch.Metric({ namespace: 'AWS/ApiGateway', metricName, dimensionsMap: apiDims, statistic, period });

    // API: 5xx rate over 5 minutes, p99 latency.
    this.alarm('Api5xxRate', {
      metric: new cloudwatch.MathExpression({
        expression: 'IF(requests > 0, 100 * errors / requests, 0)',
        usingMetrics: { errors: api('5XXError', 'Sum'), requests: api('Count', 'Sum') },
        period: Duration.minutes(5),
        label: 'API 5xx rate (%)',
      }),
      threshold: thresholds.api5xxRatePercent,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      description: `API 5xx responses above ${thresholds.api5xxRatePercent} % of requests over 5 minutes.`,
    });
    this.alarm('ApiLatencyP99', {
      metric: api('Latency', 'p99'),
      threshold: thresholds.apiP99LatencyMs,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      description: `API p99 latency above ${thresholds.apiP99LatencyMs} ms over 5 minutes.`,
    });

    // Queues: backlog and age per work queue, any message in any DLQ.
    const sqsMetric = (queueName: string, metricName: string, statistic: string) =>
      new cloudwatch.Metric({ namespace: 'AWS/SQS', metricName, dimensionsMap: { QueueName: queueName }, statistic, period: Duration.minutes(1) });
    const deadLetterQueues: string[] = [];
    for (const queue of props.queues) {
      const queueName = names.queue(config, queue.name);
      deadLetterQueues.push(names.deadLetterQueue(config, queue.name));
      this.alarm(`Queue-${queue.name}-OldestMessage`, {
        metric: sqsMetric(queueName, 'ApproximateAgeOfOldestMessage', 'Maximum'),
        threshold: thresholds.queueOldestMessageSeconds,
        evaluationPeriods: 5,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        description: `Oldest message in ${queueName} older than ${thresholds.queueOldestMessageSeconds} s for 5 minutes: the consumer is not keeping up or is failing.`,
      });
      this.alarm(`Queue-${queue.name}-Backlog`, {
        metric: sqsMetric(queueName, 'ApproximateNumberOfMessagesVisible', 'Maximum'),
        threshold: thresholds.queueBacklogMessages,
        evaluationPeriods: 5,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        description: `More than ${thresholds.queueBacklogMessages} messages waiting in ${queueName} for 5 minutes.`,
      });
    }
    deadLetterQueues.push(names.eventDeliveryDeadLetterQueue(config), names.asyncFailuresQueue(config));
    for (const dlq of deadLetterQueues) {
      this.alarm(`DLQ-${dlq}`, {
        metric: sqsMetric(dlq, 'ApproximateNumberOfMessagesVisible', 'Maximum'),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        description: `A message is in the dead-letter queue ${dlq}.`,
      });
    }

    // Lambda errors and throttles per function.
    for (const fn of props.functions) this.alarmOnFunction(fn);

    // Abhi and the ledger: custom EMF metrics (infra/config/metrics.ts).
    const custom = (metricName: string, statistic = 'Sum', period = Duration.minutes(5)) =>
      new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: config.serviceName }, statistic, period });
    this.alarm('AbhiCircuitOpen', {
      metric: custom(CUSTOM_METRICS.abhiCircuitOpen),
      threshold: 1,
      evaluationPeriods: 1,
      description: 'A circuit breaker towards Abhi is open: calls of that operation group fail fast.',
    });
    this.alarm('AbhiRateLimited', {
      metric: custom(CUSTOM_METRICS.abhiRateLimited),
      threshold: thresholds.abhiRateLimitedPer5Min,
      evaluationPeriods: 1,
      description: `Abhi answered 429 at least ${thresholds.abhiRateLimitedPer5Min} times in 5 minutes.`,
    });
    this.alarm('AbhiServerErrors', {
      metric: custom(CUSTOM_METRICS.abhiServerErrors),
      threshold: thresholds.abhiServerErrorsPer5Min,
      evaluationPeriods: 1,
      description: `Abhi answered 5xx or timed out at least ${thresholds.abhiServerErrorsPer5Min} times in 5 minutes.`,
    });
    this.alarm('AbhiLoginFailures', {
      metric: custom(CUSTOM_METRICS.abhiLoginFailures),
      threshold: thresholds.abhiLoginFailuresPer5Min,
      evaluationPeriods: 1,
      description: 'Logging in to Abhi failed. Five consecutive failures lock the Abhi user.',
    });
    this.alarm('ReconciliationMismatches', {
      metric: custom(CUSTOM_METRICS.reconciliationMismatches, 'Sum', Duration.hours(1)),
      threshold: thresholds.reconciliationMismatches,
      evaluationPeriods: 1,
      description: 'The reconciliation run found ledger rows that disagree with Abhi.',
    });
    this.alarm('AdvanceOutcomeUnknown', {
      metric: custom(CUSTOM_METRICS.advanceOutcomeUnknown),
      threshold: 1,
      evaluationPeriods: 1,
      description: 'Creating an advance at Abhi ended without a known outcome; the workflow retries by reference, never blindly.',
    });
    this.alarm('AdvanceWorkflowSignalFailed', {
      metric: custom(CUSTOM_METRICS.advanceWorkflowSignalFailed),
      threshold: 1,
      evaluationPeriods: 1,
      description: 'An approval decision was saved but resuming the waiting workflow failed; it picks the decision up when its wait ends.',
    });
    this.alarm('MirrorIdentityMismatch', {
      metric: custom(CUSTOM_METRICS.mirrorIdentityMismatch),
      threshold: 1,
      evaluationPeriods: 1,
      description: "Abhi's record under a mirrored employee id names another employee; the local row was kept and the request answered 502.",
    });
    this.alarm('AdvanceStatusPollExhausted', {
      metric: custom(CUSTOM_METRICS.advanceStatusPollExhausted),
      threshold: 1,
      evaluationPeriods: 1,
      description: 'Abhi still reports an advance as not final after the last scheduled status poll; polling stopped for it.',
    });
    this.alarm('AdvanceRecordingStuck', {
      metric: custom(CUSTOM_METRICS.advanceRecordingStuck),
      threshold: 1,
      evaluationPeriods: 1,
      description: 'An advance exists at Abhi but was not recorded in the ledger in time.',
    });

    // Aurora near its limits.
    const clusterId = names.cluster(config);
    const rds = (metricName: string) =>
      new cloudwatch.Metric({ namespace: 'AWS/RDS', metricName, dimensionsMap: { DBClusterIdentifier: clusterId }, statistic: 'Average', period: Duration.minutes(5) });
    const connectionThreshold = Math.floor((props.databaseMaxConnections * thresholds.auroraConnectionsPercent) / 100);
    this.alarm('AuroraCpu', {
      metric: rds('CPUUtilization'),
      threshold: thresholds.auroraCpuPercent,
      evaluationPeriods: 3,
      description: `Aurora CPU above ${thresholds.auroraCpuPercent} % for 15 minutes.`,
    });
    this.alarm('AuroraConnections', {
      metric: rds('DatabaseConnections').with({ statistic: 'Maximum' }),
      threshold: connectionThreshold,
      evaluationPeriods: 3,
      description: `Aurora connections above ${connectionThreshold} (${thresholds.auroraConnectionsPercent} % of max_connections at maximum capacity) for 15 minutes.`,
    });
    this.alarm('AuroraAcuUtilization', {
      metric: rds('ACUUtilization'),
      threshold: thresholds.auroraAcuUtilizationPercent,
      evaluationPeriods: 3,
      description: `Aurora Serverless v2 at more than ${thresholds.auroraAcuUtilizationPercent} % of its maximum ACU for 15 minutes.`,
    });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { dashboardName: `${config.prefix}-operations`, defaultInterval: Duration.hours(3) });
    const wide = (title: string, left: cloudwatch.IMetric[], right?: cloudwatch.IMetric[]) =>
      new cloudwatch.GraphWidget({ title, left, right, width: 12, height: 6 });
    const lambdaSum = (metricName: string, label: string) =>
      new cloudwatch.MathExpression({
        expression: props.functions.map((_, i) => `${metricName.toLowerCase()}${i}`).join(' + ') || '0',
        usingMetrics: Object.fromEntries(
          props.functions.map((fn, i) => [
            `${metricName.toLowerCase()}${i}`,
            new cloudwatch.Metric({ namespace: 'AWS/Lambda', metricName, dimensionsMap: { FunctionName: fn.functionName }, statistic: 'Sum', period: Duration.minutes(5) }),
          ]),
        ),
        label,
        period: Duration.minutes(5),
      });

    this.dashboard.addWidgets(
      wide('API requests', [api('Count', 'Sum', Duration.minutes(1)).with({ label: 'requests/min' })]),
      wide('API errors', [api('4XXError', 'Sum', Duration.minutes(1)).with({ label: '4xx' }), api('5XXError', 'Sum', Duration.minutes(1)).with({ label: '5xx' })]),
    );
    this.dashboard.addWidgets(
      wide('API latency (ms)', ['p50', 'p90', 'p99'].map((p) => api('Latency', p, Duration.minutes(1)).with({ label: `latency ${p}` })), [
        api('IntegrationLatency', 'p99', Duration.minutes(1)).with({ label: 'integration p99' }),
      ]),
      wide('Lambda errors and throttles (all functions)', [lambdaSum('Errors', 'errors')], [lambdaSum('Throttles', 'throttles')]),
    );
    this.dashboard.addWidgets(
      wide('Abhi calls', [custom(CUSTOM_METRICS.abhiCalls, 'Sum', Duration.minutes(1)).with({ label: 'calls/min' })], [
        custom(CUSTOM_METRICS.abhiRateLimited, 'Sum', Duration.minutes(1)).with({ label: '429' }),
        custom(CUSTOM_METRICS.abhiServerErrors, 'Sum', Duration.minutes(1)).with({ label: '5xx/timeouts' }),
        custom(CUSTOM_METRICS.abhiLoginFailures, 'Sum', Duration.minutes(1)).with({ label: 'login failures' }),
      ]),
      wide('Abhi latency (ms)', ['p50', 'p90', 'p99'].map((p) => custom(CUSTOM_METRICS.abhiLatency, p, Duration.minutes(1)).with({ label: `Abhi ${p}` }))),
    );
    this.dashboard.addWidgets(
      wide('Abhi cache hit ratio (%)', [
        new cloudwatch.MathExpression({
          expression: 'IF(hits + misses > 0, 100 * hits / (hits + misses), 0)',
          usingMetrics: { hits: custom(CUSTOM_METRICS.cacheHits), misses: custom(CUSTOM_METRICS.cacheMisses) },
          label: 'hit ratio',
          period: Duration.minutes(5),
        }),
      ]),
      wide('Abhi circuit breaker (open rejections)', [custom(CUSTOM_METRICS.abhiCircuitOpen, 'Sum', Duration.minutes(1)).with({ label: 'rejected while open' })]),
    );
    this.dashboard.addWidgets(
      wide(
        'Queue depth',
        props.queues.map((q) => sqsMetric(names.queue(config, q.name), 'ApproximateNumberOfMessagesVisible', 'Maximum').with({ label: q.name })),
        deadLetterQueues.map((dlq) => sqsMetric(dlq, 'ApproximateNumberOfMessagesVisible', 'Maximum').with({ label: dlq })),
      ),
      wide('Oldest message age (s)', props.queues.map((q) => sqsMetric(names.queue(config, q.name), 'ApproximateAgeOfOldestMessage', 'Maximum').with({ label: q.name }))),
    );
    this.dashboard.addWidgets(
      wide('Advances created per hour', [custom(CUSTOM_METRICS.advancesCreated, 'Sum', Duration.hours(1)).with({ label: 'advances/hour' })], [
        custom(CUSTOM_METRICS.advanceRecordingStuck, 'Sum', Duration.hours(1)).with({ label: 'recording stuck' }),
        custom(CUSTOM_METRICS.reconciliationMismatches, 'Sum', Duration.hours(1)).with({ label: 'reconciliation mismatches' }),
      ]),
      wide('Aurora', [rds('CPUUtilization').with({ label: 'CPU %' }), rds('ACUUtilization').with({ label: 'ACU % of max' })], [
        rds('DatabaseConnections').with({ label: 'connections', statistic: 'Maximum' }),
      ]),
    );
  }

  /**
   * Alarms on the advance workflow (failed, timed out, aborted executions) and its outcome widget. Called from
   * infra/app.ts once the workflow is attached to the API stack.
   */
  alarmOnStateMachine(stateMachine: sfn.IStateMachine, label = 'AdvanceWorkflow'): cloudwatch.Alarm[] {
    const outcome = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/States',
        metricName,
        dimensionsMap: { StateMachineArn: stateMachine.stateMachineArn },
        statistic: 'Sum',
        period: Duration.minutes(5),
      });
    const created = (['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted'] as const).map((metricName) =>
      this.alarm(`${label}-${metricName}`, {
        metric: outcome(metricName),
        threshold: 1,
        evaluationPeriods: 1,
        description: `${label}: ${metricName.replace('Executions', '').toLowerCase()} executions in the last 5 minutes.`,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: `${label} outcomes`,
        left: ['ExecutionsSucceeded', 'ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted'].map((m) => outcome(m).with({ label: m.replace('Executions', '') })),
        width: 24,
        height: 6,
      }),
    );
    return created;
  }

  /** Errors and throttles alarms of one function (every function of the platform gets them). */
  alarmOnFunction(fn: MonitoredFunction): cloudwatch.Alarm[] {
    const thresholds = this.config.alarms;
    const metric = (metricName: string) =>
      new cloudwatch.Metric({ namespace: 'AWS/Lambda', metricName, dimensionsMap: { FunctionName: fn.functionName }, statistic: 'Sum', period: Duration.minutes(5) });
    return [
      this.alarm(`Lambda-${fn.functionName}-Errors`, {
        metric: metric('Errors'),
        threshold: thresholds.lambdaErrorsPer5Min,
        evaluationPeriods: 1,
        description: `${fn.functionName} (${fn.kind}) failed at least ${thresholds.lambdaErrorsPer5Min} time(s) in 5 minutes.`,
      }),
      this.alarm(`Lambda-${fn.functionName}-Throttles`, {
        metric: metric('Throttles'),
        threshold: thresholds.lambdaThrottlesPer5Min,
        evaluationPeriods: 1,
        description: `${fn.functionName} was throttled at least ${thresholds.lambdaThrottlesPer5Min} time(s) in 5 minutes.`,
      }),
    ];
  }

  private alarm(
    id: string,
    props: {
      metric: cloudwatch.IMetric;
      threshold: number;
      evaluationPeriods: number;
      description: string;
      comparisonOperator?: cloudwatch.ComparisonOperator;
    },
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      alarmName: `${this.config.prefix}-${id}`,
      alarmDescription: `${props.description} Runbook: ${RUNBOOK_URL_HINT}`,
      metric: props.metric,
      threshold: props.threshold,
      evaluationPeriods: props.evaluationPeriods,
      comparisonOperator: props.comparisonOperator ?? cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    this.alarms.push(alarm);
    return alarm;
  }
}
