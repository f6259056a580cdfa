import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';
import { loadEntry } from '../../../infra/local/api-server';
import { resolveStageConfig } from '../../../infra/config/stages';
import { perCall, type CountedService, type StatsSnapshot } from '../../../infra/local/request-stats';
import { fakeLambdaContext } from '../../../infra/local/lambda-context';
import { startBenchEnvironment, waitForQuiet, type BenchEnvironment } from '../lib/environment';
import { memorySizes, type MemorySizes } from '../lib/entries';
import type { BenchOptions } from '../lib/options';
import { call, mirroredEmployees, seedFromSandbox, snippet } from '../lib/platform-data';
import { ASSUMPTIONS, PRICES } from '../lib/pricing';
import { SkipPart, errorText, progress } from '../lib/results';
import { summarize, type Summary } from '../lib/stats';
import { interceptStdout, jsonLine } from '../lib/stdout';

/**
 * Part 5 — cost model inputs, measured. An accounting pass on a platform whose DynamoDB, SQS/SNS and Secrets
 * Manager traffic goes through counting proxies: for each request kind, N sequential requests (one Lambda instance
 * handles one request at a time, so sequential durations are the billed ones), then everything they set off
 * (workflow, outbox, queues) runs to the end, and the pass counts per request: Lambda invocations and their
 * durations (API handler from its own `request completed` log line, workflow tasks from the state machine's event
 * log, the authorizer timed directly), DynamoDB operations, SQS/SNS messages, Step Functions transitions, Secrets
 * Manager calls, Abhi calls and log bytes. report.ts turns these into dollars with lib/pricing.ts.
 */
export interface KindMeasurement {
  readonly id: string;
  readonly label: string;
  readonly request: string;
  readonly status: 'measured' | 'skipped';
  readonly reason?: string;
  readonly requests: number;
  readonly statuses: Record<string, number>;
  /** Everything below is per API request. */
  readonly apiHandlerMs?: Summary;
  /** Requests of the functions per API call, by service and operation, from the local stack's `GET /__local/stats`. */
  readonly requestsPerCall?: Record<CountedService, Record<string, number>>;
  readonly dynamodbOps: Record<string, number>;
  readonly sqsOps: Record<string, number>;
  readonly secretsCalls: number;
  readonly abhiCalls: number;
  readonly logBytes: number;
  readonly workflow: { executions: number; transitions: number; taskInvocations: number; taskMs?: Summary };
  readonly consumerInvocations: number;
  readonly messagesConsumed: number;
  readonly snsPublishes: number;
}

export interface CostData {
  readonly memory: MemorySizes;
  readonly requestsPerKind: number;
  readonly authorizerMs?: Summary;
  /** DynamoDB requests of one authorizer invocation (GET /__local/stats), charged at the authorizer's share of requests. */
  readonly authorizerDynamodbOps?: Record<string, number>;
  readonly kinds: KindMeasurement[];
  /** Distinct custom metrics (namespace + dimension set + name) seen in the EMF output: a fixed monthly cost. */
  readonly customMetrics: string[];
  readonly notes: string[];
}

type AslState = { Type: string; Resource?: string; Branches?: { States: Record<string, AslState> }[]; Iterator?: { States: Record<string, AslState> }; ItemProcessor?: { States: Record<string, AslState> } };

export async function runCost(options: BenchOptions): Promise<CostData> {
  let environment: BenchEnvironment;
  try {
    environment = await startBenchEnvironment({
      countOperations: true,
      // As API Gateway: the authorizer's answer is cached per token, so its requests are counted apart (below).
      authorizerCacheTtlSeconds: resolveStageConfig(() => undefined).api.authorizerCacheTtlSeconds,
      extraEnv: { RATE_LIMIT_ADVANCES_PER_HOUR: '100000' },
    });
  } catch (error) {
    throw new SkipPart(`the local platform did not start: ${errorText(error)}`);
  }
  const logs = captureStdout();
  try {
    const api = environment.platform.api.url;
    const proxies = environment.proxies!;
    const stats = async (): Promise<StatsSnapshot> => (await fetch(`${api}/__local/stats`)).json() as Promise<StatsSnapshot>;
    const notes: string[] = [];
    const memory = await memorySizes();
    const seed = await seedFromSandbox(environment);
    const employees = seed.ok ? await mirroredEmployees(environment, 100) : [];
    if (!seed.ok) notes.push(`Seed: ${seed.note}.`);
    const admin = await environment.token({ role: 'admin' });
    const organizations = [...new Set(employees.map((e) => e.organizationId))];
    for (const org of organizations) {
      await call(api, 'PUT', `/api/v1/organizations/${org}`, {
        token: admin,
        body: { advancePolicy: { maxAdvancesPerMonth: 31, minDaysSinceJoining: 0, blackoutDaysBeforePayroll: 0 } },
      }).catch(() => undefined);
    }
    const employeeTokens = await Promise.all(employees.map((e) => environment.token({ role: 'employee', org: e.organizationId, employee: e.id, mfa: true })));

    const { currentStepFunctionsLocal } = await import('../../../infra/local/services/step-functions-local');
    const sfn = currentStepFunctionsLocal();
    const stateTypes = new Map<string, AslState>();
    const walk = (states: Record<string, AslState> | undefined) => {
      for (const [name, state] of Object.entries(states ?? {})) {
        stateTypes.set(name, state);
        for (const branch of state.Branches ?? []) walk(branch.States);
        walk(state.Iterator?.States);
        walk(state.ItemProcessor?.States);
      }
    };
    walk(sfn?.definition.States as Record<string, AslState> | undefined);

    const n = options.costRequests;
    const kinds: KindMeasurement[] = [];
    const measureKind = async (
      id: string,
      label: string,
      requestText: string,
      routeId: string,
      make: (i: number) => { method: string; path: string; token: string; body?: unknown; headers?: Record<string, string> } | string,
    ) => {
      progress(`cost: ${label} × ${n}`);
      const first = make(-1);
      if (typeof first === 'string') {
        kinds.push(emptyKind(id, label, requestText, first));
        return;
      }
      for (let i = -3; i < 0; i++) {
        const r = make(i) as Exclude<ReturnType<typeof make>, string>;
        const response = await call(api, r.method, r.path, { token: r.token, body: r.body, headers: r.headers });
        if (response.status >= 300) {
          kinds.push(emptyKind(id, label, requestText, `${r.method} ${r.path} answered ${response.status}: ${snippet(response.text)}`));
          return;
        }
      }
      await waitForQuiet(environment, 60_000);
      proxies.dynamodb.reset();
      proxies.sqs.reset();
      proxies.secrets.reset();
      logs.reset();
      const statsBefore = await stats();
      const executionsBefore = new Set(sfn?.executions().map((e) => e.executionArn) ?? []);
      const windowStart = Date.now();
      const statuses: Record<string, number> = {};
      for (let i = 0; i < n; i++) {
        const r = make(i) as Exclude<ReturnType<typeof make>, string>;
        const response = await call(api, r.method, r.path, { token: r.token, body: r.body, headers: r.headers });
        statuses[response.status] = (statuses[response.status] ?? 0) + 1;
      }
      const busy = await waitForQuiet(environment, 120_000);
      if (busy) notes.push(`${id}: the asynchronous work had not finished after 120 s (${busy}); its counts may be low.`);
      const windowEnd = Date.now();
      const requestsPerCall = perCall(statsBefore, await stats(), n);

      const perRequest = (counts: Record<string, number>) => Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, v / n]));
      const sqsCounts = proxies.sqs.counts();
      const executions = sfn?.executions().filter((e) => !executionsBefore.has(e.executionArn)) ?? [];
      let transitions = 0;
      let taskInvocations = 0;
      const taskMs: number[] = [];
      for (const execution of executions) {
        const entered = new Map<string, number>();
        for (const event of execution.events) {
          if (event.type === 'StateEntered' || event.type === 'StateRetried') transitions++;
          const state = event.state ? stateTypes.get(event.state) : undefined;
          if (state?.Type !== 'Task' || !event.state) continue;
          if (event.type === 'StateEntered' || event.type === 'StateRetried') taskInvocations++;
          if (event.type === 'StateEntered') entered.set(event.state, event.at);
          if ((event.type === 'StateExited' || event.type === 'StateFailed') && entered.has(event.state)) {
            // A task that waits for a token is billed for its Lambda call, not for the wait: leave it out.
            if (!String(state.Resource ?? '').includes('waitForTaskToken')) taskMs.push(event.at - entered.get(event.state)!);
            entered.delete(event.state);
          }
        }
      }
      const handlerMs = logs.durations(routeId);
      const abhi = (environment.sandbox?.state().requestLog ?? []).filter((e) => e.at >= windowStart && e.at <= windowEnd).length;
      kinds.push({
        id,
        label,
        request: requestText,
        status: 'measured',
        requests: n,
        statuses,
        ...(handlerMs.length ? { apiHandlerMs: summarize(handlerMs) } : {}),
        requestsPerCall,
        dynamodbOps: requestsPerCall.dynamodb,
        sqsOps: perRequest(sqsCounts),
        secretsCalls: (proxies.secrets.counts().GetSecretValue ?? 0) / n,
        abhiCalls: abhi / n,
        logBytes: logs.bytes() / n,
        workflow: { executions: executions.length / n, transitions: transitions / n, taskInvocations: taskInvocations / n, ...(taskMs.length ? { taskMs: summarize(taskMs) } : {}) },
        consumerInvocations: ((sqsCounts.DeleteMessageBatch ?? 0) + (sqsCounts.DeleteMessage ?? 0)) / n,
        messagesConsumed: ((sqsCounts['DeleteMessageBatch#entries'] ?? 0) + (sqsCounts.DeleteMessage ?? 0)) / n,
        snsPublishes: ((sqsCounts.Publish ?? 0) + (sqsCounts['PublishBatch#entries'] ?? 0)) / n,
      });
    };

    await measureKind('cached-read', 'Cached read (banks)', 'GET /api/v1/organizations/banks', 'listBanks', () => ({ method: 'GET', path: '/api/v1/organizations/banks', token: admin }));
    await measureKind('employee-read', 'Employee read (Abhi record, 5-min cache)', 'GET /api/v1/employees/{id}', 'getEmployee', (i) =>
      employees.length === 0 ? `no mirrored employees (${seed.note})` : { method: 'GET', path: `/api/v1/employees/${employees[(i + 100) % employees.length]!.id}`, token: admin },
    );
    await measureKind('advance', 'Advance request (+ workflow, events)', 'POST /api/v1/transactions/advance', 'requestAdvance', (i) => {
      if (employees.length === 0) return `no mirrored employees (${seed.note})`;
      const index = (i + 100) % employees.length;
      return {
        method: 'POST',
        path: '/api/v1/transactions/advance',
        token: employeeTokens[index]!,
        body: { employeeId: employees[index]!.id, amount: 10, description: 'bench cost' },
        headers: { 'idempotency-key': `bench-cost-${i}-${Date.now()}` },
      };
    });

    // The authorizer, timed directly (API Gateway invokes it on a cache miss only).
    let authorizerMs: Summary | undefined;
    let authorizerDynamodbOps: Record<string, number> | undefined;
    try {
      const authorize = await loadEntry<(event: APIGatewayRequestAuthorizerEvent, context: Context) => Promise<APIGatewayAuthorizerResult>>('auth/authorize');
      const samples: number[] = [];
      let before: StatsSnapshot | undefined;
      for (let i = -3; i < n; i++) {
        if (i === 0) before = await stats();
        const token = await environment.token({ role: 'hr_manager', org: organizations[0] ?? 'org', subject: `bench-authz-${i}` });
        const event = authorizerEvent(token);
        const t0 = performance.now();
        await authorize(event, fakeLambdaContext('auth-authorize', 10_000));
        if (i >= 0) samples.push(performance.now() - t0);
      }
      authorizerMs = summarize(samples);
      authorizerDynamodbOps = perCall(before!, await stats(), n).dynamodb;
    } catch (error) {
      notes.push(`The authorizer could not be timed: ${errorText(error)}.`);
    }

    return { memory, requestsPerKind: n, ...(authorizerMs ? { authorizerMs, authorizerDynamodbOps } : {}), kinds, customMetrics: logs.metrics(), notes };
  } finally {
    logs.restore();
    await environment.stop();
  }
}

function emptyKind(id: string, label: string, request: string, reason: string): KindMeasurement {
  return {
    id,
    label,
    request,
    status: 'skipped',
    reason,
    requests: 0,
    statuses: {},
    dynamodbOps: {},
    sqsOps: {},
    secretsCalls: 0,
    abhiCalls: 0,
    logBytes: 0,
    workflow: { executions: 0, transitions: 0, taskInvocations: 0 },
    consumerInvocations: 0,
    messagesConsumed: 0,
    snsPublishes: 0,
  };
}

function authorizerEvent(token: string): APIGatewayRequestAuthorizerEvent {
  return {
    type: 'REQUEST',
    methodArn: 'arn:aws:execute-api:us-east-1:000000000000:local/local/GET/api/v1/employees',
    resource: '/employees',
    path: '/api/v1/employees',
    httpMethod: 'GET',
    headers: { Authorization: `Bearer ${token}` },
    multiValueHeaders: { Authorization: [`Bearer ${token}`] },
    pathParameters: null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: { requestId: `bench-${Date.now()}`, identity: { sourceIp: '203.0.113.10' } } as APIGatewayRequestAuthorizerEvent['requestContext'],
  };
}

/** The functions' log lines in this process: bytes since the last reset, `request completed` durations, custom metrics. */
function captureStdout() {
  let durations: { route: string; ms: number }[] = [];
  const metrics = new Set<string>();
  const stdout = interceptStdout((line) => {
    const parsed = jsonLine(line) as
      | { message?: string; route?: string; routeId?: string; durationMs?: number; _aws?: { CloudWatchMetrics?: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] }; [key: string]: unknown }
      | undefined;
    if (!parsed) return;
    if (parsed.message === 'request completed' && typeof parsed.durationMs === 'number') durations.push({ route: String(parsed.routeId ?? parsed.route ?? ''), ms: parsed.durationMs });
    for (const directive of parsed._aws?.CloudWatchMetrics ?? []) {
      for (const dimensions of directive.Dimensions.length ? directive.Dimensions : [[]]) {
        const values = dimensions.map((d) => `${d}=${String(parsed[d] ?? '')}`).join(',');
        for (const metric of directive.Metrics) metrics.add(`${directive.Namespace} ${metric.Name} {${values}}`);
      }
    }
  });
  return {
    reset() {
      stdout.resetBytes();
      durations = [];
    },
    bytes: () => stdout.bytes(),
    durations: (route: string) => durations.filter((d) => d.route === route).map((d) => d.ms),
    metrics: () => [...metrics].sort(),
    restore: () => stdout.restore(),
  };
}

/** Dollars per million requests of a measured kind, by component (list prices in lib/pricing.ts). */
export interface CostBreakdown {
  readonly components: { name: string; perMillion: number; basis: string }[];
  readonly totalPerMillion: number;
}

export function costPerMillion(kind: KindMeasurement, data: Pick<CostData, 'memory' | 'authorizerMs' | 'authorizerDynamodbOps'>, coldImportMs?: number): CostBreakdown {
  const M = 1_000_000;
  const gbSeconds = (memoryMb: number, ms: number) => (memoryMb / 1024) * (ms / 1000);
  const components: CostBreakdown['components'] = [];
  const add = (name: string, perMillion: number, basis: string) => components.push({ name, perMillion, basis });

  const apiMs = kind.apiHandlerMs?.mean ?? 0;
  const authMs = data.authorizerMs?.mean ?? 0;
  const taskMs = kind.workflow.taskMs?.mean ?? 0;
  const invocations = 1 + ASSUMPTIONS.authorizerInvocationsPerRequest + kind.workflow.taskInvocations + kind.consumerInvocations;
  const compute =
    gbSeconds(data.memory.api, apiMs) +
    ASSUMPTIONS.authorizerInvocationsPerRequest * gbSeconds(data.memory.authorizer, authMs) +
    kind.workflow.taskInvocations * gbSeconds(data.memory.workflowTask, taskMs) +
    kind.consumerInvocations * gbSeconds(ASSUMPTIONS.consumerMemoryMb, ASSUMPTIONS.consumerDurationMs) +
    (coldImportMs ? ASSUMPTIONS.coldStartShare * invocations * gbSeconds(data.memory.api, coldImportMs) : 0);
  add('Lambda requests', invocations * PRICES.lambdaPerMillionRequests, `${fmt2(invocations)} invocations/request (handler 1, authorizer ${ASSUMPTIONS.authorizerInvocationsPerRequest}, workflow tasks ${fmt2(kind.workflow.taskInvocations)}, consumers ${fmt2(kind.consumerInvocations)})`);
  add(
    'Lambda compute (arm64)',
    compute * M * PRICES.lambdaArmPerGbSecond,
    `${fmt2(compute * 1000)} GB-ms/request: handler ${fmt2(apiMs)} ms × ${data.memory.api} MB, authorizer ${fmt2(authMs)} ms × ${data.memory.authorizer} MB × ${ASSUMPTIONS.authorizerInvocationsPerRequest}, tasks ${fmt2(taskMs)} ms × ${data.memory.workflowTask} MB × ${fmt2(kind.workflow.taskInvocations)}, consumers ${ASSUMPTIONS.consumerDurationMs} ms (assumed) × ${fmt2(kind.consumerInvocations)}${coldImportMs ? `, INIT ${fmt2(coldImportMs)} ms on ${ASSUMPTIONS.coldStartShare * 100} %` : ''}`,
  );
  add('API Gateway (REST)', PRICES.apiGatewayRestPerMillion, '1 request');
  add('AWS WAF', PRICES.wafPerMillionRequests, '1 request');
  let reads = 0;
  let writes = 0;
  // The handler's and everything it set off (measured per request), plus the authorizer's on its share of requests.
  const authorizerShare = ASSUMPTIONS.authorizerInvocationsPerRequest;
  for (const [ops, weight] of [[kind.dynamodbOps, 1], [data.authorizerDynamodbOps ?? {}, authorizerShare]] as const) {
    for (const [op, count] of Object.entries(ops)) {
      if (op.includes('#entries')) continue;
      if (/^(GetItem|Query|Scan|BatchGetItem|TransactGetItems)$/.test(op)) reads += weight * count * ASSUMPTIONS.rruPerRead;
      else if (op === 'TransactWriteItems') writes += weight * (ops['TransactWriteItems#entries'] ?? count * 2) * ASSUMPTIONS.wruPerTransactItem;
      else if (/^(PutItem|UpdateItem|DeleteItem)$/.test(op)) writes += weight * count * ASSUMPTIONS.wruPerWrite;
      else if (op === 'BatchWriteItem') writes += weight * (ops['BatchWriteItem#entries'] ?? count) * ASSUMPTIONS.wruPerWrite;
    }
  }
  const authorizerOps = Object.entries(data.authorizerDynamodbOps ?? {}).filter(([k]) => !k.includes('#')).map(([k, v]) => `${k} ${fmt2(v)}`).join(', ');
  add(
    'DynamoDB on-demand',
    reads * PRICES.dynamoDbPerMillionRru + writes * PRICES.dynamoDbPerMillionWru,
    `${fmt2(reads)} RRU + ${fmt2(writes)} WRU/request (${Object.entries(kind.dynamodbOps).filter(([k]) => !k.includes('#')).map(([k, v]) => `${k} ${fmt2(v)}`).join(', ') || 'none'}; authorizer ${authorizerOps || 'none'} × ${authorizerShare})`,
  );
  // Consumed messages cover every way a message got into a queue (SNS fan-out or a direct SendMessage).
  const sqsRequests = kind.messagesConsumed * ASSUMPTIONS.sqsRequestsPerMessage;
  add('SQS', sqsRequests * PRICES.sqsPerMillionRequests, `${fmt2(kind.messagesConsumed)} messages consumed × ${ASSUMPTIONS.sqsRequestsPerMessage} requests`);
  add('SNS', kind.snsPublishes * PRICES.snsPerMillionPublishes, `${fmt2(kind.snsPublishes)} publishes/request`);
  add('Step Functions (Standard)', (kind.workflow.transitions / 1000) * PRICES.stepFunctionsStandardPer1000Transitions * M, `${fmt2(kind.workflow.transitions)} transitions/request`);
  add('Secrets Manager', (kind.secretsCalls / 10_000) * PRICES.secretsManagerPer10000Calls * M, `${fmt2(kind.secretsCalls)} GetSecretValue/request (warm instances cache)`);
  const logBytes = kind.logBytes + invocations * ASSUMPTIONS.platformLogBytesPerInvocation;
  add('CloudWatch Logs ingestion', (logBytes / 1024 ** 3) * PRICES.cloudWatchLogsIngestionPerGb * M, `${fmt2(logBytes)} bytes/request (function logs + EMF measured, ${ASSUMPTIONS.platformLogBytesPerInvocation} B platform lines per invocation assumed)`);
  add('X-Ray', ASSUMPTIONS.tracedShare * PRICES.xrayPerMillionTracesRecorded, `${ASSUMPTIONS.tracedShare * 100} % of requests traced (the API's sampling rule)`);
  return { components, totalPerMillion: components.reduce((s, c) => s + c.perMillion, 0) };
}

function fmt2(value: number): string {
  return (Math.round(value * 100) / 100).toString();
}
