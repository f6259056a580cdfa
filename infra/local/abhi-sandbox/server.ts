import http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { toFils } from '#shared/domain/money';
import { SandboxAuth, base32Encode, verifyRequestSignature, type SandboxUser } from './auth';
import { SandboxDomain, SandboxHttpError, dubaiDate, dubaiYmd, iso, type TransactionRecord } from './domain';
import { FaultInjector, type FaultConfig } from './faults';
import { loadSandboxState, saveSandboxState } from './persistence';
import type { SeedEmployee, SeedOrganization } from './seed';

/**
 * A faithful Abhi Open API sandbox (node:http, no framework) for `npm start` and the tests. Same endpoints, envelope
 * `{statusCode, message, data}`, errors `{statusCode, message, details}` (status code in the body too), pagination
 * (`page` honoured), and the traps of reference §2.4: `netSalary` a string, timestamps RFC 3339 or null (never ""),
 * organization create double-nested, business types under `/business`. Served at `/` and under `/uat-open-api`.
 * Admin endpoints (never rate-limited, never faulted): GET /__sandbox/state, PUT|GET /__sandbox/faults,
 * POST /__sandbox/reset, PUT /__sandbox/clock, PUT /__sandbox/transactions/{id}/status. See README.md for the rules.
 */
export interface AbhiSandboxOptions {
  /** 0 = a free port. */
  readonly port?: number;
  readonly host?: string;
  /** The third-party (fleet) user. */
  readonly credentials: { readonly username: string; readonly password: string };
  /** When set, every API request must be signed (reference §4) with this secret, ±300 s. */
  readonly signingSecret?: string;
  /** Server-side rate limit answered with 429 + Retry-After. Default 10 rps, burst 20; `false` disables it. */
  readonly rateLimit?: { readonly ratePerSecond: number; readonly burst: number } | false;
  /** Business clock (epoch ms): dates of advances, balances, due dates. Default Date.now. */
  readonly clock?: () => number;
  /** Clock of tokens and signature windows. Default Date.now (kept apart so a frozen business date keeps tokens valid). */
  readonly authClock?: () => number;
  /** Default 86 400 (24 h). */
  readonly tokenTtlSeconds?: number;
  /** Pending advances complete after this long (business clock). Default 60 000 ms. */
  readonly autoProcessAfterMs?: number;
  /** Flat processing fee per advance in AED. Default 15. */
  readonly processingFee?: number;
  readonly seed?: number;
  readonly faults?: FaultConfig;
  /**
   * Keep the records in this file across restarts (persistence.ts): loaded at start, written after every write and
   * at stop. Without it every start begins from the seed (tests).
   */
  readonly stateFile?: string;
}

export interface SandboxRequestLogEntry {
  readonly at: number;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly fault?: string;
}

export interface SandboxState {
  logins: number;
  loginFailures: number;
  requests: number;
  rateLimited: number;
  rateLimitStorms: number;
  faultsInjected: number;
  signatureFailures: number;
  unauthorized: number;
  advances: number;
  repayments: number;
  transactions: number;
  employees: number;
  organizations: number;
  lockedUsers: string[];
  activeSessions: string[];
  faults: FaultConfig;
  clock: string;
  records: {
    advances: unknown[];
    repaymentTransactions: unknown[];
    repayments: unknown[];
    employees: unknown[];
    organizations: unknown[];
    passwordResets: unknown[];
  };
  requestLog: SandboxRequestLogEntry[];
}

export interface AbhiSandbox {
  /** `http://127.0.0.1:<port>` (the API is served here and under `/uat-open-api`). */
  readonly url: string;
  /** `${url}/uat-open-api`, like the real UAT base URL. */
  readonly baseUrl: string;
  readonly port: number;
  /** Extra sandbox users (employer, employees) for the auth endpoints. */
  readonly users: { readonly employer: { username: string; password: string }; readonly employeePassword: string };
  stop(): Promise<void>;
  state(): SandboxState;
  setFaults(faults: FaultConfig): void;
  /** Moves a transaction to `status` (what `PUT /__sandbox/transactions/{id}/status` does). */
  setTransactionStatus(transactionId: string, status: string): void;
  reset(): void;
  /** Freezes the business clock at `ms` (null: back to the configured clock). */
  setClock(ms: number | null): void;
}

export const SANDBOX_BASE_PATH = '/uat-open-api';
const EMPLOYER_USER = { username: 'employer.admin@sandbox-root.example', password: 'Employer#2024!' };
const EMPLOYEE_PASSWORD = 'Employee#2024!';
const MAX_BODY_BYTES = 1_048_576;
const REQUEST_LOG_LIMIT = 20_000;

interface RequestContext {
  readonly method: string;
  readonly path: string;
  readonly params: string[];
  readonly query: URLSearchParams;
  readonly body: Record<string, unknown>;
  readonly user?: SandboxUser;
  readonly ip?: string;
  readonly userAgent?: string;
}
interface Reply {
  readonly status: number;
  readonly message?: string;
  readonly data: unknown;
}
type Handler = (ctx: RequestContext) => Reply | Promise<Reply>;
interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  /** false: login-type endpoints that need no bearer token. */
  readonly auth: boolean;
  readonly handler: Handler;
}

const ok = (data: unknown, status = 200, message = 'Success'): Reply => ({ status, message, data });
const bad = (details: string) => new SandboxHttpError(400, 'Bad Request', details);

export async function startAbhiSandbox(options: AbhiSandboxOptions): Promise<AbhiSandbox> {
  let clockOverride: number | null = null;
  const businessNow = () => clockOverride ?? options.clock?.() ?? Date.now();
  const authNow = options.authClock ?? Date.now;
  const domain = new SandboxDomain({
    now: businessNow,
    autoProcessAfterMs: options.autoProcessAfterMs,
    processingFeeFils: options.processingFee === undefined ? undefined : toFils(options.processingFee),
    seed: options.seed,
  });
  const auth = new SandboxAuth(authNow, options.tokenTtlSeconds ?? 86_400);
  const faults = new FaultInjector();
  const counters = { requests: 0, rateLimited: 0, rateLimitStorms: 0 };
  const requestLog: SandboxRequestLogEntry[] = [];
  const rate = options.rateLimit === false ? undefined : (options.rateLimit ?? { ratePerSecond: 10, burst: 20 });
  let bucket = { tokens: rate?.burst ?? 0, at: performance.now() };
  const hanging = new Set<NodeJS.Timeout>();

  const seedUsers = (): SandboxUser[] => {
    const root = domain.root;
    const base = { failedAttempts: 0, locked: false, mfa: { enabled: false, backupCodes: [] as string[] } };
    const users: SandboxUser[] = [
      {
        ...base,
        mfa: { enabled: false, backupCodes: [] },
        id: domain.newId(),
        username: options.credentials.username,
        password: options.credentials.password,
        role: 'third_party',
        email: `${options.credentials.username}@integrations.example`,
        firstName: 'Platform',
        lastName: 'Integration',
        organizationId: root.id,
        organizationName: root.name,
      },
      {
        ...base,
        mfa: { enabled: false, backupCodes: [] },
        id: domain.newId(),
        username: EMPLOYER_USER.username,
        password: EMPLOYER_USER.password,
        role: 'employer',
        email: EMPLOYER_USER.username,
        firstName: 'Employer',
        lastName: 'Admin',
        organizationId: root.id,
        organizationName: root.name,
      },
    ];
    for (const e of domain.employees.values()) {
      users.push({
        ...base,
        mfa: { enabled: false, backupCodes: [] },
        id: domain.newId(),
        username: e.email,
        password: EMPLOYEE_PASSWORD,
        role: 'employee',
        email: e.email,
        firstName: e.firstName,
        lastName: e.lastName,
        organizationId: e.organizationId,
        organizationName: domain.organizations.find((o) => o.id === e.organizationId)?.name ?? '',
        emiratesId: e.emiratesId,
        employeeId: e.id,
      });
    }
    return users;
  };

  const reset = () => {
    domain.reset();
    auth.reset(seedUsers());
    faults.set(options.faults ?? {});
    faults.injected = 0;
    counters.requests = 0;
    counters.rateLimited = 0;
    counters.rateLimitStorms = 0;
    requestLog.length = 0;
    bucket = { tokens: rate?.burst ?? 0, at: performance.now() };
  };
  reset();
  const persist = () => {
    if (options.stateFile) saveSandboxState(options.stateFile, domain, auth);
  };
  if (options.stateFile) loadSandboxState(options.stateFile, domain, auth);

  const routes = buildRoutes(domain, auth);

  const state = (): SandboxState => {
    domain.settle();
    const advances = domain.transactions.filter((t) => t.type === 'advance');
    return {
      ...auth.counters,
      requests: counters.requests,
      rateLimited: counters.rateLimited,
      rateLimitStorms: counters.rateLimitStorms,
      faultsInjected: faults.injected,
      advances: advances.length,
      repayments: domain.repayments.length,
      transactions: domain.transactions.length,
      employees: domain.employees.size,
      organizations: domain.organizations.length,
      lockedUsers: [...auth.users.values()].filter((u) => u.locked).map((u) => u.username),
      activeSessions: [...auth.users.values()].filter((u) => u.session).map((u) => u.username),
      faults: faults.current,
      clock: new Date(businessNow()).toISOString(),
      records: {
        advances: advances.map((t) => domain.transactionJson(t)),
        repaymentTransactions: domain.transactions.filter((t) => t.type === 'repayment').map((t) => domain.transactionJson(t)),
        repayments: domain.repayments.map((r) => domain.repaymentJson(r)),
        employees: [...domain.employees.values()].map((e) => domain.employeeJson(e)),
        organizations: domain.organizations.map((o) => domain.organizationJson(o)),
        passwordResets: auth.passwordResets.map((r) => ({ ...r })),
      },
      requestLog: [...requestLog],
    };
  };

  const takeRateToken = (): number | undefined => {
    if (!rate) return undefined;
    const now = performance.now();
    bucket.tokens = Math.min(rate.burst, bucket.tokens + ((now - bucket.at) / 1000) * rate.ratePerSecond);
    bucket.at = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return undefined;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / rate.ratePerSecond));
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks), size).catch((error: unknown) => {
        if (!res.headersSent && !res.destroyed) send(res, 500, { statusCode: 500, message: 'Internal Server Error', details: String((error as Error)?.message ?? error) });
      });
    });
  });
  server.keepAliveTimeout = 5_000;

  const log = (entry: SandboxRequestLogEntry) => {
    requestLog.push(entry);
    if (requestLog.length > REQUEST_LOG_LIMIT) requestLog.splice(0, requestLog.length - REQUEST_LOG_LIMIT);
  };

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, rawBody: Buffer, size: number): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const rawUrl = req.url ?? '/';
    const url = new URL(rawUrl, 'http://sandbox.local');
    let path = url.pathname;
    if (path === SANDBOX_BASE_PATH || path.startsWith(`${SANDBOX_BASE_PATH}/`)) path = path.slice(SANDBOX_BASE_PATH.length) || '/';
    if (path.length > 1) path = path.replace(/\/+$/, '');

    if (path.startsWith('/__sandbox')) return admin(method, path, rawBody, res);

    const at = Date.now();
    counters.requests += 1;
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}, fault?: string) => {
      log({ at, method, path, status, ...(fault ? { fault } : {}) });
      send(res, status, body, headers);
    };
    const fail = (error: SandboxHttpError, headers: Record<string, string> = {}, fault?: string) =>
      reply(error.status, { statusCode: error.status, message: error.message, ...(error.details !== undefined ? { details: error.details } : {}) }, headers, fault);

    // The gateway's rate limit comes first, like a real API gateway.
    const retryAfter = takeRateToken();
    if (retryAfter !== undefined) {
      counters.rateLimited += 1;
      return fail(new SandboxHttpError(429, 'Too Many Requests', `Rate limit of ${rate!.ratePerSecond} requests/s (burst ${rate!.burst}) exceeded`), {
        'retry-after': String(retryAfter),
      });
    }

    const decision = faults.decide(method, path);
    if (decision.latencyMs > 0) await new Promise((r) => setTimeout(r, decision.latencyMs));
    if (decision.action === 'storm') {
      counters.rateLimitStorms += 1;
      const seconds = decision.retryAfterSeconds;
      return fail(new SandboxHttpError(429, 'Too Many Requests', 'Rate limit exceeded (injected storm)'), { 'retry-after': String(seconds) }, 'storm');
    }
    if (decision.action === 'timeout') {
      log({ at, method, path, status: 0, fault: 'timeout' });
      const timer = setTimeout(() => {
        hanging.delete(timer);
        req.socket.destroy();
      }, decision.hangMs);
      hanging.add(timer);
      req.socket.once('close', () => {
        clearTimeout(timer);
        hanging.delete(timer);
      });
      return;
    }
    if (decision.action === 'error') {
      const status = decision.status;
      const title = decision.message ?? (status === 503 ? 'Service Unavailable' : status >= 500 ? 'Internal Server Error' : 'Injected error');
      return fail(new SandboxHttpError(status, title, decision.echoBody && rawBody.length ? rawBody.toString('utf8') : 'Injected fault'), {}, 'error');
    }

    if (size > MAX_BODY_BYTES) return fail(new SandboxHttpError(413, 'Payload Too Large', `Body over ${MAX_BODY_BYTES} bytes`));

    if (options.signingSecret) {
      const verdict = verifyRequestSignature({ method, rawUrl, headers: req.headers, body: rawBody, secret: options.signingSecret, nowMs: authNow() });
      if (!verdict.ok) {
        auth.counters.signatureFailures += 1;
        return fail(new SandboxHttpError(401, 'Invalid request signature', verdict.reason));
      }
    }

    let result: Reply;
    try {
      const route = routes.find((r) => r.pattern.test(path) && r.method === method);
      if (!route) {
        const other = routes.some((r) => r.pattern.test(path));
        throw new SandboxHttpError(other ? 405 : 404, other ? 'Method Not Allowed' : 'Not Found', `No route for ${method} ${path}`);
      }
      const params = route.pattern.exec(path)!.slice(1).map(decodeURIComponent);
      let body: Record<string, unknown> = {};
      if (rawBody.length && method !== 'GET') {
        let parsed: unknown;
        try {
          parsed = JSON.parse(rawBody.toString('utf8'));
        } catch {
          throw bad('Body is not valid JSON');
        }
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw bad('Body must be a JSON object');
        body = parsed as Record<string, unknown>;
      }
      const user = route.auth ? await auth.authenticate(req.headers.authorization) : undefined;
      if (user?.role === 'employee' && !path.startsWith('/auth/')) throw new SandboxHttpError(403, 'Forbidden', 'Employee tokens may only use the /auth endpoints');
      result = await route.handler({
        method,
        path,
        params,
        query: url.searchParams,
        body,
        user,
        ip: req.socket.remoteAddress,
        userAgent: req.headers['user-agent'],
      });
      if (method !== 'GET') persist();
    } catch (error) {
      if (error instanceof SandboxHttpError) return fail(error);
      throw error;
    }

    if (decision.dropAfterCommit) {
      // The write is applied; the answer is lost.
      log({ at, method, path, status: 0, fault: 'dropAfterCommit' });
      res.socket?.destroy();
      return;
    }
    if (decision.malformed === 'json') {
      log({ at, method, path, status: result.status, fault: 'malformed' });
      res.writeHead(result.status, { 'content-type': 'application/json' });
      res.end(`{"statusCode":${result.status},"message":"Success","data":{"tru`);
      return;
    }
    const envelope = { statusCode: result.status, message: result.message ?? 'Success', data: decision.malformed === 'shape' ? 'unexpected' : result.data };
    reply(result.status, envelope, {}, decision.malformed ? 'malformed' : undefined);
  }

  function admin(method: string, path: string, rawBody: Buffer, res: http.ServerResponse): void {
    const body = () => {
      try {
        return rawBody.length ? (JSON.parse(rawBody.toString('utf8')) as Record<string, unknown>) : {};
      } catch {
        throw bad('Body is not valid JSON');
      }
    };
    try {
      if (path === '/__sandbox/state' && method === 'GET') return send(res, 200, state());
      if (path === '/__sandbox/health' && method === 'GET') return send(res, 200, { ok: true });
      if (path === '/__sandbox/faults' && method === 'GET') return send(res, 200, faults.current);
      if (path === '/__sandbox/faults' && (method === 'PUT' || method === 'POST')) {
        faults.set(body() as FaultConfig);
        return send(res, 200, faults.current);
      }
      if (path === '/__sandbox/reset' && method === 'POST') {
        reset();
        persist();
        return send(res, 200, { reset: true });
      }
      const moved = /^\/__sandbox\/transactions\/([^/]+)\/status$/.exec(path);
      if (moved && method === 'PUT') {
        const tx = domain.setTransactionStatus(decodeURIComponent(moved[1]!), body().status);
        return send(res, 200, { transactionId: tx.id, status: tx.status });
      }
      if (path === '/__sandbox/clock' && method === 'PUT') {
        const now = body().now;
        clockOverride = now === null || now === undefined ? null : typeof now === 'number' ? now : Date.parse(String(now));
        if (clockOverride !== null && Number.isNaN(clockOverride)) throw bad('now must be an ISO date, epoch ms or null');
        return send(res, 200, { clock: new Date(businessNow()).toISOString() });
      }
      throw new SandboxHttpError(404, 'Not Found', `No sandbox admin route ${method} ${path}`);
    } catch (error) {
      const e = error instanceof SandboxHttpError ? error : new SandboxHttpError(500, 'Internal Server Error', String(error));
      send(res, e.status, { statusCode: e.status, message: e.message, details: e.details });
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`Port ${options.port} is already in use: stop the process holding it or set ABHI_SANDBOX_PORT to another port.`)
          : error,
      ),
    );
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${options.host ?? '127.0.0.1'}:${port}`;

  return {
    url,
    baseUrl: `${url}${SANDBOX_BASE_PATH}`,
    port,
    users: { employer: { ...EMPLOYER_USER }, employeePassword: EMPLOYEE_PASSWORD },
    state,
    setFaults: (config) => faults.set(config),
    setTransactionStatus: (transactionId, status) => void domain.setTransactionStatus(transactionId, status),
    reset,
    setClock: (ms) => {
      clockOverride = ms;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        domain.settle();
        persist();
        for (const timer of hanging) clearTimeout(timer);
        hanging.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

// =====================================================================================================================
// Routes
// =====================================================================================================================

function intParam(query: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^-?\d+$/.test(raw)) throw bad(`${name} must be an integer`);
  const value = Number(raw);
  if (value < min || value > max) throw bad(`${name} must be between ${min} and ${max}`);
  return value;
}

/** page is 1-based and honoured; limit defaults to 10 and is capped at 1000. */
function paginate<T>(items: readonly T[], query: URLSearchParams): { total: number; results: T[] } {
  const page = intParam(query, 'page', 1, 1, 1_000_000);
  const limit = Math.min(1000, intParam(query, 'limit', 10, 1, Number.MAX_SAFE_INTEGER));
  return { total: items.length, results: items.slice((page - 1) * limit, page * limit) };
}

function dateFilter(query: URLSearchParams, startName: string, endName: string): (ymdValue: string) => boolean {
  const start = query.get(startName);
  const end = query.get(endName);
  for (const [name, value] of [
    [startName, start],
    [endName, end],
  ] as const) {
    if (value && !/^\d{4}-\d{2}-\d{2}/.test(value)) throw bad(`${name} must be a date YYYY-MM-DD`);
  }
  return (value) => (!start || value >= start.slice(0, 10)) && (!end || value <= end.slice(0, 10));
}

function money(query: URLSearchParams, name: string): bigint | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  try {
    return toFils(raw);
  } catch {
    throw bad(`${name} must be an amount like 100.00`);
  }
}

const isUuid4 = (v: unknown) => typeof v === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i.test(v);
const isYmd = (v: unknown) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`));
const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');

function buildRoutes(domain: SandboxDomain, auth: SandboxAuth): Route[] {
  const routes: Route[] = [];
  const route = (method: string, path: string, handler: Handler, requiresAuth = true) => {
    const pattern = new RegExp(`^${path.replace(/:[a-zA-Z]+/g, '([^/]+)')}$`);
    routes.push({ method, pattern, auth: requiresAuth, handler });
  };

  // ------------------------------------------------------------------ auth
  const meta = (ctx: RequestContext) => ({ ip: ctx.ip, userAgent: ctx.userAgent });
  route('POST', '/auth/login', async (ctx) => ok(await auth.login('third_party', ctx.body.username, ctx.body.password, meta(ctx))), false);
  route('POST', '/auth/employer-login', async (ctx) => ok(await auth.login('employer', ctx.body.username, ctx.body.password, meta(ctx))), false);
  route(
    'POST',
    '/auth/employee-login',
    async (ctx) => {
      if (!str(ctx.body.emiratesId)) throw bad('emiratesId is required');
      return ok(await auth.login('employee', ctx.body.username, ctx.body.password, { ...meta(ctx), emiratesId: ctx.body.emiratesId }));
    },
    false,
  );
  route('POST', '/auth/refresh', async (ctx) => ok(await auth.refresh(ctx.body.refreshToken, meta(ctx))), false);
  route('POST', '/auth/reset-password', (ctx) => {
    const user = [...auth.users.values()].find(
      (u) =>
        (str(ctx.body.username) && u.username === str(ctx.body.username)) ||
        (str(ctx.body.email) && u.email === str(ctx.body.email)) ||
        (str(ctx.body.emiratesId) && u.emiratesId === str(ctx.body.emiratesId)),
    );
    // Same answer whether or not the user exists (no enumeration); the token is visible in /__sandbox/state.
    if (user) auth.passwordResets.push({ token: randomBytes(16).toString('hex'), username: user.username, createdAt: domain.now, used: false });
    return ok({ message: 'If the account exists, reset instructions were sent' });
  }, false);
  route('POST', '/auth/reset-password/confirm', (ctx) => {
    const reset = auth.passwordResets.find((r) => r.token === str(ctx.body.token) && !r.used);
    if (!reset) throw bad('Invalid or used reset token');
    const newPassword = str(ctx.body.newPassword);
    if (newPassword.length < 8) throw bad('newPassword must have at least 8 characters');
    if (newPassword !== str(ctx.body.confirmPassword)) throw bad('confirmPassword must equal newPassword');
    const user = auth.users.get(reset.username)!;
    user.password = newPassword;
    user.failedAttempts = 0;
    user.locked = false;
    user.session = undefined;
    reset.used = true;
    return ok({ message: 'Password reset' });
  }, false);
  route('POST', '/auth/logout', async (ctx) => {
    const given = str(ctx.body.token);
    const target = given ? await auth.authenticate(`Bearer ${given}`) : ctx.user!;
    auth.logout(target);
    return ok({ message: 'Logged out' });
  });
  route('GET', '/auth/me', (ctx) => ok(auth.userJson(ctx.user!)));
  route('GET', '/auth/session', (ctx) => {
    const user = ctx.user!;
    const s = user.session!;
    return ok({
      user: auth.userJson(user),
      token: s.token,
      expiresAt: new Date(s.expiresAt).toISOString(),
      loginTime: new Date(s.loginTime).toISOString(),
      lastActivity: new Date(s.lastActivity).toISOString(),
      ...(s.ip ? { ipAddress: s.ip } : {}),
      ...(s.userAgent ? { userAgent: s.userAgent } : {}),
    });
  });
  route('GET', '/auth/validate', () => ok({ valid: true }));
  route('POST', '/auth/change-password', (ctx) => {
    const user = ctx.user!;
    if (str(ctx.body.currentPassword) !== user.password) throw bad('currentPassword is incorrect');
    const newPassword = str(ctx.body.newPassword);
    if (newPassword.length < 8) throw bad('newPassword must have at least 8 characters');
    if (newPassword !== str(ctx.body.confirmPassword)) throw bad('confirmPassword must equal newPassword');
    user.password = newPassword;
    return ok({ message: 'Password changed' });
  });
  route('POST', '/auth/mfa/setup', (ctx) => {
    const method = str(ctx.body.method);
    if (!['sms', 'email', 'totp'].includes(method)) throw bad('method must be one of sms, email, totp');
    const user = ctx.user!;
    const secret = base32Encode(randomBytes(20));
    const backupCodes = Array.from({ length: 8 }, () => randomBytes(4).toString('hex'));
    user.mfa = { enabled: false, method, secret, backupCodes };
    return ok({
      ...(method === 'totp' ? { secret, qrCode: `otpauth://totp/Abhi%20Sandbox:${encodeURIComponent(user.username)}?secret=${secret}&issuer=Abhi%20Sandbox` } : {}),
      backupCodes,
      method,
      isEnabled: false,
    });
  });
  route('POST', '/auth/mfa/verify', (ctx) => {
    const user = ctx.user!;
    if (!user.mfa.method) throw bad('MFA is not set up');
    if (str(ctx.body.token) !== user.session?.token) throw new SandboxHttpError(401, 'Unauthorized', 'token does not belong to this session');
    const code = str(ctx.body.code);
    const backup = user.mfa.backupCodes.indexOf(code);
    const valid = backup >= 0 || (user.mfa.method === 'totp' && user.mfa.secret !== undefined && auth.verifyTotp(user.mfa.secret, code));
    if (!valid) throw new SandboxHttpError(401, 'Invalid MFA code', 'The code is wrong or expired');
    if (backup >= 0) user.mfa.backupCodes.splice(backup, 1);
    user.mfa.enabled = true;
    return ok(auth.authResponse(user));
  });
  route('POST', '/auth/mfa/disable', (ctx) => {
    ctx.user!.mfa = { enabled: false, backupCodes: [] };
    return ok({ message: 'MFA disabled' });
  });
  route('GET', '/auth/mfa/status', (ctx) => ok({ method: ctx.user!.mfa.method ?? '', isEnabled: ctx.user!.mfa.enabled }));

  // ------------------------------------------------------------------ master data
  const masterList = <T extends { country: string; isActive: boolean }>(items: () => T[]) => (ctx: RequestContext) => {
    const country = ctx.query.get('country');
    const active = ctx.query.get('active');
    if (active !== null && active !== 'true' && active !== 'false') throw bad('active must be true or false');
    const filtered = items().filter(
      (item) => (!country || item.country.toLowerCase() === country.toLowerCase()) && (active === null || item.isActive === (active === 'true')),
    );
    return ok(paginate(filtered, ctx.query));
  };
  route('GET', '/banks', masterList(() => domain.banks));
  route('GET', '/banks/:id', (ctx) => {
    const bank = domain.banks.find((b) => b.id === ctx.params[0]);
    if (!bank) throw new SandboxHttpError(404, 'Not Found', `Bank ${ctx.params[0]} not found`);
    return ok(bank);
  });
  route('GET', '/business', masterList(() => domain.businessTypes));
  route('GET', '/business/:id', (ctx) => {
    const type = domain.businessTypes.find((b) => b.id === ctx.params[0]);
    if (!type) throw new SandboxHttpError(404, 'Not Found', `Business type ${ctx.params[0]} not found`);
    return ok(type);
  });

  // ------------------------------------------------------------------ employees
  const employeeFields = (raw: unknown, index: number, requireId: boolean) => {
    if (typeof raw !== 'object' || raw === null) throw bad(`employees[${index}] must be an object`);
    const e = raw as Record<string, unknown>;
    const issues: string[] = [];
    for (const field of ['employeeCode', 'firstName', 'lastName', 'department', 'designation', 'accountTitle', 'accountNumber', 'emiratesId'])
      if (!str(e[field])) issues.push(`${field} is required`);
    if (requireId && !str(e.id)) issues.push('id is required');
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(str(e.email))) issues.push('email must be an email address');
    if (!isYmd(e.dob)) issues.push('dob must be YYYY-MM-DD');
    if (!isYmd(e.dateOfJoining)) issues.push('dateOfJoining must be YYYY-MM-DD');
    if (typeof e.netSalary !== 'string') issues.push('netSalary must be a string');
    else if (!/^\d{1,12}(\.\d{1,2})?$/.test(e.netSalary.trim())) issues.push('netSalary must be a decimal amount');
    if (!['male', 'female'].includes(str(e.gender).toLowerCase())) issues.push('gender must be Male or Female');
    if (!isUuid4(e.bankId)) issues.push('bankId must be a UUID v4');
    else if (!domain.banks.some((b) => b.id === e.bankId && b.isActive)) issues.push('bankId is not an active bank');
    if (!Number.isInteger(e.payrollStartDay) || (e.payrollStartDay as number) < 1 || (e.payrollStartDay as number) > 31) issues.push('payrollStartDay must be 1-31');
    if (issues.length) throw new SandboxHttpError(400, 'Validation failed', `employees[${index}]: ${issues.join('; ')}`);
    const gender = str(e.gender).toLowerCase() === 'male' ? 'Male' : 'Female';
    return {
      id: str(e.id),
      employeeCode: str(e.employeeCode),
      firstName: str(e.firstName),
      lastName: str(e.lastName),
      department: str(e.department),
      designation: str(e.designation),
      phone: str(e.phone),
      email: str(e.email),
      dob: String(e.dob),
      dateOfJoining: String(e.dateOfJoining),
      accountTitle: str(e.accountTitle),
      accountNumber: str(e.accountNumber),
      netSalaryFils: toFils(String(e.netSalary).trim()),
      emiratesId: str(e.emiratesId),
      gender: gender as 'Male' | 'Female',
      bankId: String(e.bankId),
      payrollStartDay: e.payrollStartDay as number,
    };
  };
  const employeesOf = (body: Record<string, unknown>) => {
    if (!Array.isArray(body.employees) || body.employees.length === 0) throw bad('employees must be a non-empty array');
    return body.employees as unknown[];
  };
  const conflictCheck = (candidate: { id?: string; employeeCode: string; emiratesId: string }, others: { employeeCode: string; emiratesId: string }[]) => {
    for (const e of [...domain.employees.values()].filter((e) => e.id !== candidate.id)) {
      if (e.employeeCode === candidate.employeeCode) throw new SandboxHttpError(409, 'Conflict', `employeeCode ${candidate.employeeCode} already exists`);
      if (e.emiratesId === candidate.emiratesId) throw new SandboxHttpError(409, 'Conflict', 'emiratesId already belongs to another employee');
    }
    if (others.some((o) => o.employeeCode === candidate.employeeCode)) throw new SandboxHttpError(409, 'Conflict', `employeeCode ${candidate.employeeCode} appears twice`);
  };

  route('GET', '/employees', (ctx) => {
    const search = ctx.query.get('search')?.toLowerCase();
    const department = ctx.query.get('department')?.toLowerCase();
    const status = ctx.query.get('status')?.toLowerCase();
    const filtered = [...domain.employees.values()]
      .filter(
        (e) =>
          (!search || [e.firstName, e.lastName, `${e.firstName} ${e.lastName}`, e.employeeCode, e.email].some((v) => v.toLowerCase().includes(search))) &&
          (!department || e.department.toLowerCase() === department) &&
          (!status || e.status === status),
      )
      .sort((a, b) => a.createdAt - b.createdAt || a.employeeCode.localeCompare(b.employeeCode));
    const page = paginate(filtered, ctx.query);
    return ok({ total: page.total, results: page.results.map((e) => domain.employeeJson(e)) });
  });
  route('GET', '/employees/:id', (ctx) => ok(domain.employeeJson(domain.employee(ctx.params[0]!))));
  route('POST', '/employees', (ctx) => {
    const inputs = employeesOf(ctx.body).map((raw, i) => employeeFields(raw, i, false));
    inputs.forEach((input, i) => conflictCheck({ ...input, id: undefined }, inputs.slice(0, i)));
    const now = domain.now;
    const ids: string[] = [];
    for (const input of inputs) {
      const employee: SeedEmployee = { ...input, id: domain.newId(), status: 'active', organizationId: domain.root.id, createdAt: now, updatedAt: now };
      domain.employees.set(employee.id, employee);
      ids.push(employee.id);
    }
    return ok({ created: ids.length, ids }, 201, 'Employees created');
  });
  route('PUT', '/employees', (ctx) => {
    const inputs = employeesOf(ctx.body).map((raw, i) => employeeFields(raw, i, true));
    for (const input of inputs) domain.employee(input.id);
    inputs.forEach((input, i) => conflictCheck(input, inputs.slice(0, i)));
    const now = domain.now;
    for (const input of inputs) {
      const existing = domain.employee(input.id);
      domain.employees.set(input.id, { ...existing, ...input, updatedAt: now });
    }
    return ok({ updated: inputs.length }, 200, 'Employees updated');
  });
  route('DELETE', '/employees/:id', (ctx) => {
    const employee = domain.employee(ctx.params[0]!);
    if (domain.outstanding(employee).totalFils > 0n) throw new SandboxHttpError(409, 'Conflict', 'The employee has an outstanding balance');
    domain.employees.delete(employee.id);
    for (const user of auth.users.values()) if (user.employeeId === employee.id) auth.users.delete(user.username);
    return ok({ deleted: employee.id }, 200, 'Employee deleted');
  });

  // ------------------------------------------------------------------ transactions
  route('POST', '/transactions/employee/validate', (ctx) => {
    const employeeId = str(ctx.body.employeeId);
    if (!employeeId) throw bad('employeeId is required');
    const check = domain.validateAdvance(employeeId, ctx.body.amount);
    return ok({
      isValid: check.isValid,
      maxAmount: Number(check.balance.limitFils) / 100,
      availableAmount: Number(check.balance.availableFils) / 100,
      message: check.message,
      ...(check.errors.length ? { validationErrors: check.errors } : {}),
    });
  });
  route('POST', '/transactions/employee', (ctx) => {
    const employeeId = str(ctx.body.employeeId);
    if (!employeeId) throw bad('employeeId is required');
    const type = ctx.body.type;
    const description = typeof ctx.body.description === 'string' ? ctx.body.description : undefined;
    if (ctx.body.dueDate !== undefined && ctx.body.dueDate !== '' && !isYmd(ctx.body.dueDate)) throw bad('dueDate must be YYYY-MM-DD');
    let tx: TransactionRecord;
    if (type === 'advance') tx = domain.createAdvance(employeeId, ctx.body.amount, description, (ctx.body.dueDate as string) || undefined);
    else if (type === 'repayment') tx = domain.createRepaymentTransaction(employeeId, ctx.body.amount, description);
    else throw bad('type must be advance or repayment');
    return ok(domain.transactionJson(tx), 201, 'Transaction created');
  });
  route('GET', '/transactions/employee/:id/history', (ctx) => {
    const employeeId = ctx.params[0]!;
    domain.settle();
    const all = domain.transactions.filter((t) => t.employeeId === employeeId);
    if (!domain.employees.has(employeeId) && all.length === 0) throw new SandboxHttpError(404, 'Not Found', `Employee ${employeeId} not found`);
    const status = ctx.query.get('status');
    const type = ctx.query.get('type');
    const inRange = dateFilter(ctx.query, 'startDate', 'endDate');
    const filtered = all
      .filter((t) => (!status || t.status === status) && (!type || t.type === type) && inRange(dubaiYmd(t.requestedAt)))
      .sort((a, b) => b.requestedAt - a.requestedAt || b.transactionRef.localeCompare(a.transactionRef));
    const page = paginate(filtered, ctx.query);
    return ok({ employeeId, totalCount: page.total, transactions: page.results.map((t) => domain.transactionJson(t)) });
  });
  route('GET', '/transactions/employee/:id/balance', (ctx) => {
    const employee = domain.employee(ctx.params[0]!);
    const today = dubaiDate(domain.now);
    const month = intParam(ctx.query, 'month', today.month, 0, 12) || today.month;
    const year = intParam(ctx.query, 'year', today.year, 0, 9999) || today.year;
    const b = domain.monthlyBalance(employee, year, month);
    const salary = Number(employee.netSalaryFils) / 100;
    return ok({
      employeeId: employee.id,
      balance: {
        month: String(month).padStart(2, '0'),
        year,
        grossSalary: salary,
        netSalary: salary,
        availableAmount: Number(b.availableFils) / 100,
        usedAmount: Number(b.usedFils) / 100,
        pendingAmount: Number(b.pendingFils) / 100,
        lastUpdated: iso(b.lastUpdated),
      },
    });
  });
  const statusReply = (tx: TransactionRecord) =>
    ok({
      transactionId: tx.id,
      status: tx.status,
      message:
        tx.status === 'pending'
          ? 'Awaiting processing'
          : tx.status === 'approved'
            ? 'Approved by the employer'
            : tx.status === 'completed'
              ? 'Processed'
              : (tx.reason ?? 'Rejected'),
      lastUpdated: iso(tx.processedAt ?? tx.requestedAt),
    });
  route('GET', '/transactions/employee/:id/status', (ctx) => statusReply(domain.transaction(ctx.params[0]!)));
  route('GET', '/transactions/employer/:id/status', (ctx) => statusReply(domain.transaction(ctx.params[0]!)));
  route('GET', '/transactions/employer', (ctx) => {
    domain.settle();
    const status = ctx.query.get('status');
    const type = ctx.query.get('type');
    const employeeCode = ctx.query.get('employeeCode');
    const department = ctx.query.get('department')?.toLowerCase();
    const inRange = dateFilter(ctx.query, 'startDate', 'endDate');
    const filtered = domain.transactions
      .filter((t) => {
        const e = domain.employees.get(t.employeeId);
        return (
          (!status || t.status === status) &&
          (!type || t.type === type) &&
          (!employeeCode || e?.employeeCode === employeeCode) &&
          (!department || e?.department.toLowerCase() === department) &&
          inRange(dubaiYmd(t.requestedAt))
        );
      })
      .sort((a, b) => b.requestedAt - a.requestedAt || b.transactionRef.localeCompare(a.transactionRef));
    const page = paginate(filtered, ctx.query);
    return ok({ total: page.total, results: page.results.map((t) => domain.employerTransactionJson(t)) });
  });
  const questionsFor = (tx: TransactionRecord) => {
    const employee = domain.employees.get(tx.employeeId);
    const departments = [...new Set([employee?.department ?? 'Operations', 'Finance', 'Security', 'Logistics', 'Operations'])].slice(0, 4).sort();
    return [
      { id: 'q1', question: "Enter the employee's code", type: 'text', required: true },
      { id: 'q2', question: 'Is the employee currently employed with you?', type: 'yes_no', required: true, options: ['yes', 'no'] },
      { id: 'q3', question: 'Which department does the employee work in?', type: 'multiple_choice', required: true, options: departments },
    ];
  };
  route('POST', '/transactions/employer/validate-questions', (ctx) => {
    const tx = domain.transaction(str(ctx.body.transactionId));
    return ok({ transactionId: tx.id, questions: questionsFor(tx) });
  });
  route('POST', '/transactions/employer/validate-answers', (ctx) => {
    const tx = domain.transaction(str(ctx.body.transactionId));
    if (!Array.isArray(ctx.body.answers) || ctx.body.answers.length === 0) throw bad('answers must be a non-empty array');
    const answers = new Map<string, string>();
    for (const a of ctx.body.answers as Record<string, unknown>[]) answers.set(str(a?.questionId), str(a?.answer).toLowerCase());
    const employee = domain.employees.get(tx.employeeId);
    const expected: Record<string, string> = { q1: (employee?.employeeCode ?? '').toLowerCase(), q2: 'yes', q3: (employee?.department ?? '').toLowerCase() };
    const missing = Object.keys(expected).filter((q) => !answers.has(q));
    const wrong = Object.keys(expected).filter((q) => answers.has(q) && answers.get(q) !== expected[q]);
    const isValid = missing.length === 0 && wrong.length === 0;
    if (isValid && tx.status === 'pending') {
      tx.status = 'approved';
      tx.processedAt = domain.now;
    }
    return ok({
      transactionId: tx.id,
      isValid,
      message: isValid ? 'Answers verified' : missing.length ? `Missing answers: ${missing.join(', ')}` : `Incorrect answers: ${wrong.join(', ')}`,
    });
  });

  // ------------------------------------------------------------------ organizations
  route('GET', '/organizations', (ctx) => {
    const showInactive = ctx.query.get('showInactive') === 'true';
    const from = ctx.query.get('from');
    const to = ctx.query.get('to');
    const fromMs = from ? Date.parse(from) : undefined;
    const toMs = to ? Date.parse(to.length === 10 ? `${to}T23:59:59.999Z` : to) : undefined;
    if ((from && Number.isNaN(fromMs)) || (to && Number.isNaN(toMs))) throw bad('from and to must be ISO dates');
    const column = ctx.query.get('column') ?? 'organizations.createdAt';
    if (!['organizations.createdAt', 'organizations.name'].includes(column)) throw bad('column must be organizations.createdAt or organizations.name');
    const order = (ctx.query.get('order') ?? 'ASC').toUpperCase();
    if (order !== 'ASC' && order !== 'DESC') throw bad('order must be ASC or DESC');
    const sign = order === 'ASC' ? 1 : -1;
    const filtered = domain.organizations
      .filter((o) => (showInactive || o.active) && (fromMs === undefined || o.createdAt >= fromMs) && (toMs === undefined || o.createdAt <= toMs))
      .sort((a, b) => sign * (column === 'organizations.name' ? a.name.localeCompare(b.name) : a.createdAt - b.createdAt));
    const page = paginate(filtered, ctx.query);
    return ok({ total: page.total, results: page.results.map((o) => domain.organizationJson(o)) });
  });
  route('GET', '/organizations/:id', (ctx) => {
    const org = domain.organizations.find((o) => o.id === ctx.params[0]);
    if (!org) throw new SandboxHttpError(404, 'Not Found', `Organization ${ctx.params[0]} not found`);
    return ok(domain.organizationJson(org));
  });
  route('POST', '/organizations', (ctx) => {
    const b = ctx.body;
    const issues: string[] = [];
    for (const field of ['name', 'industry', 'address', 'city']) if (!str(b[field])) issues.push(`${field} is required`);
    const alias = str(b.managementAlias);
    if (alias.length < 4 || alias.length > 100) issues.push('managementAlias must have 4-100 characters');
    else if (alias !== alias.toLowerCase()) issues.push('managementAlias must be lowercase');
    if (!isUuid4(b.businessTypeId)) issues.push('businessTypeId must be a UUID v4');
    else if (!domain.businessTypes.some((t) => t.id === b.businessTypeId)) issues.push('businessTypeId is unknown');
    let creditLimitFils = 0n;
    try {
      creditLimitFils = domain.parseAmount(b.creditLimit, 'creditLimit');
    } catch (error) {
      issues.push((error as SandboxHttpError).details ?? 'creditLimit is invalid');
    }
    if (b.payrollStartDay !== undefined && b.payrollStartDay !== 0 && (!Number.isInteger(b.payrollStartDay) || (b.payrollStartDay as number) < 1 || (b.payrollStartDay as number) > 31))
      issues.push('payrollStartDay must be 1-31');
    if (b.email !== undefined && b.email !== '' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(str(b.email))) issues.push('email must be an email address');
    if (issues.length) throw new SandboxHttpError(400, 'Validation failed', issues.join('; '));
    if (domain.organizations.some((o) => o.managementAlias === alias)) throw new SandboxHttpError(409, 'Conflict', `managementAlias ${alias} already exists`);
    const now = domain.now;
    const org: SeedOrganization = {
      id: domain.newId(),
      name: str(b.name),
      organizationNumber: Math.max(...domain.organizations.map((o) => o.organizationNumber)) + 1,
      industry: str(b.industry),
      managementAlias: alias,
      organizationType: 'child',
      active: true,
      creditLimitFils,
      address: str(b.address),
      city: str(b.city),
      phone: str(b.phone),
      email: str(b.email),
      payrollStartDay: (b.payrollStartDay as number) || 1,
      businessTypeId: String(b.businessTypeId),
      parentOrganizationId: domain.root.id,
      createdAt: now,
      updatedAt: now,
    };
    domain.organizations.push(org);
    const user = (role: string) => ({
      username: `${alias}.${role}`,
      password: randomBytes(12).toString('base64url'),
      MFAsecret: base32Encode(randomBytes(20)),
    });
    // The real API nests twice: {statusCode, message, data:{message, data:{users, organizationId}}}.
    return ok({ message: 'Organization created successfully', data: { users: { admin: user('admin'), operator: user('operator') }, organizationId: org.id } }, 201, 'Created');
  });

  // ------------------------------------------------------------------ repayments
  route('POST', '/repayments', (ctx) => {
    const repayment = domain.createRepayment(ctx.body);
    return ok({ repayment: domain.repaymentJson(repayment), message: 'Repayment recorded', status: repayment.status }, 201, 'Created');
  });
  route('GET', '/repayments/outstanding', (ctx) => {
    const employeeId = ctx.query.get('employeeId');
    const employeeCode = ctx.query.get('employeeCode');
    const department = ctx.query.get('department')?.toLowerCase();
    const min = money(ctx.query, 'minAmount');
    const max = money(ctx.query, 'maxAmount');
    const overdue = ctx.query.get('overdue') === 'true';
    const rows = [...domain.employees.values()]
      .filter((e) => (!employeeId || e.id === employeeId) && (!employeeCode || e.employeeCode === employeeCode) && (!department || e.department.toLowerCase() === department))
      .map((e) => domain.outstandingJson(e))
      .filter(
        (o) =>
          (employeeId ? true : o.totalFils > 0n) &&
          (min === undefined || o.totalFils >= min) &&
          (max === undefined || o.totalFils <= max) &&
          (!overdue || o.overdueFils > 0n),
      );
    const totalFils = rows.reduce((sum, o) => sum + o.totalFils, 0n);
    const overdueFils = rows.reduce((sum, o) => sum + o.overdueFils, 0n);
    const page = paginate(rows, ctx.query);
    return ok({
      total: page.total,
      results: page.results.map((o) => o.json),
      summary: {
        totalEmployees: rows.length,
        totalOutstanding: Number(totalFils) / 100,
        totalOverdue: Number(overdueFils) / 100,
        averageOutstanding: rows.length ? Number(totalFils / BigInt(rows.length)) / 100 : 0,
        employeesWithOverdue: rows.filter((o) => o.overdueFils > 0n).length,
      },
    });
  });
  route('GET', '/repayments', (ctx) => {
    const employeeId = ctx.query.get('employeeId');
    const status = ctx.query.get('status');
    const ref = ctx.query.get('clientRepaymentReferenceNumber');
    const min = money(ctx.query, 'minAmount');
    const max = money(ctx.query, 'maxAmount');
    const inRange = dateFilter(ctx.query, 'startDate', 'endDate');
    const filtered = domain.repayments
      .filter(
        (r) =>
          (!employeeId || r.employeeId === employeeId) &&
          (!status || r.status === status) &&
          (!ref || r.clientRepaymentReferenceNumber === ref) &&
          (min === undefined || r.amountFils >= min) &&
          (max === undefined || r.amountFils <= max) &&
          inRange(dubaiYmd(r.createdAt)),
      )
      .sort((a, b) => b.createdAt - a.createdAt);
    const page = paginate(filtered, ctx.query);
    return ok({ total: page.total, results: page.results.map((r) => domain.repaymentJson(r)) });
  });
  route('GET', '/repayments/:id', (ctx) => {
    const repayment = domain.repayments.find((r) => r.id === ctx.params[0]);
    if (!repayment) throw new SandboxHttpError(404, 'Not Found', `Repayment ${ctx.params[0]} not found`);
    return ok(domain.repaymentJson(repayment));
  });

  return routes;
}

export type { FaultConfig } from './faults';
