import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';
import { authorize } from '#shared/auth/authorizer';
import { UnauthorizedError } from '#shared/auth/errors';
import { logger } from '#shared/logger';

/**
 * Lambda REQUEST authorizer for every `jwt` route (identity source: the Authorization header; API Gateway caches the
 * returned policy per token, so the policy lists every route the principal's roles allow).
 */
async function authorizeRequest(event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> {
  try {
    return await authorize(event);
  } catch (error) {
    // API Gateway answers 401 only for this exact message; anything else becomes a 500.
    if (error instanceof UnauthorizedError) throw new Error('Unauthorized');
    logger.error('authorizer failed', { error: error instanceof Error ? { name: error.name, message: error.message } : String(error) });
    throw error;
  }
}

export const handler: (event: APIGatewayRequestAuthorizerEvent, context: Context) => Promise<APIGatewayAuthorizerResult> = middy(
  authorizeRequest,
  { timeoutEarlyInMillis: 0 },
).use(injectLambdaContext(logger, { resetKeys: true }));
