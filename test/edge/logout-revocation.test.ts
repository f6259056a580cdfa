import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveStageConfig, REVOCATION_WINDOW_SECONDS } from '../../infra/config/stages';
import { startTestApi, type TestApi } from '../support/api';
import { expectProblem, masterDataIds, sandboxIds, validEmployee } from '../business/helpers';

/**
 * Logout, subject revocation and offboarding end to end, with Keycloak-shaped tokens (the seed's provider) and the
 * local gateway caching authorizer answers for as long as a deployed stage does (its `authorizerCacheTtlSeconds`):
 * a revoked token must be refused within REVOCATION_WINDOW_SECONDS of the answer that revoked it, cache or not.
 */
const CACHE_SECONDS = resolveStageConfig(() => undefined).api.authorizerCacheTtlSeconds;
let api: TestApi;
let orgA: string;
let orgB: string;
let bankId: string;

beforeAll(async () => {
  api = await startTestApi({ preset: 'keycloak', authorizerCacheTtlSeconds: CACHE_SECONDS });
  ({ orgA, orgB } = sandboxIds(api));
  ({ bankId } = await masterDataIds(api));
});
afterAll(async () => {
  await api?.stop();
});

const banks = (token: string) => api.request('GET', '/api/v1/organizations/banks?limit=1', { token });

/** Polls until the token is refused; returns how long after `since` that was (ms), or fails after the window. */
async function refusedWithinWindow(token: string, since: number): Promise<number> {
  const deadline = since + REVOCATION_WINDOW_SECONDS * 1000;
  for (;;) {
    const response = await banks(token);
    if (response.status === 401) {
      expectProblem(response, 401);
      return Date.now() - since;
    }
    expect(response.status).toBe(200);
    if (Date.now() > deadline) throw new Error(`Token still accepted ${REVOCATION_WINDOW_SECONDS} s after its revocation.`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function createEmployee(hr: string, organizationId: string): Promise<string> {
  const created = await api.request('POST', '/api/v1/employees', { token: hr, body: validEmployee(bankId) });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  expect(created.body.organizationId).toBe(organizationId);
  return created.body.id as string;
}

describe('the deployed authorizer cache stays inside the revocation window', () => {
  it('authorizerCacheTtlSeconds of every stage is below REVOCATION_WINDOW_SECONDS', () => {
    for (const stage of ['dev', 'uat', 'prod']) {
      const config = resolveStageConfig((key) => ({ stage, oidcIssuer: 'https://sso.example.ae/realms/abhi-microservices', alarmEmail: 'ops@example.ae' })[key]);
      expect(config.api.authorizerCacheTtlSeconds).toBeLessThan(REVOCATION_WINDOW_SECONDS);
    }
  });
});

describe('POST /auth/logout', () => {
  it('revokes the caller’s token (cached or not) and the refresh token at the provider; other tokens of the subject keep working', async () => {
    const subject = `kc-user-${randomUUID()}`;
    const token = await api.token({ role: 'hr_manager', org: orgA, subject });
    const other = await api.token({ role: 'hr_manager', org: orgA, subject });
    expect((await banks(token)).status).toBe(200); // the gateway now caches this token's policy

    const logout = await api.request('POST', '/api/v1/auth/logout', { token, body: { refreshToken: 'refresh-token-of-this-session' } });
    expect(logout.status, JSON.stringify(logout.body)).toBe(200);
    expect(logout.body).toMatchObject({ refreshToken: 'revoked', accessTokenRevokedUntil: expect.any(String) });
    const answered = Date.now();
    // RFC 7009 at the endpoint the issuer's discovery document publishes, naming the public client (azp).
    expect(api.issuer.revocations()).toContainEqual({ token: 'refresh-token-of-this-session', tokenTypeHint: 'refresh_token', clientId: 'abhi-web-app' });

    await refusedWithinWindow(token, answered);
    expect((await banks(other)).status).toBe(200);
    expectProblem(await api.request('POST', '/api/v1/auth/logout', { token }), 401);
  });

  it('without a refresh token only the access token is revoked; a malformed body is 400 and revokes nothing', async () => {
    const token = await api.token({ role: 'employee', org: orgA, employee: randomUUID() });
    expectProblem(await api.request('POST', '/api/v1/auth/logout', { token, body: { refreshToken: 42 } }), 400);
    expect((await banks(token)).status).toBe(200);
    const logout = await api.request('POST', '/api/v1/auth/logout', { token });
    expect(logout.body.refreshToken).toBe('not_given');
  });
});

describe('POST /auth/revocations', () => {
  it('an admin revokes every token of a subject issued before now; a later login works', async () => {
    const subject = `kc-user-${randomUUID()}`;
    const tokens = [await api.token({ role: 'finance_manager', org: orgA, subject }), await api.token({ role: 'finance_manager', org: orgA, subject })];
    for (const token of tokens) expect((await banks(token)).status).toBe(200);
    const admin = await api.token({ role: 'admin' });
    const revoked = await api.request('POST', '/api/v1/auth/revocations', { token: admin, body: { subject } });
    expect(revoked.status, JSON.stringify(revoked.body)).toBe(201);
    expect(revoked.body).toMatchObject({ kind: 'subject', id: subject });
    const answered = Date.now();
    for (const token of tokens) await refusedWithinWindow(token, answered);

    // iat has whole seconds: a token issued after the revocation instant passes.
    await new Promise((r) => setTimeout(r, Date.parse(revoked.body.revokedBefore) - Date.now() + 50));
    expect((await banks(await api.token({ role: 'finance_manager', org: orgA, subject }))).status).toBe(200);
  });

  it('an organization admin revokes employees of their organization only, and never a bare subject', async () => {
    const hr = await api.token({ role: 'hr_manager', org: orgA });
    const employeeId = await createEmployee(hr, orgA);
    const employeeToken = await api.token({ role: 'employee', org: orgA, employee: employeeId });
    expect((await banks(employeeToken)).status).toBe(200);

    const otherOrgAdmin = await api.token({ role: 'organization_admin', org: orgB });
    expectProblem(await api.request('POST', '/api/v1/auth/revocations', { token: otherOrgAdmin, body: { employeeId } }), 404, 'NOT_FOUND');
    expect((await banks(employeeToken)).status).toBe(200);

    const orgAdmin = await api.token({ role: 'organization_admin', org: orgA });
    expectProblem(await api.request('POST', '/api/v1/auth/revocations', { token: orgAdmin, body: { subject: 'someone' } }), 403, 'FORBIDDEN');
    expectProblem(await api.request('POST', '/api/v1/auth/revocations', { token: orgAdmin, body: {} }), 400);
    expectProblem(await api.request('POST', '/api/v1/auth/revocations', { token: orgAdmin, body: { subject: 's', employeeId } }), 400);
    expectProblem(await api.request('POST', '/api/v1/auth/revocations', { token: hr, body: { employeeId } }), 403);

    const revoked = await api.request('POST', '/api/v1/auth/revocations', { token: orgAdmin, body: { employeeId } });
    expect(revoked.status, JSON.stringify(revoked.body)).toBe(201);
    await refusedWithinWindow(employeeToken, Date.now());
  });
});

describe('offboarding', () => {
  it('deactivating an employee revokes their tokens', async () => {
    const hr = await api.token({ role: 'hr_manager', org: orgA });
    const employeeId = await createEmployee(hr, orgA);
    const token = await api.token({ role: 'employee', org: orgA, employee: employeeId, subject: `kc-${employeeId}` });
    expect((await banks(token)).status).toBe(200);
    const deactivated = await api.request('PUT', `/api/v1/employees/${employeeId}`, { token: hr, body: { status: 'inactive' } });
    expect(deactivated.status, JSON.stringify(deactivated.body)).toBe(200);
    await refusedWithinWindow(token, Date.now());
  });

  it('deleting an employee revokes their tokens', async () => {
    const hr = await api.token({ role: 'hr_manager', org: orgA });
    const employeeId = await createEmployee(hr, orgA);
    const token = await api.token({ role: 'employee', org: orgA, employee: employeeId, subject: `kc-${employeeId}` });
    expect((await banks(token)).status).toBe(200);
    const deleted = await api.request('DELETE', `/api/v1/employees/${employeeId}`, { token: hr });
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(200);
    await refusedWithinWindow(token, Date.now());
  });
});
