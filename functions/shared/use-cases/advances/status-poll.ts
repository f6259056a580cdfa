import type { Invocation } from '../invocation';
import { abhiFor } from './abhi-advances';
import { logger } from '#shared/observability';
import { recordAbhiStatusChange, reverseCompletedAdvance } from '../webhooks/abhi-webhook';
import { DISBURSED_STATUSES, isAbhiFailureStatus, SETTLED_STATUSES } from './abhi-status';
import type { StatusPollDeps, TransactionDeps } from './ports';
import * as z from '#shared/zod';

/** A message of the `advance-status` queue: the advance request to ask Abhi about (start-status-poll sends it). */
export const statusPollMessage = z.object({ requestId: z.uuid() });

/**
 * Keeps an advance's status in step with Abhi after it was created there (docs/operations.md, "Advance status
 * polling"): Abhi publishes no webhooks, so we ask `GET /transactions/employer/{id}/status` on a backoff schedule
 * until Abhi reports a final status, and give up with an alarm (metric AdvanceStatusPollExhausted) after `maxPolls`.
 * A change is recorded like the webhook records one: the ledger (reversal when Abhi reports it failed), the domain
 * event through the outbox (notifications), and `balance.updated` (the cached balance is refreshed).
 */
export interface StatusPollSettings {
  /** Seconds before each poll: the first after creation, then between polls; the last one repeats. */
  readonly delaysSeconds: readonly number[];
  /** Polls before we stop and raise the alarm. */
  readonly maxPolls: number;
  /** Advances enqueued per run (keeps the poller inside its share of the Abhi rate). */
  readonly batchLimit: number;
  /** How long an enqueued poll keeps its advance out of the next runs. */
  readonly leaseSeconds: number;
}

/** Abhi's statuses are free strings (reference §7): these end the polling. */
export const ABHI_FINAL_STATUSES: readonly string[] = [...DISBURSED_STATUSES, ...SETTLED_STATUSES, 'failed', 'rejected', 'cancelled', 'canceled', 'reversed', 'declined', 'void', 'voided'];

export function isAbhiFinalStatus(status: string | null | undefined): boolean {
  return typeof status === 'string' && ABHI_FINAL_STATUSES.includes(status.trim().toLowerCase());
}

/** Seconds until the poll after `pollsDone` polls. */
export function pollDelaySeconds(settings: StatusPollSettings, pollsDone: number): number {
  const delays = settings.delaysSeconds;
  return delays[Math.min(pollsDone, delays.length - 1)] ?? 3600;
}

/** The scheduled run: claims the advances whose poll is due (oldest first), up to the batch limit. */
export function claimDuePolls(deps: Pick<TransactionDeps, 'db' | 'statusPolls'>, settings: StatusPollSettings): Promise<string[]> {
  return deps.statusPolls.claimDue(deps.db, {
    finalStatuses: ABHI_FINAL_STATUSES,
    firstDelaySeconds: pollDelaySeconds(settings, 0),
    limit: settings.batchLimit,
    leaseSeconds: settings.leaseSeconds,
  });
}

export type PollOutcome = 'changed' | 'unchanged' | 'exhausted' | 'skipped';

/** One poll of one advance (the queue consumer). Abhi failing throws: SQS redelivers, the lease bounds the retry. */
export async function pollAdvanceStatus(deps: StatusPollDeps, ctx: Invocation, settings: StatusPollSettings, requestId: string): Promise<PollOutcome> {
  const row = await deps.advanceRequests.findById(deps.db, requestId);
  if (!row || row.status !== 'COMPLETED' || !row.abhi_transaction_id || isAbhiFinalStatus(row.abhi_status)) {
    if (row) await deps.statusPolls.record(deps.db, requestId, { count: await deps.statusPolls.count(deps.db, requestId), nextInSeconds: null, exhausted: false });
    return 'skipped';
  }
  const answer = await abhiFor(deps, ctx).transactionStatus(row.abhi_transaction_id);
  const status = answer.status.trim();
  const normalized = status.toLowerCase();
  let changed = false;
  if (normalized && normalized !== (row.abhi_status ?? '').trim().toLowerCase()) {
    const { eventIds } = await deps.transaction(async (db) => {
      const locked = await deps.advanceRequests.findById(db, requestId, { forUpdate: true });
      if (!locked || locked.status !== 'COMPLETED' || (locked.abhi_status ?? '').trim().toLowerCase() === normalized) return { eventIds: [] as string[] };
      await deps.advanceRequests.update(db, locked.id, { abhi_status: status, abhi_status_at: 'now()' });
      if (isAbhiFailureStatus(normalized)) return { eventIds: await reverseCompletedAdvance(deps, db, locked, status, answer.message) };
      await deps.advanceRequests.addHistory(db, locked.id, locked.status, 'abhi', `Abhi status: ${status}`);
      return { eventIds: await recordAbhiStatusChange(deps, db, locked, status) };
    });
    await deps.events.publish(eventIds);
    changed = eventIds.length > 0;
  }

  const count = (await deps.statusPolls.count(deps.db, requestId)) + 1;
  if (isAbhiFinalStatus(normalized)) {
    await deps.statusPolls.record(deps.db, requestId, { count, nextInSeconds: null, exhausted: false });
    return changed ? 'changed' : 'unchanged';
  }
  if (count >= settings.maxPolls) {
    await deps.statusPolls.record(deps.db, requestId, { count, nextInSeconds: null, exhausted: true });
    deps.metrics.count('AdvanceStatusPollExhausted');
    logger.error('Abhi still reports the advance as not final after the last status poll', { requestId, abhiStatus: status, polls: count });
    return 'exhausted';
  }
  await deps.statusPolls.record(deps.db, requestId, { count, nextInSeconds: pollDelaySeconds(settings, count), exhausted: false });
  return changed ? 'changed' : 'unchanged';
}
