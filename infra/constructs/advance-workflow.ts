import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import {
  ADVANCE_WORKFLOW_TASKS,
  WORKFLOW_ERRORS,
  type AdvanceTaskName,
} from '../../functions/shared/use-cases/advances/workflow-contract';

export { ADVANCE_WORKFLOW_TASKS, ADVANCE_TASK_NAMES, type AdvanceTaskName } from '../../functions/shared/use-cases/advances/workflow-contract';

export interface AdvanceWorkflowProps {
  /** One Lambda per task (entries in ADVANCE_WORKFLOW_TASKS: `functions/workflow/<name>.ts`). */
  readonly tasks: Record<AdvanceTaskName, lambda.IFunction>;
  /**
   * Optional extra channel: publish "approval requested" to this topic before waiting. Finance managers are
   * notified through the outbox event `transaction.advance.approval_requested` either way.
   */
  readonly approvalNotificationTopic?: sns.ITopic;
  readonly stateMachineName?: string;
  /** Execution history to CloudWatch Logs: `false` turns logging off; default ERROR level, no execution data. */
  readonly logging?: false | { level?: sfn.LogLevel; includeExecutionData?: boolean; retention?: logs.RetentionDays; logGroup?: logs.ILogGroup };
  /** X-Ray tracing (default true). */
  readonly tracingEnabled?: boolean;
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Retry of the Abhi create call when its outcome is unknown or Abhi is briefly unavailable (each attempt looks the
   * advance up first). Defaults: 10 attempts, 2 s doubling to at most 60 s, full jitter.
   */
  readonly createRetry?: { maxAttempts?: number; interval?: Duration; maxDelay?: Duration };
}

/** Seconds a Lambda-backed task may run before Step Functions gives up on it (above each function's own timeout). */
const LAMBDA_TASK_TIMEOUT = Duration.seconds(90);
/** The whole execution: the longest approval wait (7 days) plus processing. */
const EXECUTION_TIMEOUT = Duration.days(8);

/**
 * The salary-advance workflow (Standard, JSONPath):
 *
 *   LoadRequest → RunChecks (parallel: Abhi validation, employee, monthly balance, local policy) → Decide
 *     → REJECT: Done (Decide wrote REJECTED)
 *     → APPROVAL_REQUIRED: PrepareApproval → [NotifyApprovers] → WaitForApproval (.waitForTaskToken, TimeoutSecondsPath = policy TTL)
 *          → ResolveApproval (the database decides: approved → CreateAdvance, rejected/cancelled → Done,
 *            still pending after the timeout → EXPIRED → Done)
 *     → AUTO_APPROVE: CreateAdvance (exactly once: look up by reference before every retry) → RecordAdvance → Done
 *   Any unhandled failure → RecordFailure (FAILED with the reason, or on to RecordAdvance if Abhi already has it).
 *   RecordAdvance failing after its retries → RaiseRecordingStuck (metric AdvanceRecordingStuck) → RecordingStuck.
 */
export class AdvanceWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup?: logs.ILogGroup;

  constructor(scope: Construct, id: string, props: AdvanceWorkflowProps) {
    super(scope, id);
    const fn = (name: AdvanceTaskName) => {
      const f = props.tasks[name];
      if (!f) throw new Error(`AdvanceWorkflow: no function for task "${name}" (entry functions/${ADVANCE_WORKFLOW_TASKS[name]}.ts).`);
      return f;
    };
    const invoke = (stateId: string, name: AdvanceTaskName, payload: Record<string, unknown>, resultPath: string) =>
      new tasks.LambdaInvoke(this, stateId, {
        lambdaFunction: fn(name),
        payload: sfn.TaskInput.fromObject(payload),
        payloadResponseOnly: true,
        retryOnServiceExceptions: true,
        resultPath,
        taskTimeout: sfn.Timeout.duration(LAMBDA_TASK_TIMEOUT),
      });
    const transientRetry: sfn.RetryProps = {
      errors: [WORKFLOW_ERRORS.transient, 'States.Timeout'],
      interval: Duration.seconds(2),
      backoffRate: 2,
      maxAttempts: 4,
      maxDelay: Duration.seconds(30),
      jitterStrategy: sfn.JitterType.FULL,
    };
    // Abhi refusing calls for a while (circuit open, rate limited): nothing happened. Task functions already wait up
    // to most of their run for a rate slot, so a first retry comes soon (jittered, not all at once) and the backoff
    // covers longer outages (the client's breaker stays open 30 s).
    const unavailableRetry: sfn.RetryProps = {
      errors: [WORKFLOW_ERRORS.abhiUnavailable],
      interval: Duration.seconds(2),
      backoffRate: 2,
      // At most about 30 minutes in all (2+4+…+32 s, then 60 s each; full jitter halves the typical wait): an advance
      // in flight waits out an Abhi outage; a longer one fails the request (DEPENDENCY_UNAVAILABLE) rather than hang.
      maxAttempts: 34,
      maxDelay: Duration.seconds(60),
      jitterStrategy: sfn.JitterType.FULL,
    };
    const requestId = { 'requestId.$': '$.requestId' };

    // ---- terminal states
    const done = new sfn.Succeed(this, 'Done');
    const recordingStuck = new sfn.Fail(this, 'RecordingStuck', {
      error: 'AdvanceRecordingStuck',
      cause: 'Abhi created the advance but recording it failed after every retry; reconciliation completes it.',
    });
    const failureNotRecorded = new sfn.Fail(this, 'FailureNotRecorded', {
      error: 'AdvanceFailureNotRecorded',
      cause: 'The request could not be marked FAILED; reconciliation picks it up.',
    });

    // ---- failure path
    const recordFailure = invoke('RecordFailure', 'recordFailure', { ...requestId, 'error.$': '$.error' }, '$.failure');
    recordFailure.addRetry({ ...transientRetry, errors: ['States.ALL'], maxAttempts: 5 });
    recordFailure.addCatch(failureNotRecorded, { resultPath: '$.failureError' });
    const catchToFailure = (state: sfn.TaskStateBase | sfn.Parallel) => state.addCatch(recordFailure, { errors: ['States.ALL'], resultPath: '$.error' });

    // ---- recording
    const raiseStuck = invoke('RaiseRecordingStuck', 'raiseRecordingStuck', { ...requestId, 'error.$': '$.recordError' }, '$.stuck');
    raiseStuck.addRetry({ errors: ['States.ALL'], interval: Duration.seconds(5), maxAttempts: 3, backoffRate: 2 });
    raiseStuck.addCatch(recordingStuck, { resultPath: '$.stuckError' });
    raiseStuck.next(recordingStuck);
    const recordAdvance = invoke('RecordAdvance', 'recordAdvance', requestId, '$.record');
    recordAdvance.addRetry({ errors: ['States.ALL'], interval: Duration.seconds(2), backoffRate: 2, maxAttempts: 6, maxDelay: Duration.seconds(60), jitterStrategy: sfn.JitterType.FULL });
    recordAdvance.addCatch(raiseStuck, { errors: ['States.ALL'], resultPath: '$.recordError' });
    recordAdvance.next(done);

    // RecordFailure finds Abhi already holds the advance: record it instead of failing it.
    recordFailure.next(
      new sfn.Choice(this, 'FailureOutcome')
        .when(sfn.Condition.stringEquals('$.failure.outcome', 'RECORD'), recordAdvance)
        .otherwise(done),
    );

    // ---- create at Abhi exactly once
    const createAdvance = invoke('CreateAdvance', 'createAdvance', requestId, '$.creation');
    const createRetry = props.createRetry ?? {};
    createAdvance.addRetry({
      errors: [WORKFLOW_ERRORS.abhiOutcomeUnknown, WORKFLOW_ERRORS.transient, 'States.Timeout'],
      interval: createRetry.interval ?? Duration.seconds(2),
      backoffRate: 2,
      maxAttempts: createRetry.maxAttempts ?? 10,
      maxDelay: createRetry.maxDelay ?? Duration.seconds(60),
      jitterStrategy: sfn.JitterType.FULL,
    });
    createAdvance.addRetry(unavailableRetry);
    createAdvance.addCatch(done, { errors: [WORKFLOW_ERRORS.requestNotPending], resultPath: '$.error' });
    catchToFailure(createAdvance);
    createAdvance.next(recordAdvance);

    // ---- approval
    const resolveApproval = invoke('ResolveApproval', 'resolveApproval', { ...requestId, 'signal.$': '$.approval' }, '$.resolution');
    resolveApproval.addRetry(transientRetry);
    catchToFailure(resolveApproval);
    resolveApproval.next(
      new sfn.Choice(this, 'ApprovalOutcome')
        .when(sfn.Condition.stringEquals('$.resolution.outcome', 'PROCEED'), createAdvance)
        .otherwise(done),
    );
    const waitForApproval = new tasks.LambdaInvoke(this, 'WaitForApproval', {
      lambdaFunction: fn('requestApproval'),
      integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: sfn.TaskInput.fromObject({
        ...requestId,
        taskToken: sfn.JsonPath.taskToken,
        'approvalTimeoutSeconds.$': '$.decision.approvalTimeoutSeconds',
      }),
      // The policy's approvalTtlHours, computed by Decide. aws-local-stepfunctions honours TimeoutSecondsPath (not
      // HeartbeatSeconds) but resolves it against the effective input (after Parameters); PrepareApproval puts the
      // value at $.Payload.approvalTimeoutSeconds in the state input too, so the path resolves the same either way.
      taskTimeout: sfn.Timeout.at('$.Payload.approvalTimeoutSeconds'),
      resultPath: '$.approval',
      retryOnServiceExceptions: true,
    });
    // Every way out of the wait (approved, rejected, cancelled, timed out, request gone) is settled by the database.
    waitForApproval.addCatch(resolveApproval, { errors: ['States.ALL'], resultPath: '$.approval' });
    waitForApproval.next(resolveApproval);

    const prepareApproval = new sfn.Pass(this, 'PrepareApproval', {
      parameters: { 'approvalTimeoutSeconds.$': '$.decision.approvalTimeoutSeconds' },
      resultPath: '$.Payload',
    });
    const approvalEntry: sfn.IChainable = prepareApproval;
    if (!props.approvalNotificationTopic) prepareApproval.next(waitForApproval);
    if (props.approvalNotificationTopic) {
      const notify = new tasks.SnsPublish(this, 'NotifyApprovers', {
        topic: props.approvalNotificationTopic,
        message: sfn.TaskInput.fromObject({ type: 'transaction.advance.approval_requested', 'requestId.$': '$.requestId' }),
        resultPath: sfn.JsonPath.DISCARD,
      });
      notify.addCatch(waitForApproval, { resultPath: sfn.JsonPath.DISCARD });
      notify.next(waitForApproval);
      prepareApproval.next(notify);
    }

    // ---- validation and decision
    const loadRequest = invoke('LoadRequest', 'loadRequest', requestId, '$.request');
    loadRequest.addRetry(transientRetry);
    catchToFailure(loadRequest);

    const checkInput = {
      'requestId.$': '$.request.requestId',
      'organizationId.$': '$.request.organizationId',
      'employeeId.$': '$.request.employeeId',
      'amount.$': '$.request.amount',
    };
    const check = (stateId: string, name: AdvanceTaskName) => {
      const task = new tasks.LambdaInvoke(this, stateId, {
        lambdaFunction: fn(name),
        payload: sfn.TaskInput.fromObject(checkInput),
        payloadResponseOnly: true,
        retryOnServiceExceptions: true,
        taskTimeout: sfn.Timeout.duration(LAMBDA_TASK_TIMEOUT),
      });
      task.addRetry({ ...transientRetry, maxAttempts: 6 });
      task.addRetry(unavailableRetry);
      return task;
    };
    const runChecks = new sfn.Parallel(this, 'RunChecks', { resultPath: '$.checks' })
      .branch(check('CheckAbhiEligibility', 'checkAbhiEligibility'))
      .branch(check('CheckEmployee', 'checkEmployee'))
      .branch(check('CheckBalance', 'checkBalance'))
      .branch(check('CheckPolicy', 'checkPolicy'));
    catchToFailure(runChecks);

    const decide = invoke('Decide', 'decide', { ...requestId, 'checks.$': '$.checks' }, '$.decision');
    decide.addRetry(transientRetry);
    catchToFailure(decide);

    const definition = loadRequest
      .next(runChecks)
      .next(decide)
      .next(
        new sfn.Choice(this, 'RouteDecision')
          .when(sfn.Condition.stringEquals('$.decision.outcome', 'APPROVAL_REQUIRED'), approvalEntry)
          .when(sfn.Condition.stringEquals('$.decision.outcome', 'AUTO_APPROVE'), createAdvance)
          .otherwise(done),
      );

    let logOptions: sfn.LogOptions | undefined;
    if (props.logging !== false) {
      const logging = props.logging ?? {};
      this.logGroup =
        logging.logGroup ??
        new logs.LogGroup(this, 'Logs', {
          retention: logging.retention ?? logs.RetentionDays.ONE_MONTH,
          removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
        });
      logOptions = { destination: this.logGroup, level: logging.level ?? sfn.LogLevel.ERROR, includeExecutionData: logging.includeExecutionData ?? false };
    }

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: props.stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      timeout: EXECUTION_TIMEOUT,
      tracingEnabled: props.tracingEnabled ?? true,
      ...(logOptions ? { logs: logOptions } : {}),
      removalPolicy: props.removalPolicy,
    });
  }

  /** Lets an API function start executions and answer task tokens (SendTaskSuccess/Failure/Heartbeat). */
  grantStartAndAnswer(grantee: Parameters<sfn.StateMachine['grantStartExecution']>[0]): void {
    this.stateMachine.grantStartExecution(grantee);
    this.stateMachine.grantTaskResponse(grantee);
    this.stateMachine.grantRead(grantee);
  }
}
