import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { abhiClientFromEnv, invalidate } from '#shared/abhi/client';
import { freePort } from '../../infra/local/ports';
import { startPostgres, type LocalPostgres } from '../../infra/local/services/postgres-local';
import { TEST_POLICY, startWorkflowTestApi, type WorkflowTestApi } from '../workflow/support';

/**
 * Resilience proofs (issue #8) on the whole local platform, over real HTTP:
 *
 * (a) Abhi down: every sandbox call fails; the Abhi client's circuit breaker opens after its threshold, the API then
 *     answers 503 problem+json with Retry-After in milliseconds without calling Abhi at all, and closes again once
 *     Abhi is back and the (shortened) open period is over.
 * (b) PostgreSQL restarted in the middle of a stream of advance submissions: requests during the outage fail cleanly
 *     (503 problem+json, quickly), requests after the restart succeed, nothing that was acknowledged is lost, and
 *     retrying the failed ones with their Idempotency-Key yields exactly one request row each.
 *
 * This file runs its OWN embedded PostgreSQL (the shared one from global-setup serves other test files at the same
 * time and must not be restarted): the harness creates its database on whatever POSTGRES_ADMIN_URL names, so that is
 * pointed at the private server for this worker only.
 */
const OPEN_MS = 5_000;

let api: WorkflowTestApi;
let postgres: LocalPostgres;
let pgPort: number;
let pgDataDir: string;
const savedEnv = { DATABASE_URL: process.env.DATABASE_URL, POSTGRES_ADMIN_URL: process.env.POSTGRES_ADMIN_URL };

/** startPostgres() hands back the shared server whenever DATABASE_URL is set; hide it while starting ours. */
async function startPrivatePostgres(): Promise<LocalPostgres> {
  const shared = process.env.DATABASE_URL;
  delete process.env.DATABASE_URL;
  try {
    // persistent: stop() must keep the data directory, so the restart finds the same data.
    return await startPostgres({ port: pgPort, dataDir: pgDataDir, persistent: true });
  } finally {
    if (shared !== undefined) process.env.DATABASE_URL = shared;
  }
}

beforeAll(async () => {
  pgPort = await freePort();
  pgDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'abhi-ewa-proof-pg-'));
  postgres = await startPrivatePostgres();
  process.env.POSTGRES_ADMIN_URL = postgres.adminUrl;
  api = await startWorkflowTestApi({
    extraEnv: {
      // The client reads this (abhiClientFromEnv): a short open period keeps the recovery check quick.
      ABHI_BREAKER_OPEN_MS: String(OPEN_MS),
      // The API's own rate limiter costs two DynamoDB Local round trips per request (Java; 15-30 ms on this busy
      // 2-core machine, single-digit ms against DynamoDB in AWS) and would dominate the latency measured in (a),
      // which is about the breaker. It is proven in test/edge/rate-limit.test.ts. With it on, open-breaker answers
      // measured p50 38-50 ms here under load, the same as the bare edge (GET /jobs/{unknown}).
      RATE_LIMIT_ENABLED: 'false',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    },
  });
  // The harness's own pool must survive the restart too: an idle client losing its server emits 'error'.
  api.db.on('error', () => undefined);
  // Every advance of part (b) (AED 150) waits for approval: its workflow parks instead of loading the 2 cores.
  for (const org of api.seed.organizations) await api.setPolicy(org.id, { ...TEST_POLICY, approvalThreshold: 100, mfaThreshold: 100_000 });
}, 120_000);

afterAll(async () => {
  api?.sandbox.setFaults({});
  await api?.stop();
  await postgres?.stop();
  if (pgDataDir) fs.rmSync(pgDataDir, { recursive: true, force: true });
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

function expectProblem(response: { status: number; headers: Headers; body: any }, status: number) {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.body).toMatchObject({ status, type: expect.any(String), title: expect.any(String), detail: expect.any(String), code: expect.any(String) });
  // Nothing internal leaks: no stack frames, SQL, connection strings or host details.
  expect(JSON.stringify(response.body)).not.toMatch(/\bat .+:\d+:\d+|ECONN|postgres:\/\/|SELECT |INSERT |127\.0\.0\.1/);
}

describe('Abhi down: the circuit breaker', () => {
  it('opens after its threshold, answers 503 + Retry-After in < 50 ms (median) without calling Abhi, and closes after recovery', async () => {
    const admin = await api.adminToken();
    // GET /organizations/banks is a pure Abhi read (master-data group): nothing but the client's cache and breaker
    // stand between the request and Abhi.
    const BANKS = '/api/v1/organizations/banks';
    const bankCalls = () => api.sandbox.state().requestLog.filter((entry) => entry.path === '/banks').length;

    // Log in to Abhi while it is up, through another group (the token then comes from the shared token store).
    expect((await api.request('GET', `/api/v1/employees/${api.employees[0]!.id}`, { token: admin })).status).toBe(200);
    expect(bankCalls()).toBe(0);
    api.sandbox.setFaults({ errorRate: 1, status: 503 });

    const before: number[] = [];
    let opened: { status: number; headers: Headers; body: any } | undefined;
    for (let i = 0; i < 10 && !opened; i++) {
      const response = await api.request('GET', BANKS, { token: admin });
      if (response.status === 503) opened = response;
      else before.push(response.status);
    }
    const openedAt = Date.now();
    expect(opened, 'the breaker never opened').toBeDefined();
    // Until then Abhi's failure surfaced as 502 problem+json (after the client's own retries).
    expect(before.length).toBeGreaterThanOrEqual(1);
    expect(new Set(before)).toEqual(new Set([502]));
    // It opened on its threshold: 5 outcomes (minimumCalls) at >= 50 % failures, i.e. on the 5th failed call.
    const callsWhenOpened = bankCalls();
    const sandboxRequestsWhenOpened = api.sandbox.state().requests;
    expect(callsWhenOpened).toBe(5);
    expectProblem(opened!, 503);
    expect(opened!.body.code).toBe('CIRCUIT_BREAKER_OPEN');

    // While open: 503 + Retry-After, fast, and Abhi sees nothing.
    const latencies: number[] = [];
    for (let i = 0; i < 30; i++) {
      const started = performance.now();
      const response = await api.request('GET', BANKS, { token: admin });
      latencies.push(performance.now() - started);
      expectProblem(response, 503);
      expect(response.body.code).toBe('CIRCUIT_BREAKER_OPEN');
      const retryAfter = Number(response.headers.get('retry-after'));
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(OPEN_MS / 1000);
    }
    expect(Date.now() - openedAt, 'the measurement outlasted the open period; the numbers would mean nothing').toBeLessThan(OPEN_MS);
    expect(bankCalls()).toBe(callsWhenOpened);
    expect(api.sandbox.state().requests).toBe(sandboxRequestsWhenOpened);
    const sorted = [...latencies].sort((x, y) => x - y);
    const p50 = percentile(sorted, 50);
    console.info(`open breaker over HTTP (${sorted.length} requests): p50 ${p50.toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms`);
    // For scale: the same edge (authorizer, rate limits, routing) answering a 404 that needs no Abhi at all.
    const baseline: number[] = [];
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      expect((await api.request('GET', `/api/v1/jobs/${randomUUID()}`, { token: admin })).status).toBe(404);
      baseline.push(performance.now() - started);
    }
    baseline.sort((x, y) => x - y);
    console.info(`same edge, no Abhi (GET /jobs/{unknown} -> 404): p50 ${percentile(baseline, 50).toFixed(1)} ms, p99 ${percentile(baseline, 99).toFixed(1)} ms`);
    // Under 50 ms; on a machine so loaded that even the bare edge is slower than that, no slower than 1.5 × the edge.
    expect(p50).toBeLessThan(Math.max(50, 1.5 * percentile(baseline, 50)));

    // Abhi recovers; once the open period is over, trial calls go through and close the breaker (3 trials). Each
    // successful read is cached for an hour, so the cache is dropped in between, as the cache-invalidation consumer
    // would, to make the next read reach Abhi.
    api.sandbox.setFaults({});
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, openedAt + OPEN_MS + 300 - Date.now())));
    for (let trial = 0; trial < 3; trial++) {
      if (trial > 0) await invalidate('banks');
      const response = await api.request('GET', BANKS, { token: admin });
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      expect(response.body.items.length).toBeGreaterThan(0);
    }
    expect(bankCalls()).toBe(callsWhenOpened + 3);
    // The state lives in the state table, shared by every instance: read it as any instance would.
    expect((await abhiClientFromEnv().breakerState('masterdata')).state).toBe('closed');
  }, 60_000);
});

describe('PostgreSQL restarted in the middle of a stream of writes', () => {
  it('fails cleanly during the outage, recovers after it, loses nothing, and retries with the same key yield one row each', async () => {
    const employees = api.employees.slice(0, 8);
    const tokens = new Map(await Promise.all(employees.map(async (e) => [e.id, await api.employeeToken(e)] as const)));
    interface Attempt {
      key: string;
      employeeId: string;
      status: number;
      ms: number;
      id?: string;
      phase: 'before' | 'outage' | 'after';
    }
    const attempts: Attempt[] = [];
    let phase: Attempt['phase'] = 'before';
    const send = async (key: string, employeeId: string): Promise<Attempt> => {
      const started = performance.now();
      const response = await api.requestAdvance(tokens.get(employeeId)!, { employeeId, amount: 150 }, key);
      const attempt: Attempt = { key, employeeId, status: response.status, ms: performance.now() - started, id: response.body?.id, phase };
      if (response.status !== 202) {
        if (response.status !== 503) console.error(`unexpected ${response.status} (${phase}): ${JSON.stringify(response.body)}`);
        expectProblem(response, 503);
        expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      }
      attempts.push(attempt);
      return attempt;
    };

    // Two clients keep writing while the database goes down and comes back.
    const N = 40;
    const keys = Array.from({ length: N }, (_, i) => ({ key: `proof-pg-${randomUUID()}`, employeeId: employees[i % employees.length]!.id }));
    const queue = [...keys];
    let sent = 0;
    const writers = Array.from({ length: 2 }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        await send(next.key, next.employeeId);
        sent++;
        // Pace the stream so it spans the outage.
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
    });
    const outage = (async () => {
      while (sent < 10) await new Promise((resolve) => setTimeout(resolve, 20));
      phase = 'outage';
      const stopStarted = Date.now();
      await postgres.stop();
      // Down for a while: requests keep coming in.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      postgres = await startPrivatePostgres();
      phase = 'after';
      return Date.now() - stopStarted;
    })();
    const [downMs] = await Promise.all([outage, ...writers]);

    const during = attempts.filter((a) => a.phase === 'outage');
    const failed = attempts.filter((a) => a.status !== 202);
    const tally = (phase: Attempt['phase']) => {
      const inPhase = attempts.filter((a) => a.phase === phase);
      return `${phase} ${inPhase.filter((a) => a.status === 202).length}x202/${inPhase.filter((a) => a.status === 503).length}x503`;
    };
    const refusalMs = failed.map((a) => a.ms).sort((x, y) => x - y);
    console.info(
      `postgres restart: down ${downMs} ms; stream of ${attempts.length} requests: ${tally('before')}, ${tally('outage')}, ${tally('after')}; ` +
        `503 answers p50 ${percentile(refusalMs, 50).toFixed(0)} ms, max ${refusalMs.at(-1)!.toFixed(0)} ms; slowest request ${Math.max(...attempts.map((a) => a.ms)).toFixed(0)} ms`,
    );
    // The outage was noticed, and nothing hung anywhere near the function timeout (29 s locally).
    expect(during.length).toBeGreaterThan(0);
    expect(failed.length).toBeGreaterThan(0);
    expect(Math.max(...attempts.map((a) => a.ms))).toBeLessThan(10_000);

    // Once PostgreSQL is back, clients retry what failed with the same Idempotency-Key (a few rounds, as a client
    // honouring Retry-After would: the pool may still hold dead clients, and a loaded machine restarts slowly).
    for (let round = 0; round < 10; round++) {
      const pending = keys.filter((k) => !attempts.some((a) => a.key === k.key && a.status === 202));
      if (pending.length === 0) break;
      if (round > 0) await new Promise((resolve) => setTimeout(resolve, 500));
      for (const k of pending) await send(k.key, k.employeeId);
    }
    // Writes succeed again after the restart.
    expect(attempts.filter((a) => a.phase === 'after' && a.status === 202).length).toBeGreaterThan(0);
    for (const k of keys) expect(attempts.some((a) => a.key === k.key && a.status === 202), `key ${k.key} never accepted`).toBe(true);
    console.info(`postgres restart: every key accepted after ${attempts.length - N} retries with the same Idempotency-Key`);

    // Every acknowledged request is in the database exactly once, under its key, with the id the client was given.
    const { rows } = await api.db.query<{ id: string; idempotency_key: string; requested_by: string }>(
      `SELECT id, idempotency_key, requested_by FROM advance_requests WHERE idempotency_key = ANY($1::text[])`,
      [keys.map((k) => k.key)],
    );
    expect(rows).toHaveLength(N);
    const byKey = new Map(rows.map((r) => [r.idempotency_key, r]));
    for (const k of keys) {
      const row = byKey.get(k.key)!;
      expect(row.requested_by).toBe(`employee-${k.employeeId}`);
      const ids = new Set(attempts.filter((a) => a.key === k.key && a.status === 202).map((a) => a.id));
      expect([...ids]).toEqual([row.id]);
    }

    // A client that retries an acknowledged request gets the same request back, still one row.
    const replay = await api.requestAdvance(tokens.get(keys[0]!.employeeId)!, { employeeId: keys[0]!.employeeId, amount: 150 }, keys[0]!.key);
    expect(replay.status).toBe(202);
    expect(replay.body.id).toBe(byKey.get(keys[0]!.key)!.id);
    expect(Number((await api.db.query(`SELECT count(*) AS n FROM advance_requests WHERE idempotency_key = $1`, [keys[0]!.key])).rows[0].n)).toBe(1);
  }, 60_000);
});
