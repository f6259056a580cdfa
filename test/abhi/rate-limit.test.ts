import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AbhiRateLimitedError } from '#shared/abhi/client';
import { startAbhiSandbox, type AbhiSandbox, type SandboxState } from '../../infra/local/abhi-sandbox/server';
import { freePort, waitFor } from '../../infra/local/ports';
import { CREDENTIALS, instance, sleep, uniquePrefix } from './helpers';

/** The sandbox as its own process (like the local stack runs it): its clock and event loop are not the clients'. */
async function sandboxProcess(rate: { ratePerSecond: number; burst: number }): Promise<{ baseUrl: string; url: string; state(): Promise<SandboxState>; stop(): void }> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.resolve('infra/local/abhi-sandbox/main.ts')], {
    env: {
      ...process.env,
      ABHI_SANDBOX_PORT: String(port),
      ABHI_SANDBOX_USERNAME: CREDENTIALS.username,
      ABHI_SANDBOX_PASSWORD: CREDENTIALS.password,
      ABHI_SANDBOX_RATE_LIMIT_RPS: String(rate.ratePerSecond),
      ABHI_SANDBOX_RATE_LIMIT_BURST: String(rate.burst),
    },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor('the Abhi sandbox process', () => fetch(`${url}/__sandbox/state`).then((r) => (r.ok ? r : Promise.reject(new Error(String(r.status))))), 20_000);
  return { url, baseUrl: `${url}/uat-open-api`, state: () => fetch(`${url}/__sandbox/state`).then((r) => r.json() as Promise<SandboxState>), stop: () => child.kill() };
}

const RATE = 50;
const BURST = 10;

describe('fleet-wide rate limit towards Abhi (DynamoDB token bucket)', () => {
  let sandbox: AbhiSandbox;
  beforeAll(async () => {
    sandbox = await startAbhiSandbox({ port: 0, credentials: CREDENTIALS, rateLimit: { ratePerSecond: RATE, burst: BURST + 5 } });
  });
  afterAll(() => sandbox.stop());
  beforeEach(() => sandbox.reset());

  it(`20 instances hammering for 3 s: Abhi sees at most ${RATE}/s (+ burst ${BURST}) and never answers 429`, async () => {
    // The remote side enforces the same rate, with twice the burst to absorb network/scheduling jitter in arrivals.
    const remote = await sandboxProcess({ ratePerSecond: RATE, burst: BURST * 2 });
    try {
      const prefix = uniquePrefix();
      const instances = Array.from({ length: 20 }, () => instance(remote, prefix, { rateLimit: { ratePerSecond: RATE, burst: BURST } }));
      // Warm-up (login, breaker items) inside the same bucket, then hammer for 3 s.
      await Promise.all(instances.map(({ client }) => client.employees.list({ limit: 1 })));
      const until = Date.now() + 3_000;
      let calls = 0;
      await Promise.all(
        instances.map(async ({ client }) => {
          while (Date.now() < until) {
            await client.employees.list({ limit: 1 });
            calls += 1;
          }
        }),
      );
      const state = await remote.state();
      const log = state.requestLog;
      const first = log[0]!.at;
      const last = log.at(-1)!.at;
      const seconds = (last - first) / 1000;
      let maxInOneSecond = 0;
      for (let i = 0, j = 0; i < log.length; i++) {
        while (log[i]!.at - log[j]!.at >= 1000) j++;
        maxInOneSecond = Math.max(maxInOneSecond, i - j + 1);
      }
      // Measured (see the report): sent ≈ RATE × seconds + BURST; no 429.
      console.info(`rate test: ${log.length} requests in ${seconds.toFixed(2)} s (${(log.length / seconds).toFixed(1)}/s), max ${maxInOneSecond} in any 1 s window, ${state.rateLimited} × 429`);
      expect(state.rateLimited).toBe(0);
      expect(log.every((entry) => entry.status !== 429)).toBe(true);
      expect(log.length).toBeLessThanOrEqual(Math.ceil(RATE * seconds) + BURST);
      expect(maxInOneSecond).toBeLessThanOrEqual(RATE + BURST * 2);
      // …and the bucket does not starve the fleet (loosely: this 2-core machine is shared with other test runs).
      expect(log.length).toBeGreaterThanOrEqual(RATE);
      expect(calls).toBe(log.length - 1 - instances.length); // every request but the login and the warm-up is a timed call
    } finally {
      remote.stop();
    }
  });

  it('with no slot inside the wait budget the caller gets a typed local "rate limited" error and nothing is sent', async () => {
    const prefix = uniquePrefix();
    const patient = instance(sandbox, prefix, { rateLimit: { ratePerSecond: 1, burst: 1 }, maxRateLimitWaitMs: 3_000 });
    const a = instance(sandbox, prefix, { rateLimit: { ratePerSecond: 1, burst: 1 }, maxRateLimitWaitMs: 100 });
    await patient.client.employees.list({ limit: 1 }); // login + call: waits ~1 s for the second slot
    expect(patient.metrics.sum('AbhiRateLimitWaitMs')).toBeGreaterThan(0);
    const before = sandbox.state().requests;
    const error = await a.client.employees.list({ limit: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbhiRateLimitedError);
    expect((error as AbhiRateLimitedError).source).toBe('local');
    expect((error as AbhiRateLimitedError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(sandbox.state().requests).toBe(before);
    // The platform's own refusal is counted apart from Abhi's 429s, so the upstream alarm never fires for it.
    expect(a.metrics.sum('AbhiLocalLimiterRefused')).toBe(1);
    expect(a.metrics.sum('AbhiRateLimited')).toBe(0);
  });

  it('patient callers (workflow tasks) all get a slot without a deep queue: an interactive call still gets one during their backlog', async () => {
    const prefix = uniquePrefix();
    const rate = { ratePerSecond: 5, burst: 1 };
    const tasks = instance(sandbox, prefix, { rateLimit: rate });
    const api = instance(sandbox, prefix, { rateLimit: rate });
    await tasks.client.employees.list({ limit: 1 }); // login
    // 15 calls at 5/s: 3 s of backlog, more than the 2 s any caller may reserve ahead.
    const patient = Array.from({ length: 15 }, () => tasks.client.employees.list({ limit: 1 }, { maxRateLimitWaitMs: 15_000 }));
    await sleep(300);
    const started = Date.now();
    await api.client.employees.list({ limit: 1 }); // the client's default wait (2 s)
    const interactiveMs = Date.now() - started;
    const results = await Promise.allSettled(patient);
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    // Patient callers reserve at most 1 s ahead (+ one interval), so the interactive call waited about that, not 2+ s.
    expect(interactiveMs).toBeLessThan(1_800);
    expect(api.metrics.sum('AbhiRateLimited')).toBe(0);
    // The same backlog of callers with the default wait: the ones beyond 2 s of slots are refused.
    const control = await Promise.allSettled(Array.from({ length: 15 }, () => tasks.client.employees.list({ limit: 1 })));
    expect(control.some((r) => r.status === 'rejected' && r.reason instanceof AbhiRateLimitedError)).toBe(true);
    expect(sandbox.state().rateLimited).toBe(0);
  });

  it('beforeSend runs once, after the slot and before the request; refused for want of a slot or failing, nothing is sent', async () => {
    const prefix = uniquePrefix();
    const a = instance(sandbox, prefix, { rateLimit: { ratePerSecond: 2, burst: 1 } });
    await a.client.employees.list({ limit: 1 }); // login + call: the bucket is busy for the next 500 ms
    const requests = () => sandbox.state().requests;
    const before = requests();
    const seen: number[] = [];
    await a.client.employees.list({ limit: 1 }, { beforeSend: async () => void seen.push(requests()) });
    expect(seen).toEqual([before]);
    expect(requests()).toBe(before + 1);

    const failure = new Error('counter not committed');
    await expect(a.client.employees.list({ limit: 1 }, { beforeSend: () => Promise.reject(failure) })).rejects.toBe(failure);
    expect(requests()).toBe(before + 1);

    const b = instance(sandbox, prefix, { rateLimit: { ratePerSecond: 2, burst: 1 }, maxRateLimitWaitMs: 0 });
    await sleep(600);
    await b.client.employees.list({ limit: 1 }); // takes the free slot
    let ran = false;
    const refused = await b.client.employees.list({ limit: 1 }, { beforeSend: async () => void (ran = true) }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AbhiRateLimitedError);
    expect(ran).toBe(false);
  });

  it('a 429 storm from Abhi is retried after Retry-After, not hammered', async () => {
    const prefix = uniquePrefix();
    const a = instance(sandbox, prefix);
    await a.client.employees.list({ limit: 1 });
    sandbox.setFaults({ rateLimitStormRate: 1, retryAfterSeconds: 1, count: 1, paths: ['/employees'] });
    const started = Date.now();
    await expect(a.client.employees.list({ limit: 1 })).resolves.toMatchObject({ total: expect.any(Number) });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(sandbox.state().rateLimitStorms).toBe(1);
    expect(a.metrics.sum('AbhiRetries')).toBe(1);
  });
});
