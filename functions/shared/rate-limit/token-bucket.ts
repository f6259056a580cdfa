/**
 * The one token bucket of the project (ADR 0023): the edge's per-client limits (http/rate-limit.ts) and the fleet's
 * limit towards Abhi (abhi/rate-limiter.ts) are both GCRA buckets behind this port, kept in memory (tests, one
 * process) or in DynamoDB (adapters/dynamodb/token-bucket-store.ts), and sharded when one item would be too hot.
 *
 * GCRA keeps a bucket as one number, the "theoretical arrival time" `tat` (ms). With emission interval T and burst B,
 * a request costing c tokens is admitted when max(tat, now) + c·T <= now + B·T (+ the caller's `maxWaitMs`, − the
 * `reserve` it must leave), and tat moves to max(tat, now) + c·T.
 */
export interface BucketParams {
  /** Emission interval, ms (1000 / rate). */
  readonly intervalMs: number;
  readonly burst: number;
  readonly nowMs: number;
  /** Tokens to take at once (default 1, at most `burst`). */
  readonly cost?: number;
  /** A slot up to this far in the future is reserved rather than refused (the caller sleeps until it). Default 0. */
  readonly maxWaitMs?: number;
  /** Tokens this caller must leave in the bucket for others (lower-priority work). Default 0, at most burst − 1. */
  readonly reserve?: number;
}

export interface BucketResult {
  readonly allowed: boolean;
  /** The bucket's tat after admission (allowed) or as found (refused), in the terms of the params asked with. */
  readonly tatMs: number;
}

/** Port: shared token buckets by key. */
export interface TokenBucketStore {
  acquireBucket(key: string, params: BucketParams): Promise<BucketResult>;
}

/** The latest tat at which a request with `params` is still admitted (the "busy" bound). */
export function admitUntil({ intervalMs, burst, nowMs, cost = 1, maxWaitMs = 0, reserve = 0 }: BucketParams): number {
  return nowMs + (burst - Math.min(reserve, burst - 1)) * intervalMs - Math.min(cost, burst) * intervalMs + Math.max(0, maxWaitMs);
}

/** A single-process store (tests, tools, the in-memory Abhi limiter). */
export class InMemoryTokenBucketStore implements TokenBucketStore {
  private readonly tats = new Map<string, number>();

  async acquireBucket(key: string, params: BucketParams): Promise<BucketResult> {
    const stepMs = Math.min(params.cost ?? 1, params.burst) * params.intervalMs;
    const tat = Math.max(this.tats.get(key) ?? params.nowMs, params.nowMs);
    if (tat > admitUntil(params)) return { allowed: false, tatMs: tat };
    this.tats.set(key, tat + stepMs);
    return { allowed: true, tatMs: tat + stepMs };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Hot keys: sharding
// ---------------------------------------------------------------------------------------------------------------

/**
 * What we let one DynamoDB item take, writes per second: half of what one partition serves (1,000 WCU/s), so a
 * bucket item never throttles before the stage does.
 */
export const MAX_ITEM_WRITES_PER_SECOND = 500;

/**
 * Writes one acquisition makes at most, without contention: one conditional UpdateItem on the shard it chose, or two
 * when that shard switched between idle and busy since this instance last saw it. (A retry under contention follows
 * another acquisition's successful write to the same item.)
 */
export const MAX_WRITES_PER_ACQUISITION = 2;

/** Tokens of `total` that shard `index` of `shards` holds: an even split, the remainder on the first shards. */
export function shareOf(total: number, shards: number, index: number): number {
  const whole = Math.floor(total);
  return Math.floor(whole / shards) + (index < whole % shards ? 1 : 0);
}

/**
 * The shards a bucket needs so that no item takes more than MAX_ITEM_WRITES_PER_SECOND when `acquisitionsPerSecond`
 * reach it, each making up to `writesPerAcquisition` writes. Throws when the bucket's burst is too small to split
 * that far (every shard needs a token of burst).
 */
export function shardsNeeded(acquisitionsPerSecond: number, burst: number, writesPerAcquisition = MAX_WRITES_PER_ACQUISITION): number {
  const needed = Math.max(1, Math.ceil((acquisitionsPerSecond * writesPerAcquisition) / MAX_ITEM_WRITES_PER_SECOND));
  if (effectiveShards(needed, burst) < needed) {
    throw new RangeError(`A bucket with burst ${burst} cannot be split into the ${needed} shards ${acquisitionsPerSecond} acquisitions/s need.`);
  }
  return needed;
}

/** Worst-case writes per second on one item of a bucket split into `shards`, with acquisitions spread evenly. */
export function worstCaseItemWritesPerSecond(acquisitionsPerSecond: number, shards: number, writesPerAcquisition = MAX_WRITES_PER_ACQUISITION): number {
  return (acquisitionsPerSecond * writesPerAcquisition) / shards;
}

const VIEW_CAPACITY = 10_000;

/** Tokens of burst each shard keeps at least, so a shard still bursts: a bucket is split into at most burst / 2. */
export const MIN_SHARD_BURST = 2;

/** The shards a bucket of `burst` is actually split into when `requested`. */
export function effectiveShards(requested: number, burst: number): number {
  return Math.max(1, Math.min(Math.floor(requested), Math.floor(Math.floor(burst) / MIN_SHARD_BURST)));
}

/**
 * A bucket of rate R and burst B split over S items (`<key>#<i>`; S at most B / MIN_SHARD_BURST), each a bucket of
 * rate R/S and an S-th of the burst (and of the reserve), so the S items together admit what the one would: in any
 * window of t seconds at most B + R·t, the fleet limit holds exactly. An acquisition writes one shard: the one this
 * instance last saw with the earliest free token (never seen: as good as empty; ties at random), so each instance
 * cycles over the shards and a token free on another shard is used rather than refused. A cost above one shard's
 * burst is capped there (the edge's unreported backlog, ADR 0019: forgiven beyond a shard's burst as beyond the
 * bucket's). Results are given in the unsharded bucket's terms (tat shifted by B·T − b·S·T), so callers compute
 * waits and headers unchanged.
 */
export class ShardedTokenBuckets implements TokenBucketStore {
  /** Per key, the tat of each shard when this instance last saw it (shard terms). */
  private readonly views = new Map<string, number[]>();

  constructor(
    private readonly inner: TokenBucketStore,
    private readonly shardsOf: (key: string) => number,
  ) {}

  async acquireBucket(key: string, params: BucketParams): Promise<BucketResult> {
    const shards = effectiveShards(this.shardsOf(key), params.burst);
    if (shards <= 1) return this.inner.acquireBucket(key, params);
    const intervalMs = params.intervalMs * shards;
    const view = this.view(key, shards);
    const index = earliestFree(view, (i) => (shareOf(params.burst, shards, i) - 1) * intervalMs);
    const burst = shareOf(params.burst, shards, index);
    const cost = Math.min(params.cost ?? 1, burst);
    // Count the acquisition against its shard before the store answers, so concurrent acquisitions of one instance
    // spread over the shards instead of all taking the same idle one (and being refused there within the burst).
    view[index] = Math.max(view[index]!, params.nowMs) + cost * intervalMs;
    const result = await this.inner.acquireBucket(`${key}#${index}`, {
      intervalMs,
      burst,
      nowMs: params.nowMs,
      cost,
      maxWaitMs: params.maxWaitMs ?? 0,
      reserve: Math.min(burst - 1, shareOf(params.reserve ?? 0, shards, index)),
    });
    view[index] = result.tatMs;
    return { allowed: result.allowed, tatMs: result.tatMs + params.burst * params.intervalMs - burst * intervalMs };
  }

  private view(key: string, shards: number): number[] {
    let view = this.views.get(key);
    if (view?.length !== shards) view = new Array<number>(shards).fill(Number.NEGATIVE_INFINITY);
    this.views.delete(key);
    this.views.set(key, view);
    if (this.views.size > VIEW_CAPACITY) this.views.delete(this.views.keys().next().value!);
    return view;
  }
}

/** The shard whose next token frees first (tat − tolerance), by this instance's view; ties at random. */
function earliestFree(view: readonly number[], toleranceOf: (index: number) => number): number {
  let best: number[] = [];
  let bestAt = Number.POSITIVE_INFINITY;
  view.forEach((tat, i) => {
    const freeAt = tat - toleranceOf(i);
    if (freeAt < bestAt) {
      best = [i];
      bestAt = freeAt;
    } else if (freeAt === bestAt) best.push(i);
  });
  return best[Math.floor(Math.random() * best.length)]!;
}
