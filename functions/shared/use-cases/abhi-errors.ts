import {
  AbhiApiError,
  AbhiConfigurationError,
  AbhiConflictError,
  AbhiError,
  AbhiLoginRejectedError,
  AbhiNetworkError,
  AbhiNotFoundError,
  AbhiOutcomeUnknownError,
  AbhiRateLimitedError,
  AbhiRequestValidationError,
  AbhiResponseFormatError,
  AbhiServerError,
  AbhiTimeoutError,
  AbhiUnauthorizedError,
  AbhiValidationError,
  CircuitOpenError,
} from '#shared/abhi/errors';
import { ConflictError, NotFoundError, UnprocessableError, ValidationError } from '#shared/domain/errors';
import { logger } from '#shared/logger';

/**
 * What a failed Abhi call means, in one place: what is known about it (`classifyAbhiError`, for the workflow's
 * retries and the exactly-once writes) and which problem the API answers (`translateAbhiError`).
 *
 * - `rejected`: Abhi answered no (4xx other than 429): final, never retried;
 * - `unavailable`: nothing happened (rate limited, circuit open, connection refused): safe to retry later;
 * - `unknown`: a write may or may not have been applied (timeout, dropped connection, 5xx): look it up first;
 * - `permanent`: credentials or configuration are wrong: retrying will not help.
 */
export type AbhiFailureKind = 'rejected' | 'unavailable' | 'unknown' | 'permanent';

export class AbhiCallError extends Error {
  override readonly name = 'AbhiCallError';
  constructor(
    readonly kind: AbhiFailureKind,
    message: string,
    readonly details: { statusCode?: number; abhiMessage?: string; retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
  }
}

/** What a failure of the Abhi client means for the caller (see AbhiFailureKind). */
export function classifyAbhiError(error: unknown): AbhiCallError {
  if (error instanceof AbhiCallError) return error;
  const kind = failureKind(error);
  const details: ConstructorParameters<typeof AbhiCallError>[2] = { cause: error };
  if (error instanceof AbhiApiError) {
    details.statusCode = error.statusCode;
    details.abhiMessage = [error.abhiMessage, error.details].filter(Boolean).join(': ');
  }
  if (error instanceof AbhiRequestValidationError) details.abhiMessage = error.fieldErrors.map((e) => `${e.field} ${e.message}`).join('; ');
  if (error instanceof AbhiRateLimitedError || error instanceof CircuitOpenError) details.retryAfterSeconds = error.retryAfterSeconds;
  return new AbhiCallError(kind, error instanceof Error ? error.message : String(error), details);
}

function failureKind(error: unknown): AbhiFailureKind {
  if (error instanceof AbhiRateLimitedError || error instanceof CircuitOpenError) return 'unavailable';
  if (error instanceof AbhiUnauthorizedError || error instanceof AbhiLoginRejectedError || error instanceof AbhiConfigurationError) return 'permanent';
  if (error instanceof AbhiServerError || error instanceof AbhiOutcomeUnknownError || error instanceof AbhiResponseFormatError) return 'unknown';
  if (error instanceof AbhiNetworkError || error instanceof AbhiTimeoutError) return error.maybeSent ? 'unknown' : 'unavailable';
  if (error instanceof AbhiRequestValidationError) return 'rejected';
  if (error instanceof AbhiApiError) return error.statusCode >= 400 && error.statusCode < 500 ? 'rejected' : 'unknown';
  if (error instanceof AbhiError) return error.retryable ? 'unknown' : 'permanent';
  // Something else broke around the call (token store, cache): it may have been sent.
  return 'unknown';
}

/**
 * The one translation of a failed Abhi call into the API's answer. Abhi's answers that are about the caller's
 * request, not about Abhi's health, become the API's own errors: 404 for a missing resource, 409 for a duplicate or a
 * state that forbids the change, 422 for data Abhi refused, 400 for data the client refused before sending.
 * Everything else (5xx, timeouts, rate limits, an open breaker, refused credentials) leaves as the client's own error
 * for the HTTP edge (#shared/http/errors), which answers 502/503/504 problem+json.
 */
export function translateAbhiError(error: unknown, what: string, options: { bodyField?: (field: string) => string } = {}): unknown {
  if (error instanceof AbhiCallError) {
    const cause = error.details.cause ?? error;
    if (cause === error) return error;
    const translated = translateAbhiError(cause, what, options);
    if (translated !== cause || error.kind !== 'rejected') return translated;
    // Any other refusal (a 4xx Abhi does not name): final, and about this request.
    return new UnprocessableError(`Abhi refused the ${what.toLowerCase()}: ${error.details.abhiMessage || error.message}`);
  }
  if (error instanceof AbhiNotFoundError) return new NotFoundError(what);
  if (error instanceof AbhiConflictError) return conflictThatConfirmsNothing(error, what);
  if (error instanceof AbhiValidationError) {
    return new UnprocessableError(`Abhi refused the ${what.toLowerCase()}: ${error.details ?? error.abhiMessage}`);
  }
  if (error instanceof AbhiRequestValidationError) {
    const field = options.bodyField ?? ((name: string) => `body.${name}`);
    return new ValidationError(
      `The ${what.toLowerCase()} does not meet Abhi's requirements.`,
      error.fieldErrors.map((e) => ({ field: field(e.field), message: e.message })),
    );
  }
  return error;
}

/** The fields Abhi keeps unique, as it names them in a conflict (for the operators' log line only). */
const UNIQUE_AT_ABHI = ['emiratesId', 'employeeCode', 'email', 'phone', 'accountNumber', 'managementAlias', 'clientRepaymentReferenceNumber'] as const;

/** The one answer to every conflict at Abhi: the same for any field and any tenant. */
export const GENERIC_CONFLICT_DETAIL = (what: string) =>
  `The ${what.toLowerCase()} conflicts with a record that already exists; nothing was changed. Check the details sent, and quote the request id if you contact support.`;

/** A conflict with the record's current state at Abhi rather than with another record. */
const STATE_CONFLICT_DETAIL = (what: string) =>
  `Abhi refused the change: the ${what.toLowerCase()} is in a state that does not allow it (for example an outstanding balance); nothing was changed.`;

/**
 * Abhi's uniqueness spans every tenant of this platform (one Abhi account): its message ("emiratesId already belongs
 * to another employee") would confirm another tenant's personal data. The caller gets one generic 409 whatever the
 * field; operators get the field's name in the log (never its value).
 */
export function conflictThatConfirmsNothing(error: AbhiConflictError, what: string): ConflictError {
  const said = `${error.abhiMessage} ${error.details ?? ''}`.toLowerCase();
  const conflictingField = UNIQUE_AT_ABHI.find((field) => said.includes(field.toLowerCase())) ?? 'unknown';
  logger.warn('Abhi refused a record as conflicting; answered with a generic 409', { resource: what, conflictingField, operation: error.operation });
  // A conflict that names no unique field is about the record's own state (an employee with an outstanding balance
  // cannot be deleted): saying "already exists" there would mislead, and the other wording confirms nothing either.
  return new ConflictError(conflictingField === 'unknown' ? STATE_CONFLICT_DETAIL(what) : GENERIC_CONFLICT_DETAIL(what));
}

/** Runs an Abhi call and rethrows its request-level errors as API errors (see translateAbhiError). */
export async function callAbhi<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw translateAbhiError(error, what);
  }
}
