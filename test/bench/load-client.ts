/**
 * The load generator of the load part, in its own process so that it does not share an event loop with the server
 * under test. Reads a JSON scenario from argv[2], runs autocannon against 127.0.0.1 and prints one JSON line.
 */
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';

export interface LoadScenario {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  /** Paths are rotated per request (e.g. different employees). */
  readonly paths: readonly string[];
  /** Authorization values rotated with the paths / bodies (same index). */
  readonly tokens: readonly string[];
  readonly bodies?: readonly unknown[];
  readonly uniqueIdempotencyKey?: boolean;
  readonly connections: number;
  readonly durationSeconds: number;
}

export interface LoadOutcome {
  readonly connections: number;
  readonly durationSeconds: number;
  readonly requests: number;
  readonly throughputRps: number;
  readonly latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  readonly statusCodes: Record<string, number>;
  readonly errors: number;
  readonly timeouts: number;
}

interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
}
interface AutocannonResult {
  duration: number;
  requests: { total: number; average: number };
  latency: { p50: number; p90: number; p99: number; max: number; mean: number };
  statusCodeStats?: Record<string, { count: number }>;
  errors: number;
  timeouts: number;
}
type Autocannon = (
  options: Record<string, unknown>,
  callback: (error: Error | null, result: AutocannonResult) => void,
) => unknown;

const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

async function main(): Promise<void> {
  const scenario = JSON.parse(process.argv[2] ?? '{}') as LoadScenario;
  let next = 0;
  const request: AutocannonRequest & { setupRequest: (req: AutocannonRequest) => AutocannonRequest } = {
    method: scenario.method,
    path: scenario.paths[0],
    setupRequest: (req) => {
      const i = next++ % Math.max(scenario.paths.length, scenario.tokens.length, scenario.bodies?.length ?? 0, 1);
      const headers: Record<string, string> = { accept: 'application/json' };
      const token = scenario.tokens[i % Math.max(scenario.tokens.length, 1)];
      if (token) headers.authorization = `Bearer ${token}`;
      const body = scenario.bodies?.[i % scenario.bodies.length];
      if (body !== undefined) headers['content-type'] = 'application/json';
      if (scenario.uniqueIdempotencyKey) headers['idempotency-key'] = `bench-${randomUUID()}`;
      return {
        ...req,
        method: scenario.method,
        path: scenario.paths[i % scenario.paths.length],
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      };
    },
  };
  const result = await new Promise<AutocannonResult>((resolve, reject) => {
    autocannon(
      {
        url: scenario.url,
        connections: scenario.connections,
        duration: scenario.durationSeconds,
        requests: [request],
        timeout: 30,
      },
      (error, value) => (error ? reject(error) : resolve(value)),
    );
  });
  const outcome: LoadOutcome = {
    connections: scenario.connections,
    durationSeconds: result.duration,
    requests: result.requests.total,
    throughputRps: result.requests.total / Math.max(result.duration, 0.001),
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max, mean: result.latency.mean },
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [code, s.count])),
    errors: result.errors,
    timeouts: result.timeouts,
  };
  process.stdout.write(`LOAD_RESULT ${JSON.stringify(outcome)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`load client failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
