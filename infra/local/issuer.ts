import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';
import { PLATFORM_ROLES, ROLES, isRole, type Role } from '#shared/routes';

/**
 * The local OIDC issuer: signs access tokens for the local stack and tests with its own ES256 key, generated on first
 * start and kept under `.local/issuer/` (git-ignored, file mode 0600). Serves its JWKS and a discovery document, so
 * the functions verify local tokens exactly like Cognito's or Keycloak's: by issuer URL, audience and JWKS.
 */
export const LOCAL_ISSUER_PORT = Number(process.env.ISSUER_PORT ?? 3001);
export const LOCAL_ISSUER_URL = `http://127.0.0.1:${LOCAL_ISSUER_PORT}`;
export const LOCAL_AUDIENCE = 'abhi-ewa-local';
/** Key directory; ISSUER_KEY_DIR overrides it (tests use a temporary one). */
export const LOCAL_ISSUER_DIR = process.env.ISSUER_KEY_DIR ?? path.resolve(import.meta.dirname, '../../.local/issuer');
export const LOCAL_ALGORITHM = 'ES256';
export const JWKS_PATH = '/.well-known/jwks.json';
export const DISCOVERY_PATH = '/.well-known/openid-configuration';
const KEY_FILE = 'signing-key.jwk.json';

export interface SigningKey {
  readonly kid: string;
  readonly alg: typeof LOCAL_ALGORITHM;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

/** What a token says about its holder (the claim names are the functions' defaults: roles, org_id, employee_id, amr). */
export interface MintInput {
  role?: Role | readonly Role[];
  /** Raw role names, unknown ones included (tests of "unknown roles are dropped"). */
  roles?: readonly string[];
  org?: string;
  employee?: string;
  mfa?: boolean;
  subject?: string;
  /** Lifetime in seconds (default 3600). */
  ttlSeconds?: number;
  /** Extra or overriding claims, applied last (iss, aud, exp, nbf, jti ... included). */
  claims?: Record<string, unknown>;
}

export interface LocalIssuer {
  readonly issuer: string;
  readonly jwksUrl: string;
  readonly audience: string;
  readonly port: number;
  readonly key: SigningKey;
  mint(input?: MintInput): Promise<string>;
  stop(): Promise<void>;
}

/** Loads the signing key from `dir`, creating it (0600, atomically: two starters never both win) when absent. */
export async function loadOrCreateSigningKey(dir: string = LOCAL_ISSUER_DIR): Promise<SigningKey> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, KEY_FILE);
  if (!fs.existsSync(file)) {
    const { privateKey } = await generateKeyPair(LOCAL_ALGORITHM, { extractable: true });
    const jwk = await exportJWK(privateKey);
    const kid = await calculateJwkThumbprint(jwk);
    const temp = path.join(dir, `.${KEY_FILE}.${process.pid}.${randomUUID()}`);
    fs.writeFileSync(temp, JSON.stringify({ ...jwk, kid, alg: LOCAL_ALGORITHM, use: 'sig' }), { mode: 0o600, flag: 'wx' });
    try {
      fs.linkSync(temp, file); // fails if another process created the key first: then theirs is used
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      fs.rmSync(temp, { force: true });
    }
  }
  if ((fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
  const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as JWK & { kid: string };
  const privateKey = (await importJWK(stored, LOCAL_ALGORITHM)) as CryptoKey;
  const { d: _private, ...publicPart } = stored;
  return { kid: stored.kid, alg: LOCAL_ALGORITHM, privateKey, publicJwk: { ...publicPart, kid: stored.kid, alg: LOCAL_ALGORITHM, use: 'sig' } };
}

/** Refuses what the platform would refuse anyway: unknown roles, and a non-admin without an organization. */
export function assertMintable(input: MintInput): void {
  const roles = rolesOf(input);
  if (roles.length === 0) throw new Error(`Give at least one role with --role (one of: ${ROLES.join(', ')}).`);
  const unknown = roles.filter((role) => !isRole(role));
  if (unknown.length > 0) throw new Error(`Unknown role "${unknown[0]}": use one of ${ROLES.join(', ')}.`);
  const platform = roles.some((role) => (PLATFORM_ROLES as readonly string[]).includes(role));
  if (!platform && !input.org) throw new Error(`Role ${roles.join(',')} is bound to an organization: add --org <organizationId>.`);
}

function rolesOf(input: MintInput): string[] {
  const roles = [...(input.role === undefined ? [] : typeof input.role === 'string' ? [input.role] : input.role), ...(input.roles ?? [])];
  return [...new Set(roles)];
}

export async function mintToken(key: SigningKey, issuer: string, audience: string, input: MintInput = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const roles = rolesOf(input);
  const claims: Record<string, unknown> = {
    iss: issuer,
    aud: audience,
    sub: input.subject ?? `local-${roles[0] ?? 'user'}-${randomUUID().slice(0, 8)}`,
    iat: now,
    nbf: now,
    exp: now + (input.ttlSeconds ?? 3600),
    jti: randomUUID(),
    roles,
    amr: input.mfa ? ['pwd', 'mfa'] : ['pwd'],
    ...(input.org ? { org_id: input.org } : {}),
    ...(input.employee ? { employee_id: input.employee } : {}),
    ...input.claims,
  };
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' }).sign(key.privateKey);
}

/** Starts the issuer on `port` (0: a free one). Its issuer URL is `http://127.0.0.1:<port>`. */
export async function startLocalIssuer(options: { port?: number; dir?: string; audience?: string } = {}): Promise<LocalIssuer> {
  const key = await loadOrCreateSigningKey(options.dir ?? LOCAL_ISSUER_DIR);
  const audience = options.audience ?? LOCAL_AUDIENCE;
  let issuer = '';
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': status === 200 ? 'public, max-age=300' : 'no-store' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET') return send(405, { error: 'method_not_allowed' });
    if (url.pathname === JWKS_PATH) return send(200, { keys: [key.publicJwk] });
    if (url.pathname === DISCOVERY_PATH) {
      return send(200, {
        issuer,
        jwks_uri: `${issuer}${JWKS_PATH}`,
        response_types_supported: ['token'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: [key.alg],
        claims_supported: ['sub', 'roles', 'org_id', 'employee_id', 'amr', 'jti'],
      });
    }
    return send(404, { error: 'not_found' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? LOCAL_ISSUER_PORT, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? LOCAL_ISSUER_PORT);
  issuer = `http://127.0.0.1:${port}`;
  return {
    issuer,
    jwksUrl: `${issuer}${JWKS_PATH}`,
    audience,
    port,
    key,
    mint: (input) => mintToken(key, issuer, audience, input),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
