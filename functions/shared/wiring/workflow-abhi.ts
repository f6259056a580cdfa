import type { Context } from 'aws-lambda';
import type { WorkflowTaskDeps } from '#shared/use-cases/advances/ports';
import type { Invocation } from '#shared/use-cases/invocation';
import { workflowTaskDeps } from './advances';
import { workflowTaskHandler } from './workflow-task';

/**
 * Composition root of the functions/workflow tasks that call Abhi (its eligibility check, the balance, creating the
 * advance): the database ports and the patient Abhi client.
 */
export function abhiWorkflowTask<I extends { requestId?: string }, O>(
  name: string,
  step: (deps: WorkflowTaskDeps, ctx: Invocation, input: I) => Promise<O>,
): (event: I, context: Context) => Promise<O> {
  return workflowTaskHandler(name, workflowTaskDeps, step);
}
