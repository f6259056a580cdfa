import http from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Context } from 'aws-lambda';
import { AdvanceWorkflow, ADVANCE_TASK_NAMES, ADVANCE_WORKFLOW_TASKS, type AdvanceTaskName } from '../../constructs/advance-workflow';
import { loadEntry } from '../api-server';
import { fakeLambdaContext } from '../lambda-context';
import { assertPortFree, freePort } from '../ports';

/**
 * Step Functions on this machine: the advance workflow's ASL, exactly as CDK synthesizes it, run in-process by
 * aws-local-stepfunctions behind a small node:http endpoint that speaks the Step Functions JSON 1.0 protocol, so
 * functions use the real `@aws-sdk/client-sfn` with `AWS_ENDPOINT_URL_SFN` pointing here.
 *
 * Every Task runs the real handler of `functions/workflow/<task>.ts` in this process, found from the placeholder
 * function name in the synthesized Resource/FunctionName. `.waitForTaskToken` tasks get a fresh token through
 * `$$.Task.Token`, invoke their function, then wait for SendTaskSuccess/SendTaskFailure (or the task timeout).
 * Executions live in memory: they end with the process.
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

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const PLACEHOLDER_ARN_PREFIX = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:`;

// ---------------------------------------------------------------------------------------------------------------
// (a) The definition CDK synthesizes
// ---------------------------------------------------------------------------------------------------------------

export type AslDefinition = { StartAt: string; States: Record<string, AslState>; TimeoutSeconds?: number; Comment?: string };
type AslState = Record<string, unknown> & { Type: string; Resource?: string; Parameters?: Record<string, unknown>; Branches?: AslDefinition[]; Retry?: unknown[] };

let synthesized: AslDefinition | undefined;

/**
 * Instantiates the AdvanceWorkflow construct in a throwaway CDK app with `fromFunctionArn` placeholders named after
 * each task, and returns the `DefinitionString` of the synthesized `AWS::StepFunctions::StateMachine` (its
 * Fn::Join resolved). Local runs and tests therefore execute exactly what CDK deploys. Cached per process (~2 s).
 */
export function synthesizeAdvanceWorkflowDefinition(options: { fresh?: boolean } = {}): AslDefinition {
  if (synthesized && !options.fresh) return structuredClone(synthesized);
  const app = new App({ outdir: undefined, analyticsReporting: false });
  const stack = new Stack(app, 'AdvanceWorkflowLocal');
  const functions = Object.fromEntries(
    ADVANCE_TASK_NAMES.map((name) => [name, lambda.Function.fromFunctionArn(stack, `Fn-${name}`, `${PLACEHOLDER_ARN_PREFIX}${name}`)]),
  ) as Record<AdvanceTaskName, lambda.IFunction>;
  new AdvanceWorkflow(stack, 'AdvanceWorkflow', { tasks: functions, logging: false, tracingEnabled: false });
  const template = app.synth().getStackByName(stack.stackName).template as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
  const machines = Object.values(template.Resources).filter((r) => r.Type === 'AWS::StepFunctions::StateMachine');
  if (machines.length !== 1) throw new Error(`Expected one state machine in the synthesized template, found ${machines.length}.`);
  const definitionString = resolveIntrinsic(machines[0]!.Properties.DefinitionString);
  if (typeof definitionString !== 'string') throw new Error('The synthesized DefinitionString did not resolve to a string.');
  synthesized = JSON.parse(definitionString) as AslDefinition;
  return structuredClone(synthesized);
}

const PSEUDO_PARAMETERS: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': REGION,
  'AWS::AccountId': ACCOUNT,
  'AWS::URLSuffix': 'amazonaws.com',
};

/** Resolves the intrinsics CDK puts into a DefinitionString (Fn::Join and pseudo-parameter Refs). */
function resolveIntrinsic(value: unknown): unknown {
  if (typeof value === 'string' || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(resolveIntrinsic);
  const object = value as Record<string, unknown>;
  if ('Fn::Join' in object) {
    const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
    return parts.map((part) => String(resolveIntrinsic(part))).join(separator);
  }
  if ('Ref' in object) {
    const ref = String(object.Ref);
    if (ref in PSEUDO_PARAMETERS) return PSEUDO_PARAMETERS[ref];
    throw new Error(`The local Step Functions runner cannot resolve { Ref: ${ref} } in the definition: use placeholders.`);
  }
  throw new Error(`The local Step Functions runner cannot resolve ${Object.keys(object).join(', ')} in the definition.`);
}

/** Every Task state (including those inside Parallel branches and Map iterators), by state name. */
export function taskStates(definition: AslDefinition): Map<string, AslState> {
  const found = new Map<string, AslState>();
  const walk = (def: AslDefinition) => {
    for (const [name, state] of Object.entries(def.States)) {
      if (state.Type === 'Task') found.set(name, state);
      for (const branch of state.Branches ?? []) walk(branch);
      const iterator = (state.ItemProcessor ?? state.Iterator) as AslDefinition | undefined;
      if (iterator) walk(iterator);
    }
  };
  walk(definition);
  return found;
}

/** A copy of the definition whose retry intervals and delay caps are multiplied by `scale`. */
export function scaleRetries(definition: AslDefinition, scale: number): AslDefinition {
  const copy = structuredClone(definition);
  const walk = (def: AslDefinition) => {
    for (const state of Object.values(def.States)) {
      for (const retrier of (state.Retry ?? []) as { IntervalSeconds?: number; MaxDelaySeconds?: number }[]) {
        retrier.IntervalSeconds = (retrier.IntervalSeconds ?? 1) * scale;
        if (retrier.MaxDelaySeconds !== undefined) retrier.MaxDelaySeconds *= scale;
      }
      for (const branch of state.Branches ?? []) walk(branch);
    }
  };
  walk(copy);
  return copy;
}

function statesWithRetry(definition: AslDefinition): string[] {
  const names: string[] = [];
  const walk = (def: AslDefinition) => {
    for (const [name, state] of Object.entries(def.States)) {
      if (Array.isArray(state.Retry) && state.Retry.length > 0) names.push(name);
      for (const branch of state.Branches ?? []) walk(branch);
    }
  };
  walk(definition);
  return names;
}

function waitStates(definition: AslDefinition): string[] {
  const names: string[] = [];
  const walk = (def: AslDefinition) => {
    for (const [name, state] of Object.entries(def.States)) {
      if (state.Type === 'Wait') names.push(name);
      for (const branch of state.Branches ?? []) walk(branch);
    }
  };
  walk(definition);
  return names;
}

// ---------------------------------------------------------------------------------------------------------------
// (b) The endpoint
// ---------------------------------------------------------------------------------------------------------------

type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
type TaskFunction = (event: unknown, context: Context) => Promise<unknown>;

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface ExecutionRecord {
  readonly executionArn: string;
  readonly name: string;
  readonly input: string;
  readonly startDate: Date;
  status: ExecutionStatus;
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
  /** States entered, in order (with retries and failures), for tests and debugging. */
  readonly events: { type: string; state?: string; error?: string; at: number }[];
  /** Resolves when the execution ends. */
  readonly done: Promise<void>;
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

interface TokenWaiter {
  readonly executionArn: string;
  /** The task state that claimed the token (set when its handler runs). */
  stateName: string;
  status: 'issued' | 'waiting' | 'closed';
  resolve?: (output: unknown) => void;
  reject?: (error: Error) => void;
}

class SfnError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** An error as Lambda reports it: `name` is the errorType, the message the JSON Step Functions puts into Cause. */
class LambdaFunctionError extends Error {
  constructor(errorType: string, errorMessage: string) {
    super(JSON.stringify({ errorType, errorMessage, trace: [] }));
    this.name = errorType;
  }
}

/** What SendTaskFailure puts into the task's error. */
class TaskFailure extends Error {
  constructor(error: string, cause: string) {
    super(cause);
    this.name = error;
  }
}

let lastStarted: StepFunctionsLocal | undefined;

/** The instance this process started last (tests reach it without threading a handle through the harness). */
export function currentStepFunctionsLocal(): StepFunctionsLocal | undefined {
  return lastStarted;
}

export async function startStepFunctionsLocal(options: StepFunctionsLocalOptions = {}): Promise<StepFunctionsLocal> {
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

  const executions = new Map<string, ExecutionRecord & { abort: () => void }>();
  const tokens = new Map<string, TokenWaiter>();
  const functions = new Map<string, Promise<TaskFunction>>();
  const loadTask =
    options.loadTask ??
    ((taskName: string) => {
      const entry = (ADVANCE_WORKFLOW_TASKS as Record<string, string>)[taskName];
      if (!entry) throw new Error(`No workflow entry for task "${taskName}" (see ADVANCE_WORKFLOW_TASKS).`);
      return loadEntry<TaskFunction>(entry);
    });
  const taskFunction = (taskName: string): Promise<TaskFunction> => {
    const override = options.taskOverrides?.[taskName];
    if (override) return Promise.resolve(override);
    if (!functions.has(taskName)) functions.set(taskName, loadTask(taskName));
    return functions.get(taskName)!;
  };

  /** Invokes a task function the way Lambda does: JSON in, JSON out, errors as { errorType, errorMessage }. */
  const invoke = async (taskName: string, payload: unknown): Promise<JsonValue> => {
    const fn = await taskFunction(taskName);
    let result: unknown;
    try {
      result = await fn(JSON.parse(JSON.stringify(payload ?? null)), fakeLambdaContext(`workflow-${taskName}`, 60_000));
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      throw new LambdaFunctionError(e.name || 'Error', e.message);
    }
    return result === undefined ? null : (JSON.parse(JSON.stringify(result)) as JsonValue);
  };

  const overridesFor = (executionArn: string) => {
    const handlers: Record<string, (input: JsonValue) => Promise<JsonValue>> = {};
    for (const [stateName, state] of taskStates(definition)) {
      const resource = String(state.Resource ?? '');
      if (resource.startsWith(PLACEHOLDER_ARN_PREFIX) || /^arn:aws:lambda:/.test(resource)) {
        const taskName = resource.split(':').at(-1)!;
        handlers[stateName] = (input) => invoke(taskName, input);
      } else if (/^arn:aws:states:::lambda:invoke(\.waitForTaskToken)?$/.test(resource)) {
        const waits = resource.endsWith('.waitForTaskToken');
        handlers[stateName] = async (input) => {
          const { FunctionName, Payload } = (input ?? {}) as { FunctionName?: string; Payload?: JsonValue };
          const taskName = String(FunctionName ?? '').split(':').at(-1) ?? '';
          if (!waits) return { StatusCode: 200, ExecutedVersion: '$LATEST', Payload: await invoke(taskName, Payload) };
          const token = findIssuedToken(Payload, executionArn);
          if (!token) throw new LambdaFunctionError('States.Runtime', `${stateName}: the payload carries no task token ($$.Task.Token).`);
          const waiter = tokens.get(token)!;
          waiter.status = 'waiting';
          waiter.stateName = stateName;
          const outcome = new Promise<JsonValue>((resolve, reject) => {
            waiter.resolve = (output) => resolve(output as JsonValue);
            waiter.reject = reject;
          });
          // An aborted execution (stop(), or the task's own invoke failing below) no longer awaits the outcome: its
          // late rejection must not surface as an unhandled one.
          outcome.catch(() => undefined);
          // The function is invoked synchronously, as AWS does; its own failure fails the task.
          await invoke(taskName, Payload).catch((error: Error) => {
            waiter.status = 'closed';
            throw error;
          });
          return outcome;
        };
      } else if (/^arn:aws:states:::sns:publish$/.test(resource)) {
        handlers[stateName] = async (input) => publishToLocalSns(input as { TopicArn?: string; Message?: unknown });
      } else {
        // A Task without a local replacement would call real AWS: refuse to start rather than do that.
        throw new Error(`Task state ${stateName} uses ${resource}, which the local Step Functions runner cannot replace.`);
      }
    }
    return handlers;
  };

  /** Tokens are issued through the context object: each read of `$$.Task.Token` issues a fresh one. */
  const issueToken = (executionArn: string): string => {
    const token = `local-${randomBytes(24).toString('base64url')}`;
    tokens.set(token, { executionArn, stateName: '', status: 'issued' });
    return token;
  };
  const findIssuedToken = (payload: unknown, executionArn: string): string | undefined => {
    if (typeof payload === 'string') return tokens.get(payload)?.executionArn === executionArn && tokens.get(payload)?.status === 'issued' ? payload : undefined;
    if (payload && typeof payload === 'object') {
      for (const value of Object.values(payload)) {
        const found = findIssuedToken(value, executionArn);
        if (found) return found;
      }
    }
    return undefined;
  };
  const closeTokens = (executionArn: string, stateName?: string) => {
    for (const [token, waiter] of tokens) {
      if (waiter.executionArn !== executionArn || (stateName && (waiter.status !== 'waiting' || waiter.stateName !== stateName))) continue;
      waiter.status = 'closed';
      tokens.delete(token);
    }
  };

  const startExecution = (name: string, input: string): ExecutionRecord => {
    const executionArn = `arn:aws:states:${REGION}:${ACCOUNT}:execution:${stateMachineName}:${name}`;
    let parsedInput: JsonValue;
    try {
      parsedInput = JSON.parse(input) as JsonValue;
    } catch {
      throw new SfnError('InvalidExecutionInput', 'The execution input is not valid JSON.');
    }
    const context = {
      Execution: { Id: executionArn, Name: name, RoleArn: `arn:aws:iam::${ACCOUNT}:role/local` },
      StateMachine: { Id: stateMachineArn, Name: stateMachineName },
      Task: {
        get Token() {
          return issueToken(executionArn);
        },
      },
    };
    const retryIntervalOverrides = retryIntervalMs === undefined ? undefined : Object.fromEntries(statesWithRetry(definition).map((s) => [s, retryIntervalMs]));
    const waitTimeOverrides = waitTimeMs === undefined ? undefined : Object.fromEntries(waitStates(definition).map((s) => [s, waitTimeMs]));
    const run = machine.run(parsedInput, {
      overrides: { taskResourceLocalHandlers: overridesFor(executionArn), retryIntervalOverrides, waitTimeOverrides },
      context,
      noThrowOnAbort: true,
    });
    let finished!: () => void;
    const record: ExecutionRecord & { abort: () => void } = {
      executionArn,
      name,
      input,
      startDate: new Date(),
      status: 'RUNNING',
      events: [],
      done: new Promise<void>((resolve) => (finished = resolve)),
      abort: run.abort,
    };
    executions.set(executionArn, record);

    // The event log closes the token of a waiting task that ended without an answer (its timeout).
    void (async () => {
      try {
        for await (const event of run.eventLogs) {
          const stateName = 'state' in event ? event.state.name : undefined;
          if ((event.type === 'StateExited' || event.type === 'StateFailed') && stateName) closeTokens(executionArn, stateName);
          if (event.type === 'ParallelBranchStarted' || event.type === 'ParallelBranchSucceeded') continue;
          record.events.push({
            type: event.type,
            ...(stateName ? { state: stateName } : {}),
            ...('Error' in event ? { error: String(event.Error) } : {}),
            at: event.timestamp,
          });
        }
      } catch {
        // the log ends with the execution
      }
    })();

    run.result.then(
      (output) => {
        // An aborted run resolves with null (noThrowOnAbort); StopExecution already set ABORTED.
        if (record.status === 'RUNNING') {
          record.status = 'SUCCEEDED';
          record.output = JSON.stringify(output);
        }
      },
      (error: Error) => {
        const cause = error.cause instanceof Error ? error.cause : error;
        if (error.name === 'ExecutionTimeoutError') {
          record.status = 'TIMED_OUT';
        } else {
          record.status = 'FAILED';
          record.error = cause.name;
          record.cause = cause.message;
        }
      },
    ).finally(() => {
      record.stopDate = new Date();
      closeTokens(executionArn);
      options.onExecutionEnd?.(record);
      finished();
    });
    return record;
  };
  const operations: Record<string, (input: Record<string, unknown>) => unknown> = {
    StartExecution(input) {
      if (input.stateMachineArn !== stateMachineArn) throw new SfnError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${String(input.stateMachineArn)}'`);
      const name = typeof input.name === 'string' && input.name ? input.name : randomUUID();
      if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) throw new SfnError('InvalidName', `Invalid Name: '${name}'`);
      const executionInput = typeof input.input === 'string' ? input.input : '{}';
      const executionArn = `arn:aws:states:${REGION}:${ACCOUNT}:execution:${stateMachineName}:${name}`;
      const existing = executions.get(executionArn);
      if (existing) {
        // As in AWS: the same name and input while running is idempotent, anything else is refused.
        if (existing.status === 'RUNNING' && existing.input === executionInput) return { executionArn, startDate: epochSeconds(existing.startDate) };
        throw new SfnError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
      }
      const record = startExecution(name, executionInput);
      return { executionArn, startDate: epochSeconds(record.startDate) };
    },
    DescribeExecution(input) {
      const record = executions.get(String(input.executionArn));
      if (!record) throw new SfnError('ExecutionDoesNotExist', `Execution Does Not Exist: '${String(input.executionArn)}'`);
      return {
        executionArn: record.executionArn,
        stateMachineArn,
        name: record.name,
        status: record.status,
        startDate: epochSeconds(record.startDate),
        ...(record.stopDate ? { stopDate: epochSeconds(record.stopDate) } : {}),
        input: record.input,
        ...(record.output !== undefined ? { output: record.output } : {}),
        ...(record.error !== undefined ? { error: record.error } : {}),
        ...(record.cause !== undefined ? { cause: record.cause } : {}),
      };
    },
    ListExecutions(input) {
      const filter = typeof input.statusFilter === 'string' ? input.statusFilter : undefined;
      return {
        executions: [...executions.values()]
          .filter((e) => !filter || e.status === filter)
          .map((e) => ({
            executionArn: e.executionArn,
            stateMachineArn,
            name: e.name,
            status: e.status,
            startDate: epochSeconds(e.startDate),
            ...(e.stopDate ? { stopDate: epochSeconds(e.stopDate) } : {}),
          })),
      };
    },
    SendTaskSuccess(input) {
      const waiter = waiterFor(input.taskToken);
      let output: unknown;
      try {
        output = JSON.parse(String(input.output ?? ''));
      } catch {
        throw new SfnError('InvalidOutput', 'The task output is not valid JSON.');
      }
      tokens.delete(String(input.taskToken));
      waiter.status = 'closed';
      waiter.resolve!(output);
      return {};
    },
    SendTaskFailure(input) {
      const waiter = waiterFor(input.taskToken);
      tokens.delete(String(input.taskToken));
      waiter.status = 'closed';
      waiter.reject!(new TaskFailure(typeof input.error === 'string' && input.error ? input.error : 'States.TaskFailed', typeof input.cause === 'string' ? input.cause : ''));
      return {};
    },
    SendTaskHeartbeat(input) {
      waiterFor(input.taskToken);
      return {};
    },
    StopExecution(input) {
      const record = executions.get(String(input.executionArn));
      if (!record) throw new SfnError('ExecutionDoesNotExist', `Execution Does Not Exist: '${String(input.executionArn)}'`);
      if (record.status === 'RUNNING') {
        record.status = 'ABORTED';
        if (typeof input.error === 'string') record.error = input.error;
        if (typeof input.cause === 'string') record.cause = input.cause;
        record.abort();
      }
      return { stopDate: epochSeconds(new Date()) };
    },
  };

  function waiterFor(token: unknown): TokenWaiter {
    if (typeof token !== 'string' || !token.startsWith('local-')) throw new SfnError('InvalidToken', 'Invalid Token');
    const waiter = tokens.get(token);
    if (!waiter || waiter.status === 'closed') throw new SfnError('TaskTimedOut', 'Task Timed Out');
    if (waiter.status !== 'waiting') throw new SfnError('TaskDoesNotExist', 'Task Does Not Exist');
    return waiter;
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const reply = (status: number, payload: unknown, errorType?: string) => {
        res.writeHead(status, {
          'content-type': 'application/x-amz-json-1.0',
          'x-amzn-requestid': randomUUID(),
          ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
        });
        res.end(JSON.stringify(payload));
      };
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = target.startsWith('AWSStepFunctions.') ? operations[target.slice('AWSStepFunctions.'.length)] : undefined;
      if (!operation) return reply(400, { __type: 'UnknownOperationException', message: `${target} is not supported by the local Step Functions endpoint.` }, 'UnknownOperationException');
      try {
        const body = Buffer.concat(chunks).toString('utf8');
        return reply(200, operation(body ? (JSON.parse(body) as Record<string, unknown>) : {}));
      } catch (error) {
        if (error instanceof SfnError) return reply(error.status, { __type: error.type, message: error.message }, error.type);
        return reply(500, { __type: 'InternalFailure', message: error instanceof Error ? error.message : String(error) }, 'InternalFailure');
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });

  const instance: StepFunctionsLocal = {
    endpoint: `http://127.0.0.1:${port}`,
    stateMachineArn,
    definition,
    executions: () => [...executions.values()],
    async waitForExecution(nameOrArn, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const record = executions.get(nameOrArn) ?? [...executions.values()].find((e) => e.name === nameOrArn);
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
        const waitingOnTokens = new Set([...tokens.values()].filter((t) => t.status === 'waiting').map((t) => t.executionArn));
        const busy = [...executions.values()].filter((e) => e.status === 'RUNNING' && !waitingOnTokens.has(e.executionArn));
        if (busy.length === 0) return;
        if (Date.now() > deadline) throw new Error(`${busy.length} execution(s) still running after ${timeoutMs} ms.`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      for (const record of executions.values()) {
        if (record.status === 'RUNNING') {
          record.status = 'ABORTED';
          record.abort();
        }
      }
      for (const waiter of tokens.values()) waiter.reject?.(new TaskFailure('States.Runtime', 'The local Step Functions endpoint stopped.'));
      tokens.clear();
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

async function publishToLocalSns(input: { TopicArn?: string; Message?: unknown }): Promise<JsonValue> {
  const { SNSClient, PublishCommand } = await import('@aws-sdk/client-sns');
  const client = new SNSClient({});
  try {
    const message = typeof input.Message === 'string' ? input.Message : JSON.stringify(input.Message);
    const result = await client.send(new PublishCommand({ TopicArn: input.TopicArn, Message: message }));
    return { MessageId: result.MessageId ?? randomUUID() };
  } finally {
    client.destroy();
  }
}

function epochSeconds(date: Date): number {
  return date.getTime() / 1000;
}

function numberFromEnv(name: string): number | undefined {
  const value = process.env[name];
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a number of milliseconds, got "${value}".`);
  return n;
}
