import { randomUUID } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';
import { PLATFORM_ROLES, ROLES, isRole, type Role } from '#shared/routes';
import type { ClaimPreset } from '#shared/auth/claim-mapping';
import { LOCAL_DIRECTORY_FILE, readLocalDirectory } from '#shared/adapters/identity/local-directory';
import { keptFile } from './local-keys';

/**
 * The local OIDC issuer: signs access tokens for the local stack and tests with its own ES256 key, generated on first
 * start and kept under `.local/issuer/` (git-ignored, file mode 0600). Serves its JWKS, a discovery document and an
 * RFC 7009 revocation endpoint, so the functions verify local tokens exactly like Cognito's or Keycloak's: by issuer
 * URL, audience and JWKS. Tokens come in the claim shape of a preset (`generic`, `keycloak`, `cognito`), the way
 * that provider issues them, so the local stack runs the mapping a deployed stage uses.
 */
export const LOCAL_ISSUER_PORT = Number(process.env.ISSUER_PORT ?? 3001);
export const LOCAL_ISSUER_URL = `http://127.0.0.1:${LOCAL_ISSUER_PORT}`;
export const LOCAL_AUDIENCE = 'abhi-ewa-local';
/** Key directory; ISSUER_KEY_DIR overrides it (tests use a temporary one), else it follows LOCAL_STATE_DIR. */
export const LOCAL_ISSUER_DIR =
  process.env.ISSUER_KEY_DIR ?? path.join(process.env.LOCAL_STATE_DIR ? path.resolve(process.env.LOCAL_STATE_DIR) : path.resolve(import.meta.dirname, '../../.local'), 'issuer');
export const LOCAL_ALGORITHM = 'ES256';
export const JWKS_PATH = '/.well-known/jwks.json';
export const DISCOVERY_PATH = '/.well-known/openid-configuration';
export const REVOCATION_PATH = '/revoke';
/** The realm's clients (docs/identity/keycloak-realm.json) that users log in through: accepted in `azp`. */
export const LOCAL_CLIENT_IDS = ['abhi-web-app', 'abhi-mobile-app', 'abhi-admin-cli'] as const;
const KEYCLOAK_REALM = 'abhi-microservices';
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
  /** The provider whose claim shape the token has (default `generic`). */
  preset?: ClaimPreset;
  /** The client the token was issued to (`azp` / Cognito `client_id` is the audience itself); default `abhi-web-app`. */
  clientId?: string;
  /** Extra or overriding claims, applied last (iss, aud, exp, nbf, jti ... included). */
  claims?: Record<string, unknown>;
}

export interface LocalIssuer {
  readonly issuer: string;
  readonly jwksUrl: string;
  readonly audience: string;
  readonly port: number;
  readonly key: SigningKey;
  /** Where its key and its user directory (`directory.json`, kept by the provisioning consumer) live. */
  readonly dir: string;
  mint(input?: MintInput): Promise<string>;
  /** Tokens revoked at the RFC 7009 endpoint, in order, with the client that asked. */
  revocations(): ReadonlyArray<{ token: string; tokenTypeHint?: string; clientId?: string }>;
  stop(): Promise<void>;
}

/** Loads the signing key from `dir`, creating it (0600, atomically: two starters never both win) when absent. */
export async function loadOrCreateSigningKey(dir: string = LOCAL_ISSUER_DIR): Promise<SigningKey> {
  const content = await keptFile(path.join(dir, KEY_FILE), async () => {
    const { privateKey } = await generateKeyPair(LOCAL_ALGORITHM, { extractable: true });
    const jwk = await exportJWK(privateKey);
    const kid = await calculateJwkThumbprint(jwk);
    return JSON.stringify({ ...jwk, kid, alg: LOCAL_ALGORITHM, use: 'sig' });
  });
  const stored = JSON.parse(content) as JWK & { kid: string };
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
  const subject = input.subject ?? `local-${roles[0] ?? 'user'}-${randomUUID().slice(0, 8)}`;
  const claims: Record<string, unknown> = {
    iss: issuer,
    sub: subject,
    iat: now,
    nbf: now,
    exp: now + (input.ttlSeconds ?? 3600),
    jti: randomUUID(),
    ...presetClaims(input.preset ?? 'generic', { ...input, roles, subject, audience, now }),
    ...input.claims,
  };
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' }).sign(key.privateKey);
}

type ShapeInput = MintInput & { roles: string[]; subject: string; audience: string; now: number };

/** The claims each provider puts in an access token (see /work/shared/reference/idp-token-shapes.md, docs/identity). */
function presetClaims(preset: ClaimPreset, input: ShapeInput): Record<string, unknown> {
  const { roles, org, employee, mfa, audience, subject } = input;
  switch (preset) {
    case 'generic':
      return {
        aud: audience,
        roles,
        amr: mfa ? ['pwd', 'mfa'] : ['pwd'],
        ...(org ? { org_id: org } : {}),
        ...(employee ? { employee_id: employee } : {}),
      };
    case 'keycloak':
      // An audience mapper adds the API next to the default `account`; Keycloak's default realm roles come along.
      return {
        aud: [audience, 'account'],
        azp: input.clientId ?? LOCAL_CLIENT_IDS[0],
        typ: 'Bearer',
        sid: randomUUID(),
        acr: mfa ? '2' : '1',
        scope: 'openid profile email',
        preferred_username: subject,
        realm_access: { roles: [...roles, 'offline_access', 'uma_authorization', `default-roles-${KEYCLOAK_REALM}`] },
        resource_access: { account: { roles: ['manage-account', 'view-profile'] } },
        ...(org ? { organization_id: org } : {}),
        ...(employee ? { employee_id: employee } : {}),
      };
    case 'cognito':
      // Access tokens have no aud; custom attributes and MFA come from our pre-token-generation trigger
      // (functions/auth/cognito-pre-token.ts: Cognito reserves amr).
      return {
        client_id: audience,
        token_use: 'access',
        scope: 'aws.cognito.signin.user.admin',
        username: subject,
        auth_time: input.now,
        origin_jti: randomUUID(),
        event_id: randomUUID(),
        'cognito:groups': roles,
        ...(mfa ? { 'custom:mfa': 'true' } : {}),
        ...(org ? { 'custom:organization_id': org } : {}),
        ...(employee ? { 'custom:employee_id': employee } : {}),
      };
  }
}

/** The issuer's user directory file in `dir`: the provisioning consumer writes it, `token --user` reads it. */
export function localDirectoryFile(dir: string = LOCAL_ISSUER_DIR): string {
  return path.join(dir, LOCAL_DIRECTORY_FILE);
}

/**
 * What a token for a provisioned user says: their roles, organization and employee from the local directory, the
 * e-mail as subject (Cognito's username; Keycloak's preferred_username). A disabled or unknown user gets none.
 */
export async function userMintInput(email: string, dir: string = LOCAL_ISSUER_DIR): Promise<MintInput> {
  const users = await readLocalDirectory(localDirectoryFile(dir));
  const user = users[email.trim().toLowerCase()];
  if (!user) throw new Error(`No user ${email} in the local directory: create the employee (with this e-mail) or organization first, and let provisioning run.`);
  if (!user.enabled) throw new Error(`User ${email} is disabled in the local directory: their employee was deleted or deactivated.`);
  return {
    role: user.roles,
    org: user.organizationId,
    ...(user.employeeId ? { employee: user.employeeId } : {}),
    subject: user.email,
  };
}

/** Starts the issuer on `port` (0: a free one). Its issuer URL is `http://127.0.0.1:<port>`. */
export async function startLocalIssuer(options: { port?: number; dir?: string; audience?: string } = {}): Promise<LocalIssuer> {
  const dir = options.dir ?? LOCAL_ISSUER_DIR;
  const key = await loadOrCreateSigningKey(dir);
  const audience = options.audience ?? LOCAL_AUDIENCE;
  let issuer = '';
  const revoked: Array<{ token: string; tokenTypeHint?: string; clientId?: string }> = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': status === 200 && req.method === 'GET' ? 'public, max-age=300' : 'no-store' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'POST' && url.pathname === REVOCATION_PATH) {
      // RFC 7009: form-encoded `token` (+ `token_type_hint`, `client_id` for a public client); 200 even for an unknown token.
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        const token = form.get('token');
        if (!/^application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '') || !token) {
          return send(400, { error: 'invalid_request' });
        }
        revoked.push({ token, tokenTypeHint: form.get('token_type_hint') ?? undefined, clientId: form.get('client_id') ?? undefined });
        return send(200, {});
      });
      return;
    }
    if (req.method !== 'GET') return send(405, { error: 'method_not_allowed' });
    if (url.pathname === JWKS_PATH) return send(200, { keys: [key.publicJwk] });
    if (url.pathname === DISCOVERY_PATH) {
      return send(200, {
        issuer,
        jwks_uri: `${issuer}${JWKS_PATH}`,
        revocation_endpoint: `${issuer}${REVOCATION_PATH}`,
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
    dir,
    mint: (input) => mintToken(key, issuer, audience, input),
    revocations: () => [...revoked],
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
