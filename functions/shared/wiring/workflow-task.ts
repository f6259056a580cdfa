import type { Context } from 'aws-lambda';
import { logger } from '#shared/observability';
import { toWorkflowError } from '#shared/use-cases/advances/errors';
import type { Invocation } from '#shared/use-cases/invocation';
import { lambdaInvocation } from './invocation';

/**
 * A Step Functions task handler, JSON in, JSON out, over the ports `deps` builds. Abhi calls are patient (they queue
 * for a fleet rate slot for most of the run instead of failing AbhiUnavailable after 2 s and sleeping in a Step
 * Functions retry while Abhi has capacity again). Errors leave as the names the state machine retries or catches
 * (TransientError, AbhiOutcomeUnknown, AbhiRejected, RequestNotPending) via toWorkflowError. The composition roots
 * are #shared/wiring/workflow (tasks without Abhi) and #shared/wiring/workflow-abhi.
 */
export function workflowTaskHandler<D, I extends { requestId?: string }, O>(
  name: string,
  deps: () => D,
  step: (deps: D, ctx: Invocation, input: I) => Promise<O>,
): (event: I, context: Context) => Promise<O> {
  return async (event, context) => {
    const requestId = event?.requestId;
    try {
      const ctx = lambdaInvocation(context, requestId ?? context?.awsRequestId, { reserve: 'task', patience: 'patient' });
      return await step(deps(), ctx, event);
    } catch (error) {
      const mapped = toWorkflowError(error);
      logger.warn('Workflow task failed', { workflowTask: name, requestId, error: mapped.name, detail: mapped.message });
      throw mapped;
    }
  };
}
