import { apiHandler } from '#shared/http/api-handler';
import { preferredWaitSeconds } from '#shared/http/prefer';
import { TRANSACTION_REQUESTS } from '#shared/schemas/transactions';
import { awaitAdvanceOutcome, refusalOf, requestAdvance } from '#shared/use-cases/advances/request-advance';
import { transactionDeps } from '#shared/wiring/advances';

/** Longest `Prefer: wait` honoured: API Gateway's 29 s integration limit less the request's own work (ADR 0018). */
const MAX_WAIT_SECONDS = 25;
/** Time kept back from the wait for recording the request before it and answering after it. */
const ANSWER_RESERVE_MS = 3_000;

/**
 * POST /transactions/advance → 202 with the request and its Location; 400 VALIDATION_FAILED when a local rule
 * refuses it (nothing recorded). With `Prefer: wait=N`: 201 with the transaction when the workflow completes it within
 * N s, 400 VALIDATION_FAILED when it is refused (Abhi's reason included), otherwise 202 as without the header.
 */
export const handler = apiHandler('requestAdvance', TRANSACTION_REQUESTS, async (request) => {
  const wait = preferredWaitSeconds(request.headers.prefer, MAX_WAIT_SECONDS);
  const deps = transactionDeps();
  const view = await requestAdvance(deps, {
    principal: request.principal,
    route: request.route,
    body: request.body,
    // apiHandler refuses this route without the header, so it is always present here.
    idempotencyKey: request.headers['idempotency-key'] ?? '',
    correlationId: request.requestId,
    chargeQuota: request.chargeAdvanceQuota,
  });
  const location = { Location: `/api/v1/transactions/${view.id}` };
  if (wait === undefined) return { status: 202, body: view, headers: location };

  const waitMs = Math.min(wait * 1000, request.remainingTimeMs() - ANSWER_RESERVE_MS);
  const outcome = await awaitAdvanceOutcome(deps, view.id, waitMs);
  const refused = refusalOf(outcome);
  if (refused) throw refused;
  const headers = { ...location, 'Preference-Applied': `wait=${wait}` };
  return { status: outcome.status === 'COMPLETED' ? 201 : 202, body: outcome, headers };
});
