import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';
import { authorize } from '#shared/auth/authorizer';
import { UnauthorizedError } from '#shared/auth/errors';
// The logger alone: the authorizer publishes no metrics, so its bundle carries no Metrics.
import { logger } from '#shared/logger';

/**
 * The Lambda REQUEST authorizer trigger: API Gateway's contract around the authorizer's decision (auth/authorizer.ts).
 * API Gateway answers 401 only for an error with the exact message "Unauthorized"; anything else becomes a 500.
 */
async function authorizeRequest(event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> {
  try {
    return await authorize(event);
  } catch (error) {
    if (error instanceof UnauthorizedError) throw new Error('Unauthorized');
    logger.error('authorizer failed', { error: error instanceof Error ? { name: error.name, message: error.message } : String(error) });
    throw error;
  }
}

/** The authorizer's Lambda handler: one log context per invocation (the decision logs its own audit lines). */
export function requestAuthorizer(): (event: APIGatewayRequestAuthorizerEvent, context: Context) => Promise<APIGatewayAuthorizerResult> {
  return middy(authorizeRequest, { timeoutEarlyInMillis: 0 }).use(injectLambdaContext(logger, { resetKeys: true }));
}
