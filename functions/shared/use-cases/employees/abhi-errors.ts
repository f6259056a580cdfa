import {
  AbhiConflictError,
  AbhiNotFoundError,
  AbhiRequestValidationError,
  AbhiValidationError,
} from '#shared/abhi/errors';
import { ConflictError, NotFoundError, UnprocessableError, ValidationError } from '#shared/domain/errors';
import { logger } from '#shared/logger';

/**
 * Abhi's answers that are about the caller's request, not about Abhi's health, become the API's own errors:
 * 404 for a missing resource, 409 for a duplicate, 422 for data Abhi refused, 400 for data the client refused before
 * sending. Everything else (5xx, timeouts, rate limits, an open breaker) is left for the HTTP edge, which answers
 * 502/503/504.
 */
export function translateAbhiError(error: unknown, what: string, options: { bodyField?: (field: string) => string } = {}): unknown {
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

/** Runs an Abhi call and rethrows its request-level errors as API errors. */
export async function callAbhi<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw translateAbhiError(error, what);
  }
}
