import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import { handler as authorizerHandler } from '../../functions/auth/authorize';
import { apiHandler } from '#shared/http/api-handler';
import { allowedRoutes, isAllowed, policyAllows, policyFor } from '#shared/auth/rbac';
import { MemoryAuditSink, setAuditSink } from '#shared/auth/audit';
import { setAuthorizerAuditSink } from '#shared/auth/authorizer';
import { API_PREFIX, PLATFORM_ROLES, ROLES, ROUTES, type Role, type Route } from '#shared/routes';
import { authorizerContext, authorizerEvent, header, json, lambdaContext, methodArnFor, proxyEvent, startTestIssuer, uniqueOrg } from './helpers';

/**
 * The route × role table, read from the same route table the API uses: every jwt route is callable by exactly the
 * roles it lists, at the authorizer (real jose-signed tokens from the local issuer) and again in the API handler.
 */
let issuer: Awaited<ReturnType<typeof startTestIssuer>>;
const jwtRoutes = ROUTES.filter((route) => route.auth === 'jwt');
const cases = jwtRoutes.flatMap((route) => ROLES.map((role) => ({ route, role, allowed: route.roles.includes(role) })));

const authorizerAudit = new MemoryAuditSink();
const handlerAudit = new MemoryAuditSink();

beforeAll(async () => {
  issuer = await startTestIssuer();
  setAuthorizerAuditSink(authorizerAudit);
  setAuditSink(handlerAudit);
});
afterAll(async () => {
  await issuer?.close();
});

async function authorizeAs(role: Role, route: Route, prefix = API_PREFIX): Promise<APIGatewayAuthorizerResult> {
  const token = await issuer.mint({ role, org: PLATFORM_ROLES.includes(role) ? undefined : uniqueOrg(), employee: 'emp-1' });
  return authorizerHandler(authorizerEvent(route, token, prefix), lambdaContext());
}

describe('RBAC at the Lambda authorizer: every jwt route × every role', () => {
  it('covers the whole table (sanity)', () => {
    expect(jwtRoutes.length).toBeGreaterThan(20);
    expect(cases.length).toBe(jwtRoutes.length * ROLES.length);
    // Default deny: no jwt route is open to nobody by mistake, and none lists an unknown role.
    for (const route of jwtRoutes) expect(route.roles.length).toBeGreaterThan(0);
  });

  it.each(cases.map((c) => [c.route.id, c.role, c.allowed] as const))('%s as %s → allowed=%s', async (routeId, role, allowed) => {
    const route = jwtRoutes.find((r) => r.id === routeId)!;
    const result = await authorizeAs(role, route);
    expect(policyAllows(result.policyDocument, methodArnFor(route))).toBe(allowed);
    expect(result.context).toMatchObject({ roles: role, mfa: 'false' });
    // A denial is an audit event (who, what, from where, request id).
    const audited = authorizerAudit.events.some((e) => e.actor === result.principalId && e.resource === `route/${routeId}` && e.outcome === 'denied');
    expect(audited).toBe(!allowed);
  });

  it('the cached policy of each role answers correctly for EVERY route (API Gateway reuses it per token)', async () => {
    for (const role of ROLES) {
      const anyRoute = jwtRoutes.find((r) => r.roles.includes(role))!;
      const { policyDocument } = await authorizeAs(role, anyRoute);
      for (const route of jwtRoutes) {
        // Two different concrete paths per route, so `*` wildcards are exercised.
        for (const value of ['6f1b2c3d-0000-4000-8000-000000000001', 'search']) {
          const arn = `${methodArnFor(route).split(API_PREFIX)[0]}${API_PREFIX}${route.path.replace(/\{[^}]+\}/g, value)}`;
          const concreteRoute = matchConcrete(route, value);
          expect(policyAllows(policyDocument, arn), `${role} ${route.method} ${arn}`).toBe(isAllowed(concreteRoute, { roles: [role], organizationId: 'o' }));
        }
      }
    }
  });

  it('works when the API is deployed without the /api/v1 resource prefix', async () => {
    const route = jwtRoutes.find((r) => r.id === 'getEmployee')!;
    const result = await authorizeAs('hr_manager', route, '');
    expect(policyAllows(result.policyDocument, methodArnFor(route, ''))).toBe(true);
    expect(policyAllows(result.policyDocument, methodArnFor(jwtRoutes.find((r) => r.id === 'createRepayment')!, ''))).toBe(false);
  });

  it('a principal with no known role gets a deny-all policy (unknown roles are dropped)', async () => {
    const route = jwtRoutes.find((r) => r.id === 'listBanks')!;
    const token = await issuer.mint({ roles: ['superuser', 'root'], org: uniqueOrg() });
    const result = await authorizerHandler(authorizerEvent(route, token), lambdaContext());
    for (const r of jwtRoutes) expect(policyAllows(result.policyDocument, methodArnFor(r))).toBe(false);
  });

  it('unknown roles next to known ones are dropped, the known ones kept', async () => {
    const route = jwtRoutes.find((r) => r.id === 'listEmployees')!;
    const token = await issuer.mint({ roles: ['hr_manager', 'superuser'], org: uniqueOrg() });
    const result = await authorizerHandler(authorizerEvent(route, token), lambdaContext());
    expect(result.context?.roles).toBe('hr_manager');
    expect(policyAllows(result.policyDocument, methodArnFor(route))).toBe(true);
  });

  it('a non-platform principal without an organization is denied everything; a platform admin needs none', async () => {
    const route = jwtRoutes.find((r) => r.id === 'listBanks')!;
    const noOrg = await issuer.mint({ role: 'hr_manager' });
    const denied = await authorizerHandler(authorizerEvent(route, noOrg), lambdaContext());
    for (const r of jwtRoutes) expect(policyAllows(denied.policyDocument, methodArnFor(r))).toBe(false);
    const admin = await issuer.mint({ role: 'admin' });
    const allowed = await authorizerHandler(authorizerEvent(route, admin), lambdaContext());
    expect(policyAllows(allowed.policyDocument, methodArnFor(route))).toBe(true);
  });

  it('passes the principal to the integration in the authorizer context', async () => {
    const route = jwtRoutes.find((r) => r.id === 'requestAdvance')!;
    const token = await issuer.mint({ role: 'employee', org: 'org-7', employee: 'emp-9', mfa: true, subject: 'user-42' });
    const result = await authorizerHandler(authorizerEvent(route, token), lambdaContext());
    expect(result.principalId).toBe('user-42');
    expect(result.context).toMatchObject({ principalId: 'user-42', roles: 'employee', organizationId: 'org-7', employeeId: 'emp-9', mfa: 'true' });
    expect(String(result.context?.tokenId)).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a multi-role principal gets the union of its roles', () => {
    const principal = { roles: ['employee', 'auditor'] as Role[], organizationId: 'o' };
    const ids = allowedRoutes(principal).map((r) => r.id);
    expect(ids).toContain('requestAdvance'); // employee
    expect(ids).toContain('getOutstandingReport'); // auditor
    expect(ids).not.toContain('createEmployee');
    const policy = policyFor(principal, methodArnFor(jwtRoutes[0]!));
    expect(policyAllows(policy, methodArnFor(jwtRoutes.find((r) => r.id === 'createEmployee')!))).toBe(false);
  });
});

describe('RBAC re-checked in the API handler (defense in depth): every route × every role', () => {
  const handlers = new Map<string, ReturnType<typeof apiHandler>>();
  const handlerFor = (route: Route) => {
    if (!handlers.has(route.id)) handlers.set(route.id, apiHandler(route.id, {}, async () => ({ status: 200, body: { ok: true } })));
    return handlers.get(route.id)!;
  };

  it.each(cases.map((c) => [c.route.id, c.role, c.allowed] as const))('%s as %s → allowed=%s', async (routeId, role, allowed) => {
    const route = jwtRoutes.find((r) => r.id === routeId)!;
    const event = proxyEvent(route, {
      authorizer: authorizerContext({ roles: [role], org: PLATFORM_ROLES.includes(role) ? undefined : uniqueOrg() }),
      headers: route.idempotency === 'required' ? { 'Idempotency-Key': `rbac-${crypto.randomUUID()}` } : {},
    });
    const response = await handlerFor(route)(event, lambdaContext());
    if (allowed) {
      expect(response.statusCode).toBe(200);
    } else {
      expect(response.statusCode).toBe(403);
      expect(header(response, 'content-type')).toBe('application/problem+json');
      expect(json(response)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
      const audited = handlerAudit.events.find((e) => e.requestId === event.requestContext.requestId);
      expect(audited).toMatchObject({ outcome: 'denied', resource: `route/${routeId}`, roles: [role], sourceIp: event.requestContext.identity.sourceIp });
    }
  });

  it('public and webhook routes run with the anonymous principal', async () => {
    let seen: unknown;
    const route = ROUTES.find((r) => r.id === 'getHealth')!;
    const response = await apiHandler(route.id, {}, async (request) => {
      seen = request.principal;
      return { status: 200, body: { status: 'ok' } };
    })(proxyEvent(route), lambdaContext());
    expect(response.statusCode).toBe(200);
    expect(seen).toEqual({ subject: 'anonymous', roles: [], mfa: false });
  });
});

/** For a concrete path, the route API Gateway would actually dispatch to (static segments beat parameters). */
function matchConcrete(route: Route, value: string): Route {
  const concrete = route.path.replace(/\{[^}]+\}/g, value);
  const candidates = jwtRoutes
    .filter((r) => r.method === route.method && new RegExp(`^${r.path.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(concrete))
    .sort((a, b) => (a.path.match(/\{/g)?.length ?? 0) - (b.path.match(/\{/g)?.length ?? 0));
  return candidates[0] ?? route;
}
