import { AppError, type ErrorCode, type FieldError } from '#shared/domain/errors';

/** Errors raised by the HTTP edge itself (the use-case errors live in #shared/domain/errors). */
export class RateLimitExceededError extends AppError {
  constructor(retryAfterSeconds: number, message = 'Too many requests: slow down and retry after the time in Retry-After.') {
    super(429, 'RATE_LIMIT_EXCEEDED', message, { retryAfterSeconds });
  }
}
export class PayloadTooLargeError extends AppError {
  constructor(limitBytes: number) {
    super(413, 'PAYLOAD_TOO_LARGE', `The request body exceeds ${limitBytes} bytes.`);
  }
}
export class UnsupportedMediaTypeError extends AppError {
  constructor() {
    super(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the request body as JSON with Content-Type: application/json.');
  }
}
export class IdempotencyKeyRequiredError extends AppError {
  constructor(message = 'This operation requires an Idempotency-Key header (8 to 128 characters of A-Z, a-z, 0-9, _ and -).') {
    super(400, 'IDEMPOTENCY_KEY_REQUIRED', message);
  }
}
export class IdempotencyKeyReusedError extends AppError {
  constructor() {
    super(422, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used with a different request body: use a new key for a new request.');
  }
}
export class RequestInProgressError extends AppError {
  constructor() {
    super(409, 'REQUEST_IN_PROGRESS', 'A request with this Idempotency-Key is still being processed: retry later with the same key.', {
      retryAfterSeconds: 1,
    });
  }
}

export interface MappedError {
  status: number;
  code: ErrorCode;
  detail: string;
  errors?: readonly FieldError[];
  retryAfterSeconds?: number;
  /** True when the error is ours (a bug or an outage), to be logged at error level with its stack. */
  unexpected: boolean;
}

const GENERIC_INTERNAL = 'An unexpected error occurred. Quote the request id if you contact support.';

/**
 * Maps any thrown value to the problem the client sees. AppError subclasses map by their status/code; errors of the
 * Abhi client by name (duck typing, so this module does not depend on the client); Powertools idempotency errors to
 * 409/422; anything else is a 500 with a generic detail — never a stack, SQL, token or host name.
 */
export function mapError(error: unknown): MappedError {
  if (error instanceof AppError) {
    return {
      status: error.status,
      code: error.code,
      detail: error.message,
      ...(error.options.errors?.length ? { errors: error.options.errors } : {}),
      ...(error.options.retryAfterSeconds !== undefined ? { retryAfterSeconds: error.options.retryAfterSeconds } : {}),
      unexpected: error.status >= 500,
    };
  }
  if (!(error instanceof Error)) return { status: 500, code: 'INTERNAL_ERROR', detail: GENERIC_INTERNAL, unexpected: true };

  const name = error.name;
  switch (name) {
    case 'IdempotencyValidationError':
      return fromAppError(new IdempotencyKeyReusedError());
    case 'IdempotencyAlreadyInProgressError':
    case 'IdempotencyInconsistentStateError':
      return fromAppError(new RequestInProgressError());
    case 'TimeoutError':
      // middy's early timeout: the function ran out of time (usually a slow dependency).
      if (isMiddyTimeout(error)) return { status: 504, code: 'INTERNAL_ERROR', detail: 'The request could not be completed in time.', unexpected: true };
  }

  // Abhi client errors (functions/shared/abhi/errors.ts), matched by name: the classes set literal names so this
  // survives minification, and this module stays independent of the client.
  const retryAfterSeconds = retryAfterOf(error);
  if (name === 'AbhiCircuitOpenError' || name === 'CircuitOpenError') {
    return {
      status: 503,
      code: 'CIRCUIT_BREAKER_OPEN',
      detail: 'The Abhi service is temporarily unavailable; retry later.',
      retryAfterSeconds: retryAfterSeconds ?? 30,
      unexpected: false,
    };
  }
  if (name === 'AbhiNotFoundError') {
    // Normally the use case turns this into its own NotFoundError; if it escapes, it still is a 404, not an outage.
    return { status: 404, code: 'NOT_FOUND', detail: 'The requested resource was not found.', unexpected: false };
  }
  if (name === 'AbhiRequestValidationError') {
    // The client refused the input before sending it: the caller's request is wrong, not Abhi.
    return { status: 400, code: 'VALIDATION_ERROR', detail: 'The request is not valid for the Abhi API.', unexpected: false };
  }
  if (name === 'AbhiValidationError') {
    // Abhi refused the request on its merits (e.g. a duplicate or an amount it does not allow).
    return { status: 422, code: 'VALIDATION_ERROR', detail: 'Abhi refused the request as invalid.', unexpected: false };
  }
  if (name === 'AbhiConflictError') {
    return { status: 409, code: 'CONFLICT', detail: 'Abhi already holds a conflicting record.', unexpected: false };
  }
  if (name === 'AbhiLoginRejectedError') {
    // The fleet's Abhi credentials were refused; an alarm fires and operators must fix the secret.
    return { status: 503, code: 'EXTERNAL_API_ERROR', detail: 'The Abhi service is unavailable; retry later.', retryAfterSeconds: 60, unexpected: true };
  }
  if (/^Abhi/.test(name) || name === 'UpstreamTimeoutError') {
    if (/Timeout/i.test(name) || isTimeoutLike(error)) {
      return { status: 504, code: 'EXTERNAL_API_ERROR', detail: 'The Abhi service did not answer in time.', unexpected: true };
    }
    if (/RateLimit|Throttl/i.test(name) || statusOf(error) === 429) {
      return {
        status: 503,
        code: 'EXTERNAL_API_ERROR',
        detail: 'The Abhi service is rate limiting requests; retry later.',
        retryAfterSeconds: retryAfterSeconds ?? 5,
        unexpected: false,
      };
    }
    return { status: 502, code: 'EXTERNAL_API_ERROR', detail: 'The Abhi service returned an error.', unexpected: true };
  }
  const database = mapDatabaseError(error);
  if (database) return database;
  if (isConnectionLoss(error)) {
    // The database (or another backing service) is unreachable — a restart, failover or connection storm. Nothing
    // was decided, so the client may retry (with the same Idempotency-Key for writes); still logged as an outage.
    return { status: 503, code: 'SERVICE_UNAVAILABLE', detail: 'The service is temporarily unavailable; retry later.', retryAfterSeconds: 2, unexpected: true };
  }
  return { status: 500, code: 'INTERNAL_ERROR', detail: GENERIC_INTERNAL, unexpected: true };
}

/**
 * PostgreSQL errors a repository can meet that are the request's fault or a passing condition, never a 500: the
 * field is named from the constraint's columns (never its value, which may be personal data).
 */
function mapDatabaseError(error: Error): MappedError | undefined {
  const { code, detail, column, severity } = error as { code?: unknown; detail?: unknown; column?: unknown; severity?: unknown };
  // node-postgres' DatabaseError: a five-character SQLSTATE and a severity (a network error's code has no severity).
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code) || typeof severity !== 'string') return undefined;
  const fields = (typeof detail === 'string' ? /^Key \(([^)]+)\)=/.exec(detail)?.[1]?.split(', ') : undefined) ?? (typeof column === 'string' ? [column] : []);
  const errors = fields.map((field) => ({ field: `body.${camel(field)}`, message: 'conflicts with an existing record' }));
  const named = fields.length ? ` (${fields.map(camel).join(', ')})` : '';
  switch (code) {
    case '23505': // unique_violation
    case '23P01': // exclusion_violation
      return { status: 409, code: 'CONFLICT', detail: `A record with the same${named || ' key'} already exists.`, ...(errors.length ? { errors } : {}), unexpected: false };
    case '23503': // foreign_key_violation: a referenced record is missing, or a record is still referenced
      return { status: 409, code: 'CONFLICT', detail: `A related record${named} does not exist or is still in use.`, unexpected: false };
    case '23502': // not_null_violation
    case '23514': // check_violation
      return { status: 422, code: 'VALIDATION_ERROR', detail: `The request breaks a rule of the stored data${named}.`, ...(fields.length ? { errors: fields.map((f) => ({ field: `body.${camel(f)}`, message: 'is not allowed' })) } : {}), unexpected: false };
    case '40001': // serialization_failure, after withTransaction's retries
    case '40P01': // deadlock_detected, likewise
    case '55P03': // lock_not_available
    case '57014': // query_canceled: statement timeout
      return { status: 503, code: 'SERVICE_UNAVAILABLE', detail: 'The service is busy with concurrent changes; retry shortly.', retryAfterSeconds: 1, unexpected: false };
  }
  if (code.startsWith('22')) {
    // data_exception: a value the column cannot hold (too long, out of range, not a number/date/uuid)
    return { status: 422, code: 'VALIDATION_ERROR', detail: 'A value in the request cannot be stored (too long, out of range or malformed).', unexpected: false };
  }
  return undefined;
}

const camel = (column: string) => column.trim().replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());

/** PostgreSQL's "server went away / not accepting connections" codes (class 08, admin/crash shutdown, too many). */
const CONNECTION_LOSS_CODES = new Set(['57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08004', '08006', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

function isConnectionLoss(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && CONNECTION_LOSS_CODES.has(code)) return true;
  // node-postgres reports a lost or unobtainable connection by message only.
  return /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/.test(error.message);
}

function fromAppError(error: AppError): MappedError {
  return mapError(error);
}

function isMiddyTimeout(error: Error): boolean {
  const cause = (error as { cause?: { package?: string } }).cause;
  return cause?.package === '@middy/core';
}

function isTimeoutLike(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'ETIMEDOUT' || code === 'TIMEOUT' || /timed? ?out/i.test(error.message);
}

function statusOf(error: Error): number | undefined {
  const e = error as { status?: unknown; statusCode?: unknown };
  const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : undefined;
  return status;
}

function retryAfterOf(error: Error): number | undefined {
  const e = error as { retryAfterSeconds?: unknown; retryAfterMs?: unknown };
  if (typeof e.retryAfterSeconds === 'number' && e.retryAfterSeconds > 0) return e.retryAfterSeconds;
  if (typeof e.retryAfterMs === 'number' && e.retryAfterMs > 0) return Math.ceil(e.retryAfterMs / 1000);
  return undefined;
}
