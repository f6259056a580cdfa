import type { APIGatewayAuthorizerResult, PolicyDocument, Statement } from 'aws-lambda';
import { API_PREFIX, ROUTES, type HttpMethod, type Route } from '#shared/routes';
import { isPlatformPrincipal, type Principal } from './principal';

/**
 * Role-based access from ONE table (routes.ts). Default deny: a jwt route allows a principal only when one of its
 * roles is listed on the route, and a non-platform principal must also carry an organization id.
 */
export function isAllowed(route: Route, principal: Pick<Principal, 'roles' | 'organizationId'>): boolean {
  if (route.auth !== 'jwt') return true;
  if (!principal.roles.some((role) => route.roles.includes(role))) return false;
  return isPlatformPrincipal(principal) || Boolean(principal.organizationId);
}

/** Why `isAllowed` said no, for the audit log. */
export function denialReason(route: Route, principal: Pick<Principal, 'roles' | 'organizationId'>): string | undefined {
  if (isAllowed(route, principal)) return undefined;
  if (principal.roles.length === 0) return 'no known role';
  if (!principal.roles.some((role) => route.roles.includes(role))) return `roles [${principal.roles.join(',')}] not allowed on ${route.id}`;
  return 'principal has no organization';
}

export function allowedRoutes(principal: Pick<Principal, 'roles' | 'organizationId'>, routes: readonly Route[] = ROUTES): Route[] {
  return routes.filter((route) => route.auth === 'jwt' && isAllowed(route, principal));
}

export function findRoute(id: string, routes: readonly Route[] = ROUTES): Route | undefined {
  return routes.find((route) => route.id === id);
}

// ---------------------------------------------------------------------------------------------------------------
// IAM policy for the Lambda authorizer
// ---------------------------------------------------------------------------------------------------------------

export interface MethodArn {
  /** `arn:aws:execute-api:<region>:<account>:<apiId>/<stage>` */
  readonly base: string;
  readonly method: string;
  /** The resource path of the request, e.g. `/api/v1/employees/123`. */
  readonly resourcePath: string;
}

/** Parses `arn:aws:execute-api:region:account:apiId/stage/METHOD/resource/path`. */
export function parseMethodArn(methodArn: string): MethodArn | undefined {
  const match = /^(arn:[^:]+:execute-api:[^:]*:[^:]*:[^/]+\/[^/]+)\/([A-Z*]+)(\/.*)?$/.exec(methodArn);
  if (!match) return undefined;
  return { base: match[1]!, method: match[2]!, resourcePath: match[3] ?? '/' };
}

/** `/employees/{id}` → `/employees/*` (IAM wildcard; it also matches `/`, so conflicts are handled below). */
function pathPattern(path: string): string {
  return path.replace(/\{[^}]+\}/g, '*');
}

function samplePath(path: string): string {
  return path.replace(/\{[^}]+\}/g, 'x-sample-1');
}

/** IAM-style matching for execute-api resources: `*` matches any run of characters (slashes included). */
export function resourceMatches(pattern: string, resource: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return regex.test(resource);
}

/**
 * The deployed resource path may or may not carry the API prefix (`/api/v1` as resources, or a custom domain base
 * path). The request's own method ARN tells which: find the route its path matches and keep what precedes it.
 */
export function detectPathPrefix(arn: MethodArn, routes: readonly Route[] = ROUTES): string {
  for (const route of routes) {
    if (route.method !== arn.method) continue;
    const regex = new RegExp(`^(.*?)${route.path.replace(/[.+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+')}/?$`);
    const match = regex.exec(arn.resourcePath);
    if (match && (match[1] === '' || match[1] === API_PREFIX)) return match[1]!;
  }
  return API_PREFIX;
}

/**
 * API Gateway caches the authorizer's answer per token and applies it to every later request with that token, so the
 * policy must cover exactly the routes this principal may call — not just the one being requested. Parameters become
 * `*` wildcards; where such a wildcard would also cover a route the principal may NOT call (e.g. `/x/*` vs a
 * static `/x/admin`), an explicit Deny for that route is added (explicit Deny wins in IAM).
 */
export function policyFor(
  principal: Pick<Principal, 'roles' | 'organizationId'>,
  methodArn: string,
  routes: readonly Route[] = ROUTES,
): PolicyDocument {
  const arn = parseMethodArn(methodArn);
  if (!arn) return denyAllPolicy(methodArn);
  const prefix = detectPathPrefix(arn, routes);
  const resource = (method: HttpMethod | '*', path: string) => `${arn.base}/${method}${prefix}${path}`;
  const jwtRoutes = routes.filter((route) => route.auth === 'jwt');
  const allowed = jwtRoutes.filter((route) => isAllowed(route, principal));
  if (allowed.length === 0) return denyAllPolicy(methodArn);
  const refused = jwtRoutes.filter((route) => !isAllowed(route, principal));

  const allowResources = [...new Set(allowed.map((route) => resource(route.method, pathPattern(route.path))))];
  const denyResources = new Set<string>();
  for (const route of refused) {
    const concrete = resource(route.method, samplePath(route.path));
    if (!allowResources.some((pattern) => resourceMatches(pattern, concrete))) continue;
    const deny = resource(route.method, pathPattern(route.path));
    // Only deny when it would not also shut out an allowed route; otherwise the API handler's own RBAC check
    // (defense in depth) refuses the call.
    const hurtsAllowed = allowed.some((ok) => ok.method === route.method && resourceMatches(deny, resource(ok.method, samplePath(ok.path))));
    if (!hurtsAllowed) denyResources.add(deny);
  }
  const statements: Statement[] = [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: allowResources }];
  if (denyResources.size > 0) statements.push({ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: [...denyResources] });
  return { Version: '2012-10-17', Statement: statements };
}

export function denyAllPolicy(methodArn: string): PolicyDocument {
  const arn = parseMethodArn(methodArn);
  return {
    Version: '2012-10-17',
    Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: arn ? `${arn.base}/*` : methodArn }],
  };
}

/** Evaluates a policy like IAM does for execute-api (explicit Deny wins, then Allow, else implicit deny). */
export function policyAllows(policy: PolicyDocument, methodArn: string): boolean {
  const resources = (statement: Statement): string[] =>
    'Resource' in statement && statement.Resource !== undefined ? [statement.Resource].flat().map(String) : [];
  const matching = policy.Statement.filter((statement) => resources(statement).some((pattern) => resourceMatches(pattern, methodArn)));
  if (matching.some((statement) => statement.Effect === 'Deny')) return false;
  return matching.some((statement) => statement.Effect === 'Allow');
}

export type AuthorizerResult = APIGatewayAuthorizerResult;
