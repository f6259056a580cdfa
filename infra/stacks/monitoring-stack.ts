import { ArnFormat, CfnOutput, Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import type { QueueDefinition } from '../../functions/shared/topology';
import { TABLES } from '../../functions/shared/adapters/dynamodb/tables';
import { allowServicePublish } from '../constructs/topic-publishers';
import { CUSTOM_METRICS } from '../config/metrics';
import { names } from '../config/names';
import { METRICS_NAMESPACE, type StageConfig } from '../config/stages';

export interface MonitoredFunction {
  readonly functionName: string;
  readonly kind: string;
  /** First segment of the handler entry (`transactions/request-advance` → `transactions`): the triage unit. */
  readonly domain: string;
  readonly timeoutSeconds: number;
}

/** A metric math alarm may read at most 10 metrics: larger domains get numbered parts. */
const METRICS_PER_ALARM = 10;

export interface MonitoringStackProps extends StackProps {
  readonly config: StageConfig;
  /** Every function of the platform, by physical name. */
  readonly functions: readonly MonitoredFunction[];
  readonly queues: readonly QueueDefinition[];
  /** Maximum connections at the cluster's maximum capacity (from PlatformDatabase). */
  readonly databaseMaxConnections: number;
}

/** Alarm ids of the per-domain Lambda alarms (tests and the runbook refer to them). */
export const lambdaDomainAlarmId = (metric: 'Errors' | 'DurationP99', domain: string, part: number) =>
  `Lambda-${domain}-${metric}${part > 1 ? `-${part}` : ''}`;

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
  private readonly monitoredFunctions: MonitoredFunction[] = [];
  private functionAlarmsAdded = false;

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.config = config;
    const thresholds = config.alarms;

    // Alarm notifications hold no personal data; CloudWatch cannot publish to a topic under the AWS managed SNS key.
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', { topicName: `${config.prefix}-alarms`, displayName: `Abhi EWA ${config.stage} alarms`, enforceSSL: true });
    // Without this statement CloudWatch's publish is denied and alarms reach nobody (enforceSSL alone allows no one).
    allowServicePublish(this.alarmTopic, 'cloudwatch');
    // EventBridge rules (AWS Backup job failures, ADR 0017) publish here too.
    allowServicePublish(this.alarmTopic, 'eventbridge');
    const subscriptionReason =
      'Delivery of alarm notifications to people: a failed delivery leaves the alarm in ALARM state in CloudWatch and on the dashboard, and SNS delivery-status logging shows it; a DLQ for them would itself need watching.';
    if (config.deploy.alarmEmail) {
      const email = this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(config.deploy.alarmEmail));
      Validations.of(email).acknowledge({ id: 'Serverless-SNSRedrivePolicy', reason: subscriptionReason });
    }
    if (config.deploy.alarmHttpsUrl) {
      const https = this.alarmTopic.addSubscription(new subscriptions.UrlSubscription(config.deploy.alarmHttpsUrl, { protocol: sns.SubscriptionProtocol.HTTPS }));
      Validations.of(https).acknowledge({ id: 'Serverless-SNSRedrivePolicy', reason: subscriptionReason });
    }
    this.action = new actions.SnsAction(this.alarmTopic);
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarmTopic.topicArn, description: 'npm run smoke -- --alarm-topic-arn <this>' });

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

    // Lambda errors and duration per domain: recorded here, alarms built by addFunctionAlarms() once all are known.
    for (const fn of props.functions) this.alarmOnFunction(fn);
    this.addAccountAndDataAlarms();

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
      description: `Abhi itself answered 429 at least ${thresholds.abhiRateLimitedPer5Min} times in 5 minutes (the platform's own limiter refusals are counted apart, as AbhiLocalLimiterRefused, and do not page).`,
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
    this.alarm('AdvanceAbhiWaitExhausted', {
      metric: custom(CUSTOM_METRICS.advanceAbhiWaitExhausted),
      threshold: 1,
      evaluationPeriods: 1,
      description: 'An advance in flight waited about 30 minutes for Abhi (circuit open or rate limited) and was marked FAILED (DEPENDENCY_UNAVAILABLE: nothing created at Abhi; ABHI_OUTCOME_UNKNOWN: reconciliation records it if Abhi has it).',
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
      // lambdaSum reads the functions known now; addFunctionAlarms() adds one widget per domain with every function.
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
  alarmOnStateMachine(stateMachineName: string, label = 'AdvanceWorkflow'): cloudwatch.Alarm[] {
    const stateMachineArn = this.formatArn({ service: 'states', resource: 'stateMachine', resourceName: stateMachineName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const outcome = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/States',
        metricName,
        dimensionsMap: { StateMachineArn: stateMachineArn },
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

  /** Records a function for the per-domain alarms and dashboard widgets (built once by `addFunctionAlarms`). */
  alarmOnFunction(fn: MonitoredFunction): void {
    if (this.functionAlarmsAdded) throw new Error(`${fn.functionName} was added after the function alarms were built: call alarmOnFunction before addFunctionAlarms.`);
    this.monitoredFunctions.push(fn);
  }

  /**
   * One errors alarm and one duration alarm per domain (metric math over its functions, at most 10 per alarm) instead
   * of two alarms per function: an operator triages "transactions is failing", then opens its dashboard row to see
   * which function. Duration compares each function's p99 with its own timeout (percent), so one threshold fits all.
   */
  addFunctionAlarms(): void {
    if (this.functionAlarmsAdded) return;
    this.functionAlarmsAdded = true;
    const thresholds = this.config.alarms;
    const lambdaMetric = (fn: MonitoredFunction, metricName: string, statistic: string) =>
      new cloudwatch.Metric({ namespace: 'AWS/Lambda', metricName, dimensionsMap: { FunctionName: fn.functionName }, statistic, period: Duration.minutes(5) });
    const byDomain = new Map<string, MonitoredFunction[]>();
    for (const fn of this.monitoredFunctions) byDomain.set(fn.domain, [...(byDomain.get(fn.domain) ?? []), fn]);

    for (const [domain, functions] of [...byDomain.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      for (let part = 1; (part - 1) * METRICS_PER_ALARM < functions.length; part++) {
        const chunk = functions.slice((part - 1) * METRICS_PER_ALARM, part * METRICS_PER_ALARM);
        const list = chunk.map((f) => f.functionName).join(', ');
        this.alarm(lambdaDomainAlarmId('Errors', domain, part), {
          metric: new cloudwatch.MathExpression({
            expression: `SUM([${chunk.map((_, i) => `e${i}`).join(',')}])`,
            usingMetrics: Object.fromEntries(chunk.map((f, i) => [`e${i}`, lambdaMetric(f, 'Errors', 'Sum')])),
            period: Duration.minutes(5),
            label: `${domain} errors`,
          }),
          threshold: thresholds.lambdaErrorsPer5Min,
          evaluationPeriods: 1,
          description: `Functions of ${domain} failed at least ${thresholds.lambdaErrorsPer5Min} time(s) in 5 minutes (${list}); the dashboard row "Lambda ${domain}" shows which.`,
        });
        this.alarm(lambdaDomainAlarmId('DurationP99', domain, part), {
          metric: new cloudwatch.MathExpression({
            expression: `MAX([${chunk.map((_, i) => `r${i}`).join(',')}])`,
            usingMetrics: Object.fromEntries(
              chunk.map((f, i) => [
                `r${i}`,
                new cloudwatch.MathExpression({
                  expression: `100 * d${i} / ${f.timeoutSeconds * 1000}`,
                  usingMetrics: { [`d${i}`]: lambdaMetric(f, 'Duration', 'p99') },
                  period: Duration.minutes(5),
                }),
              ]),
            ),
            period: Duration.minutes(5),
            label: `${domain} duration p99 (% of timeout)`,
          }),
          threshold: thresholds.durationP99PercentOfTimeout,
          evaluationPeriods: 3,
          description: `A function of ${domain} ran at p99 ≥ ${thresholds.durationP99PercentOfTimeout} % of its timeout for 15 minutes (${list}): it is close to timing out.`,
        });
      }
      this.dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: `Lambda ${domain}: errors (left), duration p99 ms (right)`,
          left: functions.map((f) => lambdaMetric(f, 'Errors', 'Sum').with({ label: f.functionName })),
          right: functions.map((f) => lambdaMetric(f, 'Duration', 'p99').with({ label: f.functionName })),
          width: 24,
          height: 6,
        }),
      );
    }
  }

  /** Account-level Lambda, DynamoDB, RDS Proxy, Aurora memory and WAF alarms (issue #19). */
  private addAccountAndDataAlarms(): void {
    const { config } = this;
    const thresholds = config.alarms;
    const account = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({ namespace: 'AWS/Lambda', metricName, statistic, period: Duration.minutes(5) });
    this.alarm('LambdaThrottles', {
      metric: account('Throttles', 'Sum'),
      threshold: thresholds.lambdaThrottlesPer5Min,
      evaluationPeriods: 1,
      description: `Lambda throttled at least ${thresholds.lambdaThrottlesPer5Min} invocation(s) in this account and region in 5 minutes: concurrency is exhausted or reserved too low.`,
    });
    const concurrency = Math.floor((thresholds.accountConcurrencyLimit * thresholds.accountConcurrencyPercent) / 100);
    this.alarm('LambdaAccountConcurrency', {
      metric: account('ConcurrentExecutions', 'Maximum'),
      threshold: concurrency,
      evaluationPeriods: 3,
      description: `Lambda concurrency above ${concurrency} (${thresholds.accountConcurrencyPercent} % of the account quota of ${thresholds.accountConcurrencyLimit}) for 15 minutes.`,
    });

    for (const table of TABLES) {
      const tableName = names.table(config, table.logicalName);
      const dynamo = (metricName: string, operation?: string) =>
        new cloudwatch.Metric({
          namespace: 'AWS/DynamoDB',
          metricName,
          dimensionsMap: operation ? { TableName: tableName, Operation: operation } : { TableName: tableName },
          statistic: 'Sum',
          period: Duration.minutes(5),
        });
      this.alarm(`DynamoDb-${table.logicalName}-Throttled`, {
        metric: new cloudwatch.MathExpression({
          expression: 'SUM([r, w])',
          usingMetrics: { r: dynamo('ReadThrottleEvents'), w: dynamo('WriteThrottleEvents') },
          period: Duration.minutes(5),
          label: `${tableName} throttled`,
        }),
        threshold: thresholds.dynamoDbThrottledPer5Min,
        evaluationPeriods: 1,
        description: `${tableName}: throttled reads or writes in 5 minutes (on-demand tables throttle on hot partitions or account table limits).`,
      });
      const operations = ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'BatchGetItem', 'BatchWriteItem', 'TransactWriteItems', 'TransactGetItems'];
      this.alarm(`DynamoDb-${table.logicalName}-SystemErrors`, {
        metric: new cloudwatch.MathExpression({
          expression: `SUM([${operations.map((_, i) => `s${i}`).join(',')}])`,
          usingMetrics: Object.fromEntries(operations.map((op, i) => [`s${i}`, dynamo('SystemErrors', op)])),
          period: Duration.minutes(5),
          label: `${tableName} system errors`,
        }),
        threshold: thresholds.dynamoDbSystemErrorsPer5Min,
        evaluationPeriods: 1,
        description: `${tableName}: DynamoDB answered HTTP 500 (SystemErrors) in 5 minutes.`,
      });
    }

    const rdsCluster = new cloudwatch.Metric({
      namespace: 'AWS/RDS',
      metricName: 'FreeableMemory',
      dimensionsMap: { DBClusterIdentifier: names.cluster(config) },
      statistic: 'Minimum',
      period: Duration.minutes(5),
    });
    this.alarm('AuroraFreeableMemory', {
      metric: rdsCluster,
      threshold: thresholds.auroraFreeableMemoryMib * 1024 * 1024,
      evaluationPeriods: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      description: `Aurora freeable memory below ${thresholds.auroraFreeableMemoryMib} MiB for 15 minutes: raise the maximum ACU.`,
    });

    if (config.deploy.rdsProxy) {
      const proxy = (metricName: string, statistic: string) =>
        new cloudwatch.Metric({ namespace: 'AWS/RDS', metricName, dimensionsMap: { ProxyName: names.proxy(config) }, statistic, period: Duration.minutes(5) });
      this.alarm('ProxyBorrowLatency', {
        metric: proxy('DatabaseConnectionsBorrowLatency', 'Average'),
        threshold: thresholds.proxyBorrowLatencyMicros,
        evaluationPeriods: 3,
        description: `RDS Proxy took more than ${thresholds.proxyBorrowLatencyMicros / 1000} ms on average to lend a database connection for 15 minutes: the pool is exhausted.`,
      });
      this.alarm('ProxyConnections', {
        metric: new cloudwatch.MathExpression({
          expression: 'IF(allowed > 0, 100 * used / allowed, 0)',
          usingMetrics: { used: proxy('DatabaseConnections', 'Maximum'), allowed: proxy('MaxDatabaseConnectionsAllowed', 'Minimum') },
          period: Duration.minutes(5),
          label: 'proxy connections (% of allowed)',
        }),
        threshold: thresholds.proxyConnectionsPercent,
        evaluationPeriods: 3,
        description: `RDS Proxy holds more than ${thresholds.proxyConnectionsPercent} % of the database connections it may open, for 15 minutes.`,
      });
    }

    this.alarm('WafBlockedSpike', {
      metric: new cloudwatch.Metric({
        namespace: 'AWS/WAFV2',
        metricName: 'BlockedRequests',
        dimensionsMap: { WebACL: names.webAcl(config), Region: this.region, Rule: 'ALL' },
        statistic: 'Sum',
        period: Duration.minutes(5),
      }),
      threshold: thresholds.wafBlockedPer5Min,
      evaluationPeriods: 1,
      description: `WAF blocked at least ${thresholds.wafBlockedPer5Min} requests in 5 minutes: an attack, or a partner over the per-IP limit (exempt it with --context wafExemptCidrs).`,
    });
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
