import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';

/**
 * What the functions of a local stack ask of each AWS service and of PostgreSQL, by operation, since the stack
 * started — served at `GET /__local/stats`, so anyone can see what one API call costs (the benchmark's cost part
 * and test/edge/request-cost.test.ts read it).
 *
 * Counts are per process (the functions' SDK clients and the pg pool are), since the first stack started in it.
 * AWS requests are counted on the wire: the functions' endpoints (AWS_ENDPOINT_URL_*) point at a small forwarding
 * proxy in front of each emulator, which reads the service from the SigV4 credential scope and the operation from
 * `X-Amz-Target` (JSON protocols) or `Action` (query protocol). Every client counts, whoever created it, exactly as
 * AWS bills requests. Not counted: the stack's own set-up calls and the SQS pollers that stand in for Lambda's
 * event source mappings (they talk to the emulator directly). PostgreSQL queries are counted in this process by
 * wrapping `pg.Client#query` (by first SQL keyword).
 */
export type CountedService = 'dynamodb' | 'sqs' | 'sns' | 'stepFunctions' | 'secretsManager' | 'postgres';

const SERVICE_BY_SIGNING_NAME: Record<string, CountedService> = {
  dynamodb: 'dynamodb',
  sqs: 'sqs',
  sns: 'sns',
  states: 'stepFunctions',
  secretsmanager: 'secretsManager',
};

export interface StatsSnapshot {
  /** When counting started (ISO 8601). */
  readonly since: string;
  /** Per service: requests by operation (`<operation>#entries`: items in batch requests), and the total of requests. */
  readonly services: Record<CountedService, { total: number; operations: Record<string, number> }>;
}

export class RequestStats {
  private readonly counts = new Map<CountedService, Map<string, number>>();
  private readonly since = new Date();

  record(service: CountedService, operation: string, count = 1): void {
    const byOperation = this.counts.get(service) ?? new Map<string, number>();
    byOperation.set(operation, (byOperation.get(operation) ?? 0) + count);
    this.counts.set(service, byOperation);
  }

  snapshot(): StatsSnapshot {
    const services = {} as StatsSnapshot['services'];
    for (const service of ['dynamodb', 'sqs', 'sns', 'stepFunctions', 'secretsManager', 'postgres'] as const) {
      const operations = Object.fromEntries([...(this.counts.get(service) ?? new Map<string, number>()).entries()].sort(([a], [b]) => a.localeCompare(b)));
      const total = Object.entries(operations).reduce((sum, [name, count]) => (name.includes('#') ? sum : sum + count), 0);
      services[service] = { total, operations };
    }
    return { since: this.since.toISOString(), services };
  }

  /** `GET /__local/stats` for the local API server. */
  route(): Record<string, (req: http.IncomingMessage, res: http.ServerResponse) => void> {
    return {
      '/__local/stats': (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
        res.end(JSON.stringify(this.snapshot()));
      },
    };
  }
}

/** Service and operation of a signed AWS request. */
export function classifyAwsRequest(headers: http.IncomingHttpHeaders, body: Buffer): { service: CountedService; operation: string } | undefined {
  const authorization = String(headers.authorization ?? '');
  const signingName = /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\/aws4_request/.exec(authorization)?.[1];
  const service = signingName ? SERVICE_BY_SIGNING_NAME[signingName] : undefined;
  if (!service) return undefined;
  const target = headers['x-amz-target'];
  if (typeof target === 'string' && target.includes('.')) return { service, operation: target.slice(target.lastIndexOf('.') + 1) };
  const action = new URLSearchParams(body.toString('utf8')).get('Action');
  return { service, operation: action ?? 'unknown' };
}

/** Items in a batch request (DynamoDB BatchWriteItem/TransactWriteItems, SQS *Batch, SNS PublishBatch), else undefined. */
export function batchEntries(body: Buffer): number | undefined {
  if (body.length === 0) return undefined;
  if (body[0] !== 0x7b) {
    // Query protocol (form fields): `PublishBatchRequestEntries.member.3.Id=...`
    const ids = [...new URLSearchParams(body.toString('utf8')).keys()].filter((k) => /Entries\.member\.\d+\.Id$/.test(k));
    return ids.length || undefined;
  }
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { Entries?: unknown[]; TransactItems?: unknown[]; PublishBatchRequestEntries?: unknown[]; RequestItems?: Record<string, unknown[]> };
    if (Array.isArray(parsed.Entries)) return parsed.Entries.length;
    if (Array.isArray(parsed.PublishBatchRequestEntries)) return parsed.PublishBatchRequestEntries.length;
    if (parsed.RequestItems && typeof parsed.RequestItems === 'object') return Object.values(parsed.RequestItems).reduce((n, items) => n + (Array.isArray(items) ? items.length : 0), 0);
    if (Array.isArray(parsed.TransactItems)) return parsed.TransactItems.length;
  } catch {
    // not JSON
  }
  return undefined;
}

/** Requests per API call between two snapshots: service → operation → count / calls. */
export function perCall(before: StatsSnapshot, after: StatsSnapshot, calls: number): Record<CountedService, Record<string, number>> {
  const result = {} as Record<CountedService, Record<string, number>>;
  for (const service of Object.keys(after.services) as CountedService[]) {
    const ops: Record<string, number> = {};
    for (const [op, count] of Object.entries(after.services[service].operations)) {
      const delta = count - (before.services[service]?.operations[op] ?? 0);
      if (delta > 0) ops[op] = delta / calls;
    }
    result[service] = ops;
  }
  return result;
}

export interface CountingProxy {
  readonly endpoint: string;
  /** Closes the connections that carry no request (a stopping stack); the proxy stays for the next stack. */
  closeIdle(): void;
}

/** The requests of this process's functions: one count per process, as the functions' SDK clients are. */
export const processStats = new RequestStats();
const proxies = new Map<string, Promise<CountingProxy>>();

/**
 * The counting proxy in front of `target`, one per target and process: the functions' SDK clients are module-level
 * singletons that keep the first endpoint they read, so a second stack in the same process (tests) must find the
 * same proxy where the first left it.
 */
export function countingProxyFor(target: string, rewriteBody?: (body: Buffer, proxyPort: number) => Buffer): Promise<CountingProxy> {
  let proxy = proxies.get(target);
  if (!proxy) {
    proxy = startCountingProxy(target, processStats, rewriteBody);
    proxies.set(target, proxy);
  }
  return proxy;
}

/**
 * A loopback proxy that forwards every request to `target` and records it in `stats`. `rewriteBody` may adjust the
 * forwarded body (the SQS emulator finds a queue by its URL, which names the proxy's port on the way in).
 */
async function startCountingProxy(target: string, stats: RequestStats, rewriteBody?: (body: Buffer, proxyPort: number) => Buffer): Promise<CountingProxy> {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const received = Buffer.concat(chunks);
      const body = rewriteBody ? rewriteBody(received, port) : received;
      const classified = classifyAwsRequest(req.headers, body);
      if (classified) {
        stats.record(classified.service, classified.operation);
        // Batch operations also count their entries (`BatchWriteItem#entries`: the items written, billed per item).
        const entries = batchEntries(body);
        if (entries !== undefined) stats.record(classified.service, `${classified.operation}#entries`, entries);
      }
      const forward = http.request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host, 'content-length': String(body.length) },
          agent,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', (error) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`local counting proxy: ${error.message}`);
      });
      forward.end(body);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  // Lives as long as the process, without keeping it alive.
  server.unref();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    closeIdle() {
      server.closeIdleConnections();
    },
  };
}

type QueryFn = (...args: unknown[]) => unknown;
const countedQuery = Symbol.for('abhi-ewa.local.countedQuery');
let postgresStats: RequestStats | undefined;

/**
 * Counts the PostgreSQL queries of this process into `stats` (by first SQL keyword: SELECT, INSERT, BEGIN, ...).
 */
export function countPostgresQueries(stats: RequestStats = processStats): void {
  postgresStats = stats;
  const proto = pg.Client.prototype as unknown as { query: QueryFn; [countedQuery]?: true };
  if (proto[countedQuery]) return;
  const original = proto.query;
  proto.query = function query(this: unknown, ...args: unknown[]) {
    const config = args[0];
    const text = typeof config === 'string' ? config : config && typeof config === 'object' && 'text' in config ? String((config as { text: unknown }).text) : '';
    const keyword = /^\s*(?:--[^\n]*\n\s*)*([A-Za-z]+)/.exec(text)?.[1]?.toUpperCase() ?? 'OTHER';
    postgresStats?.record('postgres', keyword);
    return original.apply(this, args);
  };
  proto[countedQuery] = true;
}
