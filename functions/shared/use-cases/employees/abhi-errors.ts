import {
  AbhiConflictError,
  AbhiNotFoundError,
  AbhiRequestValidationError,
  AbhiValidationError,
} from '#shared/abhi/errors';
import { ConflictError, NotFoundError, UnprocessableError, ValidationError } from '#shared/domain/errors';

/**
 * Abhi's answers that are about the caller's request, not about Abhi's health, become the API's own errors:
 * 404 for a missing resource, 409 for a duplicate, 422 for data Abhi refused, 400 for data the client refused before
 * sending. Everything else (5xx, timeouts, rate limits, an open breaker) is left for the HTTP edge, which answers
 * 502/503/504.
 */
export function translateAbhiError(error: unknown, what: string, options: { bodyField?: (field: string) => string } = {}): unknown {
  if (error instanceof AbhiNotFoundError) return new NotFoundError(what);
  if (error instanceof AbhiConflictError) return new ConflictError(`${what} conflicts with one that already exists at Abhi${error.details ? `: ${error.details}` : '.'}`);
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

/** Runs an Abhi call and rethrows its request-level errors as API errors. */
export async function callAbhi<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw translateAbhiError(error, what);
  }
}
