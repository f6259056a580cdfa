import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Logger } from '@aws-lambda-powertools/logger';
import { randomBytes } from 'node:crypto';
import { envVar, loadConfig } from '#shared/config';
import { aesGcmCipher, type FieldCipher } from '#shared/crypto/field-cipher';
import { keyringFromSecretsManager } from '#shared/crypto/secret-keyring';
import { logger as sharedLogger } from '#shared/observability';
import { dynamoDocumentClient } from '#shared/adapters/dynamodb/client';
import { CircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker';
import { TokenManager } from './token-manager';
import { AbhiTransport, type OperationGroup, type RetryPolicy } from './transport';
import { CACHE_KINDS, type CacheKind } from './cache';
import { SecretsManagerCredentialsProvider, StaticCredentialsProvider } from './credentials';
import { DynamoCircuitBreakerStore, DynamoRateLimiter, DynamoResponseCache, DynamoTokenStore } from './dynamodb-adapters';
import { MemoryCircuitBreakerStore, MemoryRateLimiter, MemoryResponseCache, MemoryTokenStore } from './memory-adapters';
import { failSafeMetricsSink, powertoolsMetricsSink } from './telemetry';
import { DEFAULT_FLEET_RATE_LIMIT } from './fleet-limit';
import { validateRequest, type AbhiResourceContext } from './resources/context';
import { authResource, fleetLogin } from './resources/auth';
import { employeesResource } from './resources/employees';
import { transactionsResource } from './resources/transactions';
import { organizationsResource } from './resources/organizations';
import { repaymentsResource } from './resources/repayments';
import { masterDataResource } from './resources/master-data';
import type { AbhiCredentials, AbhiMetricsSink, CircuitBreakerStore, CredentialsProvider, RateLimiter, ResponseCache, TokenStore } from './ports';
import * as z from '#shared/zod';

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
export { REFERENCE_PATTERN, tagDescription, referenceOf } from './resources/transactions';

/**
 * The Abhi Open API client shared by all functions. See README.md in this folder for the method list, errors and
 * environment variables. Create one per process (`abhiClientFromEnv()` memoizes it) and pass a deadline per call.
 */
export interface AbhiClientOptions {
  /** e.g. `https://api-uat-v2.abhi.ae/uat-open-api` (base path included; it is part of the signed path). */
  readonly baseUrl: string;
  readonly credentials: CredentialsProvider | AbhiCredentials;
  readonly tokenStore?: TokenStore;
  /**
   * Seals the fleet's token in `tokenStore` (ADR 0033). Required with a store shared between processes, whose
   * instances must open what another sealed; without a store, a key of this process seals the in-memory token.
   */
  readonly tokenCipher?: FieldCipher;
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
    if (options.tokenStore && !options.tokenCipher) throw new TypeError('A shared token store needs the fleet\'s tokenCipher: pass the cipher of ABHI_TOKEN_KEY_SECRET_ID.');
    this.tokenStore = options.tokenStore ?? new MemoryTokenStore();
    const tokenCipher = options.tokenCipher ?? aesGcmCipher(async () => (processTokenKey ??= randomBytes(32)));
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
      tokenCipher,
      credentials: this.credentials,
      now,
      refreshMarginMs: options.token?.refreshMarginMs,
      leaseMs: options.token?.leaseMs,
      pollMs: options.token?.pollMs,
      login: (credentials, deadline) => fleetLogin(this.transport, credentials, deadline),
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

    // Each Abhi resource's methods live in ./resources/<resource>.ts; they all share this client's transport and cache.
    const resources: AbhiResourceContext = {
      call: (spec, callOptions) => this.transport.call(spec, callOptions),
      validate: validateRequest,
      invalidate: (kind, key) => this.invalidate(kind, key),
    };
    this.auth = authResource(resources, { tokens: this.tokens, deadlineOf: (callOptions) => this.transport.deadlineOf(callOptions) });
    this.employees = employeesResource(resources);
    this.transactions = transactionsResource(resources);
    this.organizations = organizationsResource(resources);
    this.repayments = repaymentsResource(resources);
    this.masterData = masterDataResource(resources);
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
}

/** The key of tokens that never leave this process (the in-memory token store). */
let processTokenKey: Buffer | undefined;

export function createAbhiClient(options: AbhiClientOptions): AbhiClient {
  return new AbhiClient(options);
}

/** A client whose shared state (token, rate limit, breakers, cache) lives in the DynamoDB state table. */
export function createDynamoAbhiClient(
  options: Omit<AbhiClientOptions, 'tokenStore' | 'rateLimiter' | 'breakerStore' | 'cache' | 'tokenCipher'> & {
    readonly tokenCipher: FieldCipher;
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
 * ABHI_BASE_URL, ABHI_CREDENTIALS_SECRET_ID, ABHI_TOKEN_KEY_SECRET_ID (the key ring sealing the shared token, JSON
 * `{"key": "<base64 of 32 bytes>"}`), ABHI_SIGNING_ENABLED (default false), ABHI_RATE_LIMIT_RPS (default 10),
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
      ABHI_TOKEN_KEY_SECRET_ID: envVar.text(),
      ABHI_SIGNING_ENABLED: envVar.flag(),
      ABHI_RATE_LIMIT_RPS: z._default(envVar.positiveNumber(), DEFAULT_FLEET_RATE_LIMIT.ratePerSecond),
      ABHI_RATE_LIMIT_BURST: z._default(envVar.positiveInt(), DEFAULT_FLEET_RATE_LIMIT.burst),
      ABHI_TIMEOUT_MS: z._default(envVar.positiveInt(), 10_000),
      ABHI_BREAKER_OPEN_MS: z.optional(envVar.positiveInt()),
      STATE_TABLE_NAME: envVar.text(),
    },
    source,
  );
  const client = createDynamoAbhiClient({
    baseUrl: config.ABHI_BASE_URL,
    credentials: new SecretsManagerCredentialsProvider(config.ABHI_CREDENTIALS_SECRET_ID, { maxAgeSeconds: 300 }),
    tokenCipher: aesGcmCipher(keyringFromSecretsManager(config.ABHI_TOKEN_KEY_SECRET_ID)),
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
