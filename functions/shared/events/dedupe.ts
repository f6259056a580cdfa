import { ConditionalCheckFailedException, TransactionCanceledException, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DeleteCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoDocumentClient, epochSeconds } from '#shared/adapters/dynamodb/client';
import { loadConfig, envVar } from '#shared/config';

/**
 * Consumer idempotency: each consumer handles an event id once, however often SNS/SQS deliver it.
 *
 * State table item `MSG#<consumer>#<eventId>` / `DONE`: first a claim (`IN_PROGRESS` with a lease as long as the
 * consumer may run), then `DONE` (kept 7 days, longer than any redelivery). A failed attempt releases its claim so
 * the redelivery runs the work again; a claim whose lease ran out (the consumer was killed) can be taken over.
 *
 * A whole SQS batch takes two requests (`claimMany`: one transaction of conditional claims; `completeMany`: one batch
 * write of `DONE` marks) instead of two per message.
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
const table = () => (stateTable ??= loadConfig({ STATE_TABLE_NAME: envVar.text() }).STATE_TABLE_NAME);
const keyOf = (consumer: string, id: string) => ({ pk: `MSG#${consumer}#${id}`, sk: 'DONE' });

function claimUpdate(consumer: string, id: string, leaseSeconds: number, now: number) {
  return {
    TableName: table(),
    Key: keyOf(consumer, id),
    UpdateExpression: 'SET #status = :progress, leaseUntil = :lease, expiresAt = :expires',
    ConditionExpression: 'attribute_not_exists(pk) OR (#status = :progress AND leaseUntil < :now)',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':progress': 'IN_PROGRESS', ':lease': now + leaseSeconds, ':expires': now + DONE_TTL_SECONDS, ':now': now },
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
  };
}

function refusedAs(item: Record<string, AttributeValue> | undefined): Claim {
  const status = item?.status && 'S' in item.status ? item.status.S : undefined;
  return status === 'DONE' ? 'duplicate' : 'busy';
}

/** Claims one message. */
export async function claimOne(consumer: string, id: string, leaseSeconds = 60): Promise<Claim> {
  try {
    await dynamoDocumentClient().send(new UpdateCommand(claimUpdate(consumer, id, leaseSeconds, epochSeconds())));
    return 'claimed';
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return refusedAs(error.Item);
    throw error;
  }
}

/**
 * Claims several messages in one transaction. When some are taken already the transaction is cancelled; the
 * cancellation reasons say which, and the rest are claimed again without them.
 */
export async function claimMany(consumer: string, ids: readonly string[], leaseSeconds = 60): Promise<Map<string, Claim>> {
  const result = new Map<string, Claim>();
  let pending = [...new Set(ids)];
  for (let round = 0; pending.length > 0 && round < 3; round++) {
    if (pending.length === 1) {
      result.set(pending[0]!, await claimOne(consumer, pending[0]!, leaseSeconds));
      return result;
    }
    const now = epochSeconds();
    try {
      await dynamoDocumentClient().send(
        new TransactWriteCommand({ TransactItems: pending.map((id) => ({ Update: claimUpdate(consumer, id, leaseSeconds, now) })) }),
      );
      for (const id of pending) result.set(id, 'claimed');
      return result;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      const retry: string[] = [];
      const recheck: string[] = [];
      pending.forEach((id, i) => {
        const reason = reasons[i];
        if (reason?.Code === 'ConditionalCheckFailed') (reason.Item ? result.set(id, refusedAs(reason.Item)) : recheck.push(id));
        else retry.push(id);
      });
      // Taken, but the store did not say by what (DONE or in progress): ask item by item.
      for (const id of recheck) result.set(id, await claimOne(consumer, id, leaseSeconds));
      // Cancelled for another reason (a conflicting transaction): claim one by one.
      if (retry.length === pending.length) {
        for (const id of pending) result.set(id, await claimOne(consumer, id, leaseSeconds));
        return result;
      }
      pending = retry;
    }
  }
  for (const id of pending) result.set(id, await claimOne(consumer, id, leaseSeconds));
  return result;
}

/** Marks messages done (one batch write per 25). */
export async function completeMany(consumer: string, ids: readonly string[]): Promise<void> {
  const expiresAt = epochSeconds() + DONE_TTL_SECONDS;
  const doneAt = new Date().toISOString();
  for (let i = 0; i < ids.length; i += 25) {
    let requests = ids.slice(i, i + 25).map((id) => ({ PutRequest: { Item: { ...keyOf(consumer, id), status: 'DONE', doneAt, expiresAt } } }));
    for (let attempt = 0; requests.length > 0 && attempt < 5; attempt++) {
      const written = await dynamoDocumentClient().send(new BatchWriteCommand({ RequestItems: { [table()]: requests } }));
      requests = (written.UnprocessedItems?.[table()] ?? []) as typeof requests;
      if (requests.length) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
    }
  }
}

/** Gives a claim back so a redelivery runs the work again. */
export async function release(consumer: string, id: string): Promise<void> {
  await dynamoDocumentClient()
    .send(new DeleteCommand({ TableName: table(), Key: keyOf(consumer, id) }))
    .catch(() => undefined);
}
