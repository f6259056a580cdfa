import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type {
  BreakerSnapshot,
  CircuitBreakerStore,
  LoginRejection,
  ResponseCache,
  StoredToken,
  TokenRecord,
  TokenStore,
} from './ports';
import { DynamoDbTokenBucketStore } from '#shared/adapters/dynamodb/token-bucket-store';
import { ShardedTokenBuckets } from '#shared/rate-limit/token-bucket';
import { FLEET_BUCKET_SHARDS } from './fleet-limit';
import { FleetRateLimiter } from './rate-limiter';

/**
 * DynamoDB implementations of the Abhi client's ports, all in the state table (`pk`/`sk`, TTL `expiresAt`), see
 * `#shared/adapters/dynamodb/tables`. Every coordination step is a single conditional write, so Lambda instances agree
 * without locks. `keyPrefix` (default '') lets tests isolate their items in a shared table.
 */
export interface DynamoAdapterOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly keyPrefix?: string;
  readonly now?: () => number;
}

function isConditionalFailure(error: unknown): error is ConditionalCheckFailedException {
  return error instanceof ConditionalCheckFailedException || (error as { name?: string })?.name === 'ConditionalCheckFailedException';
}

/** The item returned with a failed condition (ReturnValuesOnConditionCheckFailure) is not unmarshalled by lib-dynamodb. */
function unmarshallItem(item: Record<string, AttributeValue> | undefined): Record<string, unknown> | undefined {
  if (!item) return undefined;
  return Object.fromEntries(Object.entries(item).map(([k, v]) => [k, unmarshallValue(v)]));
}

function unmarshallValue(value: AttributeValue): unknown {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return Number(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.NULL !== undefined) return null;
  if (value.M !== undefined) return unmarshallItem(value.M);
  if (value.L !== undefined) return value.L.map(unmarshallValue);
  return undefined;
}

// =====================================================================================================================
// Token store: pk ABHI#TOKEN / sk TOKEN
// =====================================================================================================================

export class DynamoTokenStore implements TokenStore {
  private readonly key: { pk: string; sk: string };

  constructor(private readonly options: DynamoAdapterOptions) {
    this.key = { pk: `${options.keyPrefix ?? ''}ABHI#TOKEN`, sk: 'TOKEN' };
  }

  async read(): Promise<TokenRecord> {
    const { Item } = await this.options.client.send(new GetCommand({ TableName: this.options.tableName, Key: this.key, ConsistentRead: true }));
    return toTokenRecord(Item);
  }

  async tryAcquireLease(owner: string, untilMs: number, nowMs: number): Promise<{ acquired: boolean; record: TokenRecord }> {
    try {
      const { Attributes } = await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: this.key,
          UpdateExpression: 'SET leaseOwner = :owner, leaseUntil = :until',
          ConditionExpression: 'attribute_not_exists(leaseUntil) OR leaseUntil < :now',
          ExpressionAttributeValues: { ':owner': owner, ':until': untilMs, ':now': nowMs },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { acquired: true, record: toTokenRecord(Attributes) };
    } catch (error) {
      if (!isConditionalFailure(error)) throw error;
      return { acquired: false, record: toTokenRecord(unmarshallItem(error.Item)) };
    }
  }

  async publishToken(owner: string, token: Omit<StoredToken, 'version'>): Promise<StoredToken | undefined> {
    try {
      const { Attributes } = await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: this.key,
          UpdateExpression:
            'SET sealedToken = :sealed, tokenExp = :exp, obtainedAt = :obtainedAt, tokenVersion = if_not_exists(tokenVersion, :zero) + :one ' +
            'REMOVE leaseOwner, leaseUntil, rejFingerprint, rejStatus, rejMessage, rejAt',
          ConditionExpression: 'leaseOwner = :owner',
          ExpressionAttributeValues: { ':sealed': token.sealed, ':exp': token.exp, ':obtainedAt': token.obtainedAt, ':zero': 0, ':one': 1, ':owner': owner },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toTokenRecord(Attributes).token;
    } catch (error) {
      if (isConditionalFailure(error)) return undefined;
      throw error;
    }
  }

  async recordRejection(owner: string, rejection: LoginRejection): Promise<void> {
    try {
      await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: this.key,
          UpdateExpression: 'SET rejFingerprint = :f, rejStatus = :s, rejMessage = :m, rejAt = :at REMOVE leaseOwner, leaseUntil',
          ConditionExpression: 'leaseOwner = :owner',
          ExpressionAttributeValues: { ':f': rejection.fingerprint, ':s': rejection.statusCode, ':m': rejection.message, ':at': rejection.at, ':owner': owner },
        }),
      );
    } catch (error) {
      if (!isConditionalFailure(error)) throw error;
    }
  }

  async releaseLease(owner: string): Promise<void> {
    try {
      await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: this.key,
          UpdateExpression: 'REMOVE leaseOwner, leaseUntil',
          ConditionExpression: 'leaseOwner = :owner',
          ExpressionAttributeValues: { ':owner': owner },
        }),
      );
    } catch (error) {
      if (!isConditionalFailure(error)) throw error;
    }
  }

  async clearToken(version: number): Promise<void> {
    try {
      await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: this.key,
          UpdateExpression: 'REMOVE sealedToken, tokenExp, obtainedAt',
          ConditionExpression: 'tokenVersion = :v',
          ExpressionAttributeValues: { ':v': version },
        }),
      );
    } catch (error) {
      if (!isConditionalFailure(error)) throw error;
    }
  }

  async clearRejection(): Promise<void> {
    await this.options.client.send(
      new UpdateCommand({ TableName: this.options.tableName, Key: this.key, UpdateExpression: 'REMOVE rejFingerprint, rejStatus, rejMessage, rejAt' }),
    );
  }
}

function toTokenRecord(item: Record<string, unknown> | undefined): TokenRecord {
  if (!item) return {};
  const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const sealed = str(item.sealedToken);
  const exp = num(item.tokenExp);
  const version = num(item.tokenVersion);
  const leaseOwner = str(item.leaseOwner);
  const leaseUntil = num(item.leaseUntil);
  const fingerprint = str(item.rejFingerprint);
  return {
    token: sealed && exp !== undefined && version !== undefined ? { sealed, exp, version, obtainedAt: num(item.obtainedAt) ?? 0 } : undefined,
    lease: leaseOwner && leaseUntil !== undefined ? { owner: leaseOwner, until: leaseUntil } : undefined,
    rejection: fingerprint
      ? { fingerprint, statusCode: num(item.rejStatus) ?? 401, message: str(item.rejMessage) ?? 'login rejected', at: num(item.rejAt) ?? 0 }
      : undefined,
  };
}

// =====================================================================================================================
// Rate limiter: pk ABHI#RATE#<shard> / sk BUCKET — the project's one token bucket, sharded (ADR 0023).
// =====================================================================================================================

/**
 * The fleet's bucket in the state table: the shared GCRA store (one conditional UpdateItem per acquisition in the
 * common case), split over FLEET_BUCKET_SHARDS items so no item is hot; together they admit exactly what one would.
 */
export class DynamoRateLimiter extends FleetRateLimiter {
  constructor(options: DynamoAdapterOptions & { readonly ratePerSecond: number; readonly burst: number; readonly interactiveReserve?: number; readonly shards?: number }) {
    const store = new DynamoDbTokenBucketStore({ client: options.client, tableName: options.tableName });
    super(new ShardedTokenBuckets(store, () => options.shards ?? FLEET_BUCKET_SHARDS), { ...options, key: `${options.keyPrefix ?? ''}ABHI#RATE` });
  }
}

// =====================================================================================================================
// Circuit breaker store: pk ABHI#BREAKER#<group> / sk STATE
// =====================================================================================================================

const BREAKER_NAMES = { '#st': 'state', '#win': 'window', '#gen': 'generation' };

export class DynamoCircuitBreakerStore implements CircuitBreakerStore {
  constructor(private readonly options: DynamoAdapterOptions) {}

  private key(group: string) {
    return { pk: `${this.options.keyPrefix ?? ''}ABHI#BREAKER#${group}`, sk: 'STATE' };
  }

  async load(group: string): Promise<BreakerSnapshot> {
    const { Item } = await this.options.client.send(new GetCommand({ TableName: this.options.tableName, Key: this.key(group), ConsistentRead: true }));
    if (Item) return toSnapshot(Item);
    // Absent: create it closed, or read what a concurrent creator wrote, in one round trip.
    const { Attributes } = await this.options.client.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: this.key(group),
        UpdateExpression:
          'SET #st = if_not_exists(#st, :closed), #gen = if_not_exists(#gen, :zero), #win = if_not_exists(#win, :empty), ' +
          'openUntil = if_not_exists(openUntil, :zero), trialsStarted = if_not_exists(trialsStarted, :zero), ' +
          'trialSuccesses = if_not_exists(trialSuccesses, :zero), halfOpenAt = if_not_exists(halfOpenAt, :zero)',
        ExpressionAttributeNames: BREAKER_NAMES,
        ExpressionAttributeValues: { ':closed': 'closed', ':zero': 0, ':empty': {} },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return toSnapshot(Attributes);
  }

  private async update(group: string, input: { update: string; condition: string; values: Record<string, unknown>; names?: Record<string, string> }) {
    try {
      const { Attributes } = await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: this.key(group),
          UpdateExpression: input.update,
          ConditionExpression: input.condition,
          // DynamoDB rejects unused names: pass only the placeholders the expressions use.
          ExpressionAttributeNames: Object.fromEntries(
            Object.entries({ ...BREAKER_NAMES, ...input.names }).filter(([placeholder]) =>
              new RegExp(`${placeholder}(?![A-Za-z0-9_])`).test(`${input.update} ${input.condition}`),
            ),
          ),
          ExpressionAttributeValues: input.values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toSnapshot(Attributes);
    } catch (error) {
      if (isConditionalFailure(error)) return null;
      throw error;
    }
  }

  record(group: string, generation: number, key: string, success: boolean, removeKeys: readonly string[]): Promise<BreakerSnapshot | null> {
    const names: Record<string, string> = { '#k': key };
    removeKeys.forEach((k, i) => (names[`#r${i}`] = k));
    const remove = removeKeys.length ? ` REMOVE ${removeKeys.map((_, i) => `#win.#r${i}`).join(', ')}` : '';
    return this.update(group, {
      update: `SET #win.#k = :ok${remove}`,
      condition: '#st = :closed AND #gen = :g',
      values: { ':ok': success, ':closed': 'closed', ':g': generation },
      names,
    });
  }

  open(group: string, generation: number, openUntil: number): Promise<BreakerSnapshot | null> {
    return this.update(group, {
      update: 'SET #st = :open, openUntil = :until, #gen = #gen + :one, #win = :empty, trialsStarted = :zero, trialSuccesses = :zero',
      condition: '#gen = :g AND #st <> :open',
      values: { ':open': 'open', ':until': openUntil, ':one': 1, ':zero': 0, ':empty': {}, ':g': generation },
    });
  }

  startHalfOpen(group: string, generation: number, now: number): Promise<BreakerSnapshot | null> {
    return this.update(group, {
      update: 'SET #st = :half, #gen = #gen + :one, trialsStarted = :one, trialSuccesses = :zero, halfOpenAt = :now',
      condition: '#gen = :g AND ((#st = :open AND openUntil <= :now) OR #st = :half)',
      values: { ':half': 'half_open', ':open': 'open', ':one': 1, ':zero': 0, ':now': now, ':g': generation },
    });
  }

  acquireTrial(group: string, generation: number, maxTrials: number): Promise<BreakerSnapshot | null> {
    return this.update(group, {
      update: 'ADD trialsStarted :one',
      condition: '#gen = :g AND #st = :half AND trialsStarted < :max',
      values: { ':one': 1, ':g': generation, ':half': 'half_open', ':max': maxTrials },
    });
  }

  async releaseTrial(group: string, generation: number): Promise<void> {
    await this.update(group, {
      update: 'ADD trialsStarted :minus',
      condition: '#gen = :g AND #st = :half AND trialsStarted > :zero',
      values: { ':minus': -1, ':g': generation, ':half': 'half_open', ':zero': 0 },
    });
  }

  recordTrialSuccess(group: string, generation: number): Promise<BreakerSnapshot | null> {
    return this.update(group, {
      update: 'ADD trialSuccesses :one',
      condition: '#gen = :g AND #st = :half',
      values: { ':one': 1, ':g': generation, ':half': 'half_open' },
    });
  }

  close(group: string, generation: number): Promise<BreakerSnapshot | null> {
    return this.update(group, {
      update: 'SET #st = :closed, #gen = #gen + :one, #win = :empty, trialsStarted = :zero, trialSuccesses = :zero',
      condition: '#gen = :g AND #st = :half',
      values: { ':closed': 'closed', ':one': 1, ':zero': 0, ':empty': {}, ':g': generation, ':half': 'half_open' },
    });
  }
}

function toSnapshot(item: Record<string, unknown> | undefined): BreakerSnapshot {
  const num = (v: unknown) => (typeof v === 'number' ? v : 0);
  const state = item?.state === 'open' || item?.state === 'half_open' ? item.state : 'closed';
  const window = item?.window && typeof item.window === 'object' ? (item.window as Record<string, boolean>) : {};
  return {
    state,
    generation: num(item?.generation),
    window,
    openUntil: num(item?.openUntil),
    trialsStarted: num(item?.trialsStarted),
    trialSuccesses: num(item?.trialSuccesses),
    halfOpenAt: num(item?.halfOpenAt),
  };
}

// =====================================================================================================================
// Response cache: pk CACHE#<kind> / sk <key>, TTL attribute expiresAt
// =====================================================================================================================

/** DynamoDB items are limited to 400 KB; larger responses are simply not cached. */
const MAX_CACHED_CHARS = 350_000;

export class DynamoResponseCache implements ResponseCache {
  private readonly now: () => number;

  /** `consistentRead` (default true: an invalidation is seen at once) false halves the read's cost where a TTL-old value is acceptable anyway. */
  constructor(private readonly options: DynamoAdapterOptions & { readonly consistentRead?: boolean }) {
    this.now = options.now ?? Date.now;
  }

  private pk(kind: string): string {
    return `${this.options.keyPrefix ?? ''}CACHE#${kind}`;
  }

  async get(kind: string, key: string): Promise<unknown | undefined> {
    const { Item } = await this.options.client.send(
      new GetCommand({ TableName: this.options.tableName, Key: { pk: this.pk(kind), sk: key }, ConsistentRead: this.options.consistentRead ?? true }),
    );
    // TTL deletion is lazy (up to days on AWS): an expired item is treated as absent.
    if (!Item || typeof Item.expiresAtMs !== 'number' || Item.expiresAtMs <= this.now() || typeof Item.value !== 'string') return undefined;
    try {
      return JSON.parse(Item.value);
    } catch {
      return undefined;
    }
  }

  async set(kind: string, key: string, value: unknown, ttlMs: number): Promise<void> {
    const text = JSON.stringify(value);
    if (text === undefined || text.length > MAX_CACHED_CHARS) return;
    const expiresAtMs = this.now() + ttlMs;
    await this.options.client.send(
      new PutCommand({
        TableName: this.options.tableName,
        Item: { pk: this.pk(kind), sk: key, value: text, expiresAtMs, expiresAt: Math.ceil(expiresAtMs / 1000) },
      }),
    );
  }

  async invalidate(kind: string, keyPrefix?: string): Promise<void> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.options.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          KeyConditionExpression: keyPrefix ? 'pk = :pk AND begins_with(sk, :prefix)' : 'pk = :pk',
          ExpressionAttributeValues: keyPrefix ? { ':pk': this.pk(kind), ':prefix': keyPrefix } : { ':pk': this.pk(kind) },
          ProjectionExpression: 'pk, sk',
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      const keys = (page.Items ?? []).map((item) => ({ pk: item.pk, sk: item.sk }));
      for (let i = 0; i < keys.length; i += 25) {
        let requests: { DeleteRequest: { Key: Record<string, unknown> } }[] = keys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }));
        for (let round = 0; requests.length && round < 5; round++) {
          const result = await this.options.client.send(new BatchWriteCommand({ RequestItems: { [this.options.tableName]: requests } }));
          requests = (result.UnprocessedItems?.[this.options.tableName] ?? []) as typeof requests;
          if (requests.length) await new Promise((r) => setTimeout(r, 50 * 2 ** round));
        }
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }
}
