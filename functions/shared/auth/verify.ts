import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import * as z from 'zod';
import { envVar, loadConfig } from '#shared/config';
import { logger } from '#shared/logger';
import { UnauthorizedError } from './errors';
import { knownRoles, type Principal } from './principal';
import { dynamoRevocationStore, type RevocationStore } from './revocation';

/**
 * Access-token verification with `jose`, usable by the Lambda authorizer and in-process (local API, defense in
 * depth). Works with any OIDC issuer: issuer, audience, JWKS URL and the claim names are configuration.
 */

/** Asymmetric algorithms only: `none`, HS* (and with them key confusion: an HMAC keyed with a public key) never pass. */
const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

export interface ClaimNames {
  /** Dot path of the roles claim: `roles`, `realm_access.roles` (Keycloak), `cognito:groups` (Cognito). */
  roles: string;
  organization: string;
  employee: string;
  /** `amr` (array containing one of `mfaValues`), `acr` (string equal to one of them) or a custom boolean claim. */
  mfa: string;
  mfaValues: string[];
  /** Claim holding the audience: `aud` (default); Cognito access tokens carry `client_id` instead. */
  audience: string;
}

export interface TokenVerifierOptions {
  issuer: string;
  audiences: string[];
  /** Where the issuer publishes its keys; ignored when `keys` is given. */
  jwksUrl?: string;
  /** A key resolver (tests); default: jose's remote JWKS set (cached, refetched on an unknown `kid`). */
  keys?: JWTVerifyGetKey;
  algorithms?: string[];
  clockToleranceSeconds?: number;
  claims?: Partial<ClaimNames>;
  /** Revoked-token list by `jti`; omitted: no revocation check. */
  revocation?: RevocationStore;
}

export type TokenVerifier = (token: string) => Promise<Principal>;

export const DEFAULT_CLAIMS: ClaimNames = {
  roles: 'roles',
  organization: 'org_id',
  employee: 'employee_id',
  mfa: 'amr',
  mfaValues: ['mfa'],
  audience: 'aud',
};

const remoteKeySets = new Map<string, JWTVerifyGetKey>();

/** One cached key set per JWKS URL per process (jose caches keys and refetches, rate-limited, on an unknown kid). */
function remoteKeys(jwksUrl: string): JWTVerifyGetKey {
  let keys = remoteKeySets.get(jwksUrl);
  if (!keys) {
    keys = createRemoteJWKSet(new URL(jwksUrl), { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000, timeoutDuration: 3_000 });
    remoteKeySets.set(jwksUrl, keys);
  }
  return keys;
}

export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const algorithms = options.algorithms ?? ['RS256', 'ES256'];
  for (const alg of algorithms) {
    if (!(ASYMMETRIC_ALGORITHMS as readonly string[]).includes(alg)) {
      throw new Error(`Algorithm ${alg} is not allowed for access tokens: use an asymmetric algorithm (RS256, ES256, ...).`);
    }
  }
  const claims: ClaimNames = { ...DEFAULT_CLAIMS, ...options.claims };
  const keys = options.keys ?? remoteKeys(options.jwksUrl ?? `${options.issuer.replace(/\/$/, '')}/.well-known/jwks.json`);
  const clockTolerance = options.clockToleranceSeconds ?? 30;
  const audienceInAud = claims.audience === 'aud';

  return async (token: string): Promise<Principal> => {
    if (typeof token !== 'string' || token.length === 0 || token.length > 16_384) {
      throw new UnauthorizedError('token missing or oversized');
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: options.issuer,
        ...(audienceInAud ? { audience: options.audiences } : {}),
        algorithms,
        clockTolerance,
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (error) {
      throw classifyVerificationError(error);
    }
    if (!audienceInAud) {
      const audience = claimAt(payload, claims.audience);
      if (typeof audience !== 'string' || !options.audiences.includes(audience)) {
        throw new UnauthorizedError(`unexpected "${claims.audience}" claim value`);
      }
    }
    const principal = principalFromClaims(payload, claims);
    if (principal.tokenId && options.revocation && (await options.revocation.isRevoked(principal.tokenId))) {
      throw new UnauthorizedError('token revoked');
    }
    return principal;
  };
}

/** Verification failures are 401; an unreachable or broken JWKS endpoint is our failure (rethrown, 5xx). */
function classifyVerificationError(error: unknown): Error {
  if (error instanceof joseErrors.JWKSTimeout) return error;
  if (error instanceof joseErrors.JOSEError) {
    const generic = error.code === 'ERR_JOSE_GENERIC' && /JSON Web Key Set|fetch/i.test(error.message);
    if (generic) return error;
    return new UnauthorizedError(`${error.code}: ${error.message}`);
  }
  if (error instanceof TypeError && /fetch/i.test(error.message)) return error;
  // Malformed input jose rejects before its own checks (e.g. not three segments).
  return new UnauthorizedError(error instanceof Error ? error.message : 'token rejected');
}

/** Reads `a.b.c` from the claims; a key that itself contains dots or colons (`cognito:groups`) is tried whole first. */
export function claimAt(payload: Record<string, unknown>, path: string): unknown {
  if (path in payload) return payload[path];
  let current: unknown = payload;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

export function principalFromClaims(payload: JWTPayload, claims: ClaimNames = DEFAULT_CLAIMS): Principal {
  const subject = payload.sub;
  if (typeof subject !== 'string' || subject.trim() === '') throw new UnauthorizedError('sub claim missing');
  const rawRoles = claimAt(payload, claims.roles);
  const roleList = Array.isArray(rawRoles) ? rawRoles : typeof rawRoles === 'string' ? rawRoles.split(/[\s,]+/) : [];
  const principal: Principal = { subject, roles: knownRoles(roleList), mfa: mfaFrom(claimAt(payload, claims.mfa), claims.mfaValues) };
  const organizationId = idClaim(claimAt(payload, claims.organization));
  const employeeId = idClaim(claimAt(payload, claims.employee));
  if (organizationId) principal.organizationId = organizationId;
  if (employeeId) principal.employeeId = employeeId;
  if (typeof payload.jti === 'string' && payload.jti !== '') principal.tokenId = payload.jti;
  return principal;
}

function idClaim(value: unknown): string | undefined {
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function mfaFrom(value: unknown, accepted: readonly string[]): boolean {
  if (value === true || value === 'true') return true;
  if (Array.isArray(value)) return value.some((v) => typeof v === 'string' && accepted.includes(v));
  if (typeof value === 'string') return accepted.includes(value);
  return false;
}

/** Reads `Authorization: Bearer <token>` (header names in any case). */
export function bearerToken(headers: Record<string, string | undefined> | null | undefined): string | undefined {
  if (!headers) return undefined;
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() !== 'authorization' || typeof value !== 'string') continue;
    const match = /^Bearer[ ]+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(value);
    return match?.[1];
  }
  return undefined;
}

const authEnv = {
  OIDC_ISSUER: envVar.url(),
  OIDC_AUDIENCE: envVar.list().pipe(z.array(z.string()).min(1)),
  OIDC_JWKS_URL: envVar.url().optional(),
  OIDC_ALGORITHMS: envVar.list().transform((v) => (v.length ? v : ['RS256', 'ES256'])),
  OIDC_CLOCK_SKEW_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
  CLAIM_ROLES: z.string().min(1).default(DEFAULT_CLAIMS.roles),
  CLAIM_ORGANIZATION: z.string().min(1).default(DEFAULT_CLAIMS.organization),
  CLAIM_EMPLOYEE: z.string().min(1).default(DEFAULT_CLAIMS.employee),
  CLAIM_MFA: z.string().min(1).default(DEFAULT_CLAIMS.mfa),
  CLAIM_MFA_VALUES: envVar.list().transform((v) => (v.length ? v : DEFAULT_CLAIMS.mfaValues)),
  CLAIM_AUDIENCE: z.string().min(1).default(DEFAULT_CLAIMS.audience),
};

/** The verifier configured from the environment (OIDC_*, CLAIM_*, STATE_TABLE_NAME for revocation). */
export function verifierFromEnv(source: Record<string, string | undefined> = process.env): TokenVerifier {
  const env = loadConfig(authEnv, source);
  return createTokenVerifier({
    issuer: env.OIDC_ISSUER,
    audiences: env.OIDC_AUDIENCE,
    jwksUrl: env.OIDC_JWKS_URL,
    algorithms: env.OIDC_ALGORITHMS,
    clockToleranceSeconds: env.OIDC_CLOCK_SKEW_SECONDS,
    claims: {
      roles: env.CLAIM_ROLES,
      organization: env.CLAIM_ORGANIZATION,
      employee: env.CLAIM_EMPLOYEE,
      mfa: env.CLAIM_MFA,
      mfaValues: env.CLAIM_MFA_VALUES,
      audience: env.CLAIM_AUDIENCE,
    },
    revocation: dynamoRevocationStore(),
  });
}

let defaultVerifier: { signature: string; verify: TokenVerifier } | undefined;

/**
 * Verifies an access token with the configuration from the environment (read on first use, and again if the
 * environment changed — the local stack may restart with another issuer in the same process) and returns the
 * principal; throws UnauthorizedError (401) for any token that does not pass.
 */
export async function verifyAccessToken(token: string): Promise<Principal> {
  const signature = [...Object.keys(authEnv), 'STATE_TABLE_NAME'].map((name) => process.env[name] ?? '').join('\u0001');
  if (defaultVerifier?.signature !== signature) defaultVerifier = { signature, verify: verifierFromEnv() };
  try {
    return await defaultVerifier.verify(token);
  } catch (error) {
    if (error instanceof UnauthorizedError) logger.info('access token rejected', { reason: error.reason });
    throw error;
  }
}
