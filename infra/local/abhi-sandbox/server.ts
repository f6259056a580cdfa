import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { toFils } from '#shared/domain/money';
import { SandboxAuth, verifyRequestSignature, type SandboxUser } from './auth';
import { SandboxDomain, SandboxHttpError } from './domain';
import { FaultInjector, type FaultConfig } from './faults';
import { loadSandboxState, saveSandboxState } from './persistence';
import { bad, type Handler, type Reply, type Route } from './routes/route-kit';
import { authRoutes } from './routes/auth';
import { masterDataRoutes } from './routes/master-data';
import { employeesRoutes } from './routes/employees';
import { transactionsRoutes } from './routes/transactions';
import { organizationsRoutes } from './routes/organizations';
import { repaymentsRoutes } from './routes/repayments';

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
// Routes: one file per Abhi resource in ./routes; this table matches them in registration order.
// =====================================================================================================================
function buildRoutes(domain: SandboxDomain, auth: SandboxAuth): Route[] {
  const routes: Route[] = [];
  const route = (method: string, path: string, handler: Handler, requiresAuth = true) => {
    const pattern = new RegExp(`^${path.replace(/:[a-zA-Z]+/g, '([^/]+)')}$`);
    routes.push({ method, pattern, auth: requiresAuth, handler });
  };

  // Registration order matters within a resource (e.g. /repayments/outstanding before /repayments/:id).
  authRoutes(route, domain, auth);
  masterDataRoutes(route, domain);
  employeesRoutes(route, domain, auth);
  transactionsRoutes(route, domain);
  organizationsRoutes(route, domain);
  repaymentsRoutes(route, domain);

  return routes;
}

export type { FaultConfig } from './faults';