import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { SandboxHttpError } from './domain';

/**
 * Authentication of the sandbox, following Abhi's documented rules: a login returns a 24 h JWT (HS256, random
 * per-process key), one active session per user (a new login revokes the previous token), five consecutive failed
 * logins lock the user (403 until reset). Request signatures (reference §4) are verified here independently of the
 * client's signing code, within ±300 s.
 */
export type Role = 'third_party' | 'employer' | 'employee';

export interface SandboxUser {
  id: string;
  username: string;
  password: string;
  role: Role;
  email: string;
  firstName: string;
  lastName: string;
  organizationId: string;
  organizationName: string;
  emiratesId?: string;
  employeeId?: string;
  failedAttempts: number;
  locked: boolean;
  lastLoginAt?: number;
  session?: { jti: string; refreshToken: string; loginTime: number; lastActivity: number; expiresAt: number; token: string; ip?: string; userAgent?: string };
  mfa: { enabled: boolean; method?: string; secret?: string; backupCodes: string[] };
}

export class SandboxAuth {
  private key = new Uint8Array(randomBytes(32));
  readonly users = new Map<string, SandboxUser>();
  readonly passwordResets: { token: string; username: string; createdAt: number; used: boolean }[] = [];
  counters = { logins: 0, loginFailures: 0, unauthorized: 0, signatureFailures: 0 };

  constructor(
    private readonly now: () => number,
    private readonly tokenTtlSeconds: number,
  ) {}

  reset(users: SandboxUser[]): void {
    this.key = new Uint8Array(randomBytes(32));
    this.users.clear();
    for (const user of users) this.users.set(user.username, user);
    this.passwordResets.length = 0;
    this.counters = { logins: 0, loginFailures: 0, unauthorized: 0, signatureFailures: 0 };
  }

  /** Takes the users of an earlier run (persistence.ts); their sessions are gone with the old token key. */
  restore(users: SandboxUser[], passwordResets: SandboxAuth['passwordResets']): void {
    this.users.clear();
    for (const user of users) this.users.set(user.username, user);
    this.passwordResets.splice(0, this.passwordResets.length, ...passwordResets);
  }

  /** Checks a login; counts failures and locks after five in a row. */
  async login(role: Role, username: unknown, password: unknown, meta: { ip?: string; userAgent?: string; emiratesId?: unknown }) {
    if (typeof username !== 'string' || typeof password !== 'string' || !username || !password) {
      throw new SandboxHttpError(400, 'Bad Request', 'username and password are required');
    }
    const user = this.users.get(username);
    if (!user || user.role !== role) {
      this.counters.loginFailures += 1;
      throw new SandboxHttpError(401, 'Invalid credentials', 'Username or password is incorrect');
    }
    if (user.locked) {
      this.counters.loginFailures += 1;
      throw new SandboxHttpError(403, 'User locked', 'The user is locked after 5 consecutive failed login attempts; contact Abhi support');
    }
    const emiratesOk = role !== 'employee' || meta.emiratesId === user.emiratesId;
    if (!safeEqual(password, user.password) || !emiratesOk) {
      user.failedAttempts += 1;
      this.counters.loginFailures += 1;
      if (user.failedAttempts >= 5) user.locked = true;
      throw new SandboxHttpError(401, 'Invalid credentials', `Username or password is incorrect (${Math.max(0, 5 - user.failedAttempts)} attempts left)`);
    }
    user.failedAttempts = 0;
    this.counters.logins += 1;
    return this.issue(user, meta);
  }

  async issue(user: SandboxUser, meta: { ip?: string; userAgent?: string } = {}) {
    const now = this.now();
    const iat = Math.floor(now / 1000);
    const exp = iat + this.tokenTtlSeconds;
    const jti = randomBytes(12).toString('hex');
    const token = await new SignJWT({ role: user.role, org: user.organizationId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(user.username)
      .setJti(jti)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .setIssuer('abhi-sandbox')
      .sign(this.key);
    // One session per user: replacing it revokes the previous token.
    user.session = { jti, refreshToken: randomBytes(24).toString('base64url'), loginTime: now, lastActivity: now, expiresAt: exp * 1000, token, ...meta };
    user.lastLoginAt = now;
    return this.authResponse(user);
  }

  authResponse(user: SandboxUser) {
    const session = user.session!;
    return {
      token: session.token,
      tokenType: 'Bearer',
      expiresIn: Math.max(0, Math.ceil((session.expiresAt - this.now()) / 1000)),
      expiresAt: new Date(session.expiresAt).toISOString(),
      refreshToken: session.refreshToken,
      user: this.userJson(user),
    };
  }

  userJson(user: SandboxUser) {
    return {
      id: user.id,
      username: user.username,
      email: user.email,
      firstName: user.firstName,
      lastName: user.lastName,
      role: user.role,
      organizationId: user.organizationId,
      organizationName: user.organizationName,
      permissions: user.role === 'employee' ? ['self:read'] : ['employees:*', 'transactions:*', 'organizations:*', 'repayments:*', 'masterdata:read'],
      isActive: !user.locked,
      ...(user.lastLoginAt ? { lastLoginAt: new Date(user.lastLoginAt).toISOString() } : {}),
    };
  }

  /** The user behind a bearer token, or a 401 naming why (missing, invalid, expired, revoked). */
  async authenticate(header: string | undefined): Promise<SandboxUser> {
    const token = /^Bearer\s+(.+)$/i.exec(header ?? '')?.[1]?.trim();
    if (!token) throw this.unauthorized('Missing bearer token');
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.key, { currentDate: new Date(this.now()), issuer: 'abhi-sandbox' }));
    } catch (error) {
      throw this.unauthorized(error instanceof joseErrors.JWTExpired ? 'Token expired' : 'Invalid token');
    }
    const user = this.users.get(String(payload.sub));
    if (!user?.session || user.session.jti !== payload.jti) throw this.unauthorized('Token revoked: a newer login or a logout ended this session');
    user.session.lastActivity = this.now();
    return user;
  }

  private unauthorized(details: string): SandboxHttpError {
    this.counters.unauthorized += 1;
    return new SandboxHttpError(401, 'Unauthorized', details);
  }

  refresh(refreshToken: unknown, meta: { ip?: string; userAgent?: string }) {
    const user = [...this.users.values()].find((u) => u.session && typeof refreshToken === 'string' && u.session.refreshToken === refreshToken);
    if (!user) throw this.unauthorized('Invalid refresh token');
    return this.issue(user, meta);
  }

  logout(user: SandboxUser): void {
    user.session = undefined;
  }

  /** RFC 6238 TOTP (SHA-1, 30 s, 6 digits) with a window of ±1 step. */
  verifyTotp(secretBase32: string, code: string): boolean {
    const key = base32Decode(secretBase32);
    const step = Math.floor(this.now() / 30_000);
    return [-1, 0, 1].some((offset) => hotp(key, step + offset) === code);
  }
}

export function hotp(key: Buffer, counter: number): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const digest = createHmac('sha1', key).update(message).digest();
  const offset = digest[digest.length - 1]! & 0x0f;
  const binary = (digest.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(binary).padStart(6, '0');
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
export function base32Encode(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}
function base32Decode(text: string): Buffer {
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of text.replace(/=+$/, '').toUpperCase()) {
    const index = BASE32.indexOf(ch);
    if (index < 0) continue;
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

function safeEqual(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}

// ------------------------------------------------------------------ request signatures (reference §4)

/**
 * Rebuilds the SDK's string-to-sign from the raw request as received (written independently of
 * functions/shared/abhi/signing.ts so that the sandbox checks the client instead of agreeing with it).
 */
export function verifyRequestSignature(input: {
  method: string;
  rawUrl: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  secret: string;
  nowMs: number;
}): { ok: true } | { ok: false; reason: string } {
  const header = (name: string) => {
    const value = input.headers[name];
    return Array.isArray(value) ? value.join(',') : value;
  };
  const timestamp = header('x-timestamp');
  const signature = header('x-signature');
  if (!timestamp || !signature) return { ok: false, reason: 'Missing X-Timestamp or X-Signature' };
  if (!/^\d+$/.test(timestamp)) return { ok: false, reason: 'Unparsable X-Timestamp' };
  if (Math.abs(Math.floor(input.nowMs / 1000) - Number(timestamp)) > 300) return { ok: false, reason: 'X-Timestamp outside the ±300 s window' };
  const questionMark = input.rawUrl.indexOf('?');
  const rawPath = questionMark < 0 ? input.rawUrl : input.rawUrl.slice(0, questionMark);
  const rawQuery = questionMark < 0 ? '' : input.rawUrl.slice(questionMark + 1);
  let path = rawPath;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    // keep raw
  }
  const query = rawQuery === '' ? '' : rawQuery.split('&').sort().join('&');
  const signedHeaders: string[] = [];
  for (const name of ['authorization', 'content-type', 'x-timestamp']) {
    const value = header(name)?.trim();
    if (value) signedHeaders.push(`${name}:${value}`);
  }
  const bodyHash = createHash('sha256').update(input.body).digest('hex');
  const stringToSign = [input.method, path, query, signedHeaders.join('\n'), bodyHash, timestamp].join('\n');
  const expected = createHmac('sha256', input.secret).update(stringToSign).digest('hex');
  const ok = expected.length === signature.length && timingSafeEqual(Buffer.from(expected), Buffer.from(signature));
  return ok ? { ok: true } : { ok: false, reason: 'Signature mismatch' };
}
