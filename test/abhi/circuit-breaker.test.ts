import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AbhiServerError, CircuitOpenError } from '#shared/abhi/client';
import { startAbhiSandbox, type AbhiSandbox } from '../../infra/local/abhi-sandbox/server';
import { CREDENTIALS, instance, sleep, uniquePrefix } from './helpers';

const OPEN_MS = 1_000;

describe('circuit breaker per operation group, shared through DynamoDB', () => {
  let sandbox: AbhiSandbox;
  beforeAll(async () => {
    sandbox = await startAbhiSandbox({ port: 0, credentials: CREDENTIALS, rateLimit: false });
  });
  afterAll(() => sandbox.stop());
  beforeEach(() => sandbox.reset());

  const options = { breaker: { openDurationMs: OPEN_MS }, retry: { maxAttempts: 1 } };

  it('opens after failures, fails fast fleet-wide (< 50 ms), leaves other groups alone, and closes after recovery', async () => {
    const prefix = uniquePrefix();
    const [a, b] = [instance(sandbox, prefix, options), instance(sandbox, prefix, options)];
    await a.client.employees.list({ limit: 1 });
    sandbox.setFaults({ errorRate: 1, status: 503, paths: ['/employees'] });

    // Window: the last 10 outcomes, decided from 5 on: 1 success + 4 failures = 80 % ≥ 50 % → open.
    const errors: unknown[] = [];
    for (let i = 0; i < 8 && !(errors.at(-1) instanceof CircuitOpenError); i++) errors.push(await a.client.employees.list({ limit: 1 }).catch((e: unknown) => e));
    expect(errors.filter((e) => e instanceof AbhiServerError)).toHaveLength(4);
    const open = errors.at(-1) as CircuitOpenError;
    expect(open).toBeInstanceOf(CircuitOpenError);
    expect(open.group).toBe('employees');
    expect(open.retryAfterSeconds).toBe(1);
    expect(open.statusCode).toBe(503);
    expect(a.metrics.count('AbhiBreakerOpened')).toBe(1);
    const failuresSeen = sandbox.state().requestLog.filter((r) => r.status === 503).length;
    expect(failuresSeen).toBe(4); // the 4th failure (5th outcome) opened it; no further request reached Abhi

    // Another instance learns the state from DynamoDB and fails fast too; cached rejections take milliseconds.
    await expect(b.client.employees.get('00000000-0000-4000-8000-000000000000')).rejects.toBeInstanceOf(CircuitOpenError);
    const durations: number[] = [];
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      await (i % 2 ? a : b).client.employees.list({ limit: 1 }).catch(() => undefined);
      durations.push(performance.now() - started);
    }
    console.info(`open breaker: rejections took max ${Math.max(...durations).toFixed(2)} ms, median ${durations.sort((x, y) => x - y)[10]!.toFixed(2)} ms`);
    expect(Math.max(...durations)).toBeLessThan(50);
    expect(sandbox.state().requestLog.filter((r) => r.status === 503)).toHaveLength(failuresSeen);
    // Other groups keep working.
    await expect(b.client.masterData.listBanks({ limit: 1 })).resolves.toMatchObject({ total: expect.any(Number) });

    // Recovery: after the open period, 3 trial calls succeed and the breaker closes for everyone.
    sandbox.setFaults({});
    await sleep(OPEN_MS + 100);
    for (let i = 0; i < 3; i++) await expect(a.client.employees.list({ limit: 1 })).resolves.toMatchObject({ total: 20 });
    expect((await a.client.breakerState('employees')).state).toBe('closed');
    await sleep(1_100); // b's cached copy of the state expires
    await expect(b.client.employees.list({ limit: 1 })).resolves.toMatchObject({ total: 20 });
  });

  it('a failing trial call re-opens the breaker at once', async () => {
    const prefix = uniquePrefix();
    const a = instance(sandbox, prefix, options);
    await a.client.employees.list({ limit: 1 });
    sandbox.setFaults({ errorRate: 1, status: 500, paths: ['/employees'] });
    for (let i = 0; i < 6; i++) await a.client.employees.list({ limit: 1 }).catch(() => undefined);
    expect((await a.client.breakerState('employees')).state).toBe('open');
    await sleep(OPEN_MS + 100);
    await expect(a.client.employees.list({ limit: 1 })).rejects.toBeInstanceOf(AbhiServerError); // the trial
    await expect(a.client.employees.list({ limit: 1 })).rejects.toBeInstanceOf(CircuitOpenError);
    expect(a.metrics.count('AbhiBreakerOpened')).toBe(2);
  });
});
