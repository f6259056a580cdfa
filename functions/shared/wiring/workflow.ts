import type { Context } from 'aws-lambda';
import type { WorkflowTaskDepsWithoutAbhi } from '#shared/use-cases/advances/ports';
import type { Invocation } from '#shared/use-cases/invocation';
import { advanceDatabaseDeps } from './advance-database';
import { workflowTaskHandler } from './workflow-task';

/**
 * Composition root of the functions/workflow tasks that never call Abhi (load the request, the local checks, decide,
 * the approval, recording): PostgreSQL, the outbox and metrics, no Abhi client in their bundles. The three tasks
 * that call Abhi use #shared/wiring/workflow-abhi.
 */
export function workflowTask<I extends { requestId?: string }, O>(
  name: string,
  step: (deps: WorkflowTaskDepsWithoutAbhi, ctx: Invocation, input: I) => Promise<O>,
): (event: I, context: Context) => Promise<O> {
  return workflowTaskHandler(name, advanceDatabaseDeps, step);
}
