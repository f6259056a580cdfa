import { claimAll, markDone, releaseClaim, type ClaimStore } from '#shared/adapters/dynamodb/claims';
import { loadConfig, envVar } from '#shared/config';

/**
 * Consumer idempotency: each consumer handles an event id once, however often SNS/SQS deliver it.
 *
 * State table item `MSG#<consumer>#<eventId>` / `DONE`: first a claim (`IN_PROGRESS` with a lease as long as the
 * consumer may run), then `DONE` (kept 7 days, longer than any redelivery). A failed attempt releases its claim so
 * the redelivery runs the work again; a claim whose lease ran out (the consumer was killed) can be taken over.
 *
 * A whole SQS batch takes two requests (`claimMany`: one transaction of conditional claims; `completeMany`: one batch
 * write of `DONE` marks) instead of two per message. The mechanism is the state table's claim-once
 * (adapters/dynamodb/claims.ts); a refused claim is `duplicate` when the message is done, `busy` while it is in progress.
 */
export type Claim = 'claimed' | 'duplicate' | 'busy';

export class MessageInProgressError extends Error {
  constructor(key: string) {
    super(`Message ${key} is being processed by another consumer instance; it will be retried.`);
    this.name = 'MessageInProgressError';
  }
}

const DONE_TTL_SECONDS = 7 * 24 * 3600;

let stateTable: string | undefined;
const store: ClaimStore = { tableName: () => (stateTable ??= loadConfig({ STATE_TABLE_NAME: envVar.text() }).STATE_TABLE_NAME) };
const keyOf = (consumer: string, id: string) => ({ pk: `MSG#${consumer}#${id}`, sk: 'DONE' });
const asClaim = (outcome: 'claimed' | 'done' | 'busy'): Claim => (outcome === 'done' ? 'duplicate' : outcome);

/** Claims several messages in one transaction (see claims.ts `claimAll`). */
export async function claimMany(consumer: string, ids: readonly string[], leaseSeconds = 60): Promise<Map<string, Claim>> {
  const unique = [...new Set(ids)];
  const outcomes = await claimAll(store, unique.map((id) => keyOf(consumer, id)), { leaseSeconds, keepSeconds: DONE_TTL_SECONDS });
  return new Map(unique.map((id, i) => [id, asClaim(outcomes[i]!)]));
}

/** Marks messages done (one batch write per 25). */
export function completeMany(consumer: string, ids: readonly string[]): Promise<void> {
  return markDone(store, ids.map((id) => keyOf(consumer, id)), DONE_TTL_SECONDS);
}

/** Gives a claim back so a redelivery runs the work again. */
export async function release(consumer: string, id: string): Promise<void> {
  await releaseClaim(store, keyOf(consumer, id)).catch(() => undefined);
}
