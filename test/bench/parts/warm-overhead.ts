import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import * as z from '#shared/zod';
import { fakeLambdaContext } from '../../../infra/local/lambda-context';
import { startTestServices, type TestServices } from '../../support/services';
import type { BenchOptions } from '../lib/options';
import { API_PREFIX, ROUTES, type Route } from '#shared/routes';
import { SkipPart, errorText, progress, registerCleanup } from '../lib/results';
import { summarize, type Summary } from '../lib/stats';
import { interceptStdout } from '../lib/stdout';

/**
 * Part 2 — warm overhead of the edge. The same business function runs bare (parse the event, call it, serialize
 * the result) and wrapped in `apiHandler` (middy + authorizer context + RBAC + rate limits + body/query/params
 * validation + Powertools logging and metrics + idempotency), in this process, invocation after invocation.
 *
 * Two families, interleaved in blocks so machine noise hits every variant alike:
 * - CPU only: the business function touches nothing; the rate limiter and the idempotency store are in memory
 *   (`InMemoryRateLimitStore`, Powertools' CachePersistenceLayer over a Map), so what is left is the middleware's
 *   own CPU time.
 * - DynamoDB Local: the business function does one GetItem on the state table; the wrapped handlers use the real
 *   DynamoDB rate-limit store, the token-revocation GetItem and the Powertools DynamoDB idempotency layer. Round trips
 *   to DynamoDB Local (Java, on this machine) dominate these numbers.
 *
 * Logs and EMF metrics are serialized as on Lambda; the write to stdout is replaced by a counter while timing.
 */
type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

export interface WarmVariant {
  readonly id: string;
  readonly label: string;
  readonly family: 'cpu' | 'dynamodb';
  readonly summaryUs: Summary;
  /** Status codes seen (all must be 2xx for the numbers to mean anything). */
  readonly statuses: Record<string, number>;
  /** Bytes of logs + EMF metrics written per invocation (stdout). */
  readonly stdoutBytesPerInvocation: number;
}

export interface WarmComparison {
  readonly label: string;
  readonly wrapped: string;
  readonly bare: string;
  readonly p50OverheadUs: number;
  readonly p99OverheadUs: number;
  readonly p50Ratio: number;
  readonly p99Ratio: number;
}

export interface WarmData {
  readonly invocationsPerVariant: number;
  /** Invocations per variant actually made in each family (the DynamoDB family stops at the time cap). */
  readonly invocationsByFamily: Record<'cpu' | 'dynamodb', number>;
  readonly timeCapSeconds: number;
  readonly blockSize: number;
  readonly variants: WarmVariant[];
  readonly comparisons: WarmComparison[];
  readonly notes: string[];
}

const BLOCK = 250;

export async function runWarmOverhead(options: BenchOptions): Promise<WarmData> {
  const services: TestServices = await startTestServices();
  const unregister = registerCleanup(() => services.stop());
  try {
    Object.assign(process.env, services.env, {
      // Limits far above what one process can send: the bench measures the check, not the refusal.
      RATE_LIMIT_READ_RPS: '1000000',
      RATE_LIMIT_READ_BURST: '1000000',
      RATE_LIMIT_WRITE_RPS: '1000000',
      RATE_LIMIT_WRITE_BURST: '1000000',
      RATE_LIMIT_ADVANCES_PER_HOUR: '1000000',
      POWERTOOLS_SERVICE_NAME: 'abhi-ewa-bench',
      POWERTOOLS_METRICS_NAMESPACE: 'AbhiEwa',
      POWERTOOLS_METRICS_DISABLED: 'false',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      POWERTOOLS_TRACE_ENABLED: 'false',
      POWERTOOLS_DEV: 'false',
      AWS_LAMBDA_FUNCTION_NAME: 'bench-warm',
    });
    let edge: typeof import('#shared/http/api-handler');
    let limits: typeof import('#shared/http/rate-limit');
    let idempotency: typeof import('#shared/http/idempotency');
    try {
      edge = await import('#shared/http/api-handler');
      limits = await import('#shared/http/rate-limit');
      idempotency = await import('#shared/http/idempotency');
    } catch (error) {
      throw new SkipPart(`the edge (#shared/http/api-handler) does not load yet: ${errorText(error)}`);
    }
    const { CachePersistenceLayer } = await import('@aws-lambda-powertools/idempotency/cache');
    const { dynamoDocumentClient } = await import('#shared/adapters/dynamodb/client');
    const { GetCommand, PutCommand } = await import('@aws-sdk/lib-dynamodb');

    const readRoute = ROUTES.find((r) => r.id === 'getEmployee');
    const moneyRoute = ROUTES.find((r) => r.id === 'createRepayment');
    if (!readRoute || !moneyRoute) throw new SkipPart('routes getEmployee / createRepayment are not in the route table');

    const table = process.env.STATE_TABLE_NAME!;
    const itemKey = { pk: 'BENCH#warm', sk: 'ITEM' };
    const db = dynamoDocumentClient();
    await db.send(new PutCommand({ TableName: table, Item: { ...itemKey, name: 'Bench item', amount: 125.5, status: 'active' } }));

    const cpuBody = { id: '6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f', name: 'Bench item', amount: 125.5, status: 'active' };
    const cpuWork = async () => ({ status: 200, body: cpuBody });
    const ddbWork = async () => {
      const { Item } = await db.send(new GetCommand({ TableName: table, Key: itemKey }));
      return { status: 200, body: { id: cpuBody.id, ...(Item ?? {}) } };
    };

    /** A handler without middleware doing the same work: parse what it needs, call the function, serialize. */
    const bare = (work: () => Promise<{ status: number; body: unknown }>): Handler => async (event) => {
      const params = event.pathParameters ?? {};
      const body = event.body ? (JSON.parse(event.body) as unknown) : undefined;
      void params;
      void body;
      const result = await work();
      return { statusCode: result.status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(result.body) };
    };

    const paramsSchema = z.strictObject({ id: z.uuid() });
    const moneySchema = z.strictObject({ employeeId: z.uuid(), amount: z.number().check(z.positive(), z.maximum(100_000)), reference: z.string().check(z.minLength(1), z.maxLength(80)) });
    const memoryLimiter = () => new limits.RateLimiter(new limits.InMemoryRateLimitStore());
    const memoryIdempotency = () => {
      const map = new Map<string, string | Uint8Array>();
      const client = {
        get: async (name: string) => map.get(name) ?? null,
        set: async (name: string | Uint8Array, value: unknown, opts?: unknown) => {
          const key = String(name);
          if ((opts as { NX?: boolean } | undefined)?.NX && map.has(key)) return null;
          map.set(key, String(value));
          return 'OK';
        },
        del: async (keys: string[]) => keys.reduce((n, k) => n + (map.delete(k) ? 1 : 0), 0),
      };
      return idempotency.createApiIdempotency(moneyRoute.id, { persistenceStore: new CachePersistenceLayer({ client }), expiresAfterSeconds: 3600 });
    };

    const subject = `bench-${randomUUID()}`;
    const readEvent = (withTokenId: boolean) => proxyEvent(readRoute, { params: { id: cpuBody.id }, authorizer: authorizer(subject, withTokenId) });
    const moneyEvent = (withTokenId: boolean) =>
      proxyEvent(moneyRoute, {
        body: { employeeId: cpuBody.id, amount: 10, reference: `ref-${randomUUID()}` },
        headers: { 'Idempotency-Key': `bench-${randomUUID()}` },
        authorizer: authorizer(`${subject}-fin`, withTokenId),
        roles: 'finance_manager',
      });

    interface Variant {
      id: string;
      label: string;
      family: 'cpu' | 'dynamodb';
      handler: Handler;
      event: () => APIGatewayProxyEvent;
      samples: number[];
      statuses: Record<string, number>;
      stdoutBytes: number;
    }
    const variant = (id: string, label: string, family: 'cpu' | 'dynamodb', handler: Handler, event: () => APIGatewayProxyEvent): Variant => ({
      id,
      label,
      family,
      handler,
      event,
      samples: [],
      statuses: {},
      stdoutBytes: 0,
    });
    const variants: Variant[] = [
      variant('bare-cpu', 'bare handler, no I/O', 'cpu', bare(cpuWork), () => readEvent(false)),
      variant('api-read-cpu', 'apiHandler read route (getEmployee), in-memory rate limiter', 'cpu', edge.apiHandler(readRoute.id, { params: paramsSchema }, cpuWork, { rateLimiter: memoryLimiter() }), () => readEvent(false)),
      variant(
        'api-money-cpu',
        'apiHandler idempotent write (createRepayment), in-memory rate limiter + idempotency store',
        'cpu',
        edge.apiHandler(moneyRoute.id, { body: moneySchema }, async () => ({ status: 201, body: cpuBody }), { rateLimiter: memoryLimiter(), idempotency: memoryIdempotency() }),
        () => moneyEvent(false),
      ),
      variant('bare-ddb', 'bare handler, one GetItem', 'dynamodb', bare(ddbWork), () => readEvent(true)),
      variant('api-read-ddb', 'apiHandler read route + GetItem (rate limits in DynamoDB: 2 UpdateItem)', 'dynamodb', edge.apiHandler(readRoute.id, { params: paramsSchema }, ddbWork), () => readEvent(true)),
      variant(
        'api-money-ddb',
        'apiHandler idempotent write + GetItem (rate limits, revocation GetItem, Powertools idempotency in DynamoDB)',
        'dynamodb',
        edge.apiHandler(moneyRoute.id, { body: moneySchema }, async () => ({ ...(await ddbWork()), status: 201 })),
        () => moneyEvent(true),
      ),
    ];

    // Warm-up: every variant's first calls (module state, SDK connections, JIT).
    const sink = interceptStdout();
    try {
      for (const v of variants) {
        for (let i = 0; i < 50; i++) await v.handler(v.event(), fakeLambdaContext('bench-warm'));
      }
    } finally {
      sink.restore();
    }

    // Each family on its own (interleaved within the family): the SDK's garbage must not land in the CPU-only blocks.
    const n = options.warmN;
    const counts: Record<'cpu' | 'dynamodb', number> = { cpu: 0, dynamodb: 0 };
    for (const family of ['cpu', 'dynamodb'] as const) {
      const members = variants.filter((v) => v.family === family);
      const started = performance.now();
      const capMs = family === 'dynamodb' ? options.warmMaxSeconds * 1000 : Number.POSITIVE_INFINITY;
      let lastReport = started;
      let done = 0;
      while (done < n && performance.now() - started < capMs) {
        const size = Math.min(BLOCK, n - done);
        for (const v of members) {
          const events = Array.from({ length: size }, () => v.event());
          const contexts = Array.from({ length: size }, () => fakeLambdaContext('bench-warm', 30_000));
          const counter = interceptStdout();
          try {
            for (let i = 0; i < size; i++) {
              const t0 = performance.now();
              const response = await v.handler(events[i]!, contexts[i]!);
              const elapsed = performance.now() - t0;
              v.samples.push(elapsed * 1000);
              v.statuses[response.statusCode] = (v.statuses[response.statusCode] ?? 0) + 1;
            }
          } finally {
            v.stdoutBytes += counter.restore();
          }
        }
        done += size;
        if (performance.now() - lastReport > 15_000) {
          lastReport = performance.now();
          progress(`warm (${family}): ${done}/${n} invocations per variant (${((performance.now() - started) / 1000).toFixed(0)} s)`);
        }
      }
      counts[family] = done;
      progress(`warm (${family}): ${done} invocations per variant in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    }

    const results: WarmVariant[] = variants.map((v) => ({
      id: v.id,
      label: v.label,
      family: v.family,
      summaryUs: summarize(v.samples),
      statuses: v.statuses,
      stdoutBytesPerInvocation: Math.round(v.stdoutBytes / v.samples.length),
    }));
    const byId = new Map(results.map((r) => [r.id, r]));
    const compare = (label: string, wrapped: string, bareId: string): WarmComparison => {
      const w = byId.get(wrapped)!.summaryUs;
      const b = byId.get(bareId)!.summaryUs;
      return { label, wrapped, bare: bareId, p50OverheadUs: w.p50 - b.p50, p99OverheadUs: w.p99 - b.p99, p50Ratio: w.p50 / b.p50, p99Ratio: w.p99 / b.p99 };
    };
    const notes: string[] = [];
    for (const r of results) {
      const bad = Object.entries(r.statuses).filter(([status]) => !status.startsWith('2'));
      if (bad.length) notes.push(`${r.id} answered ${bad.map(([s, c]) => `${c}× ${s}`).join(', ')}: its numbers include refused requests.`);
    }
    if (counts.dynamodb < n) {
      notes.push(`The DynamoDB Local family stopped at ${counts.dynamodb} invocations per variant (time cap ${options.warmMaxSeconds} s; raise BENCH_WARM_MAX_SECONDS for the full ${n}).`);
    }
    return {
      invocationsPerVariant: n,
      invocationsByFamily: counts,
      timeCapSeconds: options.warmMaxSeconds,
      blockSize: BLOCK,
      variants: results,
      comparisons: [
        compare('read route, CPU only (middleware without I/O)', 'api-read-cpu', 'bare-cpu'),
        compare('idempotent write, CPU only (middleware + idempotency logic without I/O)', 'api-money-cpu', 'bare-cpu'),
        compare('read route against DynamoDB Local', 'api-read-ddb', 'bare-ddb'),
        compare('idempotent write against DynamoDB Local', 'api-money-ddb', 'bare-ddb'),
      ],
      notes,
    };
  } finally {
    await services.stop();
    unregister();
  }
}

function authorizer(subject: string, withTokenId: boolean): Record<string, string> {
  return {
    principalId: subject,
    roles: 'hr_manager',
    organizationId: 'org-bench',
    employeeId: '',
    mfa: 'false',
    tokenId: withTokenId ? randomUUID() : '',
  };
}

function proxyEvent(
  route: Route,
  options: { params?: Record<string, string>; body?: unknown; headers?: Record<string, string>; authorizer: Record<string, string>; roles?: string },
): APIGatewayProxyEvent {
  const params = options.params ?? {};
  const path = `${API_PREFIX}${route.path.replace(/\{([^}]+)\}/g, (_m, name: string) => params[name] ?? 'x')}`;
  const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': 'bench', ...options.headers };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  return {
    resource: route.path,
    path,
    httpMethod: route.method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: Object.keys(params).length ? params : null,
    stageVariables: null,
    body: options.body === undefined ? null : JSON.stringify(options.body),
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'bench',
      authorizer: { ...options.authorizer, ...(options.roles ? { roles: options.roles } : {}) },
      protocol: 'HTTP/1.1',
      httpMethod: route.method,
      identity: { sourceIp: '203.0.113.10', userAgent: 'bench' },
      path: `/bench${path}`,
      stage: 'bench',
      requestId: randomUUID(),
      requestTimeEpoch: Date.now(),
      resourceId: route.id,
      resourcePath: route.path,
    } as APIGatewayProxyEvent['requestContext'],
  };
}
