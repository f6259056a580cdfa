import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { perCall, type StatsSnapshot } from '../../infra/local/request-stats';
import { LOCAL_SHARE } from '#shared/http/rate-limit';
import { resolveStageConfig } from '../../infra/config/stages';
import { startTestApi, type TestApi } from '../support/api';
import { sandboxIds } from '../business/helpers';

/**
 * What one API call asks of DynamoDB, counted on the wire by the local stack (`GET /__local/stats`), with the rate
 * limits on as deployed. The authorizer runs on every request locally; API Gateway caches its answer per token, so
 * its requests are counted apart (the first call of each token) and the budget is the handler's.
 */
let api: TestApi;
let orgA: string;

beforeAll(async () => {
  api = await startTestApi({ authorizerCacheTtlSeconds: resolveStageConfig(() => undefined).api.authorizerCacheTtlSeconds });
  orgA = sandboxIds(api).orgA;
});
afterAll(async () => {
  await api?.stop();
});

async function stats(): Promise<StatsSnapshot> {
  const response = await api.request<StatsSnapshot>('GET', '/__local/stats');
  expect(response.status).toBe(200);
  return response.body;
}

async function measure(calls: number, send: (i: number) => Promise<{ status: number }>) {
  const before = await stats();
  for (let i = 0; i < calls; i++) expect((await send(i)).status).toBeLessThan(300);
  return perCall(before, await stats(), calls);
}

describe('requests per API call (GET /__local/stats)', () => {
  it('serves counts by service and operation', async () => {
    const token = await api.token({ role: 'admin' });
    expect((await api.request('GET', '/api/v1/organizations/banks', { token })).status).toBe(200);
    const snapshot = await stats();
    expect(Object.keys(snapshot.services).sort()).toEqual(['dynamodb', 'postgres', 'secretsManager', 'sns', 'sqs', 'stepFunctions']);
    expect(snapshot.services.dynamodb.total).toBeGreaterThan(0);
    expect(snapshot.services.dynamodb.operations.GetItem).toBeGreaterThan(0);
  });

  it('an authenticated cached read (GET /organizations/banks) makes at most one DynamoDB request: the cache read, no rate-limit write', async () => {
    const token = await api.token({ role: 'hr_manager', org: orgA });
    await api.request('GET', '/api/v1/organizations/banks', { token }); // fills the cache, runs the authorizer once
    const counts = await measure(20, () => api.request('GET', '/api/v1/organizations/banks', { token }));
    const dynamodb = Object.values(counts.dynamodb).reduce((a, b) => a + b, 0);
    expect(dynamodb, JSON.stringify(counts.dynamodb)).toBeLessThanOrEqual(1);
    expect(counts.dynamodb.UpdateItem ?? 0).toBe(0);
    expect(counts.postgres).toEqual({});
  });

  it('an idempotent write (PUT /organizations/{id} with an Idempotency-Key) makes at most two: the idempotency record, written and completed', async () => {
    // The events the write publishes are consumed by other functions (cache invalidation): pause the consumers so the
    // count is this call's own.
    await Promise.all(Object.values(api.platform.pollers).map((p) => p.stop()));
    const token = await api.token({ role: 'admin' });
    const put = (i: number) =>
      api.request('PUT', `/api/v1/organizations/${orgA}`, {
        token,
        body: { advancePolicy: { maxAdvancesPerMonth: 10 + (i % 5), minDaysSinceJoining: 0, blackoutDaysBeforePayroll: 0 } },
        headers: { 'idempotency-key': `cost-${randomUUID()}` },
      });
    await put(0);
    // Paced within the instance's local share of the write limit (ADR 0019: rate × 0.2 = 4/s here): a caller that
    // nears its limit is charged in DynamoDB by design, and that is not the cost of an ordinary write.
    const localShareIntervalMs = 1000 / (20 * LOCAL_SHARE) + 50;
    const counts = await measure(10, async (i) => {
      const started = Date.now();
      const response = await put(i);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, localShareIntervalMs - (Date.now() - started))));
      return response;
    });
    // The authorizer's revocation lookup (BatchGetItem) is API Gateway-cached and charged apart; should the emulated
    // cache miss on a loaded machine, it shows here and is not the handler's.
    const { BatchGetItem: _authorizer, ...handler } = counts.dynamodb;
    expect(handler, JSON.stringify(counts.dynamodb)).toEqual({ PutItem: 1, UpdateItem: 1 });
    // Its domain event leaves through the outbox (PostgreSQL) and SNS, not DynamoDB.
    expect(counts.sns.PublishBatch ?? 0).toBeGreaterThan(0);
  });
});
