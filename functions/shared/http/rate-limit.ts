import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbTokenBucketStore } from '#shared/adapters/dynamodb/token-bucket-store';
import { InMemoryTokenBucketStore, ShardedTokenBuckets, type BucketParams, type TokenBucketStore } from '#shared/rate-limit/token-bucket';
import type { HttpSettings } from './settings';

export type { BucketParams } from '#shared/rate-limit/token-bucket';

/**
 * API rate limiting shared across all function instances (DynamoDB state table, pk `RATE#<class>#<subject>`,
 * sk `BUCKET`, TTL `expiresAt`).
 *
 * - `bucket` rules (read / write classes) are the project's one token bucket (GCRA, `#shared/rate-limit/token-bucket`,
 *   the same as the fleet's bucket towards Abhi), sharded in production so no item is hot (ADR 0023).
 * - `window` rules (advance class: at most N per employee per rolling hour) are a sliding log: a burst-style bucket
 *   would allow up to 2N-1 in a rolling hour, which is not what "at most N per hour" means for money. Advances are
 *   rare, so this is a consistent GetItem + a version-conditioned UpdateItem.
 */
export type RateLimitedClass = 'read' | 'write' | 'advance';

export type RateLimitRule =
  | { readonly kind: 'bucket'; readonly ratePerSecond: number; readonly burst: number }
  | { readonly kind: 'window'; readonly limit: number; readonly windowSeconds: number };

export interface RateLimitDecision {
  readonly allowed: boolean;
  /** The quota: burst size (bucket) or requests per window. */
  readonly limit: number;
  readonly remaining: number;
  /** Seconds until a request would be admitted again (0 when allowed). */
  readonly retryAfterSeconds: number;
  /** Seconds until the quota is fully restored. */
  readonly resetSeconds: number;
}

/** Port: the shared state behind the limiter: token buckets, and the advance quota's sliding log. */
export interface RateLimitStore extends TokenBucketStore {
  /** Sliding-log admission for `key`. Returns the timestamps (ms) inside the window after the call. */
  acquireWindow(key: string, params: { limit: number; windowMs: number; nowMs: number }): Promise<{ allowed: boolean; timestampsMs: number[] }>;
}

export function bucketKey(rateClass: RateLimitedClass, subject: string): string {
  return `RATE#${rateClass}#${subject}`;
}

export class RateLimiter {
  constructor(
    private readonly store: RateLimitStore,
    private readonly now: () => number = Date.now,
  ) {}

  async check(rateClass: RateLimitedClass, subject: string, rule: RateLimitRule): Promise<RateLimitDecision> {
    const key = bucketKey(rateClass, subject);
    const nowMs = this.now();
    if (rule.kind === 'bucket') {
      const intervalMs = 1000 / rule.ratePerSecond;
      const { allowed, tatMs } = await this.store.acquireBucket(key, { intervalMs, burst: rule.burst, nowMs });
      const horizon = nowMs + rule.burst * intervalMs;
      const remaining = allowed ? Math.max(0, Math.min(rule.burst, Math.floor((horizon - tatMs) / intervalMs))) : 0;
      const waitMs = allowed ? 0 : tatMs - (nowMs + (rule.burst - 1) * intervalMs);
      return {
        allowed,
        limit: rule.burst,
        remaining,
        retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil(waitMs / 1000)),
        resetSeconds: Math.max(0, Math.ceil((Math.max(tatMs, nowMs) - nowMs) / 1000)),
      };
    }
    const windowMs = rule.windowSeconds * 1000;
    const { allowed, timestampsMs } = await this.store.acquireWindow(key, { limit: rule.limit, windowMs, nowMs });
    const oldest = Math.min(...timestampsMs, nowMs);
    const newest = Math.max(...timestampsMs, nowMs);
    return {
      allowed,
      limit: rule.limit,
      remaining: Math.max(0, rule.limit - timestampsMs.length),
      retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((oldest + windowMs - nowMs) / 1000)),
      resetSeconds: timestampsMs.length === 0 ? 0 : Math.max(0, Math.ceil((newest + windowMs - nowMs) / 1000)),
    };
  }
}

/** The rules of each class from the settings (RATE_LIMIT_*); `ipFactor` scales them for per-IP buckets. */
export function rateLimitRules(settings: HttpSettings, scope: 'principal' | 'ip'): Record<RateLimitedClass, RateLimitRule> {
  const f = scope === 'ip' ? settings.RATE_LIMIT_IP_FACTOR : 1;
  const write: RateLimitRule = { kind: 'bucket', ratePerSecond: settings.RATE_LIMIT_WRITE_RPS * f, burst: Math.ceil(settings.RATE_LIMIT_WRITE_BURST * f) };
  return {
    read: { kind: 'bucket', ratePerSecond: settings.RATE_LIMIT_READ_RPS * f, burst: Math.ceil(settings.RATE_LIMIT_READ_BURST * f) },
    write,
    // Per IP an advance request is just a write; the hourly quota is per employee.
    advance: scope === 'ip' ? write : { kind: 'window', limit: settings.RATE_LIMIT_ADVANCES_PER_HOUR, windowSeconds: 3600 },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// DynamoDB adapter
// ---------------------------------------------------------------------------------------------------------------

const SORT_KEY = 'BUCKET';
const MAX_ATTEMPTS = 5;

/** Buckets from the shared token-bucket store; the advance quota's sliding log beside them. */
export class DynamoDbRateLimitStore extends DynamoDbTokenBucketStore implements RateLimitStore {
  async acquireWindow(
    key: string,
    { limit, windowMs, nowMs }: { limit: number; windowMs: number; nowMs: number },
  ): Promise<{ allowed: boolean; timestampsMs: number[] }> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const { Item } = await this.client.send(new GetCommand({ TableName: this.table, Key: { pk: key, sk: SORT_KEY }, ConsistentRead: true }));
      const version = Item ? Number(Item.v ?? 0) : undefined;
      const recent = (Array.isArray(Item?.ts) ? (Item!.ts as unknown[]).map(Number) : []).filter((t) => t > nowMs - windowMs);
      if (recent.length >= limit) return { allowed: false, timestampsMs: recent };
      const next = [...recent, nowMs];
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { pk: key, sk: SORT_KEY },
            UpdateExpression: 'SET #ts = :ts, #v = :next, #exp = :exp',
            ConditionExpression: version === undefined ? 'attribute_not_exists(#v)' : '#v = :v',
            ExpressionAttributeNames: { '#ts': 'ts', '#v': 'v', '#exp': 'expiresAt' },
            ExpressionAttributeValues: {
              ':ts': next,
              ':next': (version ?? 0) + 1,
              ':exp': Math.ceil((nowMs + windowMs) / 1000) + 60,
              ...(version === undefined ? {} : { ':v': version }),
            },
          }),
        );
        return { allowed: true, timestampsMs: next };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        // Another instance admitted a request meanwhile: re-read and decide again.
      }
    }
    return { allowed: false, timestampsMs: [] };
  }
}

/**
 * Items each bucket is split over (`RATE#<class>#<subject>#0…3`; fewer for a burst under 8), so that at the stage
 * throttle ceiling no item takes more than 500 writes/s (test/infra/hot-keys.test.ts computes it from the stage
 * configuration; ADR 0023).
 */
export const EDGE_BUCKET_SHARDS = 4;

/** `store` with its buckets sharded (EDGE_BUCKET_SHARDS); the advance quota's log stays one item (rare writes). */
export function shardedRateLimitStore(store: RateLimitStore, shards = EDGE_BUCKET_SHARDS): RateLimitStore {
  const buckets = new ShardedTokenBuckets(store, () => shards);
  return {
    acquireBucket: (key, params) => buckets.acquireBucket(key, params),
    acquireWindow: (key, params) => store.acquireWindow(key, params),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Per-container share in front of the shared store (ADR 0019)
// ---------------------------------------------------------------------------------------------------------------

/** The share of a bucket rule an instance may admit on its own, without asking the shared store. */
export const LOCAL_SHARE = 0.2;
/** Acquisitions one request makes of the shared store at most: its backlog with it, then (refused) itself alone. */
export const SHARED_ACQUISITIONS_PER_REQUEST = 2;
const LOCAL_CAPACITY = 10_000;

interface LocalBucket {
  /** GCRA tat of the instance's own share (rate × share, burst × share). */
  localTat: number;
  /** Where the shared bucket would be had every local admission been reported (full rule): for the headers. */
  estimatedTat: number;
  /** Tokens admitted locally and not yet charged to the shared bucket. */
  unreported: number;
  /** The shared bucket refused: refuse here, without asking, until a token frees. */
  blockedUntil: number;
}

/**
 * Token buckets that go to the shared store (DynamoDB) only near the limit. Each instance admits up to LOCAL_SHARE
 * of a rule's rate and burst on its own; beyond that, it charges the shared bucket for the request and for every
 * local admission not yet reported, so what the shared bucket sees from an instance that ever nears the limit is
 * all of its traffic. After a refusal the instance refuses locally until the shared bucket frees a token, so an
 * abusive client costs no DynamoDB writes. A client spread over N instances that stay under their share each gets
 * up to N × share × the rule unseen (bounded by API Gateway's method and stage throttles); one instance gets the
 * rule exactly. Window rules (the advance quota) always go to the shared store.
 */
export class LocalFirstRateLimitStore implements RateLimitStore {
  private readonly buckets = new Map<string, LocalBucket>();

  constructor(
    private readonly shared: RateLimitStore,
    private readonly share = LOCAL_SHARE,
  ) {}

  async acquireBucket(key: string, { intervalMs, burst, nowMs }: BucketParams): Promise<{ allowed: boolean; tatMs: number }> {
    const bucket = this.buckets.get(key) ?? { localTat: nowMs, estimatedTat: nowMs, unreported: 0, blockedUntil: 0 };
    this.touch(key, bucket);
    if (nowMs < bucket.blockedUntil) return { allowed: false, tatMs: Math.max(bucket.estimatedTat, nowMs) };
    const localInterval = intervalMs / this.share;
    const localBurst = Math.max(1, Math.floor(burst * this.share));
    const localTat = Math.max(bucket.localTat, nowMs);
    const estimatedTat = Math.max(bucket.estimatedTat, nowMs);
    const localRoom = localTat - nowMs <= (localBurst - 1) * localInterval;
    const ruleRoom = estimatedTat - nowMs <= (burst - 1) * intervalMs;
    if (localRoom && ruleRoom) {
      bucket.localTat = localTat + localInterval;
      bucket.estimatedTat = estimatedTat + intervalMs;
      bucket.unreported += 1;
      return { allowed: true, tatMs: bucket.estimatedTat };
    }
    // The backlog is taken by this request alone (concurrent ones must not charge it again).
    const cost = Math.min(burst, bucket.unreported + 1);
    bucket.unreported = 0;
    let result = await this.shared.acquireBucket(key, { intervalMs, burst, nowMs, cost });
    // The backlog may not fit; the request itself may (the backlog is then forgiven, not carried into refusals).
    if (!result.allowed && cost > 1) result = await this.shared.acquireBucket(key, { intervalMs, burst, nowMs, cost: 1 });
    bucket.estimatedTat = Math.max(bucket.estimatedTat, result.tatMs);
    if (!result.allowed) bucket.blockedUntil = result.tatMs - (burst - 1) * intervalMs;
    return result;
  }

  acquireWindow(key: string, params: { limit: number; windowMs: number; nowMs: number }) {
    return this.shared.acquireWindow(key, params);
  }

  private touch(key: string, bucket: LocalBucket): void {
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    if (this.buckets.size > LOCAL_CAPACITY) this.buckets.delete(this.buckets.keys().next().value!);
  }
}

/** A single-process store (unit tests, tools); production uses DynamoDbRateLimitStore. */
export class InMemoryRateLimitStore extends InMemoryTokenBucketStore implements RateLimitStore {
  private readonly logs = new Map<string, number[]>();

  async acquireWindow(key: string, { limit, windowMs, nowMs }: { limit: number; windowMs: number; nowMs: number }) {
    const recent = (this.logs.get(key) ?? []).filter((t) => t > nowMs - windowMs);
    if (recent.length >= limit) return { allowed: false, timestampsMs: recent };
    recent.push(nowMs);
    this.logs.set(key, recent);
    return { allowed: true, timestampsMs: recent };
  }
}
