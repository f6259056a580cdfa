/**
 * Errors the use cases raise. The HTTP layer maps each to an RFC 9457 problem (status + stable code); nothing else
 * about an error (stack, SQL, upstream host) reaches a client.
 */
export type ErrorCode =
  | 'VALIDATION_ERROR'
  | 'VALIDATION_FAILED'
  | 'NOT_FOUND'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'MFA_REQUIRED'
  | 'CONFLICT'
  | 'RATE_LIMIT_EXCEEDED'
  | 'EXTERNAL_API_ERROR'
  | 'CIRCUIT_BREAKER_OPEN'
  | 'INTERNAL_ERROR'
  | 'SERVICE_UNAVAILABLE'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'IDEMPOTENCY_KEY_REQUIRED'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'REQUEST_IN_PROGRESS';

export interface FieldError {
  /** JSON pointer-ish path, e.g. `body.amount` or `query.limit`. */
  readonly field: string;
  readonly message: string;
}

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly options: { errors?: readonly FieldError[]; retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(message: string, errors: readonly FieldError[] = []) {
    super(400, 'VALIDATION_ERROR', message, { errors });
  }
}
export class NotFoundError extends AppError {
  constructor(what: string) {
    super(404, 'NOT_FOUND', `${what} was not found.`);
  }
}
export class ForbiddenError extends AppError {
  constructor(message = 'You are not allowed to perform this operation.') {
    super(403, 'FORBIDDEN', message);
  }
}
export class MfaRequiredError extends AppError {
  constructor(message = 'This operation requires a token obtained with multi-factor authentication.') {
    super(403, 'MFA_REQUIRED', message);
  }
}
export class ConflictError extends AppError {
  constructor(message: string) {
    super(409, 'CONFLICT', message);
  }
}
/** A business rule refused the request (e.g. an advance above the available amount). */
export class UnprocessableError extends AppError {
  constructor(message: string, errors: readonly FieldError[] = []) {
    super(422, 'VALIDATION_ERROR', message, { errors });
  }
}
/**
 * An advance the platform refuses on its merits (policy, employee, payroll window, balance, Abhi's validation), as
 * the seed answers it: 400 `VALIDATION_FAILED` with the reason per field. Distinct from a malformed request.
 */
export class AdvanceRefusedError extends AppError {
  constructor(message: string, errors: readonly FieldError[]) {
    super(400, 'VALIDATION_FAILED', message, { errors });
  }
}
export class UpstreamError extends AppError {
  constructor(status: 502 | 503 | 504, code: 'EXTERNAL_API_ERROR' | 'CIRCUIT_BREAKER_OPEN', message: string, retryAfterSeconds?: number, cause?: unknown) {
    super(status, code, message, { retryAfterSeconds, cause });
  }
}
