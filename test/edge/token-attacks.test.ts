import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt, exportSPKI, generateKeyPair, importJWK, SignJWT, type CryptoKey } from 'jose';
import { handler as authorizerHandler } from '../../functions/auth/authorize';
import { MemoryAuditSink, setAuditSink } from '#shared/auth/audit';
import { setAuthorizerAuditSink } from '#shared/auth/authorizer';
import { revokeToken } from '#shared/auth/revocation';
import { createTokenVerifier, verifyAccessToken } from '#shared/auth/verify';
import { UnauthorizedError } from '#shared/auth/errors';
import { apiHandler } from '#shared/http/api-handler';
import { ROUTES } from '#shared/routes';
import { authorizerEvent, header, json, lambdaContext, proxyEvent, startTestIssuer } from './helpers';

/**
 * Token attacks against the real verification path: jose-signed tokens from the local issuer (on a free port, JWKS
 * fetched over HTTP), checked by the Lambda authorizer; the API handler trusts only the authorizer's context and
 * refuses a request without it. Every case must answer 401 — never 403, never 5xx, never a pass.
 */
let issuer: Awaited<ReturnType<typeof startTestIssuer>>;
let otherIssuer: Awaited<ReturnType<typeof startTestIssuer>>;
const route = ROUTES.find((r) => r.id === 'listBanks')!;
const authorizerAudit = new MemoryAuditSink();
const handlerAudit = new MemoryAuditSink();
const protectedHandler = apiHandler(route.id, {}, async () => ({ status: 200, body: { ok: true } }));
const now = () => Math.floor(Date.now() / 1000);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

beforeAll(async () => {
  otherIssuer = await startTestIssuer();
  issuer = await startTestIssuer(); // the one the functions trust (sets OIDC_* last)
  setAuthorizerAuditSink(authorizerAudit);
  setAuditSink(handlerAudit);
});
afterAll(async () => {
  await Promise.all([issuer?.close(), otherIssuer?.close()]);
});

const valid = () => issuer.mint({ role: 'hr_manager', org: 'org-1' });

type Attack = [string, () => Promise<string | undefined>];
const attacks: Attack[] = [
  ['missing token', async () => undefined],
  ['garbled token', async () => 'not-a-jwt'],
  ['three garbage segments', async () => 'abc.def.ghi'],
  [
    'alg: none (unsigned, claims otherwise perfect)',
    async () => {
      const claims = decodeJwt(await valid());
      return `${b64({ alg: 'none', typ: 'JWT', kid: issuer.key.kid })}.${b64(claims)}.`;
    },
  ],
  [
    'HS256 signed with the issuer public key as HMAC secret (JWK form)',
    async () => {
      const claims = decodeJwt(await valid());
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', kid: issuer.key.kid })
        .sign(new TextEncoder().encode(JSON.stringify(issuer.key.publicJwk)));
    },
  ],
  [
    'HS256 signed with the issuer public key as HMAC secret (PEM form)',
    async () => {
      const claims = decodeJwt(await valid());
      const publicKey = (await importJWK(issuer.key.publicJwk, 'ES256')) as CryptoKey;
      const pem = await exportSPKI(publicKey);
      return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: issuer.key.kid }).sign(new TextEncoder().encode(pem));
    },
  ],
  ['wrong issuer', async () => issuer.mint({ role: 'hr_manager', org: 'org-1', claims: { iss: 'https://evil.example' } })],
  ['wrong audience', async () => issuer.mint({ role: 'hr_manager', org: 'org-1', claims: { aud: 'some-other-api' } })],
  ['expired (beyond the 30 s skew)', async () => issuer.mint({ role: 'hr_manager', org: 'org-1', claims: { exp: now() - 60 } })],
  ['not yet valid (nbf in 2 minutes)', async () => issuer.mint({ role: 'hr_manager', org: 'org-1', claims: { nbf: now() + 120 } })],
  ['no exp claim', async () => issuer.mint({ role: 'hr_manager', org: 'org-1', claims: { exp: undefined } })],
  [
    'unknown kid (a key the issuer never published)',
    async () => {
      const { privateKey } = await generateKeyPair('ES256');
      const claims = decodeJwt(await valid());
      return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'unknown-kid-1' }).sign(privateKey);
    },
  ],
  [
    "forged: another key, but the trusted issuer's kid",
    async () => {
      const { privateKey } = await generateKeyPair('ES256');
      const claims = decodeJwt(await valid());
      return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: issuer.key.kid }).sign(privateKey);
    },
  ],
  ["a genuine token of another issuer (its own JWKS, its own iss)", async () => otherIssuer.mint({ role: 'admin' })],
  [
    "another issuer's key with the trusted iss and aud",
    async () => otherIssuer.mint({ role: 'admin', claims: { iss: issuer.issuer, aud: issuer.audience } }),
  ],
  [
    'payload tampered (hr_manager → admin), signature kept',
    async () => {
      const [h, , s] = (await valid()).split('.');
      const claims = { ...decodeJwt(await valid()), roles: ['admin'] };
      return `${h}.${b64(claims)}.${s}`;
    },
  ],
  [
    'revoked jti',
    async () => {
      const token = await valid();
      const { jti, exp } = decodeJwt(token);
      await revokeToken(jti!, exp!);
      return token;
    },
  ],
];

/** The check that must catch each attack (so a case cannot pass by failing somewhere else). */
const EXPECTED_REASON: Record<string, RegExp> = {
  'garbled token': /ERR_JWS_INVALID|Invalid Compact JWS/,
  'three garbage segments': /ERR_JWS_INVALID|ERR_JOSE/,
  'alg: none (unsigned, claims otherwise perfect)': /ERR_JOSE_ALG_NOT_ALLOWED|ERR_JWS_INVALID/,
  'HS256 signed with the issuer public key as HMAC secret (JWK form)': /ERR_JOSE_ALG_NOT_ALLOWED/,
  'HS256 signed with the issuer public key as HMAC secret (PEM form)': /ERR_JOSE_ALG_NOT_ALLOWED/,
  'wrong issuer': /ERR_JWT_CLAIM_VALIDATION_FAILED.*iss/,
  'wrong audience': /ERR_JWT_CLAIM_VALIDATION_FAILED.*aud/,
  'expired (beyond the 30 s skew)': /ERR_JWT_EXPIRED/,
  'not yet valid (nbf in 2 minutes)': /ERR_JWT_CLAIM_VALIDATION_FAILED.*nbf/,
  'no exp claim': /ERR_JWT_CLAIM_VALIDATION_FAILED.*exp/,
  'unknown kid (a key the issuer never published)': /ERR_JWKS_NO_MATCHING_KEY/,
  "forged: another key, but the trusted issuer's kid": /ERR_JWS_SIGNATURE_VERIFICATION_FAILED/,
  'a genuine token of another issuer (its own JWKS, its own iss)': /ERR_JWKS_NO_MATCHING_KEY|ERR_JWT_CLAIM_VALIDATION_FAILED/,
  "another issuer's key with the trusted iss and aud": /ERR_JWKS_NO_MATCHING_KEY/,
  'payload tampered (hr_manager → admin), signature kept': /ERR_JWS_SIGNATURE_VERIFICATION_FAILED/,
  'revoked jti': /revoked/,
};

describe('token attacks at the Lambda authorizer → 401 ("Unauthorized")', () => {
  it.each(attacks)('%s', async (_name, make) => {
    const token = await make();
    const event = authorizerEvent(route, token);
    await expect(authorizerHandler(event, lambdaContext())).rejects.toThrow(/^Unauthorized$/);
    // Recorded as a denial in the audit log lines, with where it came from.
    expect(authorizerAudit.events.find((e) => e.requestId === event.requestContext.requestId)).toMatchObject({
      actor: 'anonymous',
      outcome: 'denied',
      sourceIp: '198.51.100.7',
    });
  });

  it('"Basic" credentials are not a bearer token', async () => {
    const event = { ...authorizerEvent(route, undefined), headers: { Authorization: 'Basic dXNlcjpwYXNz' } };
    await expect(authorizerHandler(event, lambdaContext())).rejects.toThrow(/^Unauthorized$/);
  });

  it('the same request with a valid token passes (control)', async () => {
    const result = await authorizerHandler(authorizerEvent(route, await valid()), lambdaContext());
    expect(result.policyDocument.Statement.some((s) => s.Effect === 'Allow')).toBe(true);
  });
});

describe('the API handler without an authorizer context (a route that lost its authorizer) → 401 problem, whatever the token', () => {
  const refused = async (event: ReturnType<typeof proxyEvent>) => {
    const response = await protectedHandler(event, lambdaContext());
    expect(response.statusCode).toBe(401);
    expect(header(response, 'content-type')).toBe('application/problem+json');
    expect(header(response, 'www-authenticate')).toMatch(/^Bearer/);
    const problem = json(response);
    expect(problem).toMatchObject({ status: 401, code: 'UNAUTHORIZED', instance: event.path });
    // Nothing about why or the token reaches the client.
    expect(response.body).not.toMatch(/jose|ERR_|signature|kid|jti|eyJ|authorizer/i);
    expect(handlerAudit.events.find((e) => e.requestId === problem.requestId)).toMatchObject({ outcome: 'denied' });
  };

  it.each(attacks)('%s', async (_name, make) => {
    const token = await make();
    await refused(proxyEvent(route, { headers: token === undefined ? {} : { Authorization: `Bearer ${token}` } }));
  });

  it('a valid token alone is refused too: the handler verifies no token itself, it trusts only the authorizer (ADR 0032)', async () => {
    await refused(proxyEvent(route, { headers: { authorization: `Bearer ${await valid()}` } }));
  });

  it("the same valid token through the real authorizer, its context passed as API Gateway does, is served (control)", async () => {
    const token = await valid();
    const result = await authorizerHandler(authorizerEvent(route, token), lambdaContext());
    const context = { ...(result.context as Record<string, string>), principalId: result.principalId };
    const response = await protectedHandler(proxyEvent(route, { headers: { authorization: `Bearer ${token}` }, authorizer: context }), lambdaContext());
    expect(response.statusCode).toBe(200);
  });
});

describe("the authorizer's verifier rejects each attack for the intended reason (so no case passes by failing elsewhere)", () => {
  it.each(attacks.filter(([, make]) => make !== attacks[0]![1]))('%s', async (name, make) => {
    const token = await make();
    const reason = await verifyAccessToken(token!).then(
      () => 'accepted',
      (error: unknown) => (error instanceof UnauthorizedError ? error.reason : `other: ${String(error)}`),
    );
    expect(reason).toMatch(EXPECTED_REASON[name] ?? /./);
  });

  it('a token 10 s past exp is still accepted (30 s clock skew)', async () => {
    const principal = await verifyAccessToken(await issuer.mint({ role: 'hr_manager', org: 'org-1', claims: { exp: now() - 10 } }));
    expect(principal.roles).toEqual(['hr_manager']);
  });
});

describe('issuer-specific claim layouts are configuration', () => {
  it('Keycloak: roles under realm_access.roles', async () => {
    const verify = createTokenVerifier({ issuer: issuer.issuer, audiences: [issuer.audience], jwksUrl: issuer.jwksUrl, claims: { roles: 'realm_access.roles' } });
    const token = await issuer.mint({ org: 'org-k', claims: { roles: undefined, realm_access: { roles: ['finance_manager', 'offline_access'] } } });
    expect((await verify(token)).roles).toEqual(['finance_manager']);
  });

  it('Cognito: cognito:groups, custom org claim, audience in client_id (no aud)', async () => {
    const verify = createTokenVerifier({
      issuer: issuer.issuer,
      audiences: ['client-abc'],
      jwksUrl: issuer.jwksUrl,
      claims: { roles: 'cognito:groups', organization: 'custom:org_id', audience: 'client_id' },
    });
    const token = await issuer.mint({ claims: { roles: undefined, aud: undefined, client_id: 'client-abc', 'cognito:groups': ['auditor'], 'custom:org_id': 'org-c' } });
    expect(await verify(token)).toMatchObject({ roles: ['auditor'], organizationId: 'org-c' });
    const wrongClient = await issuer.mint({ claims: { aud: undefined, client_id: 'client-evil', 'cognito:groups': ['auditor'] } });
    await expect(verify(wrongClient)).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('MFA from amr (default), from acr, or from a custom boolean claim', async () => {
    const base = { issuer: issuer.issuer, audiences: [issuer.audience], jwksUrl: issuer.jwksUrl };
    expect((await verifyAccessToken(await issuer.mint({ role: 'employee', org: 'o', mfa: true }))).mfa).toBe(true);
    expect((await verifyAccessToken(await issuer.mint({ role: 'employee', org: 'o', mfa: false }))).mfa).toBe(false);
    const byAcr = createTokenVerifier({ ...base, claims: { mfa: 'acr', mfaValues: ['urn:abhi:mfa'] } });
    expect((await byAcr(await issuer.mint({ role: 'employee', org: 'o', claims: { acr: 'urn:abhi:mfa' } }))).mfa).toBe(true);
    expect((await byAcr(await issuer.mint({ role: 'employee', org: 'o', claims: { acr: '1' } }))).mfa).toBe(false);
    const byFlag = createTokenVerifier({ ...base, claims: { mfa: 'custom:mfa' } });
    expect((await byFlag(await issuer.mint({ role: 'employee', org: 'o', claims: { 'custom:mfa': true } }))).mfa).toBe(true);
  });

  it('refuses to be configured with a symmetric or "none" algorithm', () => {
    for (const alg of ['HS256', 'none']) {
      expect(() => createTokenVerifier({ issuer: issuer.issuer, audiences: ['a'], jwksUrl: issuer.jwksUrl, algorithms: [alg] })).toThrow(/not allowed/);
    }
  });

  it('a revoked token stays valid for other tokens of the same subject', async () => {
    const subject = `user-${randomUUID()}`;
    const first = await issuer.mint({ role: 'hr_manager', org: 'o', subject });
    const second = await issuer.mint({ role: 'hr_manager', org: 'o', subject });
    const { jti, exp } = decodeJwt(first);
    await revokeToken(jti!, exp!);
    await expect(verifyAccessToken(first)).rejects.toBeInstanceOf(UnauthorizedError);
    expect((await verifyAccessToken(second)).subject).toBe(subject);
  });
});
