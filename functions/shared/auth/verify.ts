import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import * as z from '#shared/zod';
import { envVar, loadConfig } from '#shared/config';
import { logger } from '#shared/logger';
import { ClaimMappingError, claimNamesFor, parseClaimMapping, type ClaimNames } from './claim-mapping';
import { UnauthorizedError } from './errors';
import { knownRoles, type Principal } from './principal';
import { dynamoRevocationStore, type RevocationStore } from './revocation';

export type { ClaimNames } from './claim-mapping';

/**
 * Access-token verification with `jose`, for the Lambda authorizer (routes trust only its context, ADR 0032). Works with any OIDC issuer: issuer, audience, JWKS URL and the claim mapping (claim-mapping.ts) are
 * configuration.
 */

/** Asymmetric algorithms only: `none`, HS* (and with them key confusion: an HMAC keyed with a public key) never pass. */
const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

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
  /** Clients (`azp`) accepted when `aud` is only the provider's default audience (Keycloak); default: `audiences`. */
  clients?: string[];
  /** Longest accepted `exp - iat`: subject revocations are kept this long (default 24 h). */
  maxTokenLifetimeSeconds?: number;
  /** Revoked tokens and subjects; omitted: no revocation check. */
  revocation?: RevocationStore;
}

export type TokenVerifier = (token: string) => Promise<Principal>;

export const DEFAULT_CLAIMS: ClaimNames = claimNamesFor({ preset: 'generic' });
export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 24 * 3600;

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
  // jose checks `aud` itself unless the audience is elsewhere (Cognito) or may be the provider's default (Keycloak).
  const joseChecksAudience = claims.audience === 'aud' && !claims.defaultAudience;
  const clients = options.clients?.length ? options.clients : options.audiences;
  const maxLifetime = options.maxTokenLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS;

  return async (token: string): Promise<Principal> => {
    if (typeof token !== 'string' || token.length === 0 || token.length > 16_384) {
      throw new UnauthorizedError('token missing or oversized');
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: options.issuer,
        ...(joseChecksAudience ? { audience: options.audiences } : {}),
        algorithms,
        clockTolerance,
        requiredClaims: ['exp', 'sub', 'iat'],
      }));
    } catch (error) {
      throw classifyVerificationError(error);
    }
    if (!joseChecksAudience) checkAudience(payload, claims, options.audiences, clients);
    if (claims.tokenUse && payload.token_use !== claims.tokenUse) {
      throw new UnauthorizedError(`token_use must be "${claims.tokenUse}"`);
    }
    if (payload.exp! - payload.iat! > maxLifetime) {
      throw new UnauthorizedError(`token lifetime above ${maxLifetime} s`);
    }
    const principal = principalFromClaims(payload, claims);
    if (options.revocation && (await options.revocation.isRevoked(principal))) {
      throw new UnauthorizedError('token revoked');
    }
    return principal;
  };
}

/**
 * The audience when jose cannot check it alone: in `client_id` (Cognito), or in `aud` where the provider's default
 * audience (Keycloak's `account`) stands in for the API until an audience mapper names it; then `azp` must be a client
 * of ours.
 */
function checkAudience(payload: JWTPayload, claims: ClaimNames, audiences: string[], clients: string[]): void {
  const value = claimAt(payload, claims.audience);
  const values = Array.isArray(value) ? value : [value];
  if (values.some((v) => typeof v === 'string' && audiences.includes(v))) return;
  if (claims.defaultAudience && values.includes(claims.defaultAudience)) {
    if (typeof payload.azp === 'string' && clients.includes(payload.azp)) return;
    throw new UnauthorizedError(`"aud" is "${claims.defaultAudience}" and "azp" is not an allowed client`);
  }
  throw new UnauthorizedError(`unexpected "${claims.audience}" claim value`);
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
  const roleList = [claims.roles, ...(claims.extraRoles ?? [])].flatMap((path) => {
    const raw = claimAt(payload, path);
    return Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(/[\s,]+/) : [];
  });
  const mfa = mfaFrom(claimAt(payload, claims.mfa), claims.mfaValues) || (claims.mfaAlso !== undefined && mfaFrom(claimAt(payload, claims.mfaAlso.claim), claims.mfaAlso.values));
  const principal: Principal = { subject, roles: knownRoles(roleList), mfa };
  const organizationId = idClaim(claimAt(payload, claims.organization));
  const employeeId = idClaim(claimAt(payload, claims.employee));
  if (organizationId) principal.organizationId = organizationId;
  if (employeeId) principal.employeeId = employeeId;
  if (typeof payload.jti === 'string' && payload.jti !== '') principal.tokenId = payload.jti;
  if (typeof payload.iat === 'number') principal.issuedAt = payload.iat;
  if (typeof payload.exp === 'number') principal.expiresAt = payload.exp;
  const client = payload.azp ?? payload.client_id;
  if (typeof client === 'string' && client !== '') principal.clientId = client;
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
  OIDC_AUDIENCE: z.pipe(envVar.list(), z.array(z.string()).check(z.minLength(1))),
  OIDC_JWKS_URL: z.optional(envVar.url()),
  OIDC_ALGORITHMS: z.pipe(envVar.list(), z.transform((v) => (v.length ? v : ['RS256', 'ES256']))),
  OIDC_CLOCK_SKEW_SECONDS: z._default(z.coerce.number().check(z.int(), z.minimum(0), z.maximum(300)), 30),
  /** The claim mapping: a preset (generic, keycloak, cognito) or JSON `{"preset":...,"roles":...}` (claim-mapping.ts). */
  OIDC_CLAIMS: z.pipe(
    z._default(z.string().check(z.trim()), 'generic'),
    z.transform((value, ctx) => {
      try {
        return parseClaimMapping(value, 'OIDC_CLAIMS');
      } catch (error) {
        // zod/mini's transform context has no addIssue: the issue goes on the payload itself.
        ctx.issues.push({ code: 'custom', message: error instanceof ClaimMappingError ? error.message : String(error), input: value });
        return z.NEVER;
      }
    }),
  ),
  /** Clients accepted in `azp` when `aud` is Keycloak's default `account`. */
  OIDC_CLIENT_IDS: envVar.list(),
  OIDC_MAX_TOKEN_LIFETIME_SECONDS: z._default(z.coerce.number().check(z.int(), z.minimum(60), z.maximum(7 * 24 * 3600)), DEFAULT_MAX_TOKEN_LIFETIME_SECONDS),
};

/** The verifier configured from the environment (OIDC_*, STATE_TABLE_NAME for revocation). */
export function verifierFromEnv(source: Record<string, string | undefined> = process.env): TokenVerifier {
  const env = loadConfig(authEnv, source);
  return createTokenVerifier({
    issuer: env.OIDC_ISSUER,
    audiences: env.OIDC_AUDIENCE,
    jwksUrl: env.OIDC_JWKS_URL,
    algorithms: env.OIDC_ALGORITHMS,
    clockToleranceSeconds: env.OIDC_CLOCK_SKEW_SECONDS,
    claims: claimNamesFor(env.OIDC_CLAIMS),
    clients: env.OIDC_CLIENT_IDS,
    maxTokenLifetimeSeconds: env.OIDC_MAX_TOKEN_LIFETIME_SECONDS,
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
