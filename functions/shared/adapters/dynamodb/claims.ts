import { ConditionalCheckFailedException, TransactionCanceledException, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DeleteCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoDocumentClient, epochSeconds } from './client';

/**
 * Claim-once in the DynamoDB state table: the one mechanism behind the event consumers' dedupe (`MSG#…`), the bulk
 * import's row claims (`JOB#…` / `CLAIM#…`) and the webhook's replay memory (`WEBHOOK#…`).
 *
 * A claim item holds `status` (`IN_PROGRESS`, then `DONE`), `leaseUntil` and `expiresAt` (TTL, epoch seconds), and an
 * `owner` when the caller names one. A claim is granted when the item is absent or past its TTL (DynamoDB deletes
 * lazily), or in progress with its lease run out (the holder died) or held by the same owner (its own retry). A
 * `DONE` item refuses every claim until it expires. An item without `status` counts as in progress (claims written
 * before this module had none).
 */
export type ClaimOutcome = 'claimed' | 'done' | 'busy';

export interface ClaimKey {
  readonly pk: string;
  readonly sk: string;
}

export interface ClaimOptions {
  /** How long the claim holds before another worker may take it over (the longest the work may run). */
  readonly leaseSeconds: number;
  /** How long the item is kept (its TTL), in progress or done: longer than any redelivery. */
  readonly keepSeconds: number;
  /** The claiming worker: the same owner may claim its own unfinished item again. */
  readonly owner?: string;
}

export interface ClaimStore {
  readonly tableName: () => string;
}

const IN_PROGRESS = 'IN_PROGRESS';
const DONE = 'DONE';

function claimUpdate(store: ClaimStore, key: ClaimKey, options: ClaimOptions, now: number) {
  const owner = options.owner !== undefined;
  return {
    TableName: store.tableName(),
    Key: { pk: key.pk, sk: key.sk },
    UpdateExpression: `SET #status = :progress, leaseUntil = :lease, expiresAt = :expires${owner ? ', #owner = :owner' : ''}`,
    ConditionExpression: `attribute_not_exists(pk) OR expiresAt < :now OR ((attribute_not_exists(#status) OR #status = :progress) AND (leaseUntil < :now${owner ? ' OR #owner = :owner' : ''}))`,
    ExpressionAttributeNames: { '#status': 'status', ...(owner ? { '#owner': 'owner' } : {}) },
    ExpressionAttributeValues: {
      ':progress': IN_PROGRESS,
      ':lease': now + options.leaseSeconds,
      ':expires': now + options.keepSeconds,
      ':now': now,
      ...(owner ? { ':owner': options.owner } : {}),
    },
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
  };
}

/** What a refused claim found; undefined when the store did not return the item. */
function refusal(item: Record<string, AttributeValue> | undefined): 'done' | 'busy' | undefined {
  if (!item) return undefined;
  return item.status && 'S' in item.status && item.status.S === DONE ? 'done' : 'busy';
}

/** Claims one item. */
export async function claimOnce(store: ClaimStore, key: ClaimKey, options: ClaimOptions): Promise<ClaimOutcome> {
  try {
    await dynamoDocumentClient().send(new UpdateCommand(claimUpdate(store, key, options, epochSeconds())));
    return 'claimed';
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return refusal(error.Item) ?? 'busy';
    throw error;
  }
}

/**
 * Claims several items in one transaction (a whole SQS batch in one request). When some are taken already the
 * transaction is cancelled; its reasons say which, and the rest are claimed again without them. Keyed by position.
 */
export async function claimAll(store: ClaimStore, keys: readonly ClaimKey[], options: ClaimOptions): Promise<ClaimOutcome[]> {
  const result: ClaimOutcome[] = new Array(keys.length);
  let pending = keys.map((_, i) => i);
  const one = async (i: number) => {
    result[i] = await claimOnce(store, keys[i]!, options);
  };
  for (let round = 0; pending.length > 0 && round < 3; round++) {
    if (pending.length === 1) {
      await one(pending[0]!);
      return result;
    }
    const now = epochSeconds();
    try {
      await dynamoDocumentClient().send(new TransactWriteCommand({ TransactItems: pending.map((i) => ({ Update: claimUpdate(store, keys[i]!, options, now) })) }));
      for (const i of pending) result[i] = 'claimed';
      return result;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      const retry: number[] = [];
      for (const [position, i] of pending.entries()) {
        const reason = reasons[position];
        if (reason?.Code !== 'ConditionalCheckFailed') retry.push(i);
        // Taken, but the store did not say by what (done or in progress): ask item by item.
        else result[i] = refusal(reason.Item) ?? (await claimOnce(store, keys[i]!, options));
      }
      // Cancelled for another reason (a conflicting transaction): claim one by one.
      if (retry.length === pending.length) {
        for (const i of pending) await one(i);
        return result;
      }
      pending = retry;
    }
  }
  for (const i of pending) await one(i);
  return result;
}

/** The update that marks a claim done, for a caller's own transaction (the work's result and its claim commit together). */
export function doneUpdate(store: ClaimStore, key: ClaimKey, keepSeconds: number, now = epochSeconds()) {
  return {
    TableName: store.tableName(),
    Key: { pk: key.pk, sk: key.sk },
    UpdateExpression: 'SET #status = :done, expiresAt = :expires',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':done': DONE, ':expires': now + keepSeconds },
  };
}

/** Marks items done (one batch write per 25). */
export async function markDone(store: ClaimStore, keys: readonly ClaimKey[], keepSeconds: number): Promise<void> {
  const expiresAt = epochSeconds() + keepSeconds;
  const doneAt = new Date().toISOString();
  const table = store.tableName();
  for (let i = 0; i < keys.length; i += 25) {
    let requests = keys.slice(i, i + 25).map((key) => ({ PutRequest: { Item: { pk: key.pk, sk: key.sk, status: DONE, doneAt, expiresAt } } }));
    for (let attempt = 0; requests.length > 0 && attempt < 5; attempt++) {
      const written = await dynamoDocumentClient().send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
      requests = (written.UnprocessedItems?.[table] ?? []) as typeof requests;
      if (requests.length) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
    }
  }
}

/** Gives a claim back so the work can run again (only the owner's own claim, when an owner is named). */
export async function releaseClaim(store: ClaimStore, key: ClaimKey, owner?: string): Promise<void> {
  await dynamoDocumentClient().send(
      new DeleteCommand({
        TableName: store.tableName(),
        Key: { pk: key.pk, sk: key.sk },
        ...(owner !== undefined
          ? { ConditionExpression: '#owner = :owner', ExpressionAttributeNames: { '#owner': 'owner' }, ExpressionAttributeValues: { ':owner': owner } }
          : {}),
      }),
  );
}
