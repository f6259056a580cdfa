import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { logger, metrics } from '#shared/observability';

/**
 * A job started by a schedule or by hand (`npm run invoke`): the invocation's log context, and the metrics it stored
 * published when it ends (Powertools middlewares through middy), whatever the job returns or throws.
 */
export function scheduledJob<E, R>(run: (event: E, context: Context) => Promise<R>): (event: E, context: Context) => Promise<R> {
  return middy(run).use(injectLambdaContext(logger)).use(logMetrics(metrics));
}
