import { describe, expect, it } from 'vitest';
import { InMemoryRateLimitStore, LocalFirstRateLimitStore, RateLimiter, type BucketParams, type RateLimitRule, type RateLimitStore } from '#shared/http/rate-limit';

/**
 * The per-instance share in front of the shared buckets (ADR 0019). The shared store here is the in-memory one behind
 * a call counter: what is under test is when an instance asks it, not DynamoDB (rate-limit.test.ts covers that).
 */
function countingStore() {
  const inner = new InMemoryRateLimitStore();
  const calls: number[] = [];
  const store: RateLimitStore = {
    acquireBucket: (key: string, params: BucketParams) => {
      calls.push(params.cost ?? 1);
      return inner.acquireBucket(key, params);
    },
    acquireWindow: (key, params) => inner.acquireWindow(key, params),
  };
  return { store, calls };
}

const rule: RateLimitRule = { kind: 'bucket', ratePerSecond: 10, burst: 20 }; // share 0.2: 2/s, burst 4 locally

describe('LocalFirstRateLimitStore', () => {
  it('admits up to its share without asking the shared store, then charges the backlog with the next request', async () => {
    const t = 1_000_000;
    const { store, calls } = countingStore();
    const limiter = new RateLimiter(new LocalFirstRateLimitStore(store), () => t);
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await limiter.check('read', 'sub:a', rule));
    expect(calls).toEqual([]);
    expect(decisions.map((d) => d.remaining)).toEqual([19, 18, 17, 16]);
    await limiter.check('read', 'sub:a', rule);
    expect(calls).toEqual([5]); // four local admissions + this one
  });

  it('one instance gets the rule exactly: the burst, then a refusal; refusals ask nothing until a token frees', async () => {
    let t = 1_000_000;
    const { store, calls } = countingStore();
    const limiter = new RateLimiter(new LocalFirstRateLimitStore(store), () => t);
    let admitted = 0;
    for (let i = 0; i < 30; i++) if ((await limiter.check('read', 'sub:b', rule)).allowed) admitted++;
    expect(admitted).toBe(20);
    const asked = calls.length;
    for (let i = 0; i < 50; i++) expect((await limiter.check('read', 'sub:b', rule)).allowed).toBe(false);
    expect(calls.length).toBe(asked);
    t += 100; // one token at 10/s
    expect((await limiter.check('read', 'sub:b', rule)).allowed).toBe(true);
  });

  it('two instances on one shared bucket admit at most the burst plus one local share each', async () => {
    const t = 1_000_000;
    const { store } = countingStore();
    const a = new RateLimiter(new LocalFirstRateLimitStore(store), () => t);
    const b = new RateLimiter(new LocalFirstRateLimitStore(store), () => t);
    let admitted = 0;
    for (let i = 0; i < 60; i++) if ((await (i % 2 ? a : b).check('read', 'sub:c', rule)).allowed) admitted++;
    expect(admitted).toBeGreaterThanOrEqual(20);
    expect(admitted).toBeLessThanOrEqual(20 + 2 * 4);
  });

  it('window rules (the advance quota) always go to the shared store', async () => {
    const { store } = countingStore();
    const limiter = new RateLimiter(new LocalFirstRateLimitStore(store));
    const window: RateLimitRule = { kind: 'window', limit: 2, windowSeconds: 3600 };
    const results = [];
    for (let i = 0; i < 3; i++) results.push((await limiter.check('advance', 'emp:x', window)).allowed);
    expect(results).toEqual([true, true, false]);
  });
});
