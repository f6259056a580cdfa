import { AppError, NotFoundError } from '#shared/domain/errors';

/** 401: no token, or a token that fails verification. `reason` is for logs only, never sent to the client. */
export class UnauthorizedError extends AppError {
  constructor(
    readonly reason: string,
    message = 'A valid bearer access token is required.',
  ) {
    super(401, 'UNAUTHORIZED', message);
  }
}

/**
 * Cross-tenant access. The client sees a plain 404 (it must not learn that the resource exists), but the API handler
 * recognises this subclass and records the denial in the audit log.
 */
export class TenantAccessDeniedError extends NotFoundError {
  constructor(
    what: string,
    readonly reason: string,
  ) {
    super(what);
  }
}
