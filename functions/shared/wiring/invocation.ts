import type { Context } from 'aws-lambda';
import type { ApiRequest } from '#shared/http/api-handler';
import type { UseCaseContext } from '#shared/use-cases/employees/context';
import { deadlineFrom, type DEADLINE_RESERVES_MS, type Invocation } from '#shared/use-cases/invocation';

/** Remaining time assumed where a handler runs without a Lambda context (an ad-hoc local invoke). */
const REMAINING_WITHOUT_CONTEXT_MS = 25_000;

/** The invocation of an API request (an interactive caller waits for the answer). */
export function apiInvocation(request: Pick<ApiRequest, 'requestId' | 'remainingTimeMs'>): Invocation {
  return { correlationId: request.requestId, deadline: deadlineFrom(request.remainingTimeMs(), 'answer'), patience: 'interactive' };
}

/** The use-case context of an API request: who asks, and the request's invocation. */
export function requestContext(request: Pick<ApiRequest, 'principal' | 'requestId' | 'remainingTimeMs'>): UseCaseContext {
  return { principal: request.principal, ...apiInvocation(request) };
}

/** The invocation of a Lambda that is not an API route (a workflow task, a queue consumer, a scheduled run). */
export function lambdaInvocation(
  context: Pick<Context, 'getRemainingTimeInMillis'> | undefined,
  correlationId: string,
  terms: { reserve: keyof typeof DEADLINE_RESERVES_MS; patience: Invocation['patience'] },
): Invocation {
  const remaining = typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : REMAINING_WITHOUT_CONTEXT_MS;
  return { correlationId, deadline: deadlineFrom(remaining, terms.reserve), patience: terms.patience };
}
