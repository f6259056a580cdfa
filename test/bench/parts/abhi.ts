import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { BENCH_SANDBOX_CREDENTIALS, startBenchEnvironment, type BenchEnvironment, type SandboxStateView } from '../lib/environment';
import type { BenchOptions } from '../lib/options';
import { call, mirroredEmployees, seedFromSandbox, snippet, type MirroredEmployee } from '../lib/platform-data';
import { SkipPart, errorText, progress } from '../lib/results';
import { summarize, type Summary } from '../lib/stats';
import { DEFAULT_FLEET_RATE_LIMIT } from '../../../functions/shared/abhi/fleet-limit';
import { createDynamoAbhiClient, RecordingMetricsSink } from '../../../functions/shared/abhi/client';
import { aesGcmCipher } from '../../../functions/shared/crypto/field-cipher';

/**
 * Part 4 — the Abhi bottleneck. The sandbox enforces Abhi's limit server-side (10 req/s, burst 20, 429 beyond);
 * the platform's fleet-wide client limiter (DynamoDB token bucket, same rate, a smaller burst) should keep it
 * saturated but never over it. Three phases over the local API:
 * 1. read mix only (cold caches at the start): Abhi calls per client read;
 * 2. a burst of advance submissions with the same read mix running alongside: achieved Abhi call rate while the
 *    advances are being processed, 429s from Abhi, every request reaching a final state, none duplicated at Abhi
 *    (the sandbox's own state, `GET /__sandbox/state`, against our requests), client retries replayed;
 * 3. the reference for the client bucket's burst: the platform's Abhi client at saturation with Abhi's own burst,
 *    then with the fleet's default (429s and the lowest level of Abhi's bucket, replayed from its request log).
 */
const ABHI_LIMIT_RPS = 10;
const ABHI_BURST = 20;
const CLIENTS = 10;
/** Seconds at saturation per bucket in the margin check (phase 3). */
const MARGIN_CHECK_SECONDS = 8;
const RETRY_FRACTION = 0.1;
const TERMINAL = new Set(['COMPLETED', 'REJECTED', 'EXPIRED', 'CANCELLED', 'FAILED']);

interface ReadKind {
  readonly id: string;
  readonly weight: number;
  readonly description: string;
  readonly request: (e: MirroredEmployee, tokens: Tokens) => { path: string; token: string };
}
interface Tokens {
  employee: Map<string, string>;
  hr: Map<string, string>;
  finance: Map<string, string>;
}

/** The read mix of an employee app + HR/finance consoles (weights in percent). */
const READ_MIX: readonly ReadKind[] = [
  { id: 'balance', weight: 25, description: 'GET /transactions/balance/{employeeId} (employee)', request: (e, t) => ({ path: `/api/v1/transactions/balance/${e.id}`, token: t.employee.get(e.id)! }) },
  { id: 'me', weight: 15, description: 'GET /employee/me (employee)', request: (e, t) => ({ path: '/api/v1/employee/me', token: t.employee.get(e.id)! }) },
  { id: 'history', weight: 15, description: 'GET /transactions/employee/{employeeId} (employee)', request: (e, t) => ({ path: `/api/v1/transactions/employee/${e.id}`, token: t.employee.get(e.id)! }) },
  { id: 'banks', weight: 10, description: 'GET /organizations/banks (employee)', request: (e, t) => ({ path: '/api/v1/organizations/banks', token: t.employee.get(e.id)! }) },
  { id: 'business-types', weight: 5, description: 'GET /organizations/business-types (HR)', request: (e, t) => ({ path: '/api/v1/organizations/business-types', token: t.hr.get(e.organizationId)! }) },
  { id: 'employee', weight: 15, description: 'GET /employees/{id} (HR)', request: (e, t) => ({ path: `/api/v1/employees/${e.id}`, token: t.hr.get(e.organizationId)! }) },
  { id: 'transactions', weight: 10, description: 'GET /transactions (finance)', request: (e, t) => ({ path: '/api/v1/transactions?limit=20', token: t.finance.get(e.organizationId)! }) },
  { id: 'organization', weight: 5, description: 'GET /organizations/{id} (HR)', request: (e, t) => ({ path: `/api/v1/organizations/${e.organizationId}`, token: t.hr.get(e.organizationId)! }) },
];

export interface ReadPhase {
  readonly reads: number;
  /** Measured when the reads run alone (phase 1); alongside the burst the calls cannot be told apart. */
  readonly abhiCalls?: number;
  readonly abhiCallsPerRead?: number;
  readonly byKind: Record<string, { count: number; statuses: Record<string, number> }>;
  readonly latencyMs: Summary;
  readonly durationSeconds: number;
}

export interface AbhiData {
  readonly scale: string;
  readonly limit: { ratePerSecond: number; burst: number };
  /** The platform's own bucket in this run (ABHI_RATE_LIMIT_RPS / _BURST, default derived from `limit`). */
  readonly clientLimit?: { ratePerSecond: number; burst: number };
  readonly employees: number;
  readonly organizations: number;
  readonly readMix: { id: string; weight: number; description: string }[];
  readonly phase1: ReadPhase;
  readonly phase2: {
    readonly advances: number;
    readonly retries: number;
    readonly retriesReplayed: number;
    /** From the start of the burst until the last advance submission was answered. */
    readonly submitSeconds?: number;
    readonly submitStatuses: Record<string, number>;
    readonly submitLatencyMs: Summary;
    readonly reads: ReadPhase;
    readonly finalStatuses: Record<string, number>;
    /** Why requests did not complete (the request's `reasons`), by status. */
    readonly notCompletedReasons: Record<string, number>;
    readonly notFinal: number;
    readonly approvalsGiven: number;
    readonly processingSeconds: number;
    readonly abhiCalls: number;
    readonly abhiCallsByPath: Record<string, number>;
    readonly achievedRps: number;
    readonly fractionOfLimit: number;
    readonly secondsUntil95PercentFinal: number;
    readonly fractionOfLimitUntil95PercentFinal: number;
    readonly bestTenSecondRps: number;
    readonly perSecond: number[];
    readonly abhi429: number;
    /**
     * Abhi's bucket replayed from the sandbox's request log (same rate and burst): the fewest tokens a call of the
     * burst found on arrival (below 1 → 429), and how many found fewer than 2.
     */
    readonly abhiBucketLowest?: number;
    readonly abhiBucketArrivalsBelow2?: number;
    readonly abhiOtherErrors: Record<string, number>;
    readonly estimatedAbhiCallsPerAdvance: number;
    readonly workflowExecutions: number;
    readonly workflowExecutionSeconds: Summary;
    /** StateRetried / StateFailed events of the burst's executions, by state and error. */
    readonly workflowRetriesAndFailures: Record<string, number>;
  };
  readonly exactlyOnce: {
    readonly completedLocally: number;
    readonly abhiAdvancesForOurRequests: number;
    readonly duplicatedAtAbhi: number;
    readonly completedWithoutAbhiAdvance: number;
    readonly abhiAdvancesWithoutLocalRequest: number;
    readonly sandboxAdvancesTotal: number;
    readonly sandboxAdvancesBefore: number;
  };
  /**
   * Phase 3, the reference for the fleet bucket's burst: the platform's client (DynamoDB bucket, real transport)
   * driven at saturation for a few seconds with Abhi's own burst, then with the fleet's default.
   */
  readonly marginCheck?: MarginCheck[];
  readonly targets: { fractionOfLimit: boolean; no429: boolean; callsPerRead: boolean; allCompleted: boolean; noDuplicates: boolean };
  readonly notes: string[];
}

export interface MarginCheck {
  readonly burst: number;
  readonly seconds: number;
  readonly calls: number;
  readonly abhi429: number;
  readonly lowest: number;
  readonly below2: number;
}

export async function runAbhi(options: BenchOptions): Promise<AbhiData> {
  let environment: BenchEnvironment;
  try {
    environment = await startBenchEnvironment({
      sandboxRateLimit: { ratePerSecond: ABHI_LIMIT_RPS, burst: ABHI_BURST },
      sandboxClock: businessClockOnThe28th(),
      extraEnv: {
        // Our own per-user limits are not under test here (they would refuse the burst before Abhi sees it).
        RATE_LIMIT_READ_RPS: '100000',
        RATE_LIMIT_READ_BURST: '100000',
        RATE_LIMIT_WRITE_RPS: '100000',
        RATE_LIMIT_WRITE_BURST: '100000',
        RATE_LIMIT_ADVANCES_PER_HOUR: '100000',
      },
    });
  } catch (error) {
    throw new SkipPart(`the local platform did not start: ${errorText(error)}`);
  }
  try {
    const sandbox = environment.sandbox;
    if (!sandbox) throw new SkipPart(environment.sandboxError ?? 'no Abhi sandbox');
    const api = environment.platform.api.url;
    const seed = await seedFromSandbox(environment);
    if (!seed.ok) throw new SkipPart(seed.note);
    const employees = await mirroredEmployees(environment, 500);
    if (employees.length === 0) throw new SkipPart('no employees were mirrored from the sandbox');
    const organizations = [...new Set(employees.map((e) => e.organizationId))];
    const notes: string[] = [];

    const admin = await environment.token({ role: 'admin' });
    const tokens: Tokens = { employee: new Map(), hr: new Map(), finance: new Map() };
    for (const e of employees) tokens.employee.set(e.id, await environment.token({ role: 'employee', org: e.organizationId, employee: e.id, mfa: true }));
    for (const org of organizations) {
      tokens.hr.set(org, await environment.token({ role: 'hr_manager', org, subject: `bench-hr-${org}` }));
      tokens.finance.set(org, await environment.token({ role: 'finance_manager', org, subject: `bench-finance-${org}` }));
    }

    // A policy that lets the burst through locally: the point is what reaches Abhi.
    for (const org of organizations) {
      const response = await call(api, 'PUT', `/api/v1/organizations/${org}`, {
        token: admin,
        body: { advancePolicy: { maxAdvancesPerMonth: 31, minDaysSinceJoining: 0, blackoutDaysBeforePayroll: 0, approvalThreshold: 2000, mfaThreshold: 1000 } },
      });
      if (response.status !== 200) notes.push(`Setting the advance policy of ${org} answered ${response.status}: ${snippet(response.text)}`);
    }
    const capacity = employees.length * 31;
    if (options.abhiAdvances > capacity) {
      notes.push(`${employees.length} seed employees × 31 advances/month (the policy's maximum) = ${capacity}: requests beyond that end REJECTED by the local policy.`);
    }

    // Phase 1: the read mix alone, caches cold.
    // The reads are split between the two phases (the issue's 1,000 advances + 5,000 reads at full scale).
    const readsAlone = Math.floor(options.abhiReads / 2);
    const readsAlongside = options.abhiReads - readsAlone;
    progress(`abhi: phase 1, ${readsAlone} reads (mix), ${CLIENTS} clients`);
    const phase1 = await readPhase(api, sandbox, employees, tokens, readsAlone);
    progress(`abhi: phase 1 done: ${phase1.abhiCalls} Abhi calls for ${phase1.reads} reads`);

    // Phase 2: the burst.
    const advancesBefore = new Set(((sandbox.state().records?.advances ?? []) as { id?: string }[]).map((a) => a.id));
    progress(`abhi: phase 2, ${options.abhiAdvances} advances + ${readsAlongside} reads`);
    const burstStart = Date.now();
    const submitted: { id?: string; key: string; employee: MirroredEmployee; status: number }[] = [];
    const submitLatencies: number[] = [];
    const submitStatuses: Record<string, number> = {};
    let retries = 0;
    let retriesReplayed = 0;
    let nextAdvance = 0;
    let lastSubmittedAt = burstStart;
    const advanceWorker = async () => {
      while (nextAdvance < options.abhiAdvances) {
        const index = nextAdvance++;
        const employee = employees[index % employees.length]!;
        const key = `bench-${randomUUID()}`;
        const request = { token: tokens.employee.get(employee.id)!, body: { employeeId: employee.id, amount: 10, description: `bench ${index}` }, headers: { 'idempotency-key': key } };
        const response = await call(api, 'POST', '/api/v1/transactions/advance', request).catch((error: unknown) => ({ status: 0, body: undefined, text: errorText(error), ms: 0 }));
        submitLatencies.push(response.ms);
        submitStatuses[response.status] = (submitStatuses[response.status] ?? 0) + 1;
        const id = (response.body as { id?: string } | undefined)?.id;
        submitted.push({ id, key, employee, status: response.status });
        lastSubmittedAt = Math.max(lastSubmittedAt, Date.now());
        // A client that did not trust the answer retries with the same key: it must get the same request back.
        if (id && index % Math.round(1 / RETRY_FRACTION) === 0) {
          retries++;
          const again = await call(api, 'POST', '/api/v1/transactions/advance', request).catch(() => undefined);
          if (again && (again.body as { id?: string } | undefined)?.id === id) retriesReplayed++;
        }
      }
    };
    const [reads2] = await Promise.all([
      readPhase(api, sandbox, employees, tokens, readsAlongside, false),
      Promise.all(Array.from({ length: CLIENTS }, advanceWorker)),
    ]);
    const submitSeconds = (lastSubmittedAt - burstStart) / 1000;
    progress(`abhi: ${submitted.length} advances submitted in ${submitSeconds.toFixed(1)} s (reads done at ${((Date.now() - burstStart) / 1000).toFixed(1)} s); waiting for the workflows`);

    // Every request to a final state (approving any that wait for a finance manager), bounded.
    const ids = submitted.map((s) => s.id).filter((id): id is string => typeof id === 'string');
    const db = new pg.Client({ connectionString: environment.platform.env.DATABASE_URL });
    await db.connect();
    let statuses = new Map<string, string>();
    let reasons = new Map<string, string>();
    let approvalsGiven = 0;
    const approved = new Set<string>();
    const deadline = burstStart + options.abhiTimeoutSeconds * 1000;
    let lastLog = Date.now();
    let allTerminalAt = Date.now();
    /** When 95 % of the advances were final: the rate up to here shows the limiter without the retry tail. */
    let ninetyFiveAt: number | undefined;
    try {
      while (true) {
        const { rows } = await db.query<{ id: string; status: string; organization_id: string; reasons: unknown }>(
          'SELECT id::text, status, organization_id, reasons FROM advance_requests WHERE id = ANY($1::uuid[])',
          [ids],
        );
        statuses = new Map(rows.map((r) => [r.id, r.status]));
        reasons = new Map(rows.filter((r) => r.status !== 'COMPLETED').map((r) => [r.id, reasonText(r.reasons)]));
        for (const row of rows.filter((r) => r.status === 'PENDING_APPROVAL' && !approved.has(r.id))) {
          approved.add(row.id);
          const response = await call(api, 'PUT', `/api/v1/transactions/${row.id}/status`, { token: tokens.finance.get(row.organization_id), body: { action: 'approve', reason: 'bench' } });
          if (response.status < 300) approvalsGiven++;
        }
        const pending = ids.filter((id) => !TERMINAL.has(statuses.get(id) ?? ''));
        if (ninetyFiveAt === undefined && ids.length - pending.length >= Math.ceil(ids.length * 0.95)) ninetyFiveAt = Date.now();
        if (pending.length === 0) {
          allTerminalAt = Date.now();
          break;
        }
        if (Date.now() > deadline) {
          allTerminalAt = Date.now();
          notes.push(`${pending.length} advance requests were not final after ${options.abhiTimeoutSeconds} s (BENCH_ABHI_TIMEOUT_SECONDS).`);
          break;
        }
        if (Date.now() - lastLog > 10_000) {
          lastLog = Date.now();
          progress(`abhi: ${ids.length - pending.length}/${ids.length} advances final`);
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    } finally {
      await db.end();
    }
    const processingSeconds = (allTerminalAt - burstStart) / 1000;

    // What the workflow went through: retries and failures per state (where unused Abhi capacity comes from).
    const { currentStepFunctionsLocal } = await import('../../../infra/local/services/step-functions-local');
    const executions = currentStepFunctionsLocal()?.executions().filter((e) => e.startDate.getTime() >= burstStart) ?? [];
    const workflowEvents: Record<string, number> = {};
    for (const execution of executions) {
      for (const event of execution.events) {
        if (event.type !== 'StateRetried' && event.type !== 'StateFailed') continue;
        const key = `${event.type} ${event.state ?? '?'}${event.error ? ` (${event.error})` : ''}`;
        workflowEvents[key] = (workflowEvents[key] ?? 0) + 1;
      }
    }
    const executionSeconds = summarize(executions.filter((e) => e.stopDate).map((e) => (e.stopDate!.getTime() - e.startDate.getTime()) / 1000));

    // What Abhi saw.
    const after: SandboxStateView = sandbox.state();
    const log = (after.requestLog ?? []).filter((e) => e.at >= burstStart && e.at <= allTerminalAt);
    const perSecond: number[] = [];
    for (const entry of log) {
      const second = Math.floor((entry.at - burstStart) / 1000);
      while (perSecond.length <= second) perSecond.push(0);
      perSecond[second]! += 1;
    }
    let best = 0;
    for (let i = 0; i + 10 <= perSecond.length; i++) best = Math.max(best, perSecond.slice(i, i + 10).reduce((a, b) => a + b, 0) / 10);
    const byPath: Record<string, number> = {};
    const otherErrors: Record<string, number> = {};
    for (const entry of log) {
      const key = `${entry.method} ${entry.path.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '{id}')}`;
      byPath[key] = (byPath[key] ?? 0) + 1;
      if (entry.status >= 400 && entry.status !== 429) otherErrors[entry.status] = (otherErrors[entry.status] ?? 0) + 1;
    }
    const abhi429 = (after.rateLimited ?? 0);
    const bucket = replayAbhiBucket(after.requestLog ?? [], burstStart, allTerminalAt);
    const achievedRps = log.length / Math.max(processingSeconds, 0.001);
    const until95 = ninetyFiveAt ?? allTerminalAt;
    const achievedRpsUntil95 = log.filter((e) => e.at <= until95).length / Math.max((until95 - burstStart) / 1000, 0.001);

    // Exactly once at Abhi: every advance carries ` ref:ADV-<request id>` in its description.
    const ours = new Set(ids);
    const refCounts = new Map<string, number>();
    let foreign = 0;
    for (const record of (after.records?.advances ?? []) as { id?: string; description?: string }[]) {
      if (advancesBefore.has(record.id)) continue; // the sandbox's seed history
      const ref = /ref:ADV-([0-9a-f-]{36})$/i.exec(record.description ?? '')?.[1];
      if (ref && ours.has(ref)) refCounts.set(ref, (refCounts.get(ref) ?? 0) + 1);
      else if (!ref || !ours.has(ref)) foreign++;
    }
    const notCompletedReasons: Record<string, number> = {};
    for (const [id, reason] of reasons) {
      const key = `${statuses.get(id)}: ${reason}`;
      notCompletedReasons[key] = (notCompletedReasons[key] ?? 0) + 1;
    }
    const finalStatuses: Record<string, number> = {};
    for (const id of ids) finalStatuses[statuses.get(id) ?? 'UNKNOWN'] = (finalStatuses[statuses.get(id) ?? 'UNKNOWN'] ?? 0) + 1;
    const completed = ids.filter((id) => statuses.get(id) === 'COMPLETED');
    const duplicated = [...refCounts.values()].filter((c) => c > 1).length;
    const completedWithout = completed.filter((id) => !refCounts.has(id)).length;
    const abhiAdvancesForOurs = [...refCounts.values()].reduce((a, b) => a + b, 0);
    // The reads alongside are assumed to cost what they cost alone (phase 1, an upper bound: caches were warm by then).
    const estimatedPerAdvance = ids.length ? Math.max(0, log.length - reads2.reads * (phase1.abhiCallsPerRead ?? 0)) / ids.length : 0;
    const everySubmitted = Object.entries(submitStatuses).every(([s]) => s.startsWith('2'));
    const notFinal = ids.filter((id) => !TERMINAL.has(statuses.get(id) ?? '')).length;
    if (!everySubmitted) notes.push(`Some submissions were refused: ${Object.entries(submitStatuses).map(([s, c]) => `${c}× ${s}`).join(', ')}.`);

    // Phase 3 (after everything above is measured): the burst margin, same client code, same sandbox, same run.
    const marginCheck: MarginCheck[] = [];
    for (const burst of [ABHI_BURST, DEFAULT_FLEET_RATE_LIMIT.burst]) {
      progress(`abhi: phase 3, client bucket ${ABHI_LIMIT_RPS} req/s burst ${burst} at saturation for ${MARGIN_CHECK_SECONDS} s`);
      marginCheck.push(await saturate(sandbox, environment.platform.env.STATE_TABLE_NAME!, burst));
    }

    return {
      scale: options.scale,
      limit: { ratePerSecond: ABHI_LIMIT_RPS, burst: ABHI_BURST },
      clientLimit: {
        ratePerSecond: Number(process.env.ABHI_RATE_LIMIT_RPS ?? DEFAULT_FLEET_RATE_LIMIT.ratePerSecond),
        burst: Number(process.env.ABHI_RATE_LIMIT_BURST ?? DEFAULT_FLEET_RATE_LIMIT.burst),
      },
      employees: employees.length,
      organizations: organizations.length,
      readMix: READ_MIX.map(({ id, weight, description }) => ({ id, weight, description })),
      phase1,
      marginCheck,
      phase2: {
        advances: submitted.length,
        retries,
        retriesReplayed,
        submitSeconds,
        submitStatuses,
        submitLatencyMs: summarize(submitLatencies),
        reads: reads2,
        finalStatuses,
        notCompletedReasons,
        notFinal,
        approvalsGiven,
        processingSeconds,
        abhiCalls: log.length,
        abhiCallsByPath: Object.fromEntries(Object.entries(byPath).sort((a, b) => b[1] - a[1])),
        achievedRps,
        fractionOfLimit: achievedRps / ABHI_LIMIT_RPS,
        secondsUntil95PercentFinal: (until95 - burstStart) / 1000,
        fractionOfLimitUntil95PercentFinal: achievedRpsUntil95 / ABHI_LIMIT_RPS,
        bestTenSecondRps: best,
        perSecond,
        abhi429,
        abhiBucketLowest: bucket.lowest,
        abhiBucketArrivalsBelow2: bucket.below2,
        abhiOtherErrors: otherErrors,
        estimatedAbhiCallsPerAdvance: estimatedPerAdvance,
        workflowExecutions: executions.length,
        workflowExecutionSeconds: executionSeconds,
        workflowRetriesAndFailures: workflowEvents,
      },
      exactlyOnce: {
        completedLocally: completed.length,
        abhiAdvancesForOurRequests: abhiAdvancesForOurs,
        duplicatedAtAbhi: duplicated,
        completedWithoutAbhiAdvance: completedWithout,
        abhiAdvancesWithoutLocalRequest: foreign,
        sandboxAdvancesTotal: after.advances,
        sandboxAdvancesBefore: advancesBefore.size,
      },
      targets: {
        fractionOfLimit: achievedRps / ABHI_LIMIT_RPS >= 0.9,
        no429: abhi429 === 0,
        callsPerRead: (phase1.abhiCallsPerRead ?? Number.POSITIVE_INFINITY) <= 0.1,
        allCompleted: everySubmitted && notFinal === 0,
        noDuplicates: duplicated === 0 && completedWithout === 0 && retriesReplayed === retries,
      },
      notes,
    };
  } finally {
    await environment.stop();
  }
}

async function readPhase(
  api: string,
  sandbox: NonNullable<BenchEnvironment['sandbox']>,
  employees: readonly MirroredEmployee[],
  tokens: Tokens,
  count: number,
  alone = true,
): Promise<ReadPhase> {
  const started = Date.now();
  const byKind: ReadPhase['byKind'] = {};
  const latencies: number[] = [];
  const total = READ_MIX.reduce((s, k) => s + k.weight, 0);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      // Deterministic weighted choice, spread over employees.
      const slot = (i * 37) % total;
      let acc = 0;
      const kind = READ_MIX.find((k) => (acc += k.weight) > slot)!;
      const employee = employees[(i * 7) % employees.length]!;
      const { path, token } = kind.request(employee, tokens);
      const response = await call(api, 'GET', path, { token }).catch((error: unknown) => ({ status: 0, ms: 0, text: errorText(error) }));
      latencies.push(response.ms);
      const entry = (byKind[kind.id] ??= { count: 0, statuses: {} });
      entry.count++;
      entry.statuses[response.status] = (entry.statuses[response.status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, worker));
  const ended = Date.now();
  const abhiCalls = alone ? (sandbox.state().requestLog ?? []).filter((e) => e.at >= started && e.at <= ended).length : undefined;
  return {
    reads: count,
    ...(abhiCalls !== undefined ? { abhiCalls, abhiCallsPerRead: count ? abhiCalls / count : 0 } : {}),
    byKind,
    latencyMs: summarize(latencies),
    durationSeconds: (Date.now() - started) / 1000,
  };
}

/**
 * 20 callers through the platform's Abhi client (DynamoDB bucket of ABHI_LIMIT_RPS with `burst`, its own key space)
 * for MARGIN_CHECK_SECONDS after Abhi's bucket has refilled; what Abhi saw, from its state and request log.
 */
const marginTokenKey = randomBytes(32);

async function saturate(sandbox: NonNullable<BenchEnvironment['sandbox']>, tableName: string, burst: number): Promise<MarginCheck> {
  await new Promise((r) => setTimeout(r, (ABHI_BURST / ABHI_LIMIT_RPS) * 1000 + 500));
  const client = createDynamoAbhiClient({
    baseUrl: sandbox.baseUrl,
    credentials: BENCH_SANDBOX_CREDENTIALS,
    // Its own key space and so its own token: a key of this client alone.
    tokenCipher: aesGcmCipher(async () => marginTokenKey),
    tableName,
    keyPrefix: `bench-margin-${randomUUID()}#`,
    rateLimit: { ratePerSecond: ABHI_LIMIT_RPS, burst },
    metrics: new RecordingMetricsSink(),
  });
  await client.masterData.listBanks({ limit: 1 }, { bypassCache: true }); // login, outside the window
  await new Promise((r) => setTimeout(r, (ABHI_BURST / ABHI_LIMIT_RPS) * 1000 + 500));
  const before = sandbox.state().rateLimited ?? 0;
  const from = Date.now();
  const until = from + MARGIN_CHECK_SECONDS * 1000;
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      while (Date.now() < until) await client.masterData.listBanks({ limit: 1 }, { bypassCache: true }).catch(() => undefined);
    }),
  );
  const after = sandbox.state();
  const to = Date.now();
  const bucket = replayAbhiBucket(after.requestLog ?? [], from, to);
  const calls = (after.requestLog ?? []).filter((e) => e.at >= from && e.at <= to).length;
  return { burst, seconds: (to - from) / 1000, calls, abhi429: (after.rateLimited ?? 0) - before, lowest: bucket.lowest, below2: bucket.below2 };
}

/**
 * The sandbox's business clock, running from 08:00 on the 28th of the current UAE month: Abhi allows 50 % of the
 * salary earned to date, so with the real date early in a month most advances of the burst would be refused, and the
 * run would measure the calendar instead of the platform. The platform keeps the real clock (same month).
 */
function businessClockOnThe28th(): () => number {
  const uae = new Date(Date.now() + 4 * 3600_000);
  const offset = Date.UTC(uae.getUTCFullYear(), uae.getUTCMonth(), 28, 4, 0, 0) - Date.now();
  return () => Date.now() + offset;
}

/**
 * Replays Abhi's token bucket (the sandbox's numbers) over every request the sandbox logged, in arrival order, and
 * reports the lowest level a call found between `from` and `to`: how much of the slack the fleet's smaller burst
 * leaves was eaten by arrival jitter (ms timestamps: about ±0.01 token per call).
 */
function replayAbhiBucket(log: readonly { at: number }[], from: number, to: number): { lowest: number; below2: number } {
  const arrivals = log.map((e) => e.at).sort((a, b) => a - b);
  let tokens = ABHI_BURST;
  let last = arrivals[0] ?? 0;
  let lowest = ABHI_BURST;
  let below2 = 0;
  for (const at of arrivals) {
    tokens = Math.min(ABHI_BURST, tokens + ((at - last) / 1000) * ABHI_LIMIT_RPS);
    last = at;
    if (at >= from && at <= to) {
      lowest = Math.min(lowest, tokens);
      if (tokens < 2) below2++;
    }
    if (tokens >= 1) tokens -= 1;
  }
  return { lowest, below2 };
}

function reasonText(reasons: unknown): string {
  const list = Array.isArray(reasons) ? reasons : reasons === null || reasons === undefined ? [] : [reasons];
  if (list.length === 0) return 'no reason recorded';
  return list
    .map((r) => {
      if (typeof r === 'string') return r;
      if (r && typeof r === 'object') {
        const o = r as Record<string, unknown>;
        return String(o.code ?? o.reason ?? o.message ?? JSON.stringify(o)).slice(0, 100);
      }
      return String(r);
    })
    .join(', ');
}
