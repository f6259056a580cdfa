import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamoDocumentClient } from '#shared/adapters/dynamodb/client';
import { envVar, loadConfig } from '#shared/config';
import { admitUntil, type BucketParams, type BucketResult, type TokenBucketStore } from '#shared/rate-limit/token-bucket';

/**
 * Token buckets in the state table (pk = the bucket's key, sk `BUCKET`, TTL `expiresAt`), shared by every instance:
 * the edge's per-client buckets (`RATE#…`) and the fleet's bucket towards Abhi (`ABHI#RATE`), ADR 0023.
 *
 * DynamoDB update expressions cannot compute max(tat, now), so GCRA is two conditional UpdateItems with no read
 * first — "busy" (tat > now: `tat = tat + step`, if tat stays within the admitted bound) and "idle" (tat <= now:
 * `tat = now + step`) — tried in the order this process last saw apply (a per-key hint): one write per acquisition
 * except when the bucket switched between idle and busy. A failed condition returns the item (or, on emulators
 * without ReturnValuesOnConditionCheckFailure, one consistent read), which says which form applies or gives the
 * exact refusal.
 */
export interface DynamoDbTokenBucketStoreOptions {
  /** Default: STATE_TABLE_NAME, read on first use. */
  readonly tableName?: string;
  readonly client?: DynamoDBDocumentClient;
}

const SORT_KEY = 'BUCKET';
const MAX_ATTEMPTS = 5;
const HINT_CAPACITY = 10_000;

export class DynamoDbTokenBucketStore implements TokenBucketStore {
  private readonly hints = new Map<string, number>();

  constructor(protected readonly options: DynamoDbTokenBucketStoreOptions = {}) {}

  protected get table(): string {
    return this.options.tableName ?? loadConfig({ STATE_TABLE_NAME: envVar.text() }).STATE_TABLE_NAME;
  }

  protected get client(): DynamoDBDocumentClient {
    return this.options.client ?? dynamoDocumentClient();
  }

  protected itemKey(key: string) {
    return { pk: key, sk: SORT_KEY };
  }

  async acquireBucket(key: string, params: BucketParams): Promise<BucketResult> {
    const { nowMs } = params;
    const stepMs = Math.min(params.cost ?? 1, params.burst) * params.intervalMs;
    const allowAt = admitUntil(params);
    // After the bucket's tat passes, the bucket is full again and the item may go.
    const expiresAt = Math.ceil((allowAt + stepMs) / 1000) + 60;
    let busyFirst = (this.hints.get(key) ?? 0) > nowMs;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const outcome = busyFirst
        ? await this.update(key, {
            UpdateExpression: 'SET #tat = #tat + :step, #exp = :exp',
            ConditionExpression: '#tat > :now AND #tat <= :allowAt',
            ExpressionAttributeValues: { ':step': stepMs, ':now': nowMs, ':allowAt': allowAt, ':exp': expiresAt },
          })
        : await this.update(key, {
            UpdateExpression: 'SET #tat = :tat, #exp = :exp',
            ConditionExpression: 'attribute_not_exists(#tat) OR #tat <= :now',
            ExpressionAttributeValues: { ':tat': nowMs + stepMs, ':now': nowMs, ':exp': expiresAt },
          });
      if (outcome.applied && outcome.tat !== undefined) {
        this.remember(key, outcome.tat);
        return { allowed: true, tatMs: outcome.tat };
      }
      const found = outcome.tat;
      if (found !== undefined && found > allowAt) {
        this.remember(key, found);
        return { allowed: false, tatMs: found };
      }
      // The other form applies (idle: tat <= now, or busy: now < tat <= allowAt), or the item changed between our
      // reads: switch and retry.
      busyFirst = found !== undefined && found > nowMs;
    }
    // Persistent contention on one key: refuse briefly rather than admit unchecked.
    return { allowed: false, tatMs: allowAt + stepMs };
  }

  private async update(
    key: string,
    input: { UpdateExpression: string; ConditionExpression: string; ExpressionAttributeValues: Record<string, number> },
  ): Promise<{ applied: boolean; tat: number | undefined }> {
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.itemKey(key),
          ...input,
          ExpressionAttributeNames: { '#tat': 'tat', '#exp': 'expiresAt' },
          ReturnValues: 'UPDATED_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { applied: true, tat: Number(result.Attributes?.tat) };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException) && (error as { name?: string })?.name !== 'ConditionalCheckFailedException') throw error;
      const item = (error as { Item?: Record<string, unknown> }).Item;
      if (item) return { applied: false, tat: numberAttribute(item.tat) };
      const { Item } = await this.client.send(new GetCommand({ TableName: this.table, Key: this.itemKey(key), ConsistentRead: true }));
      return { applied: false, tat: Item ? numberAttribute(Item.tat) : undefined };
    }
  }

  private remember(key: string, tat: number): void {
    this.hints.delete(key);
    this.hints.set(key, tat);
    if (this.hints.size > HINT_CAPACITY) this.hints.delete(this.hints.keys().next().value!);
  }
}

/** An attribute as lib-dynamodb gives it, or raw (the item of a failed condition is not unmarshalled). */
export function numberAttribute(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (value && typeof value === 'object' && 'N' in value) return Number((value as { N: string }).N);
  if (typeof value === 'string' && value !== '') return Number(value);
  return undefined;
}
