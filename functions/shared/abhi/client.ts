import type { z } from 'zod';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Logger } from '@aws-lambda-powertools/logger';
import { envVar, loadConfig } from '#shared/config';
import { logger as sharedLogger } from '#shared/observability';
import { dynamoDocumentClient } from '#shared/adapters/dynamodb/client';
import { AbhiApiError, AbhiForbiddenError, AbhiOutcomeUnknownError, AbhiRequestValidationError, AbhiUnauthorizedError, type AbhiErrorContext } from './errors';
import { CircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker';
import { TokenManager, type LoginOutcome } from './token-manager';
import { AbhiTransport, type CallOptions, type OperationGroup, type OperationSpec, type Resolution, type RetryPolicy } from './transport';
import { CACHE_KINDS, type CacheKind } from './cache';
import { SecretsManagerCredentialsProvider, StaticCredentialsProvider } from './credentials';
import { DynamoCircuitBreakerStore, DynamoRateLimiter, DynamoResponseCache, DynamoTokenStore } from './dynamodb-adapters';
import { MemoryCircuitBreakerStore, MemoryRateLimiter, MemoryResponseCache, MemoryTokenStore } from './memory-adapters';
import { failSafeMetricsSink, powertoolsMetricsSink } from './telemetry';
import { DEFAULT_FLEET_RATE_LIMIT } from './fleet-limit';
import * as S from './schemas';
import type { AbhiCredentials, AbhiMetricsSink, CircuitBreakerStore, CredentialsProvider, RateLimiter, ResponseCache, TokenStore } from './ports';

export * from './errors';
export * from './schemas';
export * from './ports';
export { toAbhiMoney, toAbhiMoneyString, fromAbhiMoney } from './money';
export { CACHE_TTL_MS, CACHE_KINDS, type CacheKind } from './cache';
export type { CallOptions, OperationGroup, RetryPolicy } from './transport';
export type { CircuitBreakerOptions } from './circuit-breaker';
export { SecretsManagerCredentialsProvider, StaticCredentialsProvider } from './credentials';
export { DynamoCircuitBreakerStore, DynamoRateLimiter, DynamoResponseCache, DynamoTokenStore } from './dynamodb-adapters';
export { MemoryCircuitBreakerStore, MemoryRateLimiter, MemoryResponseCache, MemoryTokenStore } from './memory-adapters';
export { RecordingMetricsSink, failSafeMetricsSink, powertoolsMetricsSink } from './telemetry';
export { ABHI_PUBLISHED_RATE_LIMIT, DEFAULT_FLEET_RATE_LIMIT, fleetRateLimit } from './fleet-limit';

/**
 * The Abhi Open API client shared by all functions. See README.md in this folder for the method list, errors and
 * environment variables. Create one per process (`abhiClientFromEnv()` memoizes it) and pass a deadline per call.
 */
export interface AbhiClientOptions {
  /** e.g. `https://api-uat-v2.abhi.ae/uat-open-api` (base path included; it is part of the signed path). */
  readonly baseUrl: string;
  readonly credentials: CredentialsProvider | AbhiCredentials;
  readonly tokenStore?: TokenStore;
  readonly rateLimiter?: RateLimiter;
  readonly breakerStore?: CircuitBreakerStore;
  /** Pass `null` to disable caching. Default: an in-memory cache (use the DynamoDB one in Lambda). */
  readonly cache?: ResponseCache | null;
  readonly cacheTtlMs?: Partial<Record<CacheKind, number>>;
  /** Request signing (reference §4). The secret defaults to `signingSecret` of the credentials. */
  readonly signing?: { readonly enabled: boolean; readonly secret?: string };
  /** Per-attempt timeout. Default 10 000 ms. */
  readonly timeoutMs?: number;
  /** Deadline of a call without `options.deadline`. Default 25 000 ms. */
  readonly defaultBudgetMs?: number;
  /** Used when no `rateLimiter` is given (in-memory bucket). Default 10 rps, burst 15 (DEFAULT_FLEET_RATE_LIMIT). */
  readonly rateLimit?: { readonly ratePerSecond: number; readonly burst: number };
  /** Longest wait for a fleet rate-limit slot before `AbhiRateLimitedError` (per call: `CallOptions`). Default 2 000 ms. */
  readonly maxRateLimitWaitMs?: number;
  readonly retry?: RetryPolicy;
  readonly breaker?: CircuitBreakerOptions;
  readonly token?: { readonly refreshMarginMs?: number; readonly leaseMs?: number; readonly pollMs?: number };
  readonly metrics?: AbhiMetricsSink;
  readonly logger?: Logger;
  readonly now?: () => number;
  readonly fetch?: typeof fetch;
}

/**
 * How the platform tags an advance so it can be found again after a lost answer (decision): the reference's
 * TransactionRequest has only employeeId, amount, type, description and dueDate — no client reference. So every
 * advance/repayment transaction created through this client carries ` ref:<reference>` as the LAST token of its
 * `description` (the caller supplies the reference, e.g. the platform's request id), and `findAdvanceByReference`
 * scans the employee's transaction history for exactly that token. References are limited to
 * `[A-Za-z0-9._:-]{1,80}` so the token cannot be ambiguous or collide with free text.
 */
export const REFERENCE_PATTERN = /^[A-Za-z0-9._:-]{1,80}$/;

export function tagDescription(description: string | undefined, reference: string): string {
  const base = (description ?? '').trim();
  return base ? `${base} ref:${reference}` : `ref:${reference}`;
}

export function referenceOf(description: string | undefined): string | undefined {
  const match = /(?:^|\s)ref:([A-Za-z0-9._:-]{1,80})$/.exec(description?.trim() ?? '');
  return match?.[1];
}

type Query = Record<string, string | number | boolean | undefined>;
const positive = (n: number | undefined) => (n !== undefined && n > 0 ? n : undefined);
const whenTrue = (b: boolean | undefined) => (b ? true : undefined);
const money2 = (n: number | undefined) => (n !== undefined && n > 0 ? n.toFixed(2) : undefined);
const pageQuery = (o: S.PageOptions = {}): Query => ({ page: positive(o.page), limit: positive(o.limit) });
const id = (value: string) => encodeURIComponent(value);
function canonicalQuery(query: Query): string {
  return Object.keys(query)
    .filter((k) => query[k] !== undefined && query[k] !== '')
    .sort()
    .map((k) => `${k}=${String(query[k])}`)
    .join('&');
}

export class AbhiClient {
  readonly auth;
  readonly employees;
  readonly transactions;
  readonly organizations;
  readonly repayments;
  readonly masterData;

  private readonly transport: AbhiTransport;
  private readonly tokens: TokenManager;
  private readonly breaker: CircuitBreaker;
  private readonly cache: ResponseCache | undefined;
  private readonly tokenStore: TokenStore;
  private readonly credentials: CredentialsProvider;

  constructor(options: AbhiClientOptions) {
    const now = options.now ?? Date.now;
    const log = options.logger ?? sharedLogger;
    const metrics = failSafeMetricsSink(options.metrics ?? powertoolsMetricsSink(), log);
    this.credentials = 'get' in options.credentials ? options.credentials : new StaticCredentialsProvider(options.credentials);
    this.tokenStore = options.tokenStore ?? new MemoryTokenStore();
    this.cache = options.cache === null ? undefined : (options.cache ?? new MemoryResponseCache(now));
    const rate = options.rateLimit ?? DEFAULT_FLEET_RATE_LIMIT;
    this.breaker = new CircuitBreaker(options.breakerStore ?? new MemoryCircuitBreakerStore(), options.breaker, now, {
      opened: (group) => {
        metrics.metric('AbhiBreakerOpened', 'Count', 1, { AbhiGroup: group });
        log.warn('Abhi circuit breaker opened', { group });
      },
      closed: (group) => log.info('Abhi circuit breaker closed', { group }),
    });
    this.tokens = new TokenManager({
      store: this.tokenStore,
      credentials: this.credentials,
      now,
      refreshMarginMs: options.token?.refreshMarginMs,
      leaseMs: options.token?.leaseMs,
      pollMs: options.token?.pollMs,
      login: (credentials, deadline) => this.login(credentials, deadline),
      onLogin: () => {
        metrics.metric('AbhiLogins', 'Count', 1);
        log.info('Logged in to Abhi for the fleet');
      },
      onRejected: (statusCode) => {
        metrics.metric('AbhiLoginFailures', 'Count', 1, { AbhiAlarm: 'LoginRejected' });
        log.error('Abhi rejected the fleet login; not retrying automatically until the credentials change', { statusCode });
      },
    });
    this.transport = new AbhiTransport({
      baseUrl: options.baseUrl,
      credentials: this.credentials,
      tokens: this.tokens,
      rateLimiter: options.rateLimiter ?? new MemoryRateLimiter(rate, now),
      breaker: this.breaker,
      cache: this.cache,
      cacheTtlOverrides: options.cacheTtlMs,
      metrics,
      logger: log,
      signing: options.signing ?? { enabled: false },
      timeoutMs: options.timeoutMs ?? 10_000,
      defaultBudgetMs: options.defaultBudgetMs ?? 25_000,
      maxRateLimitWaitMs: options.maxRateLimitWaitMs ?? 2_000,
      retry: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 2_000, ...options.retry },
      now,
      fetch: options.fetch ?? globalThis.fetch,
    });

    this.auth = this.buildAuth();
    this.employees = this.buildEmployees();
    this.transactions = this.buildTransactions();
    this.organizations = this.buildOrganizations();
    this.repayments = this.buildRepayments();
    this.masterData = this.buildMasterData();
  }

  /** Drops cached reads of `kind` (all, or those whose key starts with `key`). */
  invalidate(kind: CacheKind, key?: string): Promise<void> {
    return this.cache ? this.cache.invalidate(kind, key) : Promise.resolve();
  }

  /** Breaker state of a group as this instance sees it (≤ 1 s old). */
  breakerState(group: OperationGroup) {
    return this.breaker.state(group);
  }

  /** Operator action after fixing credentials without changing them (e.g. Abhi unlocked the user). */
  clearLoginRejection(): Promise<void> {
    return this.tokenStore.clearRejection();
  }

  // -------------------------------------------------------------------------------------------------------------------

  private call<T>(spec: OperationSpec<T>, options?: CallOptions): Promise<T> {
    return this.transport.call(spec, options);
  }

  private validate<Schema extends z.ZodType>(schema: Schema, input: unknown, operation: string, endpoint: string): z.output<Schema> {
    const result = schema.safeParse(input);
    if (result.success) return result.data;
    const context: AbhiErrorContext = { operation, endpoint };
    throw new AbhiRequestValidationError(
      result.error.issues.map((issue) => ({ field: issue.path.join('.') || 'request', message: issue.message })),
      context,
    );
  }

  private async login(credentials: AbhiCredentials, deadline: number): Promise<LoginOutcome> {
    const context: AbhiErrorContext = { operation: 'auth.login', endpoint: 'POST /auth/login' };
    try {
      const data = await this.transport.execute(
        {
          operation: 'auth.login',
          group: 'auth',
          method: 'POST',
          pathTemplate: '/auth/login',
          path: '/auth/login',
          body: { username: credentials.username, password: credentials.password },
          schema: S.LoginDataSchema,
          idempotent: true,
          login: true,
        },
        context,
        deadline,
      );
      return { kind: 'ok', token: data.token };
    } catch (error) {
      if (error instanceof AbhiUnauthorizedError || error instanceof AbhiForbiddenError || (error instanceof AbhiApiError && error.statusCode === 423)) {
        return { kind: 'rejected', statusCode: error.statusCode, message: error.abhiMessage };
      }
      throw error;
    }
  }

  // ---------------------------------------------------------------- auth

  private buildAuth() {
    const post = <T>(operation: string, path: string, body: unknown, schema: z.ZodType<T> | undefined, idempotent: boolean, options?: CallOptions) =>
      this.call<T>({ operation: `auth.${operation}`, group: 'auth', method: 'POST', pathTemplate: path, path, body, schema, idempotent }, options);
    const get = <T>(operation: string, path: string, schema: z.ZodType<T>, options?: CallOptions, reauthenticate = true) =>
      this.call<T>({ operation: `auth.${operation}`, group: 'auth', method: 'GET', pathTemplate: path, path, schema, idempotent: true, reauthenticate }, options);
    return {
      /** POST /auth/employee-login → AuthResponse (an employee's own session; sent with the fleet bearer, like the SDK). */
      employeeLogin: async (request: S.EmployeeLoginRequest, options?: CallOptions) =>
        post('employeeLogin', '/auth/employee-login', this.validate(S.EmployeeLoginRequestSchema, request, 'auth.employeeLogin', 'POST /auth/employee-login'), S.AuthResponseSchema, true, options),
      /** POST /auth/employer-login → AuthResponse. */
      employerLogin: async (request: S.EmployerLoginRequest, options?: CallOptions) =>
        post('employerLogin', '/auth/employer-login', this.validate(S.EmployerLoginRequestSchema, request, 'auth.employerLogin', 'POST /auth/employer-login'), S.AuthResponseSchema, true, options),
      /**
       * POST /auth/login with explicit credentials → AuthResponse. WARNING: with the fleet's own username this revokes
       * the shared token (one session per user); the fleet then recovers with one re-login.
       */
      thirdPartyLogin: async (request: S.ThirdPartyLoginRequest, options?: CallOptions) =>
        post('thirdPartyLogin', '/auth/login', this.validate(S.ThirdPartyLoginRequestSchema, request, 'auth.thirdPartyLogin', 'POST /auth/login'), S.AuthResponseSchema, true, options),
      /** POST /auth/refresh → AuthResponse. */
      refreshToken: async (request: S.RefreshTokenRequest, options?: CallOptions) =>
        post('refreshToken', '/auth/refresh', this.validate(S.RefreshTokenRequestSchema, request, 'auth.refreshToken', 'POST /auth/refresh'), S.AuthResponseSchema, true, options),
      /**
       * POST /auth/logout. Without `token` this ends the FLEET session: the shared token is removed from the store and
       * the next call logs in again.
       */
      logout: async (request: { token?: string } = {}, options?: CallOptions) => {
        const current = request.token ? undefined : await this.tokens.getToken(this.transport.deadlineOf(options));
        await post<void>('logout', '/auth/logout', request.token ? { token: request.token } : {}, undefined, false, options);
        if (current) await this.tokens.forget(current.version);
      },
      /** GET /auth/me → AuthUser (the fleet user). */
      getCurrentUser: (options?: CallOptions) => get('getCurrentUser', '/auth/me', S.AuthUserSchema, options),
      /** GET /auth/session → SessionInfo (contains the token: never log it). */
      getSessionInfo: (options?: CallOptions) => get('getSessionInfo', '/auth/session', S.SessionInfoSchema, options),
      /** POST /auth/change-password. Changing the FLEET password also requires updating the secret at once. */
      changePassword: async (request: S.ChangePasswordRequest, options?: CallOptions) =>
        post<void>('changePassword', '/auth/change-password', this.validate(S.ChangePasswordRequestSchema, request, 'auth.changePassword', 'POST /auth/change-password'), undefined, false, options),
      /** POST /auth/reset-password. */
      requestPasswordReset: async (request: S.ResetPasswordRequest, options?: CallOptions) =>
        post<void>('requestPasswordReset', '/auth/reset-password', this.validate(S.ResetPasswordRequestSchema, request, 'auth.requestPasswordReset', 'POST /auth/reset-password'), undefined, true, options),
      /** POST /auth/reset-password/confirm. */
      confirmPasswordReset: async (request: S.ResetPasswordConfirmRequest, options?: CallOptions) =>
        post<void>(
          'confirmPasswordReset',
          '/auth/reset-password/confirm',
          this.validate(S.ResetPasswordConfirmRequestSchema, request, 'auth.confirmPasswordReset', 'POST /auth/reset-password/confirm'),
          undefined,
          false,
          options,
        ),
      /** POST /auth/mfa/setup → MFAResponse. */
      setupMfa: async (request: S.MfaSetupRequest, options?: CallOptions) =>
        post('setupMfa', '/auth/mfa/setup', this.validate(S.MfaSetupRequestSchema, request, 'auth.setupMfa', 'POST /auth/mfa/setup'), S.MfaResponseSchema, false, options),
      /** POST /auth/mfa/verify → AuthResponse. */
      verifyMfa: async (request: S.MfaVerificationRequest, options?: CallOptions) =>
        post('verifyMfa', '/auth/mfa/verify', this.validate(S.MfaVerificationRequestSchema, request, 'auth.verifyMfa', 'POST /auth/mfa/verify'), S.AuthResponseSchema, false, options),
      /** POST /auth/mfa/disable (no body). */
      disableMfa: (options?: CallOptions) =>
        this.call<void>({ operation: 'auth.disableMfa', group: 'auth', method: 'POST', pathTemplate: '/auth/mfa/disable', path: '/auth/mfa/disable', idempotent: true }, options),
      /** GET /auth/mfa/status → MFAResponse. */
      getMfaStatus: (options?: CallOptions) => get('getMfaStatus', '/auth/mfa/status', S.MfaResponseSchema, options),
      /**
       * GET /auth/validate → true when the fleet token is accepted, false when Abhi rejects it (4xx). Unlike the SDK
       * (false on ANY error) transport failures and an open breaker are thrown. Never triggers a re-login.
       */
      validateToken: async (options?: CallOptions): Promise<boolean> => {
        try {
          await this.call<void>(
            { operation: 'auth.validateToken', group: 'auth', method: 'GET', pathTemplate: '/auth/validate', path: '/auth/validate', idempotent: true, reauthenticate: false },
            options,
          );
          return true;
        } catch (error) {
          if (error instanceof AbhiApiError && error.statusCode >= 400 && error.statusCode < 500 && error.statusCode !== 429) return false;
          throw error;
        }
      },
    };
  }

  // ---------------------------------------------------------------- employees

  private buildEmployees() {
    const list = (opts: S.EmployeeListOptions = {}, options?: CallOptions) =>
      this.call(
        {
          operation: 'employees.list',
          group: 'employees',
          method: 'GET',
          pathTemplate: '/employees',
          path: '/employees',
          query: { ...pageQuery(opts), search: opts.search, department: opts.department, status: opts.status },
          schema: S.EmployeeListSchema,
          idempotent: true,
        },
        options,
      );

    const findByCode = async (employeeCode: string, options?: CallOptions): Promise<S.Employee | undefined> => {
      // The SDK's GetByEmployeeCode sends search=code&limit=1; a larger page guards against fuzzy search ordering.
      const page = await list({ search: employeeCode, limit: 50 }, options);
      return page.results.find((e) => e.employeeCode === employeeCode);
    };

    const create = async (employees: readonly S.EmployeeInput[], options?: CallOptions): Promise<void> => {
      const body = { employees: employees.map((e, i) => this.validate(S.EmployeeInputSchema, e, 'employees.create', `POST /employees [${i}]`)) };
      if (body.employees.length === 0) this.validate(S.EmployeeInputSchema.array().min(1), [], 'employees.create', 'POST /employees');
      await this.call<void>(
        {
          operation: 'employees.create',
          group: 'employees',
          method: 'POST',
          pathTemplate: '/employees',
          path: '/employees',
          body,
          idempotent: false,
          reference: body.employees.map((e) => e.employeeCode).join(','),
          // Lost answer: the employee codes tell whether the batch was applied.
          resolveUnknown: async (deadline): Promise<Resolution<void>> => {
            const found = await Promise.all(body.employees.map((e) => findByCode(e.employeeCode, { deadline })));
            const present = found.filter(Boolean).length;
            if (present === body.employees.length) return { found: true, value: undefined };
            if (present === 0) return { found: false };
            throw new Error(`${present} of ${body.employees.length} employees exist after the lost answer`);
          },
        },
        options,
      );
    };

    const update = async (employees: readonly S.EmployeeUpdate[], options?: CallOptions): Promise<void> => {
      const body = { employees: employees.map((e, i) => this.validate(S.EmployeeUpdateSchema, e, 'employees.update', `PUT /employees [${i}]`)) };
      await this.call<void>({ operation: 'employees.update', group: 'employees', method: 'PUT', pathTemplate: '/employees', path: '/employees', body, idempotent: true }, options);
      await Promise.all(body.employees.map((e) => this.invalidate('employee', e.id)));
    };

    return {
      /** GET /employees?page&limit&search&department&status → {total, results}. */
      list,
      /** All pages (limit 100), stopping on a short page or once `total` rows are read (never loops forever). */
      listAll: async (opts: Omit<S.EmployeeListOptions, 'page' | 'limit'> = {}, options?: CallOptions): Promise<S.Employee[]> => {
        const all: S.Employee[] = [];
        for (let page = 1; page <= 1000; page++) {
          const result = await list({ ...opts, page, limit: 100 }, options);
          all.push(...result.results);
          if (result.results.length < 100 || all.length >= result.total) break;
        }
        return all;
      },
      /** GET /employees/{id} → Employee (cached 5 min). */
      get: (employeeId: string, options?: CallOptions) =>
        this.call(
          {
            operation: 'employees.get',
            group: 'employees',
            method: 'GET',
            pathTemplate: '/employees/{employeeId}',
            path: `/employees/${id(employeeId)}`,
            schema: S.EmployeeSchema,
            idempotent: true,
            cache: { kind: 'employee', key: employeeId },
          },
          options,
        ),
      /** POST /employees {employees:[…]}. Abhi returns no ids: use `findByCode` afterwards. */
      create,
      createOne: (employee: S.EmployeeInput, options?: CallOptions) => create([employee], options),
      /** PUT /employees {employees:[…]} (each with `id`). */
      update,
      updateOne: (employee: S.EmployeeUpdate, options?: CallOptions) => update([employee], options),
      /** DELETE /employees/{id}. A 404 after a lost answer counts as deleted. */
      delete: async (employeeId: string, options?: CallOptions): Promise<void> => {
        await this.call<void>(
          {
            operation: 'employees.delete',
            group: 'employees',
            method: 'DELETE',
            pathTemplate: '/employees/{employeeId}',
            path: `/employees/${id(employeeId)}`,
            idempotent: true,
            doneAfterUnknown: (error) => error.statusCode === 404,
          },
          options,
        );
        await this.invalidate('employee', employeeId);
      },
      /** GET /employees?search=term&limit=N (default 50, as the SDK). */
      search: (term: string, limit = 50, options?: CallOptions) => list({ search: term, limit }, options),
      /** Exact match on employeeCode (search, then filter). */
      findByCode,
    };
  }

  // ---------------------------------------------------------------- transactions

  private buildTransactions() {
    const history = (employeeId: string, opts: S.TransactionHistoryOptions = {}, options?: CallOptions) =>
      this.call(
        {
          operation: 'transactions.history',
          group: 'transactions',
          method: 'GET',
          pathTemplate: '/transactions/employee/{employeeId}/history',
          path: `/transactions/employee/${id(employeeId)}/history`,
          query: { ...pageQuery(opts), status: opts.status, type: opts.type, startDate: opts.startDate, endDate: opts.endDate },
          schema: S.TransactionHistorySchema,
          idempotent: true,
        },
        options,
      );

    const findByReference = async (
      employeeId: string,
      reference: string,
      type: 'advance' | 'repayment',
      lookup: { startDate?: string; maxPages?: number } = {},
      options?: CallOptions,
    ): Promise<S.Transaction | undefined> => {
      const limit = 100;
      for (let page = 1; page <= (lookup.maxPages ?? 20); page++) {
        const result = await history(employeeId, { type, page, limit, startDate: lookup.startDate }, options);
        const match = result.transactions.find((t) => referenceOf(t.description) === reference && (t.type ?? type) === type);
        if (match) return match;
        if (result.transactions.length < limit || page * limit >= result.totalCount) return undefined;
      }
      return undefined;
    };

    const createTagged = async (
      type: 'advance' | 'repayment',
      request: { employeeId: string; amount: number; reference: string; description?: string; dueDate?: string },
      options?: CallOptions,
    ): Promise<S.Transaction> => {
      const operation = type === 'advance' ? 'transactions.createAdvance' : 'transactions.createRepayment';
      if (!REFERENCE_PATTERN.test(request.reference ?? '')) {
        throw new AbhiRequestValidationError([{ field: 'reference', message: 'must match [A-Za-z0-9._:-]{1,80}' }], { operation, endpoint: 'POST /transactions/employee' });
      }
      const body = this.validate(
        S.TransactionRequestSchema,
        { employeeId: request.employeeId, amount: request.amount, type, description: tagDescription(request.description, request.reference), dueDate: request.dueDate },
        operation,
        'POST /transactions/employee',
      );
      const transaction = await this.call<S.Transaction>(
        {
          operation,
          group: 'transactions',
          method: 'POST',
          pathTemplate: '/transactions/employee',
          path: '/transactions/employee',
          body,
          schema: S.TransactionSchema,
          idempotent: false,
          reference: request.reference,
          resolveUnknown: async (deadline) => {
            const found = await findByReference(request.employeeId, request.reference, type, {}, { deadline, bypassCache: true });
            return found ? { found: true, value: found } : { found: false };
          },
        },
        options,
      );
      await Promise.all([this.invalidate('balance', `${request.employeeId}#`), this.invalidate('outstanding', `${request.employeeId}#`), this.invalidate('outstanding', '*#')]);
      return transaction;
    };

    const status = (side: 'employee' | 'employer', transactionId: string, options?: CallOptions) =>
      this.call(
        {
          operation: side === 'employee' ? 'transactions.status' : 'transactions.employerStatus',
          group: 'transactions',
          method: 'GET',
          pathTemplate: `/transactions/${side}/{transactionId}/status`,
          path: `/transactions/${side}/${id(transactionId)}/status`,
          schema: S.TransactionStatusSchema,
          idempotent: true,
          cache: { kind: 'transactionStatus', key: `${transactionId}#${side}` },
        },
        options,
      );

    return {
      /**
       * POST /transactions/employee type=advance. `reference` (required, e.g. the platform request id) is appended to
       * the description as `ref:<reference>`; a lost answer is resolved by `findAdvanceByReference`, never by a blind
       * repeat.
       */
      createAdvance: (request: { employeeId: string; amount: number; reference: string; description?: string; dueDate?: string }, options?: CallOptions) =>
        createTagged('advance', request, options),
      /** POST /transactions/employee type=repayment, tagged and resolved like advances. */
      createRepayment: (request: { employeeId: string; amount: number; reference: string; description?: string; dueDate?: string }, options?: CallOptions) =>
        createTagged('repayment', request, options),
      /** The advance created with `reference`, from the employee's history (undefined if none). */
      findAdvanceByReference: (employeeId: string, reference: string, lookup?: { startDate?: string; maxPages?: number }, options?: CallOptions) =>
        findByReference(employeeId, reference, 'advance', lookup, options),
      findRepaymentTransactionByReference: (employeeId: string, reference: string, lookup?: { startDate?: string; maxPages?: number }, options?: CallOptions) =>
        findByReference(employeeId, reference, 'repayment', lookup, options),
      /** POST /transactions/employee/validate → {isValid, maxAmount, availableAmount, message, validationErrors}. */
      validate: async (request: S.TransactionValidationRequest, options?: CallOptions) =>
        this.call(
          {
            operation: 'transactions.validate',
            group: 'transactions',
            method: 'POST',
            pathTemplate: '/transactions/employee/validate',
            path: '/transactions/employee/validate',
            body: this.validate(S.TransactionValidationRequestSchema, request, 'transactions.validate', 'POST /transactions/employee/validate'),
            schema: S.TransactionValidationSchema,
            idempotent: true,
          },
          options,
        ),
      /** GET /transactions/employee/{employeeId}/history → {employeeId, totalCount, transactions}. */
      history,
      /** GET /transactions/employee/{employeeId}/balance?month&year (cached ≤ 30 s). */
      monthlyBalance: (employeeId: string, period: { month?: number; year?: number } = {}, options?: CallOptions) =>
        this.call(
          {
            operation: 'transactions.monthlyBalance',
            group: 'transactions',
            method: 'GET',
            pathTemplate: '/transactions/employee/{employeeId}/balance',
            path: `/transactions/employee/${id(employeeId)}/balance`,
            query: { month: positive(period.month), year: positive(period.year) },
            schema: S.MonthlyBalanceSchema,
            idempotent: true,
            cache: { kind: 'balance', key: `${employeeId}#${period.year ?? 'current'}-${period.month ?? 'current'}` },
          },
          options,
        ),
      /** GET /transactions/employee/{transactionId}/status (cached ≤ 30 s). */
      status: (transactionId: string, options?: CallOptions) => status('employee', transactionId, options),
      /** GET /transactions/employer?… → {total, results:[EmployerTransaction]}. */
      employerList: (opts: S.EmployerTransactionListOptions = {}, options?: CallOptions) =>
        this.call(
          {
            operation: 'transactions.employerList',
            group: 'transactions',
            method: 'GET',
            pathTemplate: '/transactions/employer',
            path: '/transactions/employer',
            query: {
              ...pageQuery(opts),
              status: opts.status,
              type: opts.type,
              startDate: opts.startDate,
              endDate: opts.endDate,
              employeeCode: opts.employeeCode,
              department: opts.department,
            },
            schema: S.EmployerTransactionListSchema,
            idempotent: true,
          },
          options,
        ),
      /** GET /transactions/employer/{transactionId}/status (cached ≤ 30 s). */
      employerStatus: (transactionId: string, options?: CallOptions) => status('employer', transactionId, options),
      /** POST /transactions/employer/validate-questions {transactionId} → {transactionId, questions}. */
      validationQuestions: async (transactionId: string, options?: CallOptions) =>
        this.call(
          {
            operation: 'transactions.validationQuestions',
            group: 'transactions',
            method: 'POST',
            pathTemplate: '/transactions/employer/validate-questions',
            path: '/transactions/employer/validate-questions',
            body: this.validate(S.ValidationQuestionsRequestSchema, { transactionId }, 'transactions.validationQuestions', 'POST /transactions/employer/validate-questions'),
            schema: S.ValidationQuestionsSchema,
            idempotent: true,
          },
          options,
        ),
      /** POST /transactions/employer/validate-answers → {transactionId, isValid, message}. */
      submitValidationAnswers: async (request: S.ValidationAnswersRequest, options?: CallOptions) => {
        const result = await this.call(
          {
            operation: 'transactions.submitValidationAnswers',
            group: 'transactions',
            method: 'POST',
            pathTemplate: '/transactions/employer/validate-answers',
            path: '/transactions/employer/validate-answers',
            body: this.validate(S.ValidationAnswersRequestSchema, request, 'transactions.submitValidationAnswers', 'POST /transactions/employer/validate-answers'),
            schema: S.ValidationAnswersResultSchema,
            idempotent: true,
          },
          options,
        );
        await this.invalidate('transactionStatus', `${request.transactionId}#`);
        return result;
      },
    };
  }

  // ---------------------------------------------------------------- organizations

  private buildOrganizations() {
    const list = (opts: S.OrganizationListOptions = {}, options?: CallOptions) => {
      const query: Query = { ...pageQuery(opts), from: opts.from, to: opts.to, showInactive: whenTrue(opts.showInactive), column: opts.column, order: opts.order };
      return this.call(
        {
          operation: 'organizations.list',
          group: 'organizations',
          method: 'GET',
          pathTemplate: '/organizations',
          path: '/organizations',
          query,
          schema: S.OrganizationListSchema,
          idempotent: true,
          cache: { kind: 'organizations', key: `list?${canonicalQuery(query)}` },
        },
        options,
      );
    };
    return {
      /** GET /organizations?page&limit&from&to&showInactive&column&order (cached 30 min). */
      list,
      /** GET /organizations/{id} (cached 30 min). */
      get: (organizationId: string, options?: CallOptions) =>
        this.call(
          {
            operation: 'organizations.get',
            group: 'organizations',
            method: 'GET',
            pathTemplate: '/organizations/{organizationId}',
            path: `/organizations/${id(organizationId)}`,
            schema: S.OrganizationSchema,
            idempotent: true,
            cache: { kind: 'organizations', key: `id:${organizationId}` },
          },
          options,
        ),
      /**
       * POST /organizations → `{message, data:{users, organizationId}}` (the generated user passwords and MFA secrets
       * are only in this answer: store them encrypted, see credential-encryption.ts). A lost answer is looked up by
       * managementAlias; if the organization exists its credentials are gone, so `AbhiOutcomeUnknownError` is thrown
       * with the organization id as `reference` instead of creating a second one.
       */
      create: async (request: S.CreateOrganizationRequest, options?: CallOptions) => {
        const body = this.validate(S.CreateOrganizationRequestSchema, request, 'organizations.create', 'POST /organizations');
        const result = await this.call<S.CreateOrganizationResult>(
          {
            operation: 'organizations.create',
            group: 'organizations',
            method: 'POST',
            pathTemplate: '/organizations',
            path: '/organizations',
            body,
            schema: S.CreateOrganizationResultSchema,
            idempotent: false,
            reference: body.managementAlias,
            resolveUnknown: async (deadline) => {
              for (let page = 1; page <= 50; page++) {
                const result = await list({ page, limit: 100, showInactive: true }, { deadline, bypassCache: true });
                const existing = result.results.find((o) => o.managementAlias === body.managementAlias);
                if (existing) {
                  throw new AbhiOutcomeUnknownError(
                    `organization '${body.managementAlias}' was created (id ${existing.id}) but the answer with its generated user credentials was lost; reset those users' passwords at Abhi`,
                    existing.id,
                    { operation: 'organizations.create', endpoint: 'POST /organizations' },
                  );
                }
                if (result.results.length < 100) break;
              }
              return { found: false };
            },
          },
          options,
        );
        await this.invalidate('organizations');
        return result;
      },
    };
  }

  // ---------------------------------------------------------------- repayments

  private buildRepayments() {
    const list = (opts: S.RepaymentListOptions = {}, options?: CallOptions) =>
      this.call(
        {
          operation: 'repayments.list',
          group: 'repayments',
          method: 'GET',
          pathTemplate: '/repayments',
          path: '/repayments',
          query: {
            ...pageQuery(opts),
            employeeId: opts.employeeId,
            status: opts.status,
            startDate: opts.startDate,
            endDate: opts.endDate,
            clientRepaymentReferenceNumber: opts.clientRepaymentReferenceNumber,
            minAmount: money2(opts.minAmount),
            maxAmount: money2(opts.maxAmount),
          },
          schema: S.RepaymentListSchema,
          idempotent: true,
        },
        options,
      );
    const findByReference = async (reference: string, options?: CallOptions): Promise<S.Repayment | undefined> => {
      const result = await list({ clientRepaymentReferenceNumber: reference, limit: 10 }, options);
      return result.results.find((r) => r.clientRepaymentReferenceNumber === reference);
    };
    const outstanding = (opts: S.OutstandingBalanceOptions = {}, options?: CallOptions) => {
      const query: Query = {
        ...pageQuery(opts),
        employeeId: opts.employeeId,
        employeeCode: opts.employeeCode,
        department: opts.department,
        minAmount: money2(opts.minAmount),
        maxAmount: money2(opts.maxAmount),
        overdue: whenTrue(opts.overdue),
      };
      return this.call(
        {
          operation: 'repayments.outstanding',
          group: 'repayments',
          method: 'GET',
          pathTemplate: '/repayments/outstanding',
          path: '/repayments/outstanding',
          query,
          schema: S.OutstandingBalanceListSchema,
          idempotent: true,
          cache: { kind: 'outstanding', key: `${opts.employeeId ?? '*'}#${canonicalQuery(query)}` },
        },
        options,
      );
    };
    return {
      /**
       * POST /repayments → {repayment, message, status}. `clientRepaymentReferenceNumber` is the idempotency key: a
       * lost answer (or a 409 after one) is resolved by looking the reference up.
       */
      create: async (request: S.CreateRepaymentRequest, options?: CallOptions): Promise<S.RepaymentResponse> => {
        const body = this.validate(S.CreateRepaymentRequestSchema, request, 'repayments.create', 'POST /repayments');
        const result = await this.call<S.RepaymentResponse>(
          {
            operation: 'repayments.create',
            group: 'repayments',
            method: 'POST',
            pathTemplate: '/repayments',
            path: '/repayments',
            body,
            schema: S.RepaymentResponseSchema,
            idempotent: false,
            reference: body.clientRepaymentReferenceNumber,
            resolveUnknown: async (deadline) => {
              const found = await findByReference(body.clientRepaymentReferenceNumber, { deadline });
              return found ? { found: true, value: { repayment: found, message: 'Recovered by reference after a lost answer', status: found.status } } : { found: false };
            },
          },
          options,
        );
        const employeeId = result.repayment.employeeId ?? body.employeeId;
        await Promise.all([
          employeeId ? this.invalidate('balance', `${employeeId}#`) : Promise.resolve(),
          employeeId ? this.invalidate('outstanding', `${employeeId}#`) : this.invalidate('outstanding'),
          this.invalidate('outstanding', '*#'),
        ]);
        return result;
      },
      /** GET /repayments?… → {total, results}. */
      list,
      /** GET /repayments/{id} → Repayment. */
      get: (repaymentId: string, options?: CallOptions) =>
        this.call(
          {
            operation: 'repayments.get',
            group: 'repayments',
            method: 'GET',
            pathTemplate: '/repayments/{repaymentId}',
            path: `/repayments/${id(repaymentId)}`,
            schema: S.RepaymentSchema,
            idempotent: true,
          },
          options,
        ),
      /** The repayment with this clientRepaymentReferenceNumber (undefined if none). */
      findByReference,
      /** GET /repayments/outstanding?… → {total, results, summary} (cached ≤ 30 s). */
      outstanding,
      /** One employee's outstanding balance (undefined when Abhi has none). */
      employeeOutstanding: async (employeeId: string, options?: CallOptions) => {
        const result = await outstanding({ employeeId, limit: 1 }, options);
        return result.results[0];
      },
    };
  }

  // ---------------------------------------------------------------- master data

  private buildMasterData() {
    const listOf = <T>(kind: 'banks' | 'businessTypes', path: string, schema: z.ZodType<T>) => (opts: S.MasterDataListOptions = {}, options?: CallOptions) => {
      const query: Query = { ...pageQuery(opts), country: opts.country, active: opts.active };
      return this.call(
        {
          operation: `masterData.${kind === 'banks' ? 'listBanks' : 'listBusinessTypes'}`,
          group: 'masterdata',
          method: 'GET',
          pathTemplate: path,
          path,
          query,
          schema,
          idempotent: true,
          cache: { kind, key: `list?${canonicalQuery(query)}` },
        },
        options,
      );
    };
    const getOf = <T>(kind: 'banks' | 'businessTypes', path: string, schema: z.ZodType<T>) => (itemId: string, options?: CallOptions) =>
      this.call(
        {
          operation: `masterData.${kind === 'banks' ? 'getBank' : 'getBusinessType'}`,
          group: 'masterdata',
          method: 'GET',
          pathTemplate: `${path}/{id}`,
          path: `${path}/${id(itemId)}`,
          schema,
          idempotent: true,
          cache: { kind, key: `id:${itemId}` },
        },
        options,
      );
    return {
      /** GET /banks?page&limit&country&active (cached 1 h). */
      listBanks: listOf('banks', '/banks', S.BankListSchema),
      /** GET /banks/{id} (cached 1 h). */
      getBank: getOf('banks', '/banks', S.BankSchema),
      /** GET /business?page&limit&country&active — business types live under /business (cached 1 h). */
      listBusinessTypes: listOf('businessTypes', '/business', S.BusinessTypeListSchema),
      /** GET /business/{id} (cached 1 h). */
      getBusinessType: getOf('businessTypes', '/business', S.BusinessTypeSchema),
    };
  }
}

export function createAbhiClient(options: AbhiClientOptions): AbhiClient {
  return new AbhiClient(options);
}

/** A client whose shared state (token, rate limit, breakers, cache) lives in the DynamoDB state table. */
export function createDynamoAbhiClient(
  options: Omit<AbhiClientOptions, 'tokenStore' | 'rateLimiter' | 'breakerStore' | 'cache'> & {
    readonly tableName: string;
    readonly documentClient?: DynamoDBDocumentClient;
    readonly keyPrefix?: string;
    readonly rateLimit?: { readonly ratePerSecond: number; readonly burst: number };
  },
): AbhiClient {
  const adapter = { client: options.documentClient ?? dynamoDocumentClient(), tableName: options.tableName, keyPrefix: options.keyPrefix, now: options.now };
  const rate = options.rateLimit ?? DEFAULT_FLEET_RATE_LIMIT;
  return new AbhiClient({
    ...options,
    tokenStore: new DynamoTokenStore(adapter),
    rateLimiter: new DynamoRateLimiter({ ...adapter, ...rate }),
    breakerStore: new DynamoCircuitBreakerStore(adapter),
    cache: new DynamoResponseCache(adapter),
  });
}

let fromEnv: AbhiClient | undefined;

/**
 * The process-wide client configured from the environment:
 * ABHI_BASE_URL, ABHI_CREDENTIALS_SECRET_ID, ABHI_SIGNING_ENABLED (default false), ABHI_RATE_LIMIT_RPS (default 10),
 * ABHI_RATE_LIMIT_BURST (default 15: Abhi's burst of 20 less a jitter margin, see fleet-limit.ts), ABHI_TIMEOUT_MS
 * (default 10000), STATE_TABLE_NAME, and ABHI_BREAKER_OPEN_MS
 * (optional; how long an open circuit breaker refuses calls, default 30 000 — shortened by fault-injection runs).
 */
export function abhiClientFromEnv(source: Record<string, string | undefined> = process.env): AbhiClient {
  if (fromEnv && source === process.env) return fromEnv;
  const config = loadConfig(
    {
      ABHI_BASE_URL: envVar.url(),
      ABHI_CREDENTIALS_SECRET_ID: envVar.text(),
      ABHI_SIGNING_ENABLED: envVar.flag(),
      ABHI_RATE_LIMIT_RPS: envVar.positiveNumber().default(DEFAULT_FLEET_RATE_LIMIT.ratePerSecond),
      ABHI_RATE_LIMIT_BURST: envVar.positiveInt().default(DEFAULT_FLEET_RATE_LIMIT.burst),
      ABHI_TIMEOUT_MS: envVar.positiveInt().default(10_000),
      ABHI_BREAKER_OPEN_MS: envVar.positiveInt().optional(),
      STATE_TABLE_NAME: envVar.text(),
    },
    source,
  );
  const client = createDynamoAbhiClient({
    baseUrl: config.ABHI_BASE_URL,
    credentials: new SecretsManagerCredentialsProvider(config.ABHI_CREDENTIALS_SECRET_ID, { maxAgeSeconds: 300 }),
    signing: { enabled: config.ABHI_SIGNING_ENABLED },
    rateLimit: { ratePerSecond: config.ABHI_RATE_LIMIT_RPS, burst: config.ABHI_RATE_LIMIT_BURST },
    timeoutMs: config.ABHI_TIMEOUT_MS,
    tableName: config.STATE_TABLE_NAME,
    ...(config.ABHI_BREAKER_OPEN_MS ? { breaker: { openDurationMs: config.ABHI_BREAKER_OPEN_MS } } : {}),
  });
  if (source === process.env) fromEnv = client;
  return client;
}

/**
 * Drops cached Abhi reads of `kind` (all, or those whose key starts with `key`) for writers outside the client
 * (webhooks, the cache-invalidation consumer). Uses the env-configured client's DynamoDB cache.
 */
export function invalidate(kind: CacheKind, key?: string): Promise<void> {
  if (!CACHE_KINDS.includes(kind)) return Promise.reject(new RangeError(`Unknown Abhi cache kind: ${String(kind)}`));
  return abhiClientFromEnv().invalidate(kind, key);
}

/** Deadline for `CallOptions` from a Lambda context, keeping `reserveMs` to answer. */
export function deadlineFromContext(context: { getRemainingTimeInMillis(): number }, reserveMs = 500): number {
  return Date.now() + context.getRemainingTimeInMillis() - reserveMs;
}
