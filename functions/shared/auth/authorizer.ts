import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { ROUTES, type Route } from '#shared/routes';
import { LogAuditSink, type AuditSink } from './audit';
import { UnauthorizedError } from './errors';
import { isPlatformPrincipal, toAuthorizerContext, type Principal } from './principal';
import { denyAllPolicy, detectPathPrefix, parseMethodArn, policyAllows, policyFor } from './rbac';
import { bearerToken, verifyAccessToken, type TokenVerifier } from './verify';

export interface AuthorizeOptions {
  verify?: TokenVerifier;
  routes?: readonly Route[];
  /** Where denials go; default: structured log lines with `audit: true` (the authorizer runs outside the VPC). */
  auditSink?: AuditSink;
}

let authorizerSink: AuditSink = new LogAuditSink();

/** Replaces where the authorizer records denials (tests); returns the previous sink. */
export function setAuthorizerAuditSink(sink: AuditSink): AuditSink {
  const previous = authorizerSink;
  authorizerSink = sink;
  return previous;
}

/**
 * The Lambda REQUEST authorizer's logic. Throws UnauthorizedError for a missing or invalid token (the handler turns
 * it into API Gateway's "Unauthorized" → 401); otherwise returns a policy covering exactly the jwt routes the
 * principal's roles may call (API Gateway caches it per token), or a deny-all policy (→ 403) when the principal has
 * no known role or, not being a platform admin, no organization.
 */
export async function authorize(event: APIGatewayRequestAuthorizerEvent, options: AuthorizeOptions = {}): Promise<APIGatewayAuthorizerResult> {
  const sink = options.auditSink ?? authorizerSink;
  const routes = options.routes ?? ROUTES;
  const where = {
    requestId: event.requestContext?.requestId ?? 'unknown',
    sourceIp: event.requestContext?.identity?.sourceIp ?? 'unknown',
  };
  const requested = describeRequest(event.methodArn, routes);
  const token = bearerToken(event.headers as Record<string, string | undefined> | null);
  let principal: Principal;
  try {
    if (!token) throw new UnauthorizedError('no bearer token');
    principal = await (options.verify ?? verifyAccessToken)(token);
  } catch (error) {
    if (error instanceof UnauthorizedError) {
      await sink.record({ actor: 'anonymous', roles: [], action: 'route.invoke', resource: requested, outcome: 'denied', reason: `unauthenticated: ${error.reason}`, ...where });
    }
    throw error;
  }

  let reason: string | undefined;
  if (principal.roles.length === 0) reason = 'no known role';
  else if (!isPlatformPrincipal(principal) && !principal.organizationId) reason = 'non-platform principal without organization';
  const policyDocument = reason ? denyAllPolicy(event.methodArn) : policyFor(principal, event.methodArn, routes);
  if (!reason && !policyAllows(policyDocument, event.methodArn)) reason = `roles [${principal.roles.join(',')}] not allowed`;
  if (reason) {
    await sink.record({
      actor: principal.subject,
      roles: principal.roles,
      organizationId: principal.organizationId ?? null,
      action: 'route.invoke',
      resource: requested,
      outcome: 'denied',
      reason,
      ...where,
    });
  }
  return { principalId: principal.subject, policyDocument, context: { ...toAuthorizerContext(principal) } };
}

/** `route/<id>` of the requested method ARN when it matches the table (static segments first), else method + path. */
function describeRequest(methodArn: string, routes: readonly Route[]): string {
  const arn = parseMethodArn(methodArn);
  if (!arn) return 'unknown';
  const prefix = detectPathPrefix(arn, routes);
  const params = (r: Route) => (r.path.match(/\{/g) ?? []).length;
  const route = [...routes]
    .sort((a, b) => params(a) - params(b))
    .find((r) => r.method === arn.method && new RegExp(`^${prefix}${r.path.replace(/\{[^}]+\}/g, '[^/]+')}/?$`).test(arn.resourcePath));
  return route ? `route/${route.id}` : `${arn.method} ${arn.resourcePath}`;
}
