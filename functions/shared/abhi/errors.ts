/**
 * Typed errors of the Abhi client. Every error names the client operation (`employees.get`) and the endpoint
 * (`GET /employees/{employeeId}`), never a token, password or personal data. Class names are literal strings (not
 * `new.target.name`) because minified bundles rename classes and the HTTP layer matches errors by `name`.
 *
 * Hierarchy:
 *   AbhiError
 *   ├─ AbhiApiError (Abhi answered with an error status; `statusCode` from the body as the SDK does, else HTTP)
 *   │   ├─ AbhiValidationError (400/422)   ├─ AbhiUnauthorizedError (401)   ├─ AbhiForbiddenError (403)
 *   │   ├─ AbhiNotFoundError (404)         ├─ AbhiConflictError (409)       ├─ AbhiRateLimitedError (429, or local)
 *   │   └─ AbhiServerError (5xx)
 *   ├─ AbhiLoginRejectedError   (credentials rejected / user locked; never retried automatically)
 *   ├─ AbhiNetworkError         (transport failure; `maybeSent` says whether the request may have reached Abhi)
 *   ├─ AbhiTimeoutError         (no answer within the per-attempt timeout or the caller's deadline)
 *   ├─ AbhiOutcomeUnknownError  (a non-idempotent write may or may not have happened and could not be resolved)
 *   ├─ AbhiResponseFormatError  (Abhi answered 2xx with a body that does not match the documented shape)
 *   ├─ AbhiRequestValidationError (the caller's request failed client-side validation; nothing was sent)
 *   ├─ AbhiConfigurationError
 *   └─ CircuitOpenError         (the breaker of the operation group is open; fail fast, HTTP 503 + Retry-After)
 */
export interface AbhiErrorContext {
  /** Client operation, e.g. `transactions.createAdvance`. */
  readonly operation: string;
  /** Method and path template, e.g. `POST /transactions/employee`. */
  readonly endpoint: string;
  readonly correlationId?: string;
  readonly cause?: unknown;
}

export abstract class AbhiError extends Error {
  abstract override readonly name: string;
  readonly operation: string;
  readonly endpoint: string;
  readonly correlationId?: string;
  /** Whether the same call may succeed if tried again later (the client has already retried what it could). */
  readonly retryable: boolean;

  protected constructor(message: string, context: AbhiErrorContext, retryable: boolean) {
    super(`Abhi ${context.operation} (${context.endpoint}): ${message}`, context.cause === undefined ? undefined : { cause: context.cause });
    this.operation = context.operation;
    this.endpoint = context.endpoint;
    this.correlationId = context.correlationId;
    this.retryable = retryable;
  }
}

/** Abhi answered with an error status (≥ 400). */
export class AbhiApiError extends AbhiError {
  override readonly name: string = 'AbhiApiError';
  constructor(
    readonly statusCode: number,
    readonly abhiMessage: string,
    readonly details: string | undefined,
    context: AbhiErrorContext,
    retryable = statusCode >= 500,
  ) {
    super(`API Error [${statusCode}]: ${abhiMessage}${details ? ` - ${details}` : ''}`, context, retryable);
  }
}

export class AbhiValidationError extends AbhiApiError {
  override readonly name = 'AbhiValidationError';
}
export class AbhiUnauthorizedError extends AbhiApiError {
  override readonly name = 'AbhiUnauthorizedError';
}
export class AbhiForbiddenError extends AbhiApiError {
  override readonly name = 'AbhiForbiddenError';
}
export class AbhiNotFoundError extends AbhiApiError {
  override readonly name = 'AbhiNotFoundError';
}
export class AbhiConflictError extends AbhiApiError {
  override readonly name = 'AbhiConflictError';
}
export class AbhiServerError extends AbhiApiError {
  override readonly name = 'AbhiServerError';
}

/**
 * Too many requests: either Abhi answered 429 (`source: 'upstream'`) and the retry budget ran out, or the fleet-wide
 * token bucket had no slot within the caller's remaining time (`source: 'local'`, nothing was sent).
 */
export class AbhiRateLimitedError extends AbhiApiError {
  override readonly name = 'AbhiRateLimitedError';
  constructor(
    readonly retryAfterSeconds: number,
    readonly source: 'upstream' | 'local',
    context: AbhiErrorContext,
    details?: string,
  ) {
    super(429, 'Too Many Requests', details ?? (source === 'local' ? 'fleet-wide rate limit towards Abhi reached' : undefined), context, true);
  }
}

/** Abhi refused the fleet's login (wrong credentials or locked user). Raised once; later calls fail without a login. */
export class AbhiLoginRejectedError extends AbhiError {
  override readonly name = 'AbhiLoginRejectedError';
  constructor(
    readonly statusCode: number,
    readonly abhiMessage: string,
    context: AbhiErrorContext,
    /** True when this instance did not try a login itself but found an earlier rejection for the same credentials. */
    readonly fromEarlierAttempt = false,
  ) {
    super(
      `login rejected [${statusCode}]: ${abhiMessage}. Not retried automatically (five failed logins lock the user): fix the credentials secret; a changed secret is tried once.`,
      context,
      false,
    );
  }
}

export class AbhiNetworkError extends AbhiError {
  override readonly name = 'AbhiNetworkError';
  constructor(
    message: string,
    /** False only when the connection was never established (the request certainly did not reach Abhi). */
    readonly maybeSent: boolean,
    context: AbhiErrorContext,
  ) {
    super(`Network error: ${message}`, context, true);
  }
}

export class AbhiTimeoutError extends AbhiError {
  override readonly name = 'AbhiTimeoutError';
  constructor(
    message: string,
    readonly maybeSent: boolean,
    context: AbhiErrorContext,
  ) {
    super(message, context, true);
  }
}

/**
 * A non-idempotent write (create advance, repayment, organization, employees) may have been applied at Abhi but its
 * answer was lost, and looking it up did not settle the question. Do not repeat the write blindly: look it up later
 * (`transactions.findAdvanceByReference`, `repayments.findByReference`) with the same `reference`.
 */
export class AbhiOutcomeUnknownError extends AbhiError {
  override readonly name = 'AbhiOutcomeUnknownError';
  constructor(
    message: string,
    readonly reference: string | undefined,
    context: AbhiErrorContext,
  ) {
    super(message, context, false);
  }
}

/** Abhi answered 2xx but the body is not the documented shape (bad JSON, missing envelope, wrong field types). */
export class AbhiResponseFormatError extends AbhiError {
  override readonly name = 'AbhiResponseFormatError';
  constructor(
    message: string,
    readonly issues: readonly string[],
    context: AbhiErrorContext,
  ) {
    super(`malformed response: ${message}${issues.length ? ` (${issues.slice(0, 5).join('; ')})` : ''}`, context, false);
  }
}

/** The caller's request failed client-side validation; nothing was sent to Abhi. */
export class AbhiRequestValidationError extends AbhiError {
  override readonly name = 'AbhiRequestValidationError';
  constructor(
    readonly fieldErrors: readonly { field: string; message: string }[],
    context: AbhiErrorContext,
  ) {
    super(`invalid request: ${fieldErrors.map((e) => `${e.field}: ${e.message}`).join('; ')}`, context, false);
  }
}

export class AbhiConfigurationError extends AbhiError {
  override readonly name = 'AbhiConfigurationError';
  constructor(message: string, context: AbhiErrorContext) {
    super(message, context, false);
  }
}

/** The circuit breaker of this operation group is open: Abhi failed repeatedly. Map to HTTP 503 with Retry-After. */
export class CircuitOpenError extends AbhiError {
  override readonly name = 'CircuitOpenError';
  readonly statusCode = 503;
  constructor(
    readonly group: string,
    readonly retryAfterSeconds: number,
    context: AbhiErrorContext,
  ) {
    super(`circuit breaker '${group}' is open; retry after ${retryAfterSeconds} s`, context, true);
  }
}

/** Maps an Abhi error status (from the body, as the SDK does; HTTP status as fallback) to its typed error. */
export function apiErrorFor(
  statusCode: number,
  message: string,
  details: string | undefined,
  context: AbhiErrorContext,
  retryAfterSeconds?: number,
): AbhiApiError {
  if (statusCode === 400 || statusCode === 422) return new AbhiValidationError(statusCode, message, details, context, false);
  if (statusCode === 401) return new AbhiUnauthorizedError(statusCode, message, details, context, false);
  if (statusCode === 403) return new AbhiForbiddenError(statusCode, message, details, context, false);
  if (statusCode === 404) return new AbhiNotFoundError(statusCode, message, details, context, false);
  if (statusCode === 409) return new AbhiConflictError(statusCode, message, details, context, false);
  if (statusCode === 429) return new AbhiRateLimitedError(retryAfterSeconds ?? 1, 'upstream', context, details);
  if (statusCode >= 500) return new AbhiServerError(statusCode, message, details, context, true);
  return new AbhiApiError(statusCode, message, details, context, false);
}
