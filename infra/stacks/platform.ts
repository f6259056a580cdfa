import { RemovalPolicy, Stack, Validations, type App } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { QUEUES } from '../../functions/shared/topology';
import { names } from '../config/names';
import { CONTEXT_KEYS, resolveStageConfig, stageQueues, StageConfigError, type StageConfig } from '../config/stages';
import { ADVANCE_TASK_NAMES, ADVANCE_WORKFLOW_TASKS, AdvanceWorkflow, type AdvanceTaskName } from '../constructs/advance-workflow';
import { applyChecks } from '../constructs/checks';
import { MissingEntryError, type EntryResolver } from '../constructs/entries';
import { ApiStack, type PlatformFunctionRecord } from './api-stack';
import { MonitoringStack, type MonitoredFunction } from './monitoring-stack';
import { BackupCopyStack, RecoveryStack } from './recovery-stack';
import { resolveRecoveryConfig } from '../config/recovery';
import { StatefulStack } from './stateful-stack';

/** Raised for mistakes an operator or developer fixes (missing context value, missing handler file). */
export class PlatformBuildError extends Error {
  override readonly name = 'PlatformBuildError';
}

export interface Platform {
  readonly config: StageConfig;
  readonly stateful: StatefulStack;
  readonly api: ApiStack;
  readonly monitoring: MonitoringStack;
  readonly recovery: RecoveryStack;
  /** The vault stack in the backup copy region, when the stage copies its backups there. */
  readonly backupCopy?: BackupCopyStack;
}

export interface BuildOptions {
  /** Tests: resolve handler entries differently (default: functions/<entry>.ts must exist). */
  readonly resolveEntry?: EntryResolver;
  /** Register the cdk-nag packs as synthesis validations (default true). */
  readonly checks?: boolean;
}

/**
 * Builds the three stacks of one stage into `app`. `--context bundling=false` skips esbuild (the CLI itself always
 * asks for bundling and refuses user context keys starting with `aws:`, so the app sets `aws:cdk:bundling-stacks`).
 */
export function buildPlatform(app: App, options: BuildOptions = {}): Platform {
  let config: StageConfig;
  try {
    config = resolveStageConfig((key) => app.node.tryGetContext(key));
  } catch (error) {
    if (error instanceof StageConfigError) throw new PlatformBuildError(error.message);
    throw error;
  }
  // Keep today's producer-protecting exports explicitly (cdk.json may override the flag).
  if (app.node.tryGetContext('@aws-cdk/core:defaultCrossStackReferences') === undefined) {
    app.node.setContext('@aws-cdk/core:defaultCrossStackReferences', 'strong');
  }
  const bundling = app.node.tryGetContext(CONTEXT_KEYS.bundling);
  if (bundling === false || bundling === 'false') app.node.setContext('aws:cdk:bundling-stacks', []);

  // Always pinned to the stage's region (UAE residency); the account may stay unresolved (environment-agnostic).
  const env = { account: config.env.account, region: config.env.region };
  const tags = { application: 'abhi-ewa', stage: config.stage };
  try {
    const stateful = new StatefulStack(app, names.stack(config, 'stateful'), {
      config,
      env,
      tags,
      description: `Abhi EWA ${config.stage}: data, network and secrets`,
      terminationProtection: config.retainData,
    });
    const api = new ApiStack(app, names.stack(config, 'api'), {
      config,
      stateful,
      env,
      tags,
      description: `Abhi EWA ${config.stage}: API, functions, schedules`,
      resolveEntry: options.resolveEntry,
    });
    api.addStackDependency(stateful);
    const monitoring = new MonitoringStack(app, names.stack(config, 'monitoring'), {
      config,
      env,
      tags,
      description: `Abhi EWA ${config.stage}: alarms and dashboard`,
      functions: api.functions.map(monitoredFunction),
      queues: stageQueues(config, QUEUES),
      databaseMaxConnections: stateful.database.maxConnectionsAtMaxCapacity,
    });
    monitoring.addStackDependency(api);

    const recoveryConfig = resolveRecoveryConfig(config, (key) => app.node.tryGetContext(key));
    const recovery = new RecoveryStack(app, `${config.prefix}-recovery`, {
      config,
      recovery: recoveryConfig,
      stateful,
      alarmTopic: monitoring.alarmTopic,
      env,
      tags,
      description: `Abhi EWA ${config.stage}: backups, their copy and the restore check`,
    });
    recovery.addStackDependency(monitoring);
    const backupCopy = recoveryConfig.copyRegion
      ? new BackupCopyStack(app, `${config.prefix}-backup-copy`, {
          config,
          env: { ...(config.env.account ? { account: config.env.account } : {}), region: recoveryConfig.copyRegion },
          tags,
          description: `Abhi EWA ${config.stage}: vault for copies of the backups of ${config.env.region}`,
          terminationProtection: config.retainData,
        })
      : undefined;
    if (backupCopy) recovery.addStackDependency(backupCopy);

    const platform: Platform = { config, stateful, api, monitoring, recovery, ...(backupCopy ? { backupCopy } : {}) };
    attachAdvanceWorkflow(platform, (scope, slot) => {
      const tasks = Object.fromEntries(
        ADVANCE_TASK_NAMES.map((name) => [name, slot.taskFunction(name, ADVANCE_WORKFLOW_TASKS[name])]),
      ) as unknown as Record<AdvanceTaskName, lambda.IFunction>;
      const workflow = new AdvanceWorkflow(scope, 'AdvanceWorkflow', {
        tasks,
        stateMachineName: names.stateMachine(config, 'advance'),
        // ALL events (cdk-nag SF1) but never execution data: inputs carry salaries and account details.
        logging: { level: sfn.LogLevel.ALL, includeExecutionData: false, retention: config.functions.logRetentionDays as number as logs.RetentionDays },
        removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      });
      const role = workflow.stateMachine.role;
      Validations.of(role).acknowledge(
        {
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason:
            'Step Functions log delivery (logs:CreateLogDelivery and friends) and X-Ray (PutTraceSegments, GetSamplingRules) accept no resource ARNs; AWS documents "*" for both.',
        },
        ...Object.values(tasks).map((fn) => ({
          id: `AwsSolutions-IAM5[Resource::<${Stack.of(fn).getLogicalId(fn.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
          reason: 'lambda:InvokeFunction on this task function and its versions (LambdaInvoke grants `<arn>:*` for qualified invocations); no other function.',
        })),
      );
      return workflow.stateMachine;
    });

    // Every function is known now (the workflow's tasks included): build the per-domain Lambda alarms once.
    monitoring.addFunctionAlarms();
    if (options.checks ?? true) applyChecks(app);
    return platform;
  } catch (error) {
    if (error instanceof MissingEntryError || error instanceof StageConfigError) throw new PlatformBuildError(error.message);
    throw error;
  }
}

/**
 * Attaches the advance workflow (Step Functions) to the API stack and wires its monitoring: the functions that
 * start it get ADVANCE_STATE_MACHINE_ARN and the permissions; its task functions get errors/throttles alarms; the
 * state machine gets failed/timed-out/aborted alarms and an outcomes widget.
 */
export function attachAdvanceWorkflow(
  platform: Platform,
  build: Parameters<ApiStack['attachAdvanceWorkflow']>[0],
): ReturnType<ApiStack['attachAdvanceWorkflow']> {
  const before = new Set(platform.api.functions.map((f) => f.functionName));
  const stateMachine = platform.api.attachAdvanceWorkflow(build);
  for (const record of platform.api.functions) {
    if (!before.has(record.functionName)) platform.monitoring.alarmOnFunction(monitoredFunction(record));
  }
  // By name, not by reference: the state machine lives in the API stack's nested workers stack.
  platform.monitoring.alarmOnStateMachine(names.stateMachine(platform.config, 'advance'));
  return stateMachine;
}

/** What the monitoring stack needs of a function: its name, kind, domain (first segment of its entry) and timeout. */
function monitoredFunction(record: PlatformFunctionRecord): MonitoredFunction {
  return {
    functionName: record.functionName,
    kind: record.kind,
    domain: record.function.entryName.split('/')[0]!,
    timeoutSeconds: record.function.timeout!.toSeconds(),
  };
}
