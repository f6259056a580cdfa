import type * as z from '#shared/zod';
import type { Logger } from '@aws-lambda-powertools/logger';
import {
  AbhiApiError,
  AbhiConfigurationError,
  AbhiError,
  AbhiNetworkError,
  AbhiOutcomeUnknownError,
  AbhiRateLimitedError,
  AbhiResponseFormatError,
  AbhiTimeoutError,
  AbhiUnauthorizedError,
  CircuitOpenError,
  apiErrorFor,
  type AbhiErrorContext,
} from './errors';
import { EnvelopeSchema, ErrorBodySchema } from './schemas';
import { signRequest } from './signing';
import { redactEchoedValues } from '../redaction';
import { cacheTtlMs, type CacheKind } from './cache';
import type { CircuitBreaker, CallOutcome } from './circuit-breaker';
import type { TokenManager, CurrentToken } from './token-manager';
import type { AbhiMetricsSink, CredentialsProvider, RateLimiter, RatePriority, ResponseCache } from './ports';
import { BULK_REASK_MIN_MS, patientReaskFloorMs } from './fleet-limit';

/**
 * The request pipeline every client method goes through:
 *   cache → [per attempt: circuit breaker → token → fleet rate-limit slot → signed fetch with timeout → decode]
 * with retries (exponential backoff, full jitter, Retry-After honoured) bounded by the caller's deadline, one
 * store re-read / re-login on 401, and unknown-outcome resolution for non-idempotent writes.
 */
export type OperationGroup = 'auth' | 'employees' | 'transactions' | 'organizations' | 'repayments' | 'masterdata';

export interface CallOptions {
  /** Absolute deadline (epoch ms) for the whole call, retries and waits included: the invocation's, from the one
   *  deadline policy (`abhiCallOptions(ctx)`, #shared/use-cases/invocation). Default: now + `defaultBudgetMs`. */
  readonly deadline?: number;
  /** Goes to logs and to Abhi as `X-Correlation-Id`. Default: the logger's correlation id. */
  readonly correlationId?: string;
  /** Skip the cache for this read (the fresh answer is still stored). */
  readonly bypassCache?: boolean;
  /**
   * Longest wait for a fleet rate-limit slot (default: the client's `maxRateLimitWaitMs`, 2 s). Longer than that, the
   * caller is patient (a workflow task with a long deadline): it never reserves a slot more than
   * PATIENT_RESERVE_AHEAD_MS ahead, it asks again with jitter until it gets one. A backlog of patient callers so keeps
   * Abhi saturated without a queue so deep that interactive calls (2 s) find no slot.
   */
  readonly maxRateLimitWaitMs?: number;
  /**
   * Runs once, when the call has its first rate slot, right before its first request goes out; if it fails, the call
   * fails with its error and nothing is sent. The advance workflow commits its create-attempt counter here: a request
   * that may reach Abhi is always counted first, and a create that never got a slot is not.
   */
  readonly beforeSend?: () => Promise<void>;
  /**
   * `bulk` for work that may wait (employee import, sync, status polling): it takes a fleet rate slot only while the
   * interactive reserve stays free, and waits for one up to the deadline (less one attempt) instead of 2 s.
   */
  readonly priority?: RatePriority;
}

/** Per-call options of `execute`; `beforeSend` is cleared once it has run. */
interface CallSettings {
  readonly maxRateLimitWaitMs?: number;
  readonly priority?: RatePriority;
  beforeSend?: () => Promise<void>;
}

export type Resolution<T> = { readonly found: true; readonly value: T } | { readonly found: false };

export interface OperationSpec<T> {
  readonly operation: string;
  readonly group: OperationGroup;
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly pathTemplate: string;
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  readonly body?: unknown;
  /** Schema of `data`; without one the success body is not decoded (like the SDK's `result == nil`). */
  readonly schema?: z.ZodMiniType<T>;
  /** Safe to repeat after an unknown outcome. */
  readonly idempotent: boolean;
  /** For non-idempotent writes: looks the write up after an unknown outcome. */
  readonly resolveUnknown?: (deadline: number) => Promise<Resolution<T>>;
  /** Reference used by `resolveUnknown` (reported in `AbhiOutcomeUnknownError`). */
  readonly reference?: string;
  /** The fleet login: no bearer token, exactly HTTP 200 required. */
  readonly login?: boolean;
  /** Default true: a 401 triggers one store re-read / re-login and one more attempt. */
  readonly reauthenticate?: boolean;
  readonly cache?: { readonly kind: CacheKind; readonly key: string };
  /** After an earlier attempt with unknown outcome, this error means the write is done (e.g. 404 on a repeated DELETE). */
  readonly doneAfterUnknown?: (error: AbhiApiError) => boolean;
}

export interface RetryPolicy {
  /** Total attempts (first try included). Default 4. */
  readonly maxAttempts?: number;
  /** Default 100 ms. */
  readonly baseDelayMs?: number;
  /** Default 2 000 ms. */
  readonly maxDelayMs?: number;
}

export interface TransportDependencies {
  readonly baseUrl: string;
  readonly credentials: CredentialsProvider;
  readonly tokens: TokenManager;
  readonly rateLimiter: RateLimiter;
  readonly breaker: CircuitBreaker;
  readonly cache: ResponseCache | undefined;
  readonly cacheTtlOverrides?: Partial<Record<CacheKind, number>>;
  readonly metrics: AbhiMetricsSink;
  readonly logger: Logger;
  readonly signing: { readonly enabled: boolean; readonly secret?: string };
  readonly timeoutMs: number;
  readonly defaultBudgetMs: number;
  /** Upper bound on waiting for a fleet rate-limit slot. */
  readonly maxRateLimitWaitMs: number;
  readonly retry: Required<RetryPolicy>;
  readonly now: () => number;
  readonly fetch: typeof fetch;
}

/** Spread of bulk callers' re-asks, so they do not all arrive at the moment a slot frees. */
const BULK_JITTER_MS = 50;
/** Below this much remaining time an attempt is not started. */
const MIN_ATTEMPT_MS = 50;
/** A rate slot whose sleep overshot by more than this is given up (see waitForRateSlot). */
const LATE_SLOT_MS = 100;
/**
 * How far ahead a patient caller reserves a slot (under the 2 s of interactive calls, which therefore still get one
 * during a backlog); refused, it asks again within this much of the moment one is in reach, so the queue it keeps
 * never runs dry while patient callers wait.
 */
const PATIENT_RESERVE_AHEAD_MS = 1_000;

type AttemptResult<T> =
  | { readonly kind: 'done'; readonly value: T }
  | { readonly kind: 'retry'; readonly error: AbhiError; readonly delayMs?: number }
  | { readonly kind: 'unknown'; readonly error: AbhiError }
  | { readonly kind: 'reauth'; readonly token: CurrentToken; readonly error: AbhiError }
  | { readonly kind: 'fail'; readonly error: unknown };

interface RawResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

export class AbhiTransport {
  private readonly baseUrl: string;

  constructor(private readonly deps: TransportDependencies) {
    this.baseUrl = deps.baseUrl.replace(/\/+$/, '');
  }

  deadlineOf(options: CallOptions = {}): number {
    return options.deadline ?? this.deps.now() + this.deps.defaultBudgetMs;
  }

  async call<T>(spec: OperationSpec<T>, options: CallOptions = {}): Promise<T> {
    const started = this.deps.now();
    const deadline = this.deadlineOf(options);
    const context: AbhiErrorContext = {
      operation: spec.operation,
      endpoint: `${spec.method} ${spec.pathTemplate}`,
      correlationId: options.correlationId ?? correlationIdOf(this.deps.logger),
    };
    let outcome = 'success';
    try {
      if (spec.cache && this.deps.cache && spec.schema) {
        if (!options.bypassCache) {
          const hit = await this.cacheGet(spec.cache.kind, spec.cache.key, spec.schema, context);
          if (hit !== undefined) {
            outcome = 'cache_hit';
            this.deps.metrics.metric('AbhiCacheHit', 'Count', 1);
            return hit;
          }
          this.deps.metrics.metric('AbhiCacheMiss', 'Count', 1);
        }
        const value = await this.execute(spec, context, deadline, options);
        await this.cacheSet(spec.cache.kind, spec.cache.key, value, context);
        return value;
      }
      return await this.execute(spec, context, deadline, options);
    } catch (error) {
      outcome = outcomeName(error);
      throw error;
    } finally {
      this.deps.metrics.metric('AbhiCallLatency', 'Milliseconds', this.deps.now() - started, { AbhiGroup: spec.group, AbhiOutcome: outcome });
    }
  }

  private async cacheGet<T>(kind: CacheKind, key: string, schema: z.ZodMiniType<T>, context: AbhiErrorContext): Promise<T | undefined> {
    try {
      const cached = await this.deps.cache!.get(kind, key);
      if (cached === undefined) return undefined;
      const parsed = schema.safeParse(cached);
      return parsed.success ? parsed.data : undefined;
    } catch (error) {
      // The cache is an optimisation: a failing cache read is a miss, never a failed call.
      this.deps.logger.warn('Abhi cache read failed', { operation: context.operation, correlationId: context.correlationId, error: errorName(error) });
      return undefined;
    }
  }

  private async cacheSet(kind: CacheKind, key: string, value: unknown, context: AbhiErrorContext): Promise<void> {
    try {
      await this.deps.cache!.set(kind, key, value, cacheTtlMs(kind, this.deps.cacheTtlOverrides));
    } catch (error) {
      this.deps.logger.warn('Abhi cache write failed', { operation: context.operation, correlationId: context.correlationId, error: errorName(error) });
    }
  }

  /** Runs the attempts of one call (no cache). Exposed for the token manager's login. */
  async execute<T>(spec: OperationSpec<T>, context: AbhiErrorContext, deadline: number, options: Pick<CallOptions, 'maxRateLimitWaitMs' | 'beforeSend' | 'priority'> = {}): Promise<T> {
    const settings: CallSettings = { maxRateLimitWaitMs: options.maxRateLimitWaitMs, beforeSend: options.beforeSend, priority: options.priority };
    let attempts = 0;
    let reauthenticated = false;
    let priorUnknown = false;
    let lastError: unknown;
    for (;;) {
      const remaining = deadline - this.deps.now();
      if (remaining < MIN_ATTEMPT_MS) {
        throw lastError ?? new AbhiTimeoutError('the deadline passed before Abhi could be called', false, context);
      }
      attempts += 1;
      const result = await this.attempt(spec, context, deadline, priorUnknown, settings);
      switch (result.kind) {
        case 'done':
          return result.value;
        case 'fail':
          throw result.error;
        case 'reauth': {
          lastError = result.error;
          if (reauthenticated || spec.reauthenticate === false || spec.login) throw result.error;
          reauthenticated = true;
          attempts -= 1; // a re-login is not a retry of the operation
          await this.deps.tokens.afterUnauthorized(result.token.version, deadline);
          continue;
        }
        case 'unknown': {
          lastError = result.error;
          priorUnknown = true;
          if (!spec.resolveUnknown) {
            throw new AbhiOutcomeUnknownError(
              `the request may have been applied but its answer was lost (${result.error.message}); it is not repeated automatically`,
              spec.reference,
              { ...context, cause: result.error },
            );
          }
          let resolution: Resolution<T>;
          try {
            resolution = await spec.resolveUnknown(deadline);
          } catch (lookupError) {
            if (lookupError instanceof AbhiOutcomeUnknownError) throw lookupError;
            throw new AbhiOutcomeUnknownError(
              `the request may have been applied but its answer was lost, and looking it up failed (${(lookupError as Error).message})`,
              spec.reference,
              { ...context, cause: lookupError },
            );
          }
          if (resolution.found) {
            this.deps.metrics.metric('AbhiOutcomeResolved', 'Count', 1);
            this.deps.logger.info('Abhi write with lost answer found by lookup', { operation: context.operation, correlationId: context.correlationId });
            return resolution.value;
          }
          // Not applied: repeating it is safe (subject to the retry budget).
          if (attempts >= this.deps.retry.maxAttempts) {
            throw new AbhiOutcomeUnknownError(
              `the request was not applied (lookup found nothing) and the retry budget is spent (${result.error.message})`,
              spec.reference,
              { ...context, cause: result.error },
            );
          }
          await this.backoff(attempts, undefined, deadline, result.error, context);
          continue;
        }
        case 'retry': {
          lastError = result.error;
          if (attempts >= this.deps.retry.maxAttempts) throw result.error;
          await this.backoff(attempts, result.delayMs, deadline, result.error, context);
          continue;
        }
      }
    }
  }

  private async backoff(attempt: number, minimumMs: number | undefined, deadline: number, error: AbhiError, context: AbhiErrorContext): Promise<void> {
    const { baseDelayMs, maxDelayMs } = this.deps.retry;
    const jitter = Math.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
    const delay = Math.max(minimumMs ?? 0, jitter);
    if (this.deps.now() + delay + MIN_ATTEMPT_MS > deadline) throw error;
    this.deps.metrics.metric('AbhiRetries', 'Count', 1);
    this.deps.logger.warn('Abhi call failed, retrying', {
      operation: context.operation,
      correlationId: context.correlationId,
      attempt,
      delayMs: Math.round(delay),
      error: error.name,
    });
    await sleep(delay);
  }

  private async attempt<T>(
    spec: OperationSpec<T>,
    context: AbhiErrorContext,
    deadline: number,
    priorUnknown: boolean,
    settings: CallSettings,
  ): Promise<AttemptResult<T>> {
    const decision = await this.deps.breaker.acquire(spec.group);
    if (!decision.allowed) {
      this.deps.metrics.metric('AbhiBreakerRejected', 'Count', 1);
      return { kind: 'fail', error: new CircuitOpenError(spec.group, Math.max(1, Math.ceil(decision.retryAfterMs / 1000)), context) };
    }
    if (decision.permit.kind === 'trial') this.deps.metrics.metric('AbhiBreakerTrials', 'Count', 1, { AbhiGroup: spec.group });
    let outcome: CallOutcome = 'ignored';
    try {
      const token = spec.login ? undefined : await this.deps.tokens.getToken(deadline);
      const slotError =
        settings.priority === 'bulk'
          ? await this.waitForBulkSlot(deadline, context, settings.maxRateLimitWaitMs)
          : await this.waitForRateSlot(deadline, context, settings.maxRateLimitWaitMs);
      if (slotError) return { kind: 'fail', error: slotError };
      const beforeSend = settings.beforeSend;
      if (beforeSend) {
        settings.beforeSend = undefined;
        await beforeSend();
      }

      let response: RawResponse;
      try {
        response = await this.send(spec, token?.token, deadline, context);
      } catch (error) {
        if (!(error instanceof AbhiNetworkError || error instanceof AbhiTimeoutError)) return { kind: 'fail', error };
        outcome = 'failure';
        if (!error.maybeSent || spec.idempotent) return { kind: 'retry', error };
        return { kind: 'unknown', error };
      }

      if (response.status < 400) {
        outcome = 'success';
        if (spec.login && response.status !== 200) {
          outcome = 'failure';
          return { kind: 'fail', error: new AbhiResponseFormatError(`login must answer HTTP 200, got ${response.status}`, [], context) };
        }
        try {
          return { kind: 'done', value: this.decode(spec, response, context) };
        } catch (error) {
          outcome = 'failure';
          return { kind: 'fail', error };
        }
      }

      const error = this.errorFrom(response, spec.body, context);
      if (error.statusCode === 429) {
        outcome = 'ignored';
        this.deps.metrics.metric('AbhiRateLimited', 'Count', 1);
        return { kind: 'retry', error, delayMs: (error as AbhiRateLimitedError).retryAfterSeconds * 1000 };
      }
      if (error.statusCode >= 500) {
        outcome = 'failure';
        if (spec.idempotent) return { kind: 'retry', error };
        return { kind: 'unknown', error };
      }
      outcome = 'success'; // Abhi is up and answered; a 4xx is the caller's problem, not the breaker's.
      if (priorUnknown && spec.doneAfterUnknown?.(error)) return { kind: 'done', value: undefined as T };
      if (priorUnknown && spec.resolveUnknown && error.statusCode === 409) return { kind: 'unknown', error };
      if (error instanceof AbhiUnauthorizedError && token) return { kind: 'reauth', token, error };
      return { kind: 'fail', error };
    } catch (error) {
      return { kind: 'fail', error };
    } finally {
      try {
        await decision.permit.complete(outcome);
      } catch (error) {
        this.deps.logger.warn('Abhi circuit breaker state could not be recorded', { group: spec.group, error: errorName(error) });
      }
    }
  }

  /**
   * Waits for a fleet-wide slot. A slot whose sleep overshot by more than LATE_SLOT_MS (event-loop stall, CPU
   * throttling) is given up and a new one taken: sending late would bunch this request with the ones scheduled after
   * it, which is exactly the burst the bucket exists to prevent.
   * A patient caller (`maxRateLimitWaitMs` above the client's) reserves at most PATIENT_RESERVE_AHEAD_MS ahead;
   * refused, it sleeps until a slot is within that reach plus a random part of it, and asks again while its patience
   * lasts.
   */
  private async waitForRateSlot(deadline: number, context: AbhiErrorContext, maxRateLimitWaitMs?: number): Promise<AbhiRateLimitedError | undefined> {
    const startedAt = this.deps.now();
    const patience = maxRateLimitWaitMs ?? this.deps.maxRateLimitWaitMs;
    const patient = patience > this.deps.maxRateLimitWaitMs;
    const reach = patient ? Math.min(PATIENT_RESERVE_AHEAD_MS, this.deps.maxRateLimitWaitMs) : patience;
    const latestSlot = deadline - MIN_ATTEMPT_MS;
    const patientUntil = patient ? Math.min(startedAt + patience, latestSlot) : latestSlot;
    let retaken = false;
    for (;;) {
      const requestedAt = this.deps.now();
      const slot = await this.deps.rateLimiter.acquire(Math.max(0, Math.min(reach, patientUntil - requestedAt)));
      if (!slot.allowed) {
        // retryAfterMs is when a slot is free with no wait: one `reach` earlier, one is within ours.
        const pauseMs = Math.max(patientReaskFloorMs(this.deps.now() - startedAt), Math.max(0, slot.retryAfterMs - reach) + Math.random() * reach);
        if (patient && this.deps.now() + pauseMs < patientUntil) {
          await sleep(pauseMs);
          continue;
        }
        // Counted apart from Abhi's own 429s (AbhiRateLimited): this refusal never reached Abhi.
        this.deps.metrics.metric('AbhiLocalLimiterRefused', 'Count', 1);
        return new AbhiRateLimitedError(Math.max(1, Math.ceil(slot.retryAfterMs / 1000)), 'local', context);
      }
      const due = requestedAt + slot.waitMs;
      const sleepMs = due - this.deps.now();
      if (sleepMs > 0) {
        this.deps.metrics.metric('AbhiRateLimitWaitMs', 'Milliseconds', sleepMs);
        await sleep(sleepMs);
        const late = this.deps.now() - due;
        if (late > LATE_SLOT_MS && !retaken) {
          retaken = true;
          this.deps.logger.debug('Abhi rate slot missed, taking a new one', { operation: context.operation, lateMs: Math.round(late) });
          continue;
        }
      }
      return undefined;
    }
  }

  /**
   * A bulk caller's slot: asked for with no wait (it never reserves ahead of interactive calls) and asked again, with
   * a little jitter, when the limiter says one is free — until its patience (default: the deadline less one attempt)
   * runs out.
   */
  private async waitForBulkSlot(deadline: number, context: AbhiErrorContext, maxRateLimitWaitMs?: number): Promise<AbhiRateLimitedError | undefined> {
    const startedAt = this.deps.now();
    const until = Math.min(
      deadline - MIN_ATTEMPT_MS,
      startedAt + Math.max(maxRateLimitWaitMs ?? 0, this.deps.maxRateLimitWaitMs, deadline - startedAt - this.deps.timeoutMs),
    );
    for (;;) {
      const slot = await this.deps.rateLimiter.acquire(0, 'bulk');
      if (slot.allowed) {
        if (slot.waitMs > 0) await sleep(slot.waitMs);
        const waitedMs = this.deps.now() - startedAt;
        if (waitedMs > 0) this.deps.metrics.metric('AbhiBulkRateWaitMs', 'Milliseconds', waitedMs);
        return undefined;
      }
      const pauseMs = Math.max(BULK_REASK_MIN_MS, slot.retryAfterMs + Math.random() * BULK_JITTER_MS);
      if (this.deps.now() + pauseMs >= until) {
        this.deps.metrics.metric('AbhiRateLimited', 'Count', 1);
        return new AbhiRateLimitedError(Math.max(1, Math.ceil(slot.retryAfterMs / 1000)), 'local', context);
      }
      await sleep(pauseMs);
    }
  }

  private buildUrl(spec: OperationSpec<unknown>): string {
    const params = new URLSearchParams();
    // Keys sorted like Go's url.Values.Encode().
    for (const key of Object.keys(spec.query ?? {}).sort()) {
      const value = spec.query![key];
      if (value === undefined || value === '') continue;
      params.append(key, String(value));
    }
    const query = params.toString();
    return `${this.baseUrl}${spec.path}${query ? `?${query}` : ''}`;
  }

  private async send(spec: OperationSpec<unknown>, token: string | undefined, deadline: number, context: AbhiErrorContext): Promise<RawResponse> {
    const url = this.buildUrl(spec);
    const body = spec.body === undefined ? '' : JSON.stringify(spec.body);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (!spec.login) headers.accept = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    if (context.correlationId) headers['x-correlation-id'] = context.correlationId;
    if (this.deps.signing.enabled) {
      const secret = this.deps.signing.secret ?? (await this.deps.credentials.get()).signingSecret;
      if (!secret) throw new AbhiConfigurationError('request signing is enabled but the credentials secret has no signingSecret', context);
      Object.assign(headers, signRequest({ method: spec.method, url, headers, body }, secret, this.deps.now()));
    }
    const timeoutMs = Math.max(1, Math.min(this.deps.timeoutMs, deadline - this.deps.now()));
    const signal = AbortSignal.timeout(timeoutMs);
    let responded = false;
    try {
      const response = await this.deps.fetch(url, { method: spec.method, headers, body: body === '' ? undefined : body, signal, redirect: 'error' });
      responded = true;
      const text = await response.text();
      return { status: response.status, headers: response.headers, text };
    } catch (error) {
      const name = (error as Error)?.name;
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw new AbhiTimeoutError(`no answer within ${timeoutMs} ms`, true, { ...context, cause: error });
      }
      const code = causeCode(error);
      // Only a connection that was never established proves the request did not reach Abhi.
      const neverSent = !responded && ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'ENETUNREACH', 'EHOSTUNREACH'].includes(code ?? '');
      throw new AbhiNetworkError(`${spec.method} ${spec.pathTemplate} failed (${code ?? name ?? 'unknown'})`, !neverSent, { ...context, cause: error });
    }
  }

  private decode<T>(spec: OperationSpec<T>, response: RawResponse, context: AbhiErrorContext): T {
    if (!spec.schema) return undefined as T;
    let json: unknown;
    try {
      json = JSON.parse(response.text);
    } catch {
      throw new AbhiResponseFormatError(`body is not JSON (HTTP ${response.status}, ${response.text.length} bytes)`, [], context);
    }
    const envelope = EnvelopeSchema.safeParse(json);
    if (!envelope.success || typeof json !== 'object' || json === null || !('data' in json)) {
      throw new AbhiResponseFormatError('body is not the {statusCode, message, data} envelope', [], context);
    }
    const data = spec.schema.safeParse(envelope.data.data);
    if (!data.success) {
      throw new AbhiResponseFormatError(
        'data does not match the documented shape',
        data.error.issues.map((issue) => `${issue.path.join('.') || 'data'}: ${issue.message}`),
        context,
      );
    }
    return data.data;
  }

  /** Abhi's messages may repeat the personal data they were sent; those values are removed before they travel on. */
  private errorFrom(response: RawResponse, sent: unknown, context: AbhiErrorContext): AbhiApiError {
    const retryAfter = parseRetryAfter(response.headers.get('retry-after'), this.deps.now());
    let parsed: z.infer<typeof ErrorBodySchema> | undefined;
    try {
      const result = ErrorBodySchema.safeParse(JSON.parse(response.text));
      if (result.success) parsed = result.data;
    } catch {
      // not JSON: fall back to the HTTP status, like the SDK's "Unknown error"
    }
    // The SDK takes the status from the body; a body without a usable one falls back to the HTTP status here.
    const bodyStatus = parsed?.statusCode;
    const statusCode = bodyStatus !== undefined && bodyStatus >= 400 && bodyStatus <= 599 ? bodyStatus : response.status;
    const message = redactEchoedValues(parsed?.message || (parsed ? 'Error' : 'Unknown error'), sent);
    const rawDetails = parsed
      ? parsed.details === undefined || parsed.details === null
        ? undefined
        : typeof parsed.details === 'string'
          ? parsed.details
          : truncate(JSON.stringify(parsed.details), 500)
      : truncate(response.text, 200) || undefined;
    const details = rawDetails === undefined ? undefined : redactEchoedValues(rawDetails, sent);
    return apiErrorFor(statusCode, message, details, context, retryAfter);
  }
}

export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Math.max(0, Number(value.trim()));
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

function outcomeName(error: unknown): string {
  if (error instanceof CircuitOpenError) return 'circuit_open';
  if (error instanceof AbhiRateLimitedError) return 'rate_limited';
  if (error instanceof AbhiApiError) {
    if (error.statusCode === 404) return 'not_found';
    if (error.statusCode >= 500) return 'server_error';
    return 'client_error';
  }
  if (error instanceof AbhiTimeoutError) return 'timeout';
  if (error instanceof AbhiNetworkError) return 'network_error';
  if (error instanceof AbhiOutcomeUnknownError) return 'outcome_unknown';
  if (error instanceof AbhiResponseFormatError) return 'malformed';
  return 'error';
}

function causeCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function correlationIdOf(logger: Logger): string | undefined {
  try {
    const id = logger.getCorrelationId();
    return typeof id === 'string' && id ? id : undefined;
  } catch {
    return undefined;
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
