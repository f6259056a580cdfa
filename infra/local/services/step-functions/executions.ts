import type { StateMachine } from 'aws-local-stepfunctions';
import { ACCOUNT, REGION, statesWithRetry, waitStates, type AslDefinition } from './definition';
import { SfnError } from './errors';
import type { JsonValue } from './task-invoker';
import type { TaskHandlers } from './task-handlers';
import type { TaskTokens } from './task-tokens';

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

/** A record plus the handle that stops its run (StopExecution, stop()). */
export type RunningExecution = ExecutionRecord & { abort: () => void };

export interface ExecutionStoreOptions {
  readonly machine: StateMachine;
  readonly definition: AslDefinition;
  readonly stateMachineName: string;
  readonly stateMachineArn: string;
  readonly tokens: TaskTokens;
  /** The local replacement of every Task state, for one execution. */
  readonly taskHandlersFor: (executionArn: string) => TaskHandlers;
  readonly retryIntervalMs?: number;
  readonly waitTimeMs?: number;
  readonly onExecutionEnd?: (execution: ExecutionRecord) => void;
}

/**
 * The executions of the one local state machine, in memory (they end with the process): starts a run of
 * aws-local-stepfunctions per execution, records the states it enters and how it ends, and closes the task tokens
 * of states and executions that end.
 */
export class ExecutionStore {
  readonly records = new Map<string, RunningExecution>();

  constructor(private readonly options: ExecutionStoreOptions) {}

  arnOf(name: string): string {
    return `arn:aws:states:${REGION}:${ACCOUNT}:execution:${this.options.stateMachineName}:${name}`;
  }

  start(name: string, input: string): ExecutionRecord {
    const { machine, definition, stateMachineName, stateMachineArn, tokens, retryIntervalMs, waitTimeMs, onExecutionEnd } = this.options;
    const executionArn = this.arnOf(name);
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
          return tokens.issue(executionArn);
        },
      },
    };
    const retryIntervalOverrides = retryIntervalMs === undefined ? undefined : Object.fromEntries(statesWithRetry(definition).map((s) => [s, retryIntervalMs]));
    const waitTimeOverrides = waitTimeMs === undefined ? undefined : Object.fromEntries(waitStates(definition).map((s) => [s, waitTimeMs]));
    const run = machine.run(parsedInput, {
      overrides: { taskResourceLocalHandlers: this.options.taskHandlersFor(executionArn), retryIntervalOverrides, waitTimeOverrides },
      context,
      noThrowOnAbort: true,
    });
    let finished!: () => void;
    const record: RunningExecution = {
      executionArn,
      name,
      input,
      startDate: new Date(),
      status: 'RUNNING',
      events: [],
      done: new Promise<void>((resolve) => (finished = resolve)),
      abort: run.abort,
    };
    this.records.set(executionArn, record);

    // The event log closes the token of a waiting task that ended without an answer (its timeout).
    void (async () => {
      try {
        for await (const event of run.eventLogs) {
          const stateName = 'state' in event ? event.state.name : undefined;
          if ((event.type === 'StateExited' || event.type === 'StateFailed') && stateName) tokens.close(executionArn, stateName);
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
      tokens.close(executionArn);
      onExecutionEnd?.(record);
      finished();
    });
    return record;
  }
}
