import { assertPortFree, freePort } from '../ports';
import { ACCOUNT, REGION, scaleRetries, synthesizeAdvanceWorkflowDefinition, type AslDefinition } from './step-functions/definition';
import { TaskFailure } from './step-functions/errors';
import { ExecutionStore, type ExecutionRecord } from './step-functions/executions';
import { listenSfnJsonProtocol, sfnOperations } from './step-functions/http-front';
import { taskHandlersFor } from './step-functions/task-handlers';
import { createTaskInvoker, type TaskFunction } from './step-functions/task-invoker';
import { TaskTokens } from './step-functions/task-tokens';

export { scaleRetries, synthesizeAdvanceWorkflowDefinition, taskStates, type AslDefinition } from './step-functions/definition';
export type { ExecutionRecord, ExecutionStatus } from './step-functions/executions';

/**
 * Step Functions on this machine: the advance workflow's ASL, exactly as CDK synthesizes it, run in-process by
 * aws-local-stepfunctions behind a small node:http endpoint that speaks the Step Functions JSON 1.0 protocol, so
 * functions use the real `@aws-sdk/client-sfn` with `AWS_ENDPOINT_URL_SFN` pointing here.
 *
 * Every Task runs the real handler of `functions/workflow/<task>.ts` in this process, found from the placeholder
 * function name in the synthesized Resource/FunctionName. `.waitForTaskToken` tasks get a fresh token through
 * `$$.Task.Token`, invoke their function, then wait for SendTaskSuccess/SendTaskFailure (or the task timeout).
 * Executions live in memory: they end with the process.
 *
 * This file composes the parts in ./step-functions/: definition.ts (the synthesized ASL), task-invoker.ts (runs a
 * workflow handler like Lambda), task-tokens.ts (the callback tokens), task-handlers.ts (each Task state's local
 * replacement), executions.ts (the execution store) and http-front.ts (the JSON 1.0 endpoint).
 */

// aws-local-stepfunctions 3 uses Promise.withResolvers (Node >= 22); Node 20 needs this polyfill first.
if (typeof (Promise as unknown as { withResolvers?: unknown }).withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T>() {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

export interface StepFunctionsLocalOptions {
  port?: number;
  /** The ASL to run; default: what CDK synthesizes for AdvanceWorkflow. */
  definition?: AslDefinition;
  stateMachineName?: string;
  /**
   * Test-only: every Retry pause lasts this many milliseconds instead of IntervalSeconds/backoff
   * (default: env STEP_FUNCTIONS_LOCAL_RETRY_INTERVAL_MS, else the definition's own intervals).
   */
  retryIntervalMs?: number;
  /**
   * Test-only: multiplies every retrier's IntervalSeconds and MaxDelaySeconds (e.g. 0.1 runs the backoff ten times
   * faster while keeping its exponential shape and jitter; default: env STEP_FUNCTIONS_LOCAL_TIME_SCALE). Ignored
   * when `retryIntervalMs` is set.
   */
  retryTimeScale?: number;
  /** Test-only: every Wait state lasts this many milliseconds (default: env STEP_FUNCTIONS_LOCAL_WAIT_MS). */
  waitTimeMs?: number;
  /** Replaces the handler of a task (by task name, e.g. `createAdvance`) — for fault-injection tests. */
  taskOverrides?: Partial<Record<string, TaskFunction>>;
  /** How task functions are loaded (default: `functions/workflow/<task>.ts` through the API server's loadEntry). */
  loadTask?: (taskName: string) => Promise<TaskFunction>;
  /** Called with the arn and status when an execution ends. */
  onExecutionEnd?: (execution: ExecutionRecord) => void;
}

export interface StepFunctionsLocal {
  readonly endpoint: string;
  readonly stateMachineArn: string;
  readonly definition: AslDefinition;
  stop(): Promise<void>;
  executions(): ExecutionRecord[];
  /** Resolves with the execution once it has ended (or rejects after timeoutMs). */
  waitForExecution(nameOrArn: string, timeoutMs?: number): Promise<ExecutionRecord>;
  /** Resolves once no execution is running except those waiting for a task token (or rejects after timeoutMs). */
  waitForIdle(timeoutMs?: number): Promise<void>;
}

let lastStarted: StepFunctionsLocal | undefined;

/** The instance this process started last (tests reach it without threading a handle through the harness). */
export function currentStepFunctionsLocal(): StepFunctionsLocal | undefined {
  return lastStarted;
}

export async function startStepFunctionsLocal(options: StepFunctionsLocalOptions = {}): Promise<StepFunctionsLocal> {
  // Imported here, after the Promise.withResolvers polyfill above has run.
  const { StateMachine } = await import('aws-local-stepfunctions');
  const definition = options.definition ?? synthesizeAdvanceWorkflowDefinition();
  const stateMachineName = options.stateMachineName ?? 'advance-workflow-local';
  const stateMachineArn = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${stateMachineName}`;
  const port = options.port ?? (await freePort());
  if (options.port) await assertPortFree(port, 'SFN_PORT');
  const retryIntervalMs = options.retryIntervalMs ?? numberFromEnv('STEP_FUNCTIONS_LOCAL_RETRY_INTERVAL_MS');
  const waitTimeMs = options.waitTimeMs ?? numberFromEnv('STEP_FUNCTIONS_LOCAL_WAIT_MS');
  const retryTimeScale = options.retryTimeScale ?? numberFromEnv('STEP_FUNCTIONS_LOCAL_TIME_SCALE');

  // Validates the definition (asl-validator) once; each run then reuses it. A time-scaled copy (fractional
  // intervals, which ASL itself forbids) is run unvalidated after the original passed.
  let machine = new StateMachine(definition as never, { validationOptions: { checkPaths: true, checkArn: true } });
  if (retryTimeScale !== undefined && retryIntervalMs === undefined) {
    machine = new StateMachine(scaleRetries(definition, retryTimeScale) as never, { validationOptions: { noValidate: true } });
  }

  const tokens = new TaskTokens();
  const invoke = createTaskInvoker({ taskOverrides: options.taskOverrides, loadTask: options.loadTask });
  const executions = new ExecutionStore({
    machine,
    definition,
    stateMachineName,
    stateMachineArn,
    tokens,
    taskHandlersFor: (executionArn) => taskHandlersFor(definition, executionArn, invoke, tokens),
    retryIntervalMs,
    waitTimeMs,
    onExecutionEnd: options.onExecutionEnd,
  });
  const server = await listenSfnJsonProtocol(port, sfnOperations(stateMachineArn, executions, tokens));

  const instance: StepFunctionsLocal = {
    endpoint: `http://127.0.0.1:${port}`,
    stateMachineArn,
    definition,
    executions: () => [...executions.records.values()],
    async waitForExecution(nameOrArn, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const record = executions.records.get(nameOrArn) ?? [...executions.records.values()].find((e) => e.name === nameOrArn);
        if (record) {
          const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now())).unref());
          if ((await Promise.race([record.done.then(() => 'done' as const), timer])) === 'timeout') {
            throw new Error(`Execution ${nameOrArn} did not end within ${timeoutMs} ms (last events: ${JSON.stringify(record.events.slice(-5))}).`);
          }
          return record;
        }
        if (Date.now() > deadline) throw new Error(`Execution ${nameOrArn} was never started.`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async waitForIdle(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const waitingOnTokens = tokens.waitingExecutions();
        const busy = [...executions.records.values()].filter((e) => e.status === 'RUNNING' && !waitingOnTokens.has(e.executionArn));
        if (busy.length === 0) return;
        if (Date.now() > deadline) throw new Error(`${busy.length} execution(s) still running after ${timeoutMs} ms.`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      for (const record of executions.records.values()) {
        if (record.status === 'RUNNING') {
          record.status = 'ABORTED';
          record.abort();
        }
      }
      tokens.rejectAll(() => new TaskFailure('States.Runtime', 'The local Step Functions endpoint stopped.'));
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      if (lastStarted === instance) lastStarted = undefined;
    },
  };
  lastStarted = instance;
  return instance;
}

function numberFromEnv(name: string): number | undefined {
  const value = process.env[name];
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a number of milliseconds, got "${value}".`);
  return n;
}
