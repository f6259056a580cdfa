import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from '#shared/zod';
import { handler as authorizerHandler } from '../../functions/auth/authorize';
import { MemoryAuditSink, setAuditSink } from '#shared/auth/audit';
import { apiHandler } from '#shared/http/api-handler';
import { ROUTES } from '#shared/routes';
import { authorizerContext, authorizerEvent, lambdaContext, proxyEvent, startTestIssuer } from './helpers';

/**
 * What the edge costs per request on this machine (2 cores, DynamoDB Local in Java, other test workers running):
 * measured and printed; the assertions are loose ceilings that only catch a pathological regression.
 */
let issuer: Awaited<ReturnType<typeof startTestIssuer>>;
beforeAll(async () => {
  Object.assign(process.env, { RATE_LIMIT_READ_RPS: '100000', RATE_LIMIT_READ_BURST: '100000', RATE_LIMIT_WRITE_RPS: '100000', RATE_LIMIT_WRITE_BURST: '100000' });
  setAuditSink(new MemoryAuditSink());
  issuer = await startTestIssuer();
});
afterAll(async () => issuer?.close());

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { n: samples.length, p50: +at(0.5).toFixed(2), p95: +at(0.95).toFixed(2), p99: +at(0.99).toFixed(2), max: +sorted.at(-1)!.toFixed(2) };
}

async function time(n: number, run: (i: number) => Promise<unknown>): Promise<ReturnType<typeof stats>> {
  for (let i = 0; i < 10; i++) await run(-1 - i); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await run(i);
    samples.push(performance.now() - start);
  }
  return stats(samples);
}

describe('edge overhead (measured)', () => {
  it('read route: authorizer context → RBAC → 2 rate-limit UpdateItems → validation → response', async () => {
    const route = ROUTES.find((r) => r.id === 'listEmployees')!;
    const handler = apiHandler(route.id, {}, async () => ({ status: 200, body: [] }));
    const subject = `perf-${randomUUID()}`;
    const result = await time(300, async () => {
      const response = await handler(proxyEvent(route, { authorizer: authorizerContext({ subject, roles: ['hr_manager'], org: 'o' }) }), lambdaContext());
      expect(response.statusCode).toBe(200);
    });
    console.log('apiHandler read route (ms):', JSON.stringify(result));
    expect(result.p95).toBeLessThan(250);
  });

  it('money route: + Powertools idempotency (conditional PutItem + UpdateItem) + revocation GetItem', async () => {
    const route = ROUTES.find((r) => r.id === 'createRepayment')!;
    const handler = apiHandler(route.id, { body: z.strictObject({ amount: z.number() }) }, async () => ({ status: 201, body: { ok: true } }));
    const subject = `perf-${randomUUID()}`;
    const result = await time(150, async () => {
      const response = await handler(
        proxyEvent(route, {
          body: { amount: 10 },
          headers: { 'Idempotency-Key': `perf-${randomUUID()}` },
          authorizer: authorizerContext({ subject, roles: ['finance_manager'], org: 'o', tokenId: randomUUID() }),
        }),
        lambdaContext(),
      );
      expect(response.statusCode).toBe(201);
    });
    console.log('apiHandler idempotent money route (ms):', JSON.stringify(result));
    expect(result.p95).toBeLessThan(400);
  });

  it('Lambda authorizer: ES256 verification with the cached JWKS + revocation GetItem + policy', async () => {
    const route = ROUTES.find((r) => r.id === 'getEmployee')!;
    const tokens = await Promise.all(Array.from({ length: 210 }, () => issuer.mint({ role: 'hr_manager', org: 'o' })));
    const result = await time(200, async (i) => {
      const res = await authorizerHandler(authorizerEvent(route, tokens[i < 0 ? -i - 1 : i + 10]!), lambdaContext());
      expect(res.principalId).toBeTruthy();
    });
    console.log('authorizer (ms):', JSON.stringify(result));
    expect(result.p95).toBeLessThan(250);
  });
});
