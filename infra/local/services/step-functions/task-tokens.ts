import { randomBytes } from 'node:crypto';
import { SfnError, TaskFailure } from './errors';
import type { JsonValue } from './task-invoker';

interface TokenWaiter {
  readonly executionArn: string;
  /** The task state that claimed the token (set when its handler runs). */
  stateName: string;
  status: 'issued' | 'waiting' | 'closed';
  resolve?: (output: unknown) => void;
  reject?: (error: Error) => void;
}

/**
 * The task tokens of `.waitForTaskToken` tasks: issued through `$$.Task.Token`, claimed by the task state whose
 * payload carries one, answered by SendTaskSuccess/SendTaskFailure, closed when the state or execution ends (a late
 * answer then gets TaskTimedOut, as in AWS).
 */
export class TaskTokens {
  private readonly waiters = new Map<string, TokenWaiter>();

  /** Tokens are issued through the context object: each read of `$$.Task.Token` issues a fresh one. */
  issue(executionArn: string): string {
    const token = `local-${randomBytes(24).toString('base64url')}`;
    this.waiters.set(token, { executionArn, stateName: '', status: 'issued' });
    return token;
  }

  /** The issued (not yet claimed) token of this execution somewhere in a task's payload. */
  findIssued(payload: unknown, executionArn: string): string | undefined {
    if (typeof payload === 'string')
      return this.waiters.get(payload)?.executionArn === executionArn && this.waiters.get(payload)?.status === 'issued' ? payload : undefined;
    if (payload && typeof payload === 'object') {
      for (const value of Object.values(payload)) {
        const found = this.findIssued(value, executionArn);
        if (found) return found;
      }
    }
    return undefined;
  }

  /**
   * The task state `stateName` now waits on `token`: `outcome` settles with SendTaskSuccess/SendTaskFailure;
   * `abandon()` closes the token when the task fails before an answer (its own invoke failing).
   */
  claim(token: string, stateName: string): { outcome: Promise<JsonValue>; abandon(): void } {
    const waiter = this.waiters.get(token)!;
    waiter.status = 'waiting';
    waiter.stateName = stateName;
    const outcome = new Promise<JsonValue>((resolve, reject) => {
      waiter.resolve = (output) => resolve(output as JsonValue);
      waiter.reject = reject;
    });
    return {
      outcome,
      abandon: () => {
        waiter.status = 'closed';
      },
    };
  }

  /** Closes the execution's tokens (only the waiting one of `stateName` when given). */
  close(executionArn: string, stateName?: string): void {
    for (const [token, waiter] of this.waiters) {
      if (waiter.executionArn !== executionArn || (stateName && (waiter.status !== 'waiting' || waiter.stateName !== stateName))) continue;
      waiter.status = 'closed';
      this.waiters.delete(token);
    }
  }

  /** SendTaskSuccess. */
  succeed(taskToken: unknown, outputText: unknown): void {
    const waiter = this.waiterFor(taskToken);
    let output: unknown;
    try {
      output = JSON.parse(String(outputText ?? ''));
    } catch {
      throw new SfnError('InvalidOutput', 'The task output is not valid JSON.');
    }
    this.waiters.delete(String(taskToken));
    waiter.status = 'closed';
    waiter.resolve!(output);
  }

  /** SendTaskFailure. */
  fail(taskToken: unknown, error: unknown, cause: unknown): void {
    const waiter = this.waiterFor(taskToken);
    this.waiters.delete(String(taskToken));
    waiter.status = 'closed';
    waiter.reject!(new TaskFailure(typeof error === 'string' && error ? error : 'States.TaskFailed', typeof cause === 'string' ? cause : ''));
  }

  /** SendTaskHeartbeat: only checks the token. */
  heartbeat(taskToken: unknown): void {
    this.waiterFor(taskToken);
  }

  /** Executions whose running task waits for an answer (they are not "busy" for waitForIdle). */
  waitingExecutions(): Set<string> {
    return new Set([...this.waiters.values()].filter((t) => t.status === 'waiting').map((t) => t.executionArn));
  }

  /** Fails every waiting task with an error of `failure()` and forgets all tokens (the endpoint stops). */
  rejectAll(failure: () => Error): void {
    for (const waiter of this.waiters.values()) waiter.reject?.(failure());
    this.waiters.clear();
  }

  private waiterFor(token: unknown): TokenWaiter {
    if (typeof token !== 'string' || !token.startsWith('local-')) throw new SfnError('InvalidToken', 'Invalid Token');
    const waiter = this.waiters.get(token);
    if (!waiter || waiter.status === 'closed') throw new SfnError('TaskTimedOut', 'Task Timed Out');
    if (waiter.status !== 'waiting') throw new SfnError('TaskDoesNotExist', 'Task Does Not Exist');
    return waiter;
  }
}
