/**
 * Ports of the Abhi client: everything it shares with the rest of the fleet goes through one of these small
 * interfaces. DynamoDB implementations live in `./dynamodb-adapters`, single-process ones in `./memory-adapters`
 * (for scripts and unit use; they do NOT coordinate Lambda instances).
 */

// ---------- credentials ----------

export interface AbhiCredentials {
  readonly username: string;
  readonly password: string;
  /** HMAC secret for request signing (reference §4), when signing is enabled. */
  readonly signingSecret?: string;
}

export interface CredentialsProvider {
  get(): Promise<AbhiCredentials>;
}

// ---------- token store (pk ABHI#TOKEN) ----------

export interface StoredToken {
  /** The access token sealed with the fleet's token cipher (field `abhi_access_token`; never stored in clear). */
  readonly sealed: string;
  /** JWT `exp`, epoch seconds. */
  readonly exp: number;
  /** Increments with every published token; a 401 names the version it saw. */
  readonly version: number;
  /** Epoch ms of the login that produced it. */
  readonly obtainedAt: number;
}

export interface LoginRejection {
  /** scrypt fingerprint of the rejected credentials: a rejection only blocks the same credentials. */
  readonly fingerprint: string;
  readonly statusCode: number;
  readonly message: string;
  /** Epoch ms. */
  readonly at: number;
}

export interface TokenRecord {
  readonly token?: StoredToken;
  readonly lease?: { readonly owner: string; readonly until: number };
  readonly rejection?: LoginRejection;
}

export interface TokenStore {
  read(): Promise<TokenRecord>;
  /** Takes the refresh lease if it is free or expired (conditional write). Returns the record as it is now. */
  tryAcquireLease(owner: string, untilMs: number, nowMs: number): Promise<{ acquired: boolean; record: TokenRecord }>;
  /** Publishes a new token (version + 1), releases the lease and clears any rejection; undefined if the lease was lost. */
  publishToken(owner: string, token: Omit<StoredToken, 'version'>): Promise<StoredToken | undefined>;
  /** Records a credentials rejection and releases the lease (only while holding it). */
  recordRejection(owner: string, rejection: LoginRejection): Promise<void>;
  releaseLease(owner: string): Promise<void>;
  /** Removes the token if it is still `version` (after a logout). */
  clearToken(version: number): Promise<void>;
  /** Operator action: allow a login with the same credentials again. */
  clearRejection(): Promise<void>;
}

// ---------- rate limiter (pk ABHI#RATE) ----------

export type RateLimitDecision =
  /** A slot is reserved; send after `waitMs` (0 = now). */
  | { readonly allowed: true; readonly waitMs: number }
  /** No slot within `maxWaitMs`; the earliest one is `retryAfterMs` away. Nothing was reserved. */
  | { readonly allowed: false; readonly retryAfterMs: number };

/**
 * `bulk` (employee import, sync, status polling) takes a slot only while the bucket keeps a reserved share of its
 * burst free, and never reserves one ahead: advances, approvals and repayments (`interactive`) never queue behind it.
 */
export type RatePriority = 'interactive' | 'bulk';

export interface RateLimiter {
  acquire(maxWaitMs: number, priority?: RatePriority): Promise<RateLimitDecision>;
}

// ---------- circuit breaker store (pk ABHI#BREAKER#<group>) ----------

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerSnapshot {
  readonly state: BreakerState;
  /** Increments on every state transition; every conditional write names the generation it saw. */
  readonly generation: number;
  /** Outcomes while closed, by time-ordered key (`true` = success). Only the newest `windowSize` count. */
  readonly window: Readonly<Record<string, boolean>>;
  /** Epoch ms until which an open breaker rejects calls. */
  readonly openUntil: number;
  readonly trialsStarted: number;
  readonly trialSuccesses: number;
  /** Epoch ms when the current half-open round started. */
  readonly halfOpenAt: number;
}

export interface CircuitBreakerStore {
  /** Current state; creates a closed breaker if there is none. */
  load(group: string): Promise<BreakerSnapshot>;
  /** Adds one outcome while closed in `generation` (one write); null if the breaker moved on. */
  record(group: string, generation: number, key: string, success: boolean, removeKeys: readonly string[]): Promise<BreakerSnapshot | null>;
  /** closed/half-open (generation) → open until `openUntil`. */
  open(group: string, generation: number, openUntil: number): Promise<BreakerSnapshot | null>;
  /** open (or stale half-open) in `generation` → half-open with this caller holding the first trial. */
  startHalfOpen(group: string, generation: number, now: number): Promise<BreakerSnapshot | null>;
  /** Takes one of `maxTrials` trial permits while half-open in `generation`. */
  acquireTrial(group: string, generation: number, maxTrials: number): Promise<BreakerSnapshot | null>;
  /** Gives an unused trial permit back. */
  releaseTrial(group: string, generation: number): Promise<void>;
  recordTrialSuccess(group: string, generation: number): Promise<BreakerSnapshot | null>;
  /** half-open (generation) → closed with an empty window. */
  close(group: string, generation: number): Promise<BreakerSnapshot | null>;
}

// ---------- response cache (pk CACHE#<kind>) ----------

export interface ResponseCache {
  /** The cached value, or undefined when absent or expired (expired items are filtered on read). */
  get(kind: string, key: string): Promise<unknown | undefined>;
  set(kind: string, key: string, value: unknown, ttlMs: number): Promise<void>;
  /** Drops every entry of `kind` whose key starts with `keyPrefix` (all of `kind` without it). */
  invalidate(kind: string, keyPrefix?: string): Promise<void>;
}

// ---------- telemetry ----------

export type MetricUnit = 'Count' | 'Milliseconds';

export interface AbhiMetricsSink {
  /** `dimensions` given: published immediately as its own EMF record; otherwise buffered with the handler's metrics. */
  metric(name: string, unit: MetricUnit, value: number, dimensions?: Readonly<Record<string, string>>): void;
}
