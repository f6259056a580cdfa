import type { TokenBucketStore } from '#shared/rate-limit/token-bucket';
import { interactiveReserve } from './fleet-limit';
import type { RateLimitDecision, RateLimiter, RatePriority } from './ports';

/**
 * The fleet's token bucket towards Abhi on the project's one token bucket (`#shared/rate-limit/token-bucket`, the
 * same GCRA as the edge's limits; ADR 0023). With emission interval T and tolerance τ = (burst − 1)·T, an interactive
 * call reserves the next slot up to its `maxWaitMs` ahead and sleeps until it (max(now, tat − T − τ)); bulk work
 * takes a slot only while the interactive reserve stays free and never reserves ahead (RatePriority).
 */
export class FleetRateLimiter implements RateLimiter {
  private readonly intervalMs: number;
  private readonly burst: number;
  private readonly reserve: number;

  constructor(
    private readonly store: TokenBucketStore,
    private readonly options: { readonly key: string; readonly ratePerSecond: number; readonly burst: number; readonly interactiveReserve?: number; readonly now?: () => number },
  ) {
    if (!(options.ratePerSecond > 0) || !(options.burst >= 1)) throw new RangeError('Rate limit needs ratePerSecond > 0 and burst >= 1.');
    this.intervalMs = 1000 / options.ratePerSecond;
    this.burst = Math.floor(options.burst);
    this.reserve = Math.min(this.burst - 1, options.interactiveReserve ?? interactiveReserve(options.burst));
  }

  async acquire(maxWaitMs: number, priority: RatePriority = 'interactive'): Promise<RateLimitDecision> {
    const bulk = priority === 'bulk';
    const nowMs = (this.options.now ?? Date.now)();
    const reserve = bulk ? this.reserve : 0;
    const { allowed, tatMs } = await this.store.acquireBucket(this.options.key, {
      intervalMs: this.intervalMs,
      burst: this.burst,
      nowMs,
      maxWaitMs: bulk ? 0 : Math.max(0, maxWaitMs),
      reserve,
    });
    // Measured from the acquisition's `now`; the few ms spent since only make the wait slightly conservative.
    if (allowed) return { allowed: true, waitMs: Math.max(0, tatMs - this.burst * this.intervalMs - nowMs) };
    return { allowed: false, retryAfterMs: Math.max(1, tatMs - (this.burst - 1 - reserve) * this.intervalMs - nowMs) };
  }
}
