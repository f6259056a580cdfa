import { createHmac, timingSafeEqual } from 'node:crypto';
import { UnauthorizedError } from '#shared/auth/errors';
import { ValidationError } from '#shared/domain/errors';
import { toFils, filsToDecimalString } from '#shared/domain/money';
import { withoutUnsafeText } from '#shared/schemas/common';
import { logger } from '#shared/observability';
import type { AbhiWebhookBody } from '#shared/schemas/transactions';
import type { Queryable } from '#shared/db/pool';
import type { WebhookAdvanceDeps } from '../advances/ports';
import { abhiStatusEventType, isAbhiFailureStatus } from '../advances/abhi-status';
import { decimalToNumber } from '../advances/view';
import type { AdvanceRequestRow } from '../ports/advance-request-store';
import { requestIdFromReference } from '../advances/workflow-contract';
import { recordConfirmedRepayment } from '../repayments/create-repayment';

/**
 * Abhi's status-change webhook (our contract — Abhi's docs define none; see functions/webhooks/README.md):
 *
 *   X-Abhi-Timestamp: <unix seconds>          within ±300 s of our clock
 *   X-Abhi-Event-Id:  <[A-Za-z0-9._:-]{1,128}> remembered 24 h: a replay changes nothing
 *   X-Abhi-Signature: sha256=<hex>            hex(HMAC-SHA256(secret, "<timestamp>.<event id>.<raw body>")), also bare hex
 *
 * Verification comes first and uses the raw body bytes; a forged, stale or replayed call changes nothing. The event
 * id is signed too: a captured delivery cannot be replayed under a fresh id to slip past the replay store.
 */
export const WEBHOOK_TOLERANCE_SECONDS = 300;
export const WEBHOOK_REPLAY_TTL_SECONDS = 24 * 3600;

export interface WebhookDeps {
  /** The shared HMAC secret (Secrets Manager `WEBHOOK_SECRET_ID`, JSON `{ "secret": "..." }`). */
  secret(): Promise<string>;
  /** Remembers an event id; false when it was already remembered (a replay). */
  claimEvent(eventId: string, ttlSeconds: number): Promise<boolean>;
  /** Forgets an event id whose processing failed, so Abhi's retry is processed. */
  releaseEvent(eventId: string): Promise<void>;
}

export function signWebhook(secret: string, timestamp: string, eventId: string, rawBody: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${eventId}.${rawBody}`, 'utf8').digest('hex');
}

export interface VerifiedWebhook {
  eventId: string;
  timestamp: number;
}

export function verifyWebhookSignature(input: { secret: string; headers: Record<string, string>; rawBody: string; now: Date }): VerifiedWebhook {
  const timestampText = (input.headers['x-abhi-timestamp'] ?? '').trim();
  const signatureText = (input.headers['x-abhi-signature'] ?? '').trim();
  const eventId = (input.headers['x-abhi-event-id'] ?? '').trim();
  if (!/^\d{9,11}$/.test(timestampText)) throw new UnauthorizedError('webhook timestamp missing or malformed', 'Invalid webhook signature.');
  if (!/^[A-Za-z0-9._:-]{1,128}$/.test(eventId)) throw new UnauthorizedError('webhook event id missing or malformed', 'Invalid webhook signature.');
  const timestamp = Number(timestampText);
  if (Math.abs(input.now.getTime() / 1000 - timestamp) > WEBHOOK_TOLERANCE_SECONDS) {
    throw new UnauthorizedError('webhook timestamp outside the tolerance window', 'Invalid webhook signature.');
  }
  const given = signatureText.replace(/^(sha256|v1)=/i, '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(given)) throw new UnauthorizedError('webhook signature missing or malformed', 'Invalid webhook signature.');
  const expected = signWebhook(input.secret, timestampText, eventId, input.rawBody);
  if (!timingSafeEqual(Buffer.from(given, 'hex'), Buffer.from(expected, 'hex'))) {
    throw new UnauthorizedError('webhook signature mismatch', 'Invalid webhook signature.');
  }
  return { eventId, timestamp };
}

export interface WebhookOutcome {
  received: true;
  duplicate: boolean;
  applied: string;
}

export async function receiveAbhiWebhook(
  deps: WebhookAdvanceDeps,
  webhook: WebhookDeps,
  input: { headers: Record<string, string>; rawBody: string; body: AbhiWebhookBody },
): Promise<WebhookOutcome> {
  const verified = verifyWebhookSignature({ secret: await webhook.secret(), headers: input.headers, rawBody: input.rawBody, now: deps.now() });
  if (!(await webhook.claimEvent(verified.eventId, WEBHOOK_REPLAY_TTL_SECONDS))) {
    logger.info('Webhook replay ignored', { eventId: verified.eventId });
    deps.metrics.count('WebhookReplayIgnored');
    return { received: true, duplicate: true, applied: 'nothing (already processed)' };
  }
  try {
    const occurredAt = parseOccurredAt(input.body.occurredAt, verified.timestamp);
    const applied = await apply(deps, input.body, occurredAt, verified.eventId);
    return { received: true, duplicate: false, applied };
  } catch (error) {
    await webhook.releaseEvent(verified.eventId).catch(() => undefined);
    throw error;
  }
}

/**
 * When the change happened, as far as the signature vouches for it: the body's `occurredAt`, but never later than the
 * signed timestamp (+ the clock tolerance). A signed body dated in the far future would otherwise make every genuine
 * later update look older and be ignored. Absent or unreadable: the signed timestamp.
 */
export function parseOccurredAt(value: string | undefined, signedSeconds: number): Date {
  const signedMs = signedSeconds * 1000;
  const parsed = value ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(parsed)) return new Date(signedMs);
  if (parsed > signedMs + WEBHOOK_TOLERANCE_SECONDS * 1000) {
    logger.warn('Webhook occurredAt after its signed timestamp: held to the timestamp', { occurredAt: value?.slice(0, 64), signedAt: new Date(signedMs).toISOString() });
    return new Date(signedMs);
  }
  return new Date(parsed);
}

/** A string field of the event, without control or bidi characters (it reaches the history and notifications). */
function text(data: Record<string, unknown>, key: string): string | undefined {
  const value = data[key];
  const clean = typeof value === 'string' ? withoutUnsafeText(value).trim() : '';
  return clean ? clean : undefined;
}

async function apply(deps: WebhookAdvanceDeps, body: AbhiWebhookBody, occurredAt: Date, eventId: string): Promise<string> {
  const data = body.data ?? {};
  const status = text(data, 'status');
  switch (body.type) {
    case 'transaction.status_changed': {
      const transactionId = text(data, 'transactionId');
      if (!transactionId || !status) throw new ValidationError('transaction.status_changed needs data.transactionId and data.status.');
      return applyTransactionStatus(deps, { transactionId, status, reason: text(data, 'reason'), reference: text(data, 'reference') ?? text(data, 'transactionRef'), occurredAt, eventId });
    }
    case 'repayment.status_changed': {
      const repaymentId = text(data, 'repaymentId');
      const reference = text(data, 'clientRepaymentReferenceNumber');
      if ((!repaymentId && !reference) || !status) throw new ValidationError('repayment.status_changed needs data.repaymentId or data.clientRepaymentReferenceNumber, and data.status.');
      const amount = data.amount;
      return applyRepaymentStatus(deps, { repaymentId, reference, status, amount: typeof amount === 'number' ? amount : undefined, occurredAt });
    }
    default:
      logger.info('Webhook of an unknown type acknowledged', { type: body.type, eventId });
      return `nothing (unknown type ${body.type})`;
  }
}

/**
 * Notes Abhi's status on the request (only if newer than what we have: events can arrive out of order). When Abhi
 * reports a completed advance as failed or reversed, the advance becomes FAILED and the ledger gets reversing
 * entries, so the ledger keeps matching Abhi.
 */
async function applyTransactionStatus(
  deps: WebhookAdvanceDeps,
  input: { transactionId: string; status: string; reason?: string; reference?: string; occurredAt: Date; eventId: string },
): Promise<string> {
  const { result, eventIds } = await deps.transaction(async (db) => {
    let row = await deps.advanceRequests.findByAbhiTransactionId(db, input.transactionId, { forUpdate: true });
    if (!row && input.reference) {
      const requestId = requestIdFromReference(input.reference);
      const candidate = requestId ? await deps.advanceRequests.findById(db, requestId, { forUpdate: true }) : undefined;
      if (candidate && !candidate.abhi_transaction_id) row = candidate;
    }
    if (!row) return { result: 'nothing (unknown transaction)', eventIds: [] as string[] };
    if (row.abhi_status_at && new Date(row.abhi_status_at) >= input.occurredAt) {
      return { result: 'nothing (older than the status we have)', eventIds: [] };
    }
    const normalized = input.status.toLowerCase();
    if (row.abhi_status?.toLowerCase() === normalized) {
      await deps.advanceRequests.update(db, row.id, { abhi_status_at: input.occurredAt });
      return { result: 'nothing (same status)', eventIds: [] };
    }
    await deps.advanceRequests.update(db, row.id, { abhi_status: input.status, abhi_status_at: input.occurredAt });
    if (isAbhiFailureStatus(normalized) && row.status === 'COMPLETED' && row.abhi_transaction_id) {
      const ids = await reverseCompletedAdvance(deps, db, row, input.status, input.reason);
      return { result: `advance reversed (Abhi: ${input.status})`, eventIds: ids };
    }
    await deps.advanceRequests.addHistory(db, row.id, row.status, 'abhi', `Abhi status: ${input.status}${input.reason ? ` (${input.reason})` : ''}`);
    // A completed advance's next step (disbursed, repaid…) is told like the status poll tells it.
    const ids = row.status === 'COMPLETED' && row.abhi_transaction_id ? await recordAbhiStatusChange(deps, db, row, input.status) : [];
    return { result: `Abhi status noted (${input.status})`, eventIds: ids };
  });
  await deps.events.publish(eventIds);
  return result;
}

/** A completed advance's new (non-failure) Abhi status (status poll and webhook): the employee's step and `balance.updated`. */
export async function recordAbhiStatusChange(deps: Pick<WebhookAdvanceDeps, 'events' | 'ledger'>, db: Queryable, row: AdvanceRequestRow, status: string): Promise<string[]> {
  const changed = await deps.events.record(db, {
    type: abhiStatusEventType(status),
    organizationId: row.organization_id,
    correlationId: row.id,
    payload: {
      requestId: row.id,
      employeeId: row.employee_id,
      abhiTransactionId: row.abhi_transaction_id,
      amount: decimalToNumber(row.amount),
      status,
      previousStatus: row.abhi_status,
    },
  });
  const balance = await deps.events.record(db, {
    type: 'balance.updated',
    organizationId: row.organization_id,
    correlationId: row.id,
    payload: { employeeId: row.employee_id, outstandingAmount: decimalToNumber(await deps.ledger.outstanding(db, row.employee_id)), cause: 'abhi_status', requestId: row.id },
  });
  return [changed.id, balance.id];
}

/** Abhi reports a completed advance as failed or reversed: reversing ledger entries, FAILED, events (also used by the status poll). */
export async function reverseCompletedAdvance(deps: WebhookAdvanceDeps, db: Queryable, row: AdvanceRequestRow, status: string, reason?: string): Promise<string[]> {
  const abhiId = row.abhi_transaction_id!;
  await deps.ledger.append(db, {
    organizationId: row.organization_id,
    employeeId: row.employee_id,
    kind: 'adjustment',
    amount: filsToDecimalString(-toFils(row.amount)),
    advanceRequestId: row.id,
    abhiReference: `${abhiId}:reversal`,
  });
  if (row.processing_fee && toFils(row.processing_fee) > 0n) {
    await deps.ledger.append(db, {
      organizationId: row.organization_id,
      employeeId: row.employee_id,
      kind: 'adjustment',
      amount: filsToDecimalString(-toFils(row.processing_fee)),
      advanceRequestId: row.id,
      abhiReference: `${abhiId}:fee-reversal`,
    });
  }
  const message = `Abhi reported the advance as ${status}${reason ? `: ${reason}` : ''}.`;
  await deps.advanceRequests.transition(db, {
    id: row.id,
    from: ['COMPLETED'],
    to: 'FAILED',
    actor: 'abhi',
    reason: message,
    changes: { reasons: [{ code: 'ABHI_REVERSED', source: 'abhi', message }] },
  });
  const outstanding = await deps.ledger.outstanding(db, row.employee_id);
  const failed = await deps.events.record(db, {
    type: 'transaction.advance.failed',
    organizationId: row.organization_id,
    correlationId: row.id,
    payload: { requestId: row.id, employeeId: row.employee_id, abhiTransactionId: abhiId, amount: decimalToNumber(row.amount), reasons: [message] },
  });
  const balance = await deps.events.record(db, {
    type: 'balance.updated',
    organizationId: row.organization_id,
    correlationId: row.id,
    payload: { employeeId: row.employee_id, outstandingAmount: decimalToNumber(outstanding), cause: 'advance_reversed', requestId: row.id },
  });
  return [failed.id, balance.id];
}

async function applyRepaymentStatus(
  deps: WebhookAdvanceDeps,
  input: { repaymentId?: string; reference?: string; status: string; amount?: number; occurredAt: Date },
): Promise<string> {
  const row =
    (input.repaymentId ? await deps.repayments.findByAbhiId(deps.db, input.repaymentId) : undefined) ??
    (input.reference ? await deps.repayments.findByAbhiReference(deps.db, input.reference) : undefined);
  if (!row) return 'nothing (unknown repayment)';
  const normalized = input.status.toLowerCase();
  if (row.status === 'PENDING' && !isAbhiFailureStatus(normalized) && input.repaymentId) {
    // Abhi confirms a repayment whose answer we lost: record it now.
    await recordConfirmedRepayment(
      deps,
      row.abhi_reference,
      { id: input.repaymentId, amountFils: input.amount !== undefined ? toFils(input.amount) : toFils(row.amount), reference: row.abhi_reference, status: input.status },
      { actor: 'abhi' },
    );
    return `repayment confirmed (Abhi: ${input.status})`;
  }
  if (row.status === 'PENDING' && isAbhiFailureStatus(normalized)) {
    await deps.repayments.update(deps.db, row.id, { status: 'FAILED', abhiStatus: input.status, failureReason: `Abhi reported ${input.status}` }, ['PENDING']);
    return `repayment failed (Abhi: ${input.status})`;
  }
  if (row.abhi_status?.toLowerCase() === normalized) return 'nothing (same status)';
  await deps.repayments.update(deps.db, row.id, { abhiStatus: input.status });
  if (isAbhiFailureStatus(normalized) && row.status === 'COMPLETED') {
    // A completed repayment Abhi later reports as failed is a real mismatch: reconciliation reports it.
    logger.warn('Abhi reports a completed repayment as failed', { repaymentId: row.id, status: input.status });
    deps.metrics.count('RepaymentReportedFailedByAbhi');
  }
  return `Abhi status noted (${input.status})`;
}
