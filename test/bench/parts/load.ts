import { spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { startBenchEnvironment, type BenchEnvironment } from '../lib/environment';
import type { LoadOutcome, LoadScenario } from '../load-client';
import type { BenchOptions } from '../lib/options';
import { call, mirroredEmployees, seedFromSandbox, snippet } from '../lib/platform-data';
import { BENCH_DIR, PROJECT_ROOT, SkipPart, errorText, progress } from '../lib/results';
import { interceptStdout, jsonLine } from '../lib/stdout';

/**
 * Part 3 — the local API under load: autocannon (in its own process) against the local API server over loopback,
 * at fixed concurrency levels, for a cached read, an uncached read and an advance submission; next to a bare
 * node:http server returning a fixed JSON body from this same process, measured in the same run.
 *
 * What the local API does per request: API Gateway's part (route match, event building) and the Lambda authorizer
 * (ES256 JWT verification with a cached JWKS + revocation GetItem) run in-process for EVERY request — API Gateway
 * would cache the authorizer's answer for 300 s — then the handler with its DynamoDB / PostgreSQL / Abhi calls.
 * All functions share one Node process here, where AWS runs one instance per concurrent request.
 */
export interface LoadRun extends LoadOutcome {
  /** Non-2xx answers as the handlers logged them (`request refused` / `request failed`): route, status, code. */
  readonly refusals?: Record<string, number>;
  /** Throughput relative to the reference at the same concurrency (latencies: compare the absolute values). */
  readonly vsReference?: { throughput: number };
}

export interface LoadScenarioResult {
  readonly id: string;
  readonly label: string;
  readonly request: string;
  readonly status: 'measured' | 'skipped';
  readonly reason?: string;
  readonly runs: LoadRun[];
}

export interface LoadData {
  readonly secondsPerRun: number;
  readonly connections: readonly number[];
  readonly seed: string;
  readonly scenarios: LoadScenarioResult[];
  readonly notes: string[];
}

const REFERENCE_BODY = JSON.stringify({ data: [{ id: 'bank-1', name: 'Emirates NBD', code: 'ENBD' }, { id: 'bank-2', name: 'First Abu Dhabi Bank', code: 'FAB' }] });

export async function runLoad(options: BenchOptions): Promise<LoadData> {
  const reference = await startReferenceServer();
  let environment: BenchEnvironment | undefined;
  try {
    const scenarios: LoadScenarioResult[] = [];
    const notes: string[] = [];

    // The reference first, while the platform is not yet started: the same machine, the same run.
    progress('load: reference (bare node:http server)');
    const referenceRuns: LoadRun[] = [];
    for (const connections of options.loadConnections) {
      referenceRuns.push(await runClient({ url: reference.url, method: 'GET', paths: ['/'], tokens: [], connections, durationSeconds: options.loadSeconds }));
    }
    scenarios.push({ id: 'reference', label: 'Reference: bare node:http server, fixed JSON', request: 'GET / (same process as the API)', status: 'measured', runs: referenceRuns });

    try {
      environment = await startBenchEnvironment({
        extraEnv: {
          // Checks still run (two DynamoDB UpdateItems per request); the limits are far above what the bench sends.
          RATE_LIMIT_READ_RPS: '1000000',
          RATE_LIMIT_READ_BURST: '1000000',
          RATE_LIMIT_WRITE_RPS: '1000000',
          RATE_LIMIT_WRITE_BURST: '1000000',
          RATE_LIMIT_ADVANCES_PER_HOUR: '1000000',
        },
      });
    } catch (error) {
      throw new SkipPart(`the local platform did not start: ${errorText(error)}`);
    }
    const api = environment.platform.api.url;
    const seed = await seedFromSandbox(environment);
    const employees = seed.ok ? await mirroredEmployees(environment, 200).catch(() => []) : [];
    const admin = await environment.token({ role: 'admin' });

    const measure = async (
      id: string,
      label: string,
      requestText: string,
      build: () => Promise<Omit<LoadScenario, 'connections' | 'durationSeconds' | 'url'> | string>,
      expected: (status: number) => boolean,
    ) => {
      progress(`load: ${label}`);
      let spec: Omit<LoadScenario, 'connections' | 'durationSeconds' | 'url'> | string;
      try {
        spec = await build();
      } catch (error) {
        spec = errorText(error);
      }
      if (typeof spec === 'string') {
        scenarios.push({ id, label, request: requestText, status: 'skipped', reason: spec, runs: [] });
        return;
      }
      // Probe + warm-up: modules loaded, connections open, caches filled.
      const warmups = spec.method === 'POST' ? 3 : 20;
      for (let i = 0; i < warmups; i++) {
        const response = await call(api, spec.method, spec.paths[i % spec.paths.length]!, {
          token: spec.tokens[i % spec.tokens.length],
          body: spec.bodies?.[i % spec.bodies.length],
          headers: spec.uniqueIdempotencyKey ? { 'idempotency-key': `bench-warmup-${i}-${Date.now()}` } : {},
        });
        if (!expected(response.status)) {
          scenarios.push({ id, label, request: requestText, status: 'skipped', reason: `${spec.method} ${spec.paths[0]} answered ${response.status}: ${snippet(response.text)}`, runs: [] });
          return;
        }
      }
      const runs: LoadRun[] = [];
      for (const connections of options.loadConnections) {
        const refusals: Record<string, number> = {};
        const stdout = interceptStdout((line) => {
          const log = jsonLine(line);
          if (log?.message !== 'request refused' && log?.message !== 'request failed') return;
          const key = `${String(log.route)} ${String(log.status)} ${String(log.code ?? (log.message === 'request failed' ? 'unexpected error' : ''))}`;
          refusals[key] = (refusals[key] ?? 0) + 1;
        });
        let outcome: LoadOutcome;
        try {
          outcome = await runClient({ ...spec, url: api, connections, durationSeconds: options.loadSeconds });
        } finally {
          stdout.restore();
        }
        const ref = referenceRuns.find((r) => r.connections === connections);
        runs.push({
          ...outcome,
          ...(Object.keys(refusals).length ? { refusals } : {}),
          ...(ref ? { vsReference: { throughput: outcome.throughputRps / ref.throughputRps } } : {}),
        });
      }
      scenarios.push({ id, label, request: requestText, status: 'measured', runs });
    };

    await measure('cached-read', 'Cached read: banks (Abhi master data, cached)', 'GET /api/v1/organizations/banks (admin)', async () => ({
      method: 'GET',
      paths: ['/api/v1/organizations/banks'],
      tokens: [admin],
    }), (s) => s === 200);

    await measure('employee-read', 'Employee read: PostgreSQL + Abhi record (5-min cache)', 'GET /api/v1/employees/{id} (admin, rotating over the mirrored employees)', async () => {
      if (employees.length === 0) return `no mirrored employees to read (${seed.note})`;
      return { method: 'GET', paths: employees.map((e) => `/api/v1/employees/${encodeURIComponent(e.id)}`), tokens: [admin] };
    }, (s) => s === 200);

    await measure('advance', 'Advance submission (starts the workflow)', 'POST /api/v1/transactions/advance (employee tokens with MFA, unique Idempotency-Key, AED 1)', async () => {
      if (employees.length === 0) return `no mirrored employees to request advances for (${seed.note})`;
      const some = employees.slice(0, 50);
      const tokens = await Promise.all(some.map((e) => environment!.token({ role: 'employee', org: e.organizationId, employee: e.id, mfa: true })));
      return {
        method: 'POST',
        paths: ['/api/v1/transactions/advance'],
        tokens,
        bodies: some.map((e) => ({ employeeId: e.id, amount: 1, description: 'bench' })),
        uniqueIdempotencyKey: true,
      };
    }, (s) => s === 202 || s === 201);

    notes.push(
      'Per-principal and per-IP rate limits were raised to 1,000,000/s for this part (the checks still run: two DynamoDB UpdateItems per request); the advance quota per employee too.',
      'The authorizer runs on every request here; API Gateway caches its answer for 300 s per token, so deployed latency is lower by one JWT verification + one GetItem for most requests.',
      'Everything (API server, every handler, the workflow runner, the SQS pollers, the Abhi sandbox, the OIDC issuer) shares one Node process and two cores with DynamoDB Local (Java) and PostgreSQL; AWS runs one Lambda instance per concurrent request.',
    );
    if (!seed.ok) notes.push(`Seed: ${seed.note}.`);
    return { secondsPerRun: options.loadSeconds, connections: options.loadConnections, seed: seed.note, scenarios, notes };
  } finally {
    await environment?.stop();
    await reference.stop();
  }
}

function runClient(scenario: LoadScenario): Promise<LoadRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(BENCH_DIR, 'load-client.ts'), JSON.stringify(scenario)], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2_000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), (scenario.durationSeconds + 60) * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith('LOAD_RESULT '));
      if (!line) return reject(new Error(`load client exited ${code}: ${stderr.trim().split('\n').at(-1) ?? ''}`));
      resolve(JSON.parse(line.slice('LOAD_RESULT '.length)) as LoadRun);
    });
  });
}

async function startReferenceServer(): Promise<{ url: string; stop(): Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(REFERENCE_BODY) });
    res.end(REFERENCE_BODY);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
