import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, ROUTES, type Role } from '#shared/routes';
import { startTestApi, type TestApi } from '../support/api';

/**
 * Every route × every role over HTTP through the local API (authorizer + handler), read from the same route table
 * the API uses: a role the route does not list gets 403 FORBIDDEN; a listed role is never refused for its role
 * (it may still get 400/404/422 for the dummy request, which is the handler's business).
 */
describe('route × role matrix through the local API', () => {
  let api: TestApi;
  const tokens = new Map<Role, string>();

  beforeAll(async () => {
    api = await startTestApi({ extraEnv: { RATE_LIMIT_ENABLED: 'false' } });
    for (const role of ROLES) {
      tokens.set(role, await api.token({ role, org: role === 'admin' ? undefined : 'org-matrix', employee: role === 'employee' ? 'emp-matrix' : undefined, mfa: true }));
    }
  });
  afterAll(async () => {
    await api?.stop();
  });

  const cases = ROUTES.filter((route) => route.auth === 'jwt').flatMap((route) => ROLES.map((role) => ({ route, role, allowed: route.roles.includes(role) })));

  it.each(cases)('$route.method $route.path as $role → allowed: $allowed', async ({ route, role, allowed }) => {
    const path = `/api/v1${route.path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000')}`;
    const response = await api.request(route.method, path, {
      token: tokens.get(role)!,
      body: route.method === 'GET' || route.method === 'DELETE' ? undefined : {},
      headers: route.idempotency === 'none' ? {} : { 'idempotency-key': `matrix-${route.id}-${role}` },
    });
    expect(response.status).toBeLessThan(500);
    if (allowed) expect(response.status === 403 && response.body?.code === 'FORBIDDEN', `${response.status} ${JSON.stringify(response.body)}`).toBe(false);
    else {
      expect(response.status).toBe(403);
      expect(response.body.code).toBe('FORBIDDEN');
    }
  });
});
