/**
 * The fleet's own token bucket towards Abhi, derived from the limit Abhi publishes for one API user.
 *
 * Abhi allows 10 requests/s with a burst of 20 (the SDK's DefaultConfig). A client bucket with exactly those numbers
 * gets the occasional 429 at saturation: both buckets sit near empty, and a call admitted on time by ours can reach
 * Abhi a little earlier, relative to the previous one, than Abhi's refill (network and scheduling jitter). Our bucket
 * therefore keeps the rate and gives up part of the burst: with burst B − k, Abhi's bucket keeps k tokens of slack
 * at saturation, which absorbs k / rate seconds of arrival jitter (500 ms here). It costs k calls once after an idle
 * period, not throughput (measured in BENCHMARKS.md §4, "The Abhi bottleneck").
 *
 * No imports: the stage configuration documents these numbers and the functions use them as defaults.
 */
export interface RateLimitSettings {
  readonly ratePerSecond: number;
  readonly burst: number;
}

/** Abhi's published limit per API user. */
export const ABHI_PUBLISHED_RATE_LIMIT: RateLimitSettings = { ratePerSecond: 10, burst: 20 };

/** Arrival jitter towards Abhi the fleet's bucket leaves room for (as tokens of Abhi's burst: rate × this). */
export const ABHI_ARRIVAL_JITTER_ALLOWANCE_MS = 500;

/** Our bucket for Abhi's `limit`: same rate, burst reduced by the jitter allowance (at least 1). */
export function fleetRateLimit(limit: RateLimitSettings = ABHI_PUBLISHED_RATE_LIMIT, jitterAllowanceMs = ABHI_ARRIVAL_JITTER_ALLOWANCE_MS): RateLimitSettings {
  const slack = Math.ceil((limit.ratePerSecond * jitterAllowanceMs) / 1000);
  return { ratePerSecond: limit.ratePerSecond, burst: Math.max(1, Math.floor(limit.burst) - slack) };
}

/**
 * Share of the fleet bucket's burst that bulk work (import, sync, status polling) leaves to interactive calls
 * (advances, approvals, repayments). At saturation by bulk work the bucket still holds this many tokens, so an
 * advance's few calls go out at once and further interactive calls wait only for the rate, never behind bulk work.
 */
export const INTERACTIVE_RESERVED_SHARE = 0.5;

/** Tokens of `burst` that bulk work may not take (at least 1, at most burst − 1 so bulk work can run at all). */
export function interactiveReserve(burst: number, share = INTERACTIVE_RESERVED_SHARE): number {
  const whole = Math.floor(burst);
  if (whole <= 1) return 0;
  return Math.min(whole - 1, Math.max(1, Math.ceil(whole * share)));
}

/** The default of `ABHI_RATE_LIMIT_RPS` / `ABHI_RATE_LIMIT_BURST`: 10 req/s, burst 15. */
export const DEFAULT_FLEET_RATE_LIMIT: RateLimitSettings = fleetRateLimit();

/**
 * Items the fleet's bucket is split over (ABHI#RATE#0…6), so that at the stage throttle ceiling no item takes more
 * than 500 writes/s (test/infra/hot-keys.test.ts computes it from the stage configuration; ADR 0023). Each shard
 * keeps at least 2 tokens of the default burst (3,2,2,2,2,2,2), so the interactive reserve survives the split (8 of 15
 * in all).
 */
export const FLEET_BUCKET_SHARDS = 7;

/**
 * How often a caller waiting for a fleet slot asks again (ADR 0023): these asks are what the waiting workflow tasks
 * (patient) and queue consumers (bulk) write on the bucket's items, so they are spaced, and a patient caller's
 * spacing grows with its wait (half the time waited, 1 s to 5 s): at most 17 asks in a minute instead of ~60–120.
 * test/infra/hot-keys.test.ts bounds the writes per item with these numbers.
 */
export const PATIENT_REASK_MIN_MS = 1_000;
export const PATIENT_REASK_MAX_MS = 5_000;
export const BULK_REASK_MIN_MS = 500;

/** The least pause before a patient caller asks again, `waitedMs` into its wait. */
export function patientReaskFloorMs(waitedMs: number): number {
  return Math.min(PATIENT_REASK_MAX_MS, Math.max(PATIENT_REASK_MIN_MS, waitedMs / 2));
}

/** Asks a patient caller makes at most within `patienceMs` (its first included). */
export function patientAsksWithin(patienceMs: number): number {
  let asks = 0;
  for (let at = 0; at < patienceMs; at += patientReaskFloorMs(at)) asks += 1;
  return asks;
}
