import { requestAuthorizer } from '#shared/triggers/authorizer';

/**
 * Lambda REQUEST authorizer for every `jwt` route (identity source: the Authorization header; API Gateway caches the
 * returned policy per token, so the policy lists every route the principal's roles allow).
 */
export const handler = requestAuthorizer();
