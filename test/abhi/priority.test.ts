import { describe, expect, it } from 'vitest';
import { DynamoRateLimiter, MemoryRateLimiter, DEFAULT_FLEET_RATE_LIMIT } from '#shared/abhi/client';
import { interactiveReserve } from '#shared/abhi/fleet-limit';
import type { RateLimiter, RatePriority } from '#shared/abhi/ports';
import { dynamoDocumentClient } from '#shared/adapters/dynamodb/client';
import { stateTable, uniquePrefix } from './helpers';

/**
 * Priority for money (ADR 0018): bulk work (employee import, sync, status polling) takes a fleet rate slot only while
 * the interactive reserve of the burst stays free and never reserves one ahead, so an advance's Abhi calls are not
 * delayed behind a 5,000-row import. Asserted on the slots the limiter grants, in virtual time (no wall clock): the
 * fleet's default bucket (10 req/s, burst 15), 20 bulk callers (2 import consumers × 10 rows) and an advance every
 * 2 s (validate and balance in parallel, then the create).
 */
const ROWS = Number(process.env.PRIORITY_ROWS ?? 5_000);

interface RunResult {
  /** The wait the limiter granted each interactive call (ms). */
  interactiveWaits: number[];
  interactiveRefused: number;
  bulkGranted: number;
  /** Virtual ms until the last row had its slot. */
  finishedAt: number;
}

/** A deterministic pseudo-random sequence (jitter of the bulk callers' re-asks). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * A discrete-event run on a virtual clock. `bulkPriority` 'bulk' is the design; 'interactive' with a 1 s reach
 * ahead is how bulk work took slots before (a patient caller), for comparison.
 */
async function simulate(makeLimiter: (now: () => number) => RateLimiter, options: { rows: number; bulkPriority: RatePriority }): Promise<RunResult> {
  let clock = 0;
  const limiter = makeLimiter(() => clock);
  const events: { at: number; seq: number; run: () => Promise<void> }[] = [];
  let seq = 0;
  const schedule = (at: number, run: () => Promise<void>) => {
    events.push({ at, seq: seq++, run });
  };
  const jitter = random(42);
  const result: RunResult = { interactiveWaits: [], interactiveRefused: 0, bulkGranted: 0, finishedAt: 0 };
  let rowsLeft = options.rows;

  const bulkWorker = async (): Promise<void> => {
    if (rowsLeft <= 0) return;
    const slot = options.bulkPriority === 'bulk' ? await limiter.acquire(0, 'bulk') : await limiter.acquire(1_000, 'interactive');
    if (!slot.allowed) {
      schedule(clock + slot.retryAfterMs + jitter() * 50, bulkWorker);
      return;
    }
    rowsLeft -= 1;
    result.bulkGranted += 1;
    result.finishedAt = clock + slot.waitMs;
    // The call itself (~150 ms at Abhi), then the worker's next row.
    schedule(clock + slot.waitMs + 150, bulkWorker);
  };
  const interactiveCall = async (): Promise<number> => {
    const slot = await limiter.acquire(2_000, 'interactive');
    if (!slot.allowed) {
      result.interactiveRefused += 1;
      return 0;
    }
    result.interactiveWaits.push(slot.waitMs);
    return slot.waitMs;
  };
  const advance = async (): Promise<void> => {
    // Eligibility and balance checks in parallel, then the create once both answered.
    const waits = [await interactiveCall(), await interactiveCall()];
    schedule(clock + Math.max(...waits) + 150, async () => {
      await interactiveCall();
    });
    if (rowsLeft > 0) schedule(clock + 2_000, advance);
  };

  for (let worker = 0; worker < 20; worker++) schedule(worker * 5, bulkWorker);
  schedule(1_000, advance);
  while (events.length > 0) {
    events.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const next = events.shift()!;
    clock = Math.max(clock, next.at);
    await next.run();
  }
  return result;
}

const fleet = DEFAULT_FLEET_RATE_LIMIT;

describe(`priority for money: an advance during a ${ROWS}-row import`, () => {
  it('the interactive reserve is half the burst (8 of 15 tokens)', () => {
    expect(fleet).toEqual({ ratePerSecond: 10, burst: 15 });
    expect(interactiveReserve(fleet.burst)).toBe(8);
    expect(interactiveReserve(2)).toBe(1);
    expect(interactiveReserve(1)).toBe(0);
  });

  it('every Abhi call of every advance gets its slot with < 1 s of delay, and the import still runs at the full rate', async () => {
    const run = await simulate((now) => new MemoryRateLimiter(fleet, now), { rows: ROWS, bulkPriority: 'bulk' });
    expect(run.bulkGranted).toBe(ROWS);
    expect(run.interactiveRefused).toBe(0);
    const advances = run.interactiveWaits.length / 3;
    expect(advances).toBeGreaterThan(ROWS / 10 / 2 - 5);
    expect(Math.max(...run.interactiveWaits)).toBeLessThan(1_000);
    // Bulk work uses what the advances leave: all rows within 3 % of the ideal at 10 req/s.
    const ideal = ((ROWS + run.interactiveWaits.length) / fleet.ratePerSecond) * 1000;
    expect(run.finishedAt).toBeLessThan(ideal * 1.03);
  });

  it('without the priority (bulk work reserving slots ahead like a patient caller) the same advances wait longer', async () => {
    const rows = Math.min(ROWS, 1_000);
    const before = await simulate((now) => new MemoryRateLimiter(fleet, now), { rows, bulkPriority: 'interactive' });
    const after = await simulate((now) => new MemoryRateLimiter(fleet, now), { rows, bulkPriority: 'bulk' });
    expect(Math.max(...before.interactiveWaits)).toBeGreaterThanOrEqual(1_000);
    expect(Math.max(...after.interactiveWaits)).toBeLessThan(Math.max(...before.interactiveWaits));
  });

  it('the DynamoDB bucket the fleet shares applies the same priority (DynamoDB Local, virtual clock)', async () => {
    const prefix = uniquePrefix();
    const run = await simulate((now) => new DynamoRateLimiter({ client: dynamoDocumentClient(), tableName: stateTable(), keyPrefix: prefix, now, ...fleet }), {
      rows: Number(process.env.PRIORITY_DYNAMO_ROWS ?? 60),
      bulkPriority: 'bulk',
    });
    expect(run.interactiveRefused).toBe(0);
    expect(run.interactiveWaits.length).toBeGreaterThan(0);
    expect(Math.max(...run.interactiveWaits)).toBeLessThan(1_000);
  });

  it('bulk work is refused (not queued) once only the reserve is left, and asks again when a token frees', async () => {
    let clock = 1_000_000;
    const limiter = new MemoryRateLimiter(fleet, () => clock);
    const reserve = interactiveReserve(fleet.burst);
    let bulk = 0;
    while ((await limiter.acquire(0, 'bulk')).allowed) bulk += 1;
    expect(bulk).toBe(fleet.burst - reserve);
    // The reserve is still there for interactive calls, at once.
    for (let i = 0; i < reserve; i++) expect(await limiter.acquire(2_000)).toEqual({ allowed: true, waitMs: 0 });
    const refused = await limiter.acquire(0, 'bulk');
    expect(refused.allowed).toBe(false);
    clock += refused.allowed ? 0 : refused.retryAfterMs;
    expect(await limiter.acquire(0, 'bulk')).toEqual({ allowed: true, waitMs: 0 });
  });
});
