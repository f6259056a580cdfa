import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from '#shared/zod';
import { apiHandler } from '#shared/http/api-handler';
import { DynamoDbRateLimitStore, RateLimiter, type RateLimitRule, type RateLimitStore } from '#shared/http/rate-limit';
import { ROUTES } from '#shared/routes';
import { testEnv } from '../support/env';
import { authorizerContext, header, json, lambdaContext, proxyEvent } from './helpers';

/** Rate limits on the real shared state (DynamoDB Local state table). */
beforeAll(() => {
  Object.assign(process.env, {
    RATE_LIMIT_READ_RPS: '1',
    RATE_LIMIT_READ_BURST: '3',
    RATE_LIMIT_WRITE_RPS: '0.5',
    RATE_LIMIT_WRITE_BURST: '6',
    RATE_LIMIT_IP_FACTOR: '1',
    RATE_LIMIT_ADVANCES_PER_HOUR: '2',
  });
});

/** A separate SDK client per "instance", as two Lambda instances would have. */
function instance(now?: () => number): RateLimiter {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: testEnv().dynamoEndpoint }));
  return new RateLimiter(new DynamoDbRateLimitStore({ tableName: testEnv().stateTable, client }), now);
}

const bucket = (ratePerSecond: number, burst: number): RateLimitRule => ({ kind: 'bucket', ratePerSecond, burst });

describe('RateLimiter on DynamoDB Local', () => {
  it('admits the burst, then refuses with a Retry-After; remaining counts down', async () => {
    const limiter = instance();
    const subject = `sub:${randomUUID()}`;
    const decisions = [];
    for (let i = 0; i < 11; i++) decisions.push(await limiter.check('read', subject, bucket(0.01, 10)));
    expect(decisions.slice(0, 10).every((d) => d.allowed)).toBe(true);
    expect(decisions.slice(0, 10).map((d) => d.remaining)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    expect(decisions[10]).toMatchObject({ allowed: false, limit: 10, remaining: 0 });
    expect(decisions[10]!.retryAfterSeconds).toBeGreaterThanOrEqual(99); // one token per 100 s
  });

  it('two instances (two limiter objects, two clients) share one bucket', async () => {
    const a = instance();
    const b = instance();
    const subject = `sub:${randomUUID()}`;
    let admitted = 0;
    for (let i = 0; i < 8; i++) if ((await (i % 2 ? a : b).check('write', subject, bucket(0.01, 5))).allowed) admitted++;
    expect(admitted).toBe(5);
    expect((await a.check('write', subject, bucket(0.01, 5))).allowed).toBe(false);
    expect((await b.check('write', subject, bucket(0.01, 5))).allowed).toBe(false);
  });

  it('is atomic under concurrency: 40 simultaneous checks from two instances admit exactly the burst', async () => {
    const a = instance();
    const b = instance();
    const subject = `sub:${randomUUID()}`;
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).check('read', subject, bucket(0.001, 15))));
    expect(results.filter((r) => r.allowed)).toHaveLength(15);
  });

  it('refills at the configured rate (injected clock, real table)', async () => {
    let t = Date.now();
    const limiter = instance(() => t);
    const subject = `sub:${randomUUID()}`;
    const rule = bucket(10, 2); // one token per 100 ms, burst 2
    expect((await limiter.check('read', subject, rule)).allowed).toBe(true);
    expect((await limiter.check('read', subject, rule)).allowed).toBe(true);
    expect((await limiter.check('read', subject, rule)).allowed).toBe(false);
    t += 100;
    expect((await limiter.check('read', subject, rule)).allowed).toBe(true);
    expect((await limiter.check('read', subject, rule)).allowed).toBe(false);
    t += 10_000; // long idle: back to a full burst, not more
    const after = [];
    for (let i = 0; i < 3; i++) after.push((await limiter.check('read', subject, rule)).allowed);
    expect(after).toEqual([true, true, false]);
  });

  it('advance window: at most N per rolling hour, exactly (not 2N-1 like a bucket)', async () => {
    let t = Date.now();
    const a = instance(() => t);
    const b = instance(() => t);
    const subject = `emp:${randomUUID()}`;
    const rule: RateLimitRule = { kind: 'window', limit: 5, windowSeconds: 3600 };
    const first = t;
    for (let i = 0; i < 5; i++) {
      expect((await (i % 2 ? a : b).check('advance', subject, rule)).allowed).toBe(true);
      t += 60_000;
    }
    const refused = await a.check('advance', subject, rule);
    expect(refused).toMatchObject({ allowed: false, remaining: 0, limit: 5 });
    expect(refused.retryAfterSeconds).toBe(Math.ceil((first + 3_600_000 - t) / 1000));
    t = first + 3_600_001; // the first one left the window
    expect((await b.check('advance', subject, rule)).allowed).toBe(true);
    expect((await a.check('advance', subject, rule)).allowed).toBe(false);
  });
});

describe('rate limits in apiHandler → 429 RATE_LIMIT_EXCEEDED with RateLimit-* and Retry-After', () => {
  const listEmployees = ROUTES.find((r) => r.id === 'listEmployees')!;
  const list = apiHandler(listEmployees.id, {}, async () => ({ status: 200, body: [] }));

  it('per principal: the 4th read within the burst of 3 is refused, with headers', async () => {
    const subject = `hr-${randomUUID()}`;
    const send = () => list(proxyEvent(listEmployees, { authorizer: authorizerContext({ subject, roles: ['hr_manager'], org: 'o' }) }), lambdaContext());
    const responses = [await send(), await send(), await send(), await send()];
    expect(responses.map((r) => r.statusCode)).toEqual([200, 200, 200, 429]);
    expect(responses.map((r) => header(r, 'ratelimit-remaining'))).toEqual(['2', '1', '0', '0']);
    expect(header(responses[0]!, 'ratelimit-limit')).toBe('3');
    const refused = responses[3]!;
    expect(header(refused, 'content-type')).toBe('application/problem+json');
    expect(json(refused)).toMatchObject({ status: 429, code: 'RATE_LIMIT_EXCEEDED' });
    expect(Number(header(refused, 'retry-after'))).toBeGreaterThanOrEqual(1);
    // Another principal is not affected.
    const other = await list(proxyEvent(listEmployees, { authorizer: authorizerContext({ roles: ['hr_manager'], org: 'o' }) }), lambdaContext());
    expect(other.statusCode).toBe(200);
  });

  it('per client IP: many principals from one address share the IP bucket', async () => {
    const sourceIp = `192.0.2.${Math.floor(Math.random() * 250) + 1}`;
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      const response = await list(proxyEvent(listEmployees, { sourceIp, authorizer: authorizerContext({ roles: ['hr_manager'], org: 'o' }) }), lambdaContext());
      statuses.push(response.statusCode);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it('anonymous webhook calls are limited per IP', async () => {
    const webhook = ROUTES.find((r) => r.id === 'receiveAbhiWebhook')!;
    const handler = apiHandler(webhook.id, { body: z.looseObject({}) }, async () => ({ status: 202 }));
    const sourceIp = `198.18.0.${Math.floor(Math.random() * 250) + 1}`;
    const statuses = [];
    for (let i = 0; i < 7; i++) statuses.push((await handler(proxyEvent(webhook, { sourceIp, body: {} }), lambdaContext())).statusCode);
    expect(statuses).toEqual([202, 202, 202, 202, 202, 202, 429]);
  });

  it('advances: N charged per employee per hour (the use case charges once accepted); idempotent replays do not count', async () => {
    const advance = ROUTES.find((r) => r.id === 'requestAdvance')!;
    let executions = 0;
    const handler = apiHandler(advance.id, { body: z.strictObject({ amount: z.number() }) }, async (request) => {
      await request.chargeAdvanceQuota(request.principal.employeeId!);
      return { status: 202, body: { n: ++executions } };
    });
    const employee = `emp-${randomUUID()}`;
    const subject = `user-${employee}`;
    const send = (key: string) =>
      handler(
        proxyEvent(advance, {
          body: { amount: 100 },
          headers: { 'Idempotency-Key': key },
          authorizer: authorizerContext({ subject, roles: ['employee'], org: 'o', employee }),
        }),
        lambdaContext(),
      );
    const a = `adv-${randomUUID()}`;
    expect((await send(a)).statusCode).toBe(202);
    expect(header(await send(a), 'idempotent-replayed')).toBe('true');
    const second = await send(`adv-${randomUUID()}`);
    expect(second.statusCode).toBe(202);
    expect(header(second, 'ratelimit-limit')).toBe('2');
    expect(header(second, 'ratelimit-remaining')).toBe('0');
    const third = await send(`adv-${randomUUID()}`);
    expect(third.statusCode).toBe(429);
    expect(json(third).detail).toMatch(/At most 2 advance requests per hour/);
    expect(Number(header(third, 'retry-after'))).toBeGreaterThan(3500);
    expect(executions).toBe(2);
  });

  it('read/write limits fail open when the limiter store is down (logged), the request is served', async () => {
    const broken: RateLimitStore = {
      acquireBucket: async () => {
        throw new Error('DynamoDB unavailable');
      },
      acquireWindow: async () => {
        throw new Error('DynamoDB unavailable');
      },
    };
    const handler = apiHandler(listEmployees.id, {}, async () => ({ status: 200, body: [] }), { rateLimiter: new RateLimiter(broken) });
    const response = await handler(proxyEvent(listEmployees, { authorizer: authorizerContext({ roles: ['hr_manager'], org: 'o' }) }), lambdaContext());
    expect(response.statusCode).toBe(200);
  });
});
