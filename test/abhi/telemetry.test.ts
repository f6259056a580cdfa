import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { AbhiServerError, CircuitOpenError, powertoolsMetricsSink, type AbhiClient } from '#shared/abhi/client';
import type { AbhiMetricsSink } from '#shared/abhi/ports';
import { startAbhiSandbox, type AbhiSandbox } from '../../infra/local/abhi-sandbox/server';
import { CREDENTIALS, instance, sleep, uniquePrefix } from './helpers';

const OPEN_MS = 600;
const options = { breaker: { openDurationMs: OPEN_MS }, retry: { maxAttempts: 1 } };

/** Takes the employees group through outage → open → back; returns what the calls after the open period gave. */
async function outageAndRecovery(sandbox: AbhiSandbox, client: AbhiClient): Promise<unknown[]> {
  await client.employees.list({ limit: 1 });
  sandbox.setFaults({ errorRate: 1, status: 503, paths: ['/employees'] });
  for (let i = 0; i < 8; i++) {
    const error = await client.employees.list({ limit: 1 }).catch((e: unknown) => e);
    if (error instanceof CircuitOpenError) break;
    expect(error).toBeInstanceOf(AbhiServerError);
  }
  expect((await client.breakerState('employees')).state).toBe('open');
  sandbox.setFaults({});
  await sleep(OPEN_MS + 100);
  const results: unknown[] = [];
  for (let i = 0; i < 5; i++) results.push(await client.employees.list({ limit: 1 }).catch((e: unknown) => e));
  return results;
}

/** A real Powertools Logger whose warnings are kept (the test reads them instead of stdout). */
function capturingLogger(): { logger: Logger; warnings: { message: string; attributes: unknown }[] } {
  const logger = new Logger({ serviceName: 'telemetry-test', logLevel: 'ERROR' });
  const warnings: { message: string; attributes: unknown }[] = [];
  vi.spyOn(logger, 'warn').mockImplementation(((message: unknown, attributes?: unknown) => {
    warnings.push({ message: String(message), attributes });
  }) as Logger['warn']);
  return { logger, warnings };
}

describe('telemetry never breaks an Abhi call (real sandbox, real DynamoDB breaker state)', () => {
  let sandbox: AbhiSandbox;
  beforeAll(async () => {
    sandbox = await startAbhiSandbox({ port: 0, credentials: CREDENTIALS, rateLimit: false });
  });
  afterAll(() => sandbox.stop());
  beforeEach(() => sandbox.reset());

  it('real Powertools Metrics (EMF captured instead of stdout): the half-open trials succeed and close the breaker; no EMF key collision', async () => {
    const metrics = new Metrics({ namespace: 'AbhiTelemetryTest', serviceName: 'telemetry-test' });
    const emf: string[] = [];
    const capture = { log: (line: string) => emf.push(line) };
    const single = metrics.singleMetric.bind(metrics);
    metrics.singleMetric = () => Object.assign(single(), { console: capture, disabled: false }) // the test environment disables metrics;
    const { logger, warnings } = capturingLogger();
    const { client } = instance(sandbox, uniquePrefix(), { ...options, metrics: powertoolsMetricsSink(metrics), logger });

    const results = await outageAndRecovery(sandbox, client);

    expect(results.every((r) => typeof r === 'object' && r !== null && 'total' in r)).toBe(true);
    expect((await client.breakerState('employees')).state).toBe('closed');
    expect(warnings.filter((w) => /metric/i.test(w.message))).toEqual([]);
    // The trial calls were published as their own EMF record, with the group as a dimension.
    const trials = emf.map((line) => JSON.parse(line) as Record<string, unknown>).filter((record) => 'AbhiBreakerTrials' in record);
    expect(trials.length).toBeGreaterThanOrEqual(3);
    expect(trials[0]).toMatchObject({ AbhiGroup: 'employees', AbhiBreakerTrials: 1 });
  });

  it('a forced telemetry failure (every metric throws) changes no Abhi result and no breaker outcome, and is logged once per metric', async () => {
    let thrown = 0;
    const broken: AbhiMetricsSink = {
      metric() {
        thrown += 1;
        throw new Error('forced telemetry failure');
      },
    };
    const { logger, warnings } = capturingLogger();
    const { client } = instance(sandbox, uniquePrefix(), { ...options, metrics: broken, logger });

    const results = await outageAndRecovery(sandbox, client);

    expect(results.every((r) => typeof r === 'object' && r !== null && 'total' in r)).toBe(true);
    expect((await client.breakerState('employees')).state).toBe('closed');
    expect(thrown).toBeGreaterThan(10);
    const reports = warnings.filter((w) => w.message.startsWith('Abhi metric could not be published'));
    const names = reports.map((w) => (w.attributes as { metric: string }).metric);
    expect(names.length).toBeGreaterThan(0);
    expect(new Set(names).size).toBe(names.length); // once per metric name, however often it failed
    expect(names).toEqual(expect.arrayContaining(['AbhiCallLatency', 'AbhiBreakerOpened', 'AbhiBreakerTrials']));
  });
});
