import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoRateLimiter, DEFAULT_FLEET_RATE_LIMIT } from '#shared/abhi/client';
import { FLEET_BUCKET_SHARDS, interactiveReserve } from '#shared/abhi/fleet-limit';
import { FleetRateLimiter } from '#shared/abhi/rate-limiter';
import type { RatePriority } from '#shared/abhi/ports';
import { dynamoDocumentClient } from '#shared/adapters/dynamodb/client';
import { DynamoDbRateLimitStore, EDGE_BUCKET_SHARDS, RateLimiter, shardedRateLimitStore } from '#shared/http/rate-limit';
import { InMemoryTokenBucketStore, ShardedTokenBuckets } from '#shared/rate-limit/token-bucket';
import { stateTable, uniquePrefix } from './helpers';

/**
 * The one token bucket, sharded (ADR 0023), on DynamoDB Local: the S items of a bucket together admit no more than
 * the one item did — in every window of w ms at most burst + rate × w — while instances spread their writes over
 * all the items. Virtual clock (no wall-clock assertions); real conditional writes, several instances at once.
 */

/** Slots (ms) granted to every window [t, t + w] stay within burst + rate × w for each of these window lengths. */
function assertWithinBucket(slots: number[], rate: number, burst: number): void {
  const sorted = [...slots].sort((a, b) => a - b);
  for (const windowMs of [0, 100, 250, 500, 1_000, 2_000, 5_000]) {
    let worst = 0;
    for (let i = 0, j = 0; i < sorted.length; i++) {
      while (j < sorted.length && sorted[j]! <= sorted[i]! + windowMs) j++;
      worst = Math.max(worst, j - i);
    }
    expect(worst, `window ${windowMs} ms`).toBeLessThanOrEqual(Math.floor(burst + (rate * windowMs) / 1000 + 1e-9));
  }
}

describe('sharded token buckets on DynamoDB Local', () => {
  it(`the fleet bucket towards Abhi over ${FLEET_BUCKET_SHARDS} items: 12 instances, interactive and bulk, never exceed the fleet limit`, async () => {
    const { ratePerSecond, burst } = DEFAULT_FLEET_RATE_LIMIT;
    const prefix = uniquePrefix();
    let clock = 1_000_000;
    const instances = Array.from({ length: 12 }, () => new DynamoRateLimiter({ client: dynamoDocumentClient(), tableName: stateTable(), keyPrefix: prefix, now: () => clock, ratePerSecond, burst }));
    const slots: number[] = [];
    const durationMs = 4_000;
    const start = clock;
    let step = 0;
    while (clock < start + durationMs) {
      await Promise.all(
        instances.map(async (limiter, i) => {
          const priority: RatePriority = (i + step) % 3 === 0 ? 'interactive' : 'bulk';
          const decision = await limiter.acquire(priority === 'interactive' ? 2_000 : 0, priority);
          if (decision.allowed) slots.push(clock + decision.waitMs);
        }),
      );
      clock += 25;
      step += 1;
    }
    assertWithinBucket(slots, ratePerSecond, burst);
    // Saturated throughout: the shards together gave (nearly) the whole rate, not an S-th of it.
    const inRun = slots.filter((at) => at < start + durationMs).length;
    expect(inRun).toBeGreaterThanOrEqual(Math.floor(0.9 * ratePerSecond * (durationMs / 1000)));
    // Every shard item was written (the writes are spread), and there is no unsharded item.
    const client = dynamoDocumentClient();
    const items = await Promise.all(
      Array.from({ length: FLEET_BUCKET_SHARDS + 1 }, (_, shard) =>
        client.send(new GetCommand({ TableName: stateTable(), Key: { pk: shard < FLEET_BUCKET_SHARDS ? `${prefix}ABHI#RATE#${shard}` : `${prefix}ABHI#RATE`, sk: 'BUCKET' } })),
      ),
    );
    expect(items.slice(0, FLEET_BUCKET_SHARDS).every((r) => typeof r.Item?.tat === 'number')).toBe(true);
    expect(items[FLEET_BUCKET_SHARDS]!.Item).toBeUndefined();
  });

  it(`an edge bucket over ${EDGE_BUCKET_SHARDS} items (prod read rule 20/s, burst 40): 3 instances admit at most burst + rate × t`, async () => {
    const rule = { kind: 'bucket', ratePerSecond: 20, burst: 40 } as const;
    const subject = `sub:${randomUUID()}`;
    let clock = 2_000_000;
    const instances = Array.from({ length: 3 }, () => new RateLimiter(shardedRateLimitStore(new DynamoDbRateLimitStore({ tableName: stateTable() })), () => clock));
    const admitted: number[] = [];
    const start = clock;
    while (clock < start + 3_000) {
      const decisions = await Promise.all(instances.map((limiter) => limiter.check('read', subject, rule)));
      for (const d of decisions) if (d.allowed) admitted.push(clock);
      clock += 10;
    }
    assertWithinBucket(admitted, rule.ratePerSecond, rule.burst);
    // Spread over the shards, the bucket still admits (nearly) all it should: burst + rate × 3 s = 100.
    expect(admitted.length).toBeGreaterThanOrEqual(90);
  });

  it(`the interactive reserve survives the split: bulk work gets burst − reserve at once, interactive calls the rest without waiting`, async () => {
    const { ratePerSecond, burst } = DEFAULT_FLEET_RATE_LIMIT;
    const clock = 5_000_000;
    const limiter = new FleetRateLimiter(new ShardedTokenBuckets(new InMemoryTokenBucketStore(), () => FLEET_BUCKET_SHARDS), { key: 'ABHI#RATE', ratePerSecond, burst, now: () => clock });
    let bulk = 0;
    while ((await limiter.acquire(0, 'bulk')).allowed) bulk += 1;
    expect(bulk).toBe(burst - interactiveReserve(burst));
    for (let i = 0; i < interactiveReserve(burst); i++) expect(await limiter.acquire(2_000)).toEqual({ allowed: true, waitMs: 0 });
    const next = await limiter.acquire(2_000);
    expect(next.allowed && next.waitMs).toBeGreaterThan(0);
  });
});
