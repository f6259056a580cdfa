import type { Context } from 'aws-lambda';
import { ADVANCE_WORKFLOW_TASKS } from '../../../constructs/advance-workflow';
import { loadEntry } from '../../api-server';
import { fakeLambdaContext } from '../../lambda-context';
import { LambdaFunctionError } from './errors';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type TaskFunction = (event: unknown, context: Context) => Promise<unknown>;

/** Invokes a task function by task name (e.g. `createAdvance`). */
export type TaskInvoker = (taskName: string, payload: unknown) => Promise<JsonValue>;

/**
 * Runs the real handler of `functions/workflow/<task>.ts` in this process (loaded once per task), unless a test
 * replaced it through `taskOverrides`, the way Lambda does: JSON in, JSON out, errors as { errorType, errorMessage }.
 */
export function createTaskInvoker(options: {
  taskOverrides?: Partial<Record<string, TaskFunction>>;
  loadTask?: (taskName: string) => Promise<TaskFunction>;
}): TaskInvoker {
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

  return async (taskName: string, payload: unknown): Promise<JsonValue> => {
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
}
