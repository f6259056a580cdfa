import { AbhiCallError } from '../abhi-errors';
import { WORKFLOW_ERRORS } from './workflow-contract';

// ---- errors of the workflow's task functions: their names are what the state machine's Retry/Catch match ----

/** Safe to retry the step as it is. */
export class TransientError extends Error {
  override readonly name = WORKFLOW_ERRORS.transient;
}
/** Abhi is refusing calls for now (its circuit breaker is open, or it is rate limited): nothing was sent. */
export class AbhiUnavailable extends Error {
  override readonly name = WORKFLOW_ERRORS.abhiUnavailable;
}
/** The create call may have reached Abhi: the next attempt looks the advance up before creating. */
export class AbhiOutcomeUnknown extends Error {
  override readonly name = WORKFLOW_ERRORS.abhiOutcomeUnknown;
}
/** Abhi refused: final. */
export class AbhiRejected extends Error {
  override readonly name = WORKFLOW_ERRORS.abhiRejected;
}
/** The request is no longer in the state this step works on (cancelled or settled meanwhile). */
export class RequestNotPending extends Error {
  override readonly name = WORKFLOW_ERRORS.requestNotPending;
}

const TRANSIENT_PG_CODES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '57014', // query_canceled (statement timeout)
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '08000',
  '08003',
  '08006',
  '08001',
  '08004',
]);

/** True for database failures that a retry may cure (connection loss, lock timeouts, serialization conflicts). */
export function isTransientDatabaseError(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | undefined;
  if (!e) return false;
  if (typeof e.code === 'string' && (TRANSIENT_PG_CODES.has(e.code) || ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(e.code))) return true;
  return typeof e.message === 'string' && /timeout exceeded when trying to connect|Connection terminated/i.test(e.message);
}

/**
 * The error a task function throws for `error`: Abhi and database failures become the names the state machine
 * retries or catches; anything else is rethrown as it is (the state machine's catch-all records it as FAILED).
 */
export function toWorkflowError(error: unknown, options: { write?: boolean } = {}): Error {
  if (
    error instanceof TransientError ||
    error instanceof AbhiUnavailable ||
    error instanceof AbhiOutcomeUnknown ||
    error instanceof AbhiRejected ||
    error instanceof RequestNotPending
  ) {
    return error;
  }
  if (error instanceof AbhiCallError) {
    switch (error.kind) {
      case 'rejected':
        return new AbhiRejected(error.details.abhiMessage || error.message);
      case 'unavailable':
        return new AbhiUnavailable(error.message);
      case 'unknown':
        return options.write ? new AbhiOutcomeUnknown(error.message) : new TransientError(error.message);
      default:
        return error;
    }
  }
  if (isTransientDatabaseError(error)) return new TransientError(error instanceof Error ? error.message : String(error));
  return error instanceof Error ? error : new Error(String(error));
}

/** The readable message of a workflow error payload `{ Error, Cause }` (Cause is Lambda's JSON or plain text). */
export function describeWorkflowError(error: { Error?: unknown; Cause?: unknown } | null | undefined): { error: string; message: string } {
  const name = typeof error?.Error === 'string' ? error.Error : 'Unknown';
  let message = typeof error?.Cause === 'string' ? error.Cause : '';
  try {
    const parsed = JSON.parse(message) as { errorMessage?: unknown };
    if (parsed && typeof parsed.errorMessage === 'string') message = parsed.errorMessage;
  } catch {
    // plain text cause
  }
  return { error: name, message: message.slice(0, 500) };
}
