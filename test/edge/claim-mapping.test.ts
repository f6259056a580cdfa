import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClaimMappingError, claimNamesFor, parseClaimMapping } from '#shared/auth/claim-mapping';
import { createTokenVerifier, verifierFromEnv } from '#shared/auth/verify';
import { UnauthorizedError } from '#shared/auth/errors';
import { resolveStageConfig, StageConfigError } from '../../infra/config/stages';
import { startTestIssuer } from './helpers';

/**
 * The claim mapping shared by the CDK context, the authorizer and the local API: validation (a wrong key or preset
 * names itself), and each preset against tokens the local issuer signs in that provider's shape (real ES256, JWKS over
 * HTTP).
 */
let issuer: Awaited<ReturnType<typeof startTestIssuer>>;
beforeAll(async () => {
  issuer = await startTestIssuer();
});
afterAll(async () => {
  await issuer?.close();
});

const verifierFor = (spec: unknown) =>
  createTokenVerifier({ issuer: issuer.issuer, audiences: [issuer.audience], clients: ['abhi-web-app'], jwksUrl: issuer.jwksUrl, claims: claimNamesFor(parseClaimMapping(spec, 'test')) });

describe('parseClaimMapping', () => {
  it.each([
    ['okta', 'test names an unknown preset "okta": use generic, keycloak, cognito.'],
    [{ preset: 'keycloak', role: 'x' }, 'test has an unknown key "role": use preset, roles, organization, employee, mfa, mfaValues, clientRoles.'],
    [{ preset: 'cognito', clientRoles: 'abhi-api-gateway' }, 'test key "clientRoles" applies to the keycloak preset only (preset is "cognito").'],
    [{ roles: 'roles; drop' }, 'test key "roles" must be a claim path such as "realm_access.roles", not "roles; drop".'],
    [{ mfaValues: [] }, 'test key "mfaValues" must be a non-empty list of strings, such as ["2"].'],
    ['{"preset":', 'test is not valid JSON: give a preset (generic, keycloak, cognito) or an object such as {"preset":"keycloak"}.'],
  ])('refuses %j with one sentence', (input, message) => {
    expect(() => parseClaimMapping(input, 'test')).toThrow(new ClaimMappingError(message));
  });

  it('accepts a preset name, JSON text or an object with explicit paths on top of a preset', () => {
    expect(parseClaimMapping('keycloak', 'x')).toEqual({ preset: 'keycloak' });
    expect(parseClaimMapping('{"preset":"keycloak","clientRoles":"abhi-api-gateway"}', 'x')).toEqual({ preset: 'keycloak', clientRoles: 'abhi-api-gateway' });
    const auth0 = claimNamesFor(parseClaimMapping({ roles: 'https://abhi-ewa/roles', organization: 'https://abhi-ewa/organization_id' }, 'x'));
    expect(auth0).toMatchObject({ roles: 'https://abhi-ewa/roles', organization: 'https://abhi-ewa/organization_id', employee: 'employee_id', audience: 'aud' });
  });

  it('a wrong claimMapping or identityProvider fails the synth with a sentence naming it', () => {
    const read = (context: Record<string, unknown>) => (key: string) => context[key];
    expect(() => resolveStageConfig(read({ claimMapping: 'okta' }))).toThrow(
      new StageConfigError('Context claimMapping for stage dev names an unknown preset "okta": use generic, keycloak, cognito.'),
    );
    expect(() => resolveStageConfig(read({ claimMapping: { preset: 'keycloak', realmRoles: 'x' } }))).toThrow(/unknown key "realmRoles"/);
    expect(() => resolveStageConfig(read({ identityProvider: 'auth0' }))).toThrow(new StageConfigError('Unknown context identityProvider "auth0": pass --context identityProvider=oidc or cognito.'));
    expect(() => resolveStageConfig(read({ identityProvider: 'cognito', claimMapping: 'keycloak' }))).toThrow(/must use the cognito preset/);
    const keycloak = resolveStageConfig(read({ stage: 'uat', oidcIssuer: 'https://sso.example.ae/realms/abhi-microservices', claimMapping: 'keycloak' }));
    expect(keycloak.oidc.jwksUrl).toBe('https://sso.example.ae/realms/abhi-microservices/protocol/openid-connect/certs');
  });

  it('the functions fail fast on a bad OIDC_CLAIMS, naming the variable', () => {
    const env = { OIDC_ISSUER: issuer.issuer, OIDC_AUDIENCE: issuer.audience, OIDC_JWKS_URL: issuer.jwksUrl, STATE_TABLE_NAME: 't' };
    expect(() => verifierFromEnv({ ...env, OIDC_CLAIMS: 'okta' })).toThrow(/OIDC_CLAIMS names an unknown preset "okta"/);
  });
});

describe('presets against tokens in their provider’s shape', () => {
  it('keycloak: realm roles, optional client roles, organization_id/employee_id, MFA from acr "2" or amr', async () => {
    const verify = verifierFor('keycloak');
    const plain = await verify(await issuer.mint({ preset: 'keycloak', role: 'hr_manager', org: 'org-k', employee: 'emp-k' }));
    expect(plain).toMatchObject({ roles: ['hr_manager'], organizationId: 'org-k', employeeId: 'emp-k', mfa: false, clientId: 'abhi-web-app' });
    expect((await verify(await issuer.mint({ preset: 'keycloak', role: 'hr_manager', org: 'o', mfa: true }))).mfa).toBe(true);
    expect((await verify(await issuer.mint({ preset: 'keycloak', role: 'hr_manager', org: 'o', claims: { acr: '1', amr: ['pwd', 'otp'] } }))).mfa).toBe(true);

    const withClientRoles = verifierFor({ preset: 'keycloak', clientRoles: 'abhi-api-gateway' });
    const token = await issuer.mint({ preset: 'keycloak', role: 'auditor', org: 'o', claims: { resource_access: { 'abhi-api-gateway': { roles: ['finance_manager'] } } } });
    expect((await withClientRoles(token)).roles).toEqual(['auditor', 'finance_manager']);
    expect((await verify(token)).roles).toEqual(['auditor']); // client roles count only when configured
  });

  it('cognito: groups, custom attributes and MFA from the pre-token trigger, the service role of client credentials; ID tokens refused', async () => {
    const verify = verifierFor('cognito');
    const principal = await verify(await issuer.mint({ preset: 'cognito', role: 'finance_manager', org: 'org-c', mfa: true }));
    expect(principal).toMatchObject({ roles: ['finance_manager'], organizationId: 'org-c', mfa: true, clientId: issuer.audience });
    expect((await verify(await issuer.mint({ preset: 'cognito', role: 'finance_manager', org: 'org-c' }))).mfa).toBe(false);
    expect((await verify(await issuer.mint({ preset: 'cognito', role: 'auditor', org: 'o', claims: { amr: ['mfa'] } }))).mfa).toBe(true);
    const machine = await issuer.mint({ preset: 'cognito', claims: { 'cognito:groups': undefined, 'custom:service_roles': ['service_account'] }, org: 'org-c' });
    expect((await verify(machine)).roles).toEqual(['service_account']);
    const idToken = await issuer.mint({ preset: 'cognito', role: 'finance_manager', org: 'org-c', claims: { token_use: 'id', aud: issuer.audience } });
    await expect(verify(idToken)).rejects.toMatchObject({ reason: 'token_use must be "access"' });
  });

  it('generic: roles, org_id, employee_id, amr', async () => {
    const principal = await verifierFor('generic')(await issuer.mint({ role: 'employee', org: 'org-g', employee: 'e-g', mfa: true }));
    expect(principal).toMatchObject({ roles: ['employee'], organizationId: 'org-g', employeeId: 'e-g', mfa: true });
  });

  it('tokens living longer than the maximum lifetime (what subject revocations are kept for) are refused', async () => {
    const verify = verifierFor('generic');
    await expect(verify(await issuer.mint({ role: 'admin', ttlSeconds: 25 * 3600 }))).rejects.toMatchObject({ reason: 'token lifetime above 86400 s' });
    const noIat = verify(await issuer.mint({ role: 'admin', claims: { iat: undefined } }));
    await expect(noIat).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(noIat).rejects.toMatchObject({ reason: expect.stringMatching(/iat/) });
  });
});
