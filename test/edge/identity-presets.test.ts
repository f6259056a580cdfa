import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { CLAIM_PRESETS, type ClaimPreset } from '#shared/auth/claim-mapping';
import { startTestApi, type TestApi } from '../support/api';
import { expectProblem, sandboxIds } from '../business/helpers';

/**
 * Each identity provider's token shape end to end on the local stack: the stack runs with OIDC_PRESET=<preset> (the
 * mapping a deployed stage gets from `--context claimMapping=<preset>`), the local issuer mints tokens the way that
 * provider issues them, and requests go over HTTP through the local API gateway, the authorizer and the handlers.
 * A token in another provider's shape is refused with a problem document.
 */
const EXPECTED_REFUSAL: Record<ClaimPreset, Record<ClaimPreset, number>> = {
  // generic stack: a Keycloak token carries the API in aud but no `roles` (403); Cognito has no aud at all (401).
  generic: { generic: 200, keycloak: 403, cognito: 401 },
  // keycloak stack: a generic token has no realm_access.roles (403); Cognito's has no aud (401).
  keycloak: { generic: 403, keycloak: 200, cognito: 401 },
  // cognito stack: anything without client_id and token_use=access is 401.
  cognito: { generic: 401, keycloak: 401, cognito: 200 },
};

describe.each(CLAIM_PRESETS)('OIDC_PRESET=%s', (preset) => {
  let api: TestApi;
  let orgA: string;

  beforeAll(async () => {
    api = await startTestApi({ preset });
    orgA = sandboxIds(api).orgA;
  });
  afterAll(async () => {
    await api?.stop();
  });

  it('tokens in this provider’s shape reach the handlers with roles and organization mapped', async () => {
    const admin = await api.token({ role: 'admin' });
    expect((await api.request('GET', '/api/v1/organizations', { token: admin })).status).toBe(200);

    const hr = await api.token({ role: 'hr_manager', org: orgA });
    const list = await api.request('GET', '/api/v1/employees', { token: hr });
    expect(list.status, JSON.stringify(list.body)).toBe(200);
    // The organization came from the preset's claim: an hr_manager sees only their organization.
    expect(list.body.items.every((e: { organizationId: string }) => e.organizationId === orgA)).toBe(true);

    // A role the route does not allow is 403 from the authorizer, whatever the shape.
    const employeeToken = await api.token({ role: 'employee', org: orgA, employee: 'emp-1' });
    expectProblem(await api.request('GET', '/api/v1/organizations', { token: employeeToken }), 403);
  });

  it.each(CLAIM_PRESETS)('a token in the %s shape gets the expected answer', async (shape) => {
    const token = await api.token({ role: 'admin', preset: shape });
    const response = await api.request('GET', '/api/v1/organizations', { token });
    const expected = EXPECTED_REFUSAL[preset][shape];
    if (expected === 200) expect(response.status).toBe(200);
    else expectProblem(response, expected);
  });
});

describe('Keycloak specifics on the local stack', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ preset: 'keycloak' });
  });
  afterAll(async () => {
    await api?.stop();
  });

  const mint = (claims: Record<string, unknown>, mfa = false) => api.issuer.mint({ preset: 'keycloak', role: 'admin', mfa, claims });

  it('a token shaped like Keycloak’s: realm roles beside the default ones, acr, azp, typ Bearer', async () => {
    const claims = decodeJwt(await mint({}, true));
    expect(claims).toMatchObject({ typ: 'Bearer', acr: '2', azp: 'abhi-web-app', realm_access: { roles: expect.arrayContaining(['admin', 'offline_access']) } });
    expect(claims.aud).toEqual([api.issuer.audience, 'account']);
  });

  it('aud "account" alone (no audience mapper yet) passes only when azp is one of our clients', async () => {
    expect((await api.request('GET', '/api/v1/organizations', { token: await mint({ aud: 'account', azp: 'abhi-mobile-app' }) })).status).toBe(200);
    expectProblem(await api.request('GET', '/api/v1/organizations', { token: await mint({ aud: 'account', azp: 'someone-elses-app' }) }), 401);
    expectProblem(await api.request('GET', '/api/v1/organizations', { token: await mint({ aud: 'another-api', azp: 'abhi-web-app' }) }), 401);
  });

  it('unknown realm roles are ignored, not fatal; only unknown roles is 403', async () => {
    const onlyDefaults = await mint({ realm_access: { roles: ['offline_access', 'uma_authorization', 'default-roles-abhi-microservices'] } });
    expectProblem(await api.request('GET', '/api/v1/organizations', { token: onlyDefaults }), 403);
  });
});

describe('npm run -s token -- --preset', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'preset-cli-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const cli = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(path.resolve('node_modules/.bin/tsx'), ['infra/local/token.ts', ...args], {
      cwd: path.resolve('.'),
      env: { ...process.env, OIDC_PRESET: '', ISSUER_KEY_DIR: dir, ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });

  it('mints the provider’s shape: --preset, else $OIDC_PRESET; an unknown preset is one sentence and exit 2', () => {
    const keycloak = cli(['--preset', 'keycloak', '--role', 'hr_manager', '--org', 'org-1', '--mfa']);
    expect(keycloak.status, keycloak.stderr).toBe(0);
    expect(decodeJwt(keycloak.stdout.trim())).toMatchObject({ realm_access: { roles: expect.arrayContaining(['hr_manager']) }, organization_id: 'org-1', acr: '2' });
    const cognito = cli(['--role', 'auditor', '--org', 'org-1'], { OIDC_PRESET: 'cognito' });
    expect(decodeJwt(cognito.stdout.trim())).toMatchObject({ 'cognito:groups': ['auditor'], 'custom:organization_id': 'org-1', token_use: 'access' });
    const unknown = cli(['--preset', 'okta', '--role', 'admin']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toBe('Unknown preset "okta": use --preset generic, keycloak, cognito.\n');
  });
});
