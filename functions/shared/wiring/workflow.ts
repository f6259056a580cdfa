import type { Context } from 'aws-lambda';
import { logger } from '#shared/observability';
import { toWorkflowError } from '#shared/use-cases/advances/errors';
import type { WorkflowTaskDeps } from '#shared/use-cases/advances/ports';
import type { Invocation } from '#shared/use-cases/invocation';
import { workflowTaskDeps } from './advances';
import { lambdaInvocation } from './invocation';

/**
 * Composition root of functions/workflow: a Step Functions task handler, JSON in, JSON out, over the advance ports.
 * Its Abhi calls are patient (they queue for a fleet rate slot for most of the run instead of failing AbhiUnavailable
 * after 2 s and sleeping in a Step Functions retry while Abhi has capacity again). Errors leave as the names the state
 * machine retries or catches (TransientError, AbhiOutcomeUnknown, AbhiRejected, RequestNotPending) via toWorkflowError.
 */
export function workflowTask<I extends { requestId?: string }, O>(
  name: string,
  step: (deps: WorkflowTaskDeps, ctx: Invocation, input: I) => Promise<O>,
): (event: I, context: Context) => Promise<O> {
  return async (event, context) => {
    const requestId = event?.requestId;
    try {
      const ctx = lambdaInvocation(context, requestId ?? context?.awsRequestId, { reserve: 'task', patience: 'patient' });
      return await step(workflowTaskDeps(), ctx, event);
    } catch (error) {
      const mapped = toWorkflowError(error);
      logger.warn('Workflow task failed', { workflowTask: name, requestId, error: mapped.name, detail: mapped.message });
      throw mapped;
    }
  };
}
