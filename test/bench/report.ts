import fs from 'node:fs';
import path from 'node:path';
import type { MachineInfo } from './lib/machine';
import { PARTS, PRESETS, type BenchOptions, type PartName } from './lib/options';
import { ASSUMPTIONS, PRICE_DATE, PRICE_LABELS, PRICE_REGION, PRICES } from './lib/pricing';
import { PROJECT_ROOT, readResult, type PartResult } from './lib/results';
import { fmt, kb } from './lib/stats';
import type { AbhiData } from './parts/abhi';
import { FAMILIES, IMPORT_BUDGET_FRACTION, MEDIAN_IMPORT_BUDGET_FRACTION, MEDIAN_SIZE_BUDGET_BYTES, SIZE_BUDGET_BYTES, type ColdStartData, type ColdTarget } from './parts/cold-start';
import { costPerMillion, type CostData } from './parts/cost';
import type { LoadData } from './parts/load';
import type { WarmData } from './parts/warm-overhead';

/** Renders BENCHMARKS.md and docs/cost-model.md from test/bench/results/*.json (the latest result of every part). */
export const BENCHMARKS_FILE = path.join(PROJECT_ROOT, 'BENCHMARKS.md');
export const COST_MODEL_FILE = path.join(PROJECT_ROOT, 'docs/cost-model.md');

const yes = (ok: boolean | undefined) => (ok === undefined ? '–' : ok ? '✅ met' : '❌ not met');
const ms = (v: number | undefined, digits = 1) => (v === undefined ? 'n/a' : `${fmt(v, digits)} ms`);
const usd = (v: number) => `$${v < 0.01 && v > 0 ? v.toFixed(4) : v.toFixed(2)}`;

/** The options table, from the presets themselves. */
function optionsTable(): string[] {
  const row = (env: string, flag: string, key: keyof (typeof PRESETS)['default'] | undefined, meaning: string) => {
    const cell = (scale: 'quick' | 'default' | 'full') => {
      if (!key) return '';
      const value = PRESETS[scale][key];
      return Array.isArray(value) ? value.join(',') : typeof value === 'number' ? value.toLocaleString('en-US') : String(value);
    };
    return `| \`${env}\`${flag ? ` / \`${flag}\`` : ''} | ${cell('quick')} | ${cell('default')} | ${cell('full')} | ${meaning} |`;
  };
  return [
    '| Option (env / flag) | quick | default | full | Meaning |',
    '|---|---|---|---|---|',
    row('BENCH_SCALE', '--scale', undefined, 'preset of the options below (default: default)'),
    row('BENCH_ONLY', '--only', undefined, 'parts to run, comma-separated (default: all)'),
    row('BENCH_COLD_RUNS', '--cold-runs', 'coldRuns', 'fresh Node processes per function (at least 5)'),
    row('BENCH_COLD_FILTER', '--cold-filter', undefined, 'regular expression on entries (default: all)'),
    row('BENCH_COLD_DEBUG', '--cold-debug', undefined, 'print each cold-start child\'s output'),
    row('BENCH_COLD_NAVIGATOR', '', undefined, '`off`: no Node 22-style `navigator` in the cold-start children (Node 20 as it is; see §1)'),
    row('BENCH_WARM_N', '--warm-n', 'warmN', 'invocations per warm variant'),
    row('BENCH_WARM_MAX_SECONDS', '--warm-max-seconds', 'warmMaxSeconds', 'time cap of the DynamoDB Local variants'),
    row('BENCH_LOAD_SECONDS', '--load-seconds', 'loadSeconds', 'seconds per scenario × concurrency'),
    row('BENCH_LOAD_CONNECTIONS', '--load-connections', 'loadConnections', 'concurrency levels'),
    row('BENCH_ABHI_ADVANCES', '--abhi-advances', 'abhiAdvances', 'advances in the Abhi burst'),
    row('BENCH_ABHI_READS', '--abhi-reads', 'abhiReads', 'client reads (half alone, half alongside the burst)'),
    row('BENCH_ABHI_TIMEOUT_SECONDS', '--abhi-timeout-seconds', 'abhiTimeoutSeconds', 'bound for every advance to reach a final state'),
    row('BENCH_COST_REQUESTS', '--cost-requests', 'costRequests', 'sequential requests per kind in the cost pass'),
  ];
}

function machineLine(m: MachineInfo): string {
  return `${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB RAM, Node ${m.node}, ${m.platform}`;
}

function statusLine(result: PartResult | undefined, latest: string | undefined): string {
  if (!result) return '_Not run yet: `npm run bench -- --only <part>`._';
  const when = `${result.startedAt.slice(0, 16).replace('T', ' ')} UTC, ${fmt(result.durationSeconds, 0)} s, scale \`${result.options.scale}\`, load average ${fmt(result.machine.loadAverage1m, 2)} → ${fmt(result.loadAverageAfter1m ?? Number.NaN, 2)}`;
  const older = latest && result.startedAt < latest ? ' (from an earlier run than the header\'s)' : '';
  if (result.status === 'ok') return `_Measured ${when}${older}._`;
  return `**${result.status}: ${result.reason ?? 'no reason given'}** _(${when}${older})_`;
}

export function renderReport(): { benchmarks: string; costModel: string } {
  const results = Object.fromEntries(PARTS.map((p) => [p, readResult(p)])) as Record<PartName, PartResult | undefined>;
  const present = Object.values(results).filter((r): r is PartResult => r !== undefined);
  const latest = present.map((r) => r.startedAt).sort().at(-1);
  const header = present.find((r) => r.startedAt === latest);

  const cold = results['cold-start']?.status === 'ok' ? (results['cold-start'].data as ColdStartData) : undefined;
  const warm = results.warm?.status === 'ok' ? (results.warm.data as WarmData) : undefined;
  const load = results.load?.status === 'ok' ? (results.load.data as LoadData) : undefined;
  const abhi = results.abhi?.status === 'ok' ? (results.abhi.data as AbhiData) : undefined;
  const cost = results.cost?.status === 'ok' ? (results.cost.data as CostData) : undefined;

  const out: string[] = [];
  const w = (...lines: string[]) => out.push(...lines);

  w(
    '# Benchmarks',
    '',
    '<!-- Generated by `npm run bench` (test/bench/report.ts) from test/bench/results/*.json: edit the harness, not this file. -->',
    '',
    'Measured, not asserted: these are not timed tests. Every goal is measured next to a reference taken in the same run on the',
    'same machine, because these machines are shared and noisy (the load average at the start and end of each part is printed',
    'with it). Everything runs on loopback (127.0.0.1) against the local stand-ins.',
    '',
    header ? `**Machine:** ${machineLine(header.machine)}. **Latest run:** ${latest!.slice(0, 16).replace('T', ' ')} UTC.` : '**No results yet.**',
    '',
    '## How to run',
    '',
    '```bash',
    'npm run bench                                   # every part, default scale (~10 minutes on 2 cores, see below)',
    'npm run bench -- --only cold-start              # one part: cold-start | warm | load | abhi | cost (comma-separated for several)',
    'npm run bench -- --scale full                   # the issue\'s full sizes (BENCH_SCALE=full): much longer',
    'BENCH_COLD_FILTER=transactions/ npm run bench -- --only cold-start   # some functions only',
    '```',
    '',
    'Each part runs in its own process with its own engines and platform, writes `test/bench/results/<part>.json`, and this',
    'file is re-rendered from the latest result of every part (a part not run keeps its previous section and date).',
    present.length === 0 ? '' : `Durations of the results below: ${present.map((r) => `${r.part} ${fmt(r.durationSeconds, 0)} s`).join(', ')} — ${fmt(present.reduce((a, r) => a + r.durationSeconds, 0) / 60, 1)} min in all, plus start-up, on a machine whose load average stayed between ${fmt(Math.min(...present.map((r) => r.machine.loadAverage1m)), 1)} and ${fmt(Math.max(...present.map((r) => Math.max(r.machine.loadAverage1m, r.loadAverageAfter1m ?? 0))), 1)} (other work was running).`,
    '',
    ...optionsTable(),
    '',
  );

  // ---- Summary --------------------------------------------------------------------------------------------------
  w('## Summary', '', '| Goal | Target | Measured | |', '|---|---|---|---|');
  if (cold) {
    const measured = cold.functions.filter((f) => f.status === 'measured');
    const sizeOk = measured.filter((f) => f.withinSizeBudget).length;
    const largest = measured.reduce<ColdTarget | undefined>((a, f) => (!a || (f.bundle?.bytes ?? 0) > (a.bundle?.bytes ?? 0) ? f : a), undefined);
    const smallest = measured.reduce<ColdTarget | undefined>((a, f) => (!a || (f.bundle?.bytes ?? Infinity) < (a.bundle?.bytes ?? Infinity) ? f : a), undefined);
    const importOk = measured.filter((f) => f.withinImportBudget).length;
    const allIn = cold.references.allIn;
    const ratios = measured.filter((f) => f.importMedianMs !== undefined && allIn.importMedianMs).map((f) => f.importMedianMs! / allIn.importMedianMs!);
    w(
      `| Bundle size per function | ≤ ${kb(SIZE_BUDGET)} minified each, median ≤ ${kb(MEDIAN_SIZE_BUDGET_BYTES)} | ${sizeOk}/${measured.length} within; median ${kb(median(measured.map((f) => f.bundle!.bytes)))}; ${smallest ? `${kb(smallest.bundle!.bytes)} (${smallest.name})` : ''} to ${largest ? `${kb(largest.bundle!.bytes)} (${largest.name})` : ''}; all-in reference ${kb(allIn.bundle!.bytes)}${librariesAloneCell(measured)} | ${yes(measured.length > 0 && sizeOk === measured.length && median(measured.map((f) => f.bundle!.bytes)) <= MEDIAN_SIZE_BUDGET_BYTES)} |`,
      `| Import time per function | slowest ≤ ${fmt(IMPORT_BUDGET_FRACTION * 100, 0)} % of the all-in bundle's (${ms(allIn.importMedianMs)} → ≤ ${ms(cold.importBudgetMs)}), median ≤ ${fmt(MEDIAN_IMPORT_BUDGET_FRACTION * 100, 0)} % | ${importOk}/${measured.length} within; median ${fmt(median(ratios) * 100, 0)} %, max ${ratios.length ? fmt(Math.max(...ratios) * 100, 0) : 'n/a'} % of all-in | ${yes(measured.length > 0 && importOk === measured.length && median(ratios) <= MEDIAN_IMPORT_BUDGET_FRACTION)} |`,
    );
    const missing = cold.functions.filter((f) => f.status !== 'measured');
    if (missing.length) w(`| Functions not measured | – | ${missing.length}: ${missing.map((f) => `\`${f.name}\` (${f.status})`).join(', ')} | |`);
  } else w(`| Cold start proxy | ≤ 400 KB (median 300 KB), ≤ 45 % of all-in import (median 30 %) | ${results['cold-start']?.reason ?? 'not run'} | |`);
  if (warm) {
    const c = warm.comparisons;
    w(`| Middleware CPU cost per invocation (read / idempotent write) | reported | p50 ${fmt(c[0]!.p50OverheadUs, 0)} µs / ${fmt(c[1]!.p50OverheadUs, 0)} µs over a bare handler (p99 ${fmt(c[0]!.p99OverheadUs, 0)} / ${fmt(c[1]!.p99OverheadUs, 0)} µs) | |`);
    w(`| Middleware cost with DynamoDB Local (read / idempotent write) | reported | p50 +${fmt(c[2]!.p50OverheadUs / 1000, 2)} ms (×${fmt(c[2]!.p50Ratio, 1)}) / +${fmt(c[3]!.p50OverheadUs / 1000, 2)} ms (×${fmt(c[3]!.p50Ratio, 1)}) over one GetItem | |`);
  }
  if (load) {
    for (const s of load.scenarios.filter((x) => x.id !== 'reference')) {
      if (s.status !== 'measured') {
        w(`| Local API: ${s.label} | reported | skipped: ${s.reason} | |`);
        continue;
      }
      const top = s.runs.at(-1)!;
      w(`| Local API: ${s.label} | reported | ${fmt(top.throughputRps, 0)} req/s at ${top.connections} connections (p50 ${ms(top.latencyMs.p50, 0)}, p99 ${ms(top.latencyMs.p99, 0)}); ${fmt((top.vsReference?.throughput ?? 0) * 100, 2)} % of the bare node:http reference | |`);
    }
  }
  if (abhi) {
    w(
      `| Abhi call rate while advances are processed | ≥ 0.9 of 10 req/s | ${fmt(abhi.phase2.fractionOfLimit, 2)} until the last advance was final (${fmt(abhi.phase2.achievedRps, 1)} req/s over ${fmt(abhi.phase2.processingSeconds, 0)} s)${abhi.phase2.fractionOfLimitUntil95PercentFinal !== undefined ? `; ${fmt(abhi.phase2.fractionOfLimitUntil95PercentFinal, 2)} until 95 % were final (${fmt(abhi.phase2.secondsUntil95PercentFinal, 0)} s)` : ''} | ${yes(abhi.targets.fractionOfLimit)} |`,
      `| 429s from Abhi | 0 | ${abhi.phase2.abhi429} | ${yes(abhi.targets.no429)} |`,
      `| Abhi calls per client read (read mix, cold caches) | ≤ 0.1 | ${fmt(abhi.phase1.abhiCallsPerRead ?? Number.NaN, 3)} (${abhi.phase1.abhiCalls} calls / ${abhi.phase1.reads} reads) | ${yes(abhi.targets.callsPerRead)} |`,
      `| Every advance completed | all final | ${abhi.phase2.advances} submitted: ${Object.entries(abhi.phase2.submitStatuses).map(([s, c]) => `${c}× HTTP ${s}`).join(', ')}; final: ${Object.entries(abhi.phase2.finalStatuses).map(([s, c]) => `${c} ${s}`).join(', ')} | ${yes(abhi.targets.allCompleted)} |`,
      `| None duplicated at Abhi | 0 | ${abhi.exactlyOnce.duplicatedAtAbhi} duplicated, ${abhi.exactlyOnce.completedWithoutAbhiAdvance} completed without an Abhi advance; ${abhi.phase2.retriesReplayed}/${abhi.phase2.retries} client retries replayed | ${yes(abhi.targets.noDuplicates)} |`,
    );
  } else w(`| Abhi bottleneck | ≥ 0.9 of limit, 0 × 429, ≤ 0.1 calls/read | ${results.abhi ? `${results.abhi.status}: ${results.abhi.reason}` : 'not run'} | |`);
  if (cost) {
    const coldMs = cold ? coldImportForCost(cold) : undefined;
    // Issue #13's budgets: a cached read at most $5.50 per million, an employee read at most $6.00.
    const targets: Record<string, number> = { 'cached-read': 5.5, 'employee-read': 6 };
    for (const kind of cost.kinds.filter((k) => k.status === 'measured')) {
      const total = costPerMillion(kind, cost, coldMs).totalPerMillion;
      const target = targets[kind.id];
      const dynamodb = kind.requestsPerCall ? `; ${fmt(requestTotal(kind.requestsPerCall.dynamodb ?? {}), 2)} DynamoDB requests per call` : '';
      w(
        `| Cost: ${kind.label} | ${target !== undefined ? `≤ ${usd(target)} per million` : 'reported'} | ${usd(total)} per million requests (${PRICE_REGION} list prices)${dynamodb} | ${target !== undefined ? yes(total <= target) : ''} |`,
      );
    }
  }
  w('');

  // ---- 1. Cold start --------------------------------------------------------------------------------------------
  w('## 1. Cold-start proxy (bundle size, import, first invocation)', '', statusLine(results['cold-start'], latest), '');
  if (cold) {
    w(
      'Every function is bundled with the options CDK\'s `NodejsFunction` gets, from one definition (infra/bundling/options.ts): esbuild, ESM,',
      '`minify`, tree-shaking, `platform: node`, `target: node24`, the AWS SDK bundled with its credential chain aliased to the environment',
      `source, \`mainFields: [module, main]\`, \`pg-native\` external, no source map, and the banner from ${cold.bannerSource}:`,
      `\`${cold.banner}\`. \`#shared/*\` resolves through package.json \`imports\`.`,
      '',
      `Then ${cold.runs} fresh Node processes per bundle (round-robin over all bundles, so drift spreads evenly) each time`,
      '`import()` of the bundle and the first invocation with the sample event, with no `NODE_OPTIONS` (as deployed, ADR 0019)',
      'and the environment of a running local platform (`platform.env`: tables, queues, database, secrets, Abhi sandbox,',
      'issuer). Numbers are medians. Node here is 20 (Lambda: 22 on arm64); process start-up itself is not counted (Lambda\'s',
      'runtime start is not either); this is a proxy for the INIT phase, not a Lambda measurement.',
      '',
      cold.navigatorShim
        ? 'Node 22 has a global `navigator`, Node 20 has none: without it pg (8.x) probes for Cloudflare Workers with `new Response()`, and the first touch of `Response` loads undici (30-70 ms here) — a cost a Lambda INIT on Node 22 does not have. Each child therefore defines a Node 22-like `navigator` before the clock starts, for the references and the functions alike (`BENCH_COLD_NAVIGATOR=off` measures Node 20 as it is). The all-in reference still loads undici, through jose\'s `createRemoteJWKSet` at module scope, as it would on Node 22.'
        : 'Measured on Node 20 as it is (`BENCH_COLD_NAVIGATOR=off`): every bundle that loads pg at import also loads undici (30-70 ms here), through pg\'s Cloudflare probe (`new Response()`), which Node 22 answers through its global `navigator` instead.',
      '',
      '**Sample events** (`events/`), first match wins: (1) `events/<entry with / → ->.json` (e.g. `auth-authorize.json`,',
      '`workflow-create-advance.json`); (2) route functions: the API Gateway event whose `httpMethod` and `resource` are the',
      'route\'s; (3) consumers: `sqs-<queue>.json`; (4) schedules: `scheduled-<schedule>.json`; (5) the authorizer: a REQUEST',
      'authorizer event (its redacted token is replaced by a freshly minted one per run); (6) workflow tasks:',
      '`workflow-<task-name>.json` or `sfn-<taskName>.json`, then `workflow-<task-name>-<variant>.json`, then',
      '`workflow-check-input.json` for the `check-*` tasks and `workflow-execution-input.json` for `load-request`. Where two',
      'events fit, the first by file name wins. No match: import only, and the table says so. The sample events',
      'name example ids that do not exist locally, so many first invocations take a not-found or denied path (the outcome',
      'column shows it); they still load configuration, open connections and fetch secrets as a first invocation does.',
      '',
    );
    if (cold.environmentNote) w(`> ${cold.environmentNote}`, '');
    const allIn = cold.references.allIn;
    w(
      '**References (same run):**',
      '',
      '| Reference | Bundle | Import (median) |',
      '|---|---|---|',
      `| Empty handler | ${kb(cold.references.empty.bundle!.bytes)} | ${ms(cold.references.empty.importMedianMs, 2)} |`,
      `| All-in bundle (middy, Powertools logger/metrics/tracer/idempotency/parameters/batch/parser, DynamoDB/SQS/SNS/SFN/Secrets Manager clients, jose, zod, pg) | ${kb(allIn.bundle!.bytes)} | ${ms(allIn.importMedianMs)} |`,
      '',
      `Budgets: bundle ≤ ${kb(SIZE_BUDGET)} each and median ≤ ${kb(MEDIAN_SIZE_BUDGET_BYTES)}; import ≤ ${fmt(IMPORT_BUDGET_FRACTION * 100, 0)} % of the all-in bundle's import = **${ms(cold.importBudgetMs)}** in this run, median ≤ ${fmt(MEDIAN_IMPORT_BUDGET_FRACTION * 100, 0)} %.`,
      '',
      'Size and Import: ✅ within the budget, else how far over it. Largest parts: the bundle\'s biggest dependency families',
      '(see "Where the bytes go" below).',
      '',
      '| Function | Kind | Memory | Bundle | Import | % of all-in | First invocation | Import + first | Sample event → outcome | Size | Import | Largest parts |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|',
    );
    for (const f of cold.functions) {
      if (f.status !== 'measured') {
        w(`| \`${f.name}\` | ${f.kind} | ${f.memoryMb ?? ''} MB | – | – | – | – | – | ${f.status}: ${escapeCell(f.reason ?? '')} | – | – | – |`);
        continue;
      }
      const sizeCell = f.withinSizeBudget ? '✅' : `❌ +${kb(f.bundle!.bytes - SIZE_BUDGET)}`;
      const importCell =
        f.withinImportBudget === undefined ? '–' : f.withinImportBudget ? '✅' : `❌ +${ms(f.importMedianMs! - cold.importBudgetMs!)}`;
      const share = f.importMedianMs !== undefined && allIn.importMedianMs ? `${fmt((f.importMedianMs / allIn.importMedianMs) * 100, 0)} %` : 'n/a';
      const eventCell = f.event ? `\`${f.event.file.replace('events/', '')}\` → ${escapeCell((f.outcomes ?? []).join('; '))}` : `import only (${f.importOnlyReason})`;
      w(
        `| \`${f.name}\` | ${f.kind} | ${f.memoryMb} MB | ${kb(f.bundle!.bytes)} | ${ms(f.importMedianMs)} | ${share} | ${f.invokeMedianMs !== undefined ? ms(f.invokeMedianMs) : '–'} | ${ms(f.totalMedianMs)} | ${eventCell} | ${sizeCell} | ${importCell} | ${largestParts(f)} |`,
      );
    }
    w(
      '',
      '**What the bytes are** (esbuild metafile, bytes in the minified output attributed to the npm package of each input;',
      '`(project)` = the project\'s own code). Top packages across all measured functions (counted among each function\'s 12 largest):',
      '',
      '| Package | In functions | Median share of a bundle | Total bytes (all functions) | Imported directly by (project files) |',
      '|---|---|---|---|---|',
    );
    for (const p of cold.dominantPackages.slice(0, 15)) {
      const by = p.importedBy ?? [];
      const importers = by.length > 4 ? `${by.slice(0, 4).map((i) => `\`${i}\``).join(', ')} and ${by.length - 4} more` : by.map((i) => `\`${i}\``).join(', ');
      w(`| \`${p.name}\` | ${p.functions} | ${fmt(p.medianShare * 100, 1)} % | ${kb(p.totalBytes)} | ${p.name === '(project)' ? '–' : importers || '(through other packages)'} |`);
    }
    w('', coldFindings(cold), '');
    w(...familyTable(cold), '');
    const examples = chainExamples(cold);
    if (examples.length) {
      w('**Why small functions are large** — the shortest import chain from the entry to each of its biggest packages (esbuild metafile):', '');
      for (const example of examples) {
        w(`- \`${example.name}\` (${kb(example.bytes)}):`);
        for (const c of example.chains) w(`  - \`${c.pkg}\` ${kb(c.bytes)}: ${c.chain.map((step) => `\`${step.replace(/^functions\//, '')}\``).join(' → ')}`);
      }
      w('');
    }
  }

  // ---- 2. Warm overhead -----------------------------------------------------------------------------------------
  w('## 2. Warm overhead of the edge (`apiHandler`)', '', statusLine(results.warm, latest), '');
  if (warm) {
    w(
      'In one process, the same business function runs bare (parse the event, call it, serialize the result) and wrapped in',
      '`apiHandler` from `#shared/http/api-handler` (middy, authorizer context → principal, RBAC from the route table, rate',
      'limits per principal and per IP, body/query/params validation with zod, Powertools logger and metrics, idempotency).',
      'The authorizer context is given, as API Gateway passes it. Logs and EMF metrics are serialized as on Lambda; the write',
      `to stdout is replaced by a byte counter. Variants are interleaved in blocks of ${warm.blockSize} so noise hits them alike;`,
      `each family ran on its own: CPU only ${fmt(warm.invocationsByFamily.cpu, 0)} and DynamoDB Local ${fmt(warm.invocationsByFamily.dynamodb, 0)} invocations per variant (target ${fmt(warm.invocationsPerVariant, 0)}, time cap ${warm.timeCapSeconds} s).`,
      '',
      '- **CPU only**: no I/O at all — the rate limiter runs on `InMemoryRateLimitStore`, idempotency on Powertools\'',
      '  `CachePersistenceLayer` over an in-memory map. This is the middleware\'s own CPU cost.',
      '- **DynamoDB Local**: the business function does one GetItem; the wrapped handlers use the real DynamoDB stores (2',
      '  rate-limit UpdateItems in parallel; the idempotent route adds the token-revocation GetItem and Powertools\' conditional',
      '  PutItem + UpdateItem). DynamoDB Local (Java, on this 2-core machine) round trips dominate these numbers; in AWS a',
      '  DynamoDB round trip from Lambda is typically a few milliseconds as well, so the ratio, not the absolute, transfers.',
      '',
      '| Variant | p50 | p90 | p99 | mean | log + metric bytes / invocation |',
      '|---|---|---|---|---|---|',
    );
    for (const v of warm.variants) {
      w(`| ${v.label} (\`${v.id}\`) | ${fmt(v.summaryUs.p50, 0)} µs | ${fmt(v.summaryUs.p90, 0)} µs | ${fmt(v.summaryUs.p99, 0)} µs | ${fmt(v.summaryUs.mean, 0)} µs | ${fmt(v.stdoutBytesPerInvocation, 0)} |`);
    }
    w('', '| Comparison | Overhead p50 | Overhead p99 | Ratio p50 | Ratio p99 |', '|---|---|---|---|---|');
    for (const c of warm.comparisons) {
      w(`| ${c.label} | ${fmt(c.p50OverheadUs, 0)} µs | ${fmt(c.p99OverheadUs, 0)} µs | ×${fmt(c.p50Ratio, 1)} | ×${fmt(c.p99Ratio, 1)} |`);
    }
    w('', 'Overheads are differences of percentiles (wrapped p50 − bare p50), not percentiles of differences.');
    for (const note of warm.notes) w('', `> ${note}`);
    w('');
  }

  // ---- 3. Load --------------------------------------------------------------------------------------------------
  w('## 3. Local API under load (autocannon)', '', statusLine(results.load, latest), '');
  if (load) {
    w(
      `autocannon runs in its own process against 127.0.0.1, ${load.secondsPerRun} s per concurrency level after a warm-up (20`,
      'sequential requests: modules loaded, caches filled). The reference is a bare `node:http` server in the same process as',
      'the API, returning a fixed JSON body, measured in the same run. autocannon reports latency in whole milliseconds.',
      '',
      `Seed: ${load.seed}`,
      '',
      '| Scenario | Connections | Throughput | p50 | p90 | p99 | Responses | % of reference throughput |',
      '|---|---|---|---|---|---|---|---|',
    );
    for (const s of load.scenarios) {
      if (s.status !== 'measured') {
        w(`| ${s.label} — \`${s.request}\` | – | skipped: ${escapeCell(s.reason ?? '')} | | | | | |`);
        continue;
      }
      for (const r of s.runs) {
        const codes =
          Object.entries(r.statusCodes).map(([c, n]) => `${n}× ${c}`).join(', ') +
          (r.errors ? `, ${r.errors} errors` : '') +
          (r.timeouts ? `, ${r.timeouts} timeouts` : '') +
          (r.refusals ? ` (handlers: ${Object.entries(r.refusals).map(([k, n]) => `${n}× ${k}`).join(', ')})` : '');
        w(`| ${s.label} — \`${s.request}\` | ${r.connections} | ${fmt(r.throughputRps, 0)} req/s | ${ms(r.latencyMs.p50, 0)} | ${ms(r.latencyMs.p90, 0)} | ${ms(r.latencyMs.p99, 0)} | ${codes} | ${r.vsReference ? `${fmt(r.vsReference.throughput * 100, 2)} %` : '–'} |`);
      }
    }
    w('');
    for (const note of load.notes) w(`- ${note}`);
    w('');
  }

  // ---- 4. Abhi --------------------------------------------------------------------------------------------------
  w('## 4. The Abhi bottleneck', '', statusLine(results.abhi, latest), '');
  if (abhi) {
    w(
      `The sandbox enforces Abhi's limit server-side (${abhi.limit.ratePerSecond} req/s, burst ${abhi.limit.burst}, 429 with Retry-After beyond);`,
      `the platform's fleet-wide client limiter (a DynamoDB token bucket, ${abhi.clientLimit ? `${abhi.clientLimit.ratePerSecond} req/s, burst ${abhi.clientLimit.burst}` : 'same numbers'}) and the response cache are what`,
      'is measured. Abhi calls are read from the sandbox\'s own request log and state (`GET /__sandbox/state`).',
      '',
      `**Scale:** \`${abhi.scale}\` — ${abhi.phase2.advances} advances and ${abhi.phase1.reads + abhi.phase2.reads.reads} reads. The issue asks for 1,000 advances + 5,000 reads;`,
      'with about four Abhi calls per advance at 10 req/s that alone is 7+ minutes of Abhi time, so the default run is scaled',
      'to 100 + 1,000 and `BENCH_SCALE=full` (or `--abhi-advances 1000 --abhi-reads 5000`) runs the full size.',
      '',
      `Setup: ${abhi.organizations} organizations and ${abhi.employees} employees mirrored from the sandbox seed by the platform's own sync; each`,
      'organization\'s advance policy set through `PUT /organizations/{id}` to allow the burst locally (31 advances/month, no',
      'joining or payroll blackout rule); our own per-user rate limits raised (they are not under test here); AED 10 per advance',
      `(below the approval threshold). ${10} clients send advances and ${10} clients read, concurrently; 10 % of the advances are`,
      'sent a second time with the same Idempotency-Key, as a client that lost the answer would. The sandbox\'s business clock',
      'runs on the 28th of the current month (Abhi allows 50 % of the salary earned to date: early in a month most advances',
      'of the burst would be refused and the run would measure the calendar).',
      '',
      '**Read mix** (weights in %): ' + abhi.readMix.map((r) => `${r.weight} ${r.description}`).join('; ') + '.',
      '',
      '| Phase | Requests | Abhi calls | Per request | Duration | Client latency p50 / p99 |',
      '|---|---|---|---|---|---|',
      `| 1. reads alone, caches cold | ${abhi.phase1.reads} reads | ${abhi.phase1.abhiCalls} | ${fmt(abhi.phase1.abhiCallsPerRead ?? Number.NaN, 3)} per read | ${fmt(abhi.phase1.durationSeconds, 1)} s | ${ms(abhi.phase1.latencyMs.p50, 0)} / ${ms(abhi.phase1.latencyMs.p99, 0)} |`,
      `| 2. advance burst + reads | ${abhi.phase2.advances} advances + ${abhi.phase2.retries} retries + ${abhi.phase2.reads.reads} reads | ${abhi.phase2.abhiCalls} until the last advance was final | ≈ ${fmt(abhi.phase2.estimatedAbhiCallsPerAdvance, 2)} per advance (estimate: reads charged at phase 1's rate) | ${fmt(abhi.phase2.processingSeconds, 1)} s | submit ${ms(abhi.phase2.submitLatencyMs.p50, 0)} / ${ms(abhi.phase2.submitLatencyMs.p99, 0)}; reads ${ms(abhi.phase2.reads.latencyMs.p50, 0)} / ${ms(abhi.phase2.reads.latencyMs.p99, 0)} |`,
      '',
      `- Achieved Abhi call rate from the start of the burst until every advance was final: **${fmt(abhi.phase2.achievedRps, 2)} req/s = ${fmt(abhi.phase2.fractionOfLimit, 2)} of the limit** (target ≥ 0.9); best 10-second window ${fmt(abhi.phase2.bestTenSecondRps, 1)} req/s.${abhi.phase2.fractionOfLimitUntil95PercentFinal !== undefined ? ` Until 95 % of the advances were final (${fmt(abhi.phase2.secondsUntil95PercentFinal, 0)} s): ${fmt(abhi.phase2.fractionOfLimitUntil95PercentFinal, 2)} of the limit.` : ''}`,
      `- Abhi calls per second over that time: ${abhi.phase2.perSecond.join(' ')}.`,
      `- Abhi calls by endpoint: ${Object.entries(abhi.phase2.abhiCallsByPath).map(([p, c]) => `\`${p}\` ${c}`).join(', ')}.`,
      `- Workflow: ${abhi.phase2.workflowExecutions ?? 0} executions, start to end p50 ${fmt(abhi.phase2.workflowExecutionSeconds?.p50 ?? Number.NaN, 1)} s, max ${fmt(abhi.phase2.workflowExecutionSeconds?.max ?? Number.NaN, 1)} s; retries and failures: ${Object.entries(abhi.phase2.workflowRetriesAndFailures ?? {}).map(([k, c]) => `${c}× ${k}`).join(', ') || 'none'}.`,
      `- 429s from Abhi (whole run): **${abhi.phase2.abhi429}** (target 0)${Object.keys(abhi.phase2.abhiOtherErrors).length ? `; other Abhi errors: ${Object.entries(abhi.phase2.abhiOtherErrors).map(([s, c]) => `${c}× ${s}`).join(', ')}` : ''}.${abhi.phase2.abhiBucketLowest !== undefined ? ` Abhi's bucket replayed from its request log: the lowest level a call of the burst found was ${fmt(abhi.phase2.abhiBucketLowest, 2)} tokens of ${abhi.limit.burst} (below 1 is a 429); ${abhi.phase2.abhiBucketArrivalsBelow2} calls found fewer than 2.` : ''}`,
      `- Reads alongside the burst: ${readStatuses(abhi.phase2.reads)}.`,
      ...(abhi.marginCheck?.length
        ? [
            `- Margin check (phase 3, same run: the platform's Abhi client, 20 callers at saturation, ${fmt(abhi.marginCheck[0]!.seconds, 0)} s per bucket): ` +
              abhi.marginCheck
                .map((m) => `burst ${m.burst}${m.burst === abhi.limit.burst ? " (Abhi's own)" : m.burst === abhi.clientLimit?.burst ? ' (the fleet default)' : ''}: ${m.calls} calls (${fmt(m.calls / m.seconds, 1)}/s), **${m.abhi429} × 429**, lowest level ${fmt(m.lowest, 2)} tokens, ${m.below2} calls found fewer than 2`)
                .join('; ') +
              '.',
          ]
        : []),
      `- Submissions: ${Object.entries(abhi.phase2.submitStatuses).map(([s, c]) => `${c}× HTTP ${s}`).join(', ')}; final states: ${Object.entries(abhi.phase2.finalStatuses).map(([s, c]) => `${c} ${s}`).join(', ')}; not final: ${abhi.phase2.notFinal}; approvals given: ${abhi.phase2.approvalsGiven}.${Object.keys(abhi.phase2.notCompletedReasons ?? {}).length ? ` Not completed, by reason: ${Object.entries(abhi.phase2.notCompletedReasons).map(([r, c]) => `${c}× ${r}`).join('; ')}.` : ''}`,
      `- Exactly once at Abhi (sandbox state vs our requests, by the \`ref:ADV-<request id>\` tag): ${abhi.exactlyOnce.completedLocally} completed locally, ${abhi.exactlyOnce.abhiAdvancesForOurRequests} Abhi advances carry their references, **${abhi.exactlyOnce.duplicatedAtAbhi} duplicated**, ${abhi.exactlyOnce.completedWithoutAbhiAdvance} completed without an Abhi advance, ${abhi.exactlyOnce.abhiAdvancesWithoutLocalRequest} new Abhi advances without a local request (sandbox: ${abhi.exactlyOnce.sandboxAdvancesBefore} seed advances before, ${abhi.exactlyOnce.sandboxAdvancesTotal} after). Client retries answered with the same request: ${abhi.phase2.retriesReplayed}/${abhi.phase2.retries}.`,
      '',
    );
    w(abhiFindings(abhi), '');
    for (const note of abhi.notes) w(`> ${note}`, '');
  }

  // ---- 5. Cost --------------------------------------------------------------------------------------------------
  const costSection = renderCost(cost, cold, results.cost, latest);
  w('## 5. Cost model', '', costSection.body, '', 'The same model with its method is in [docs/cost-model.md](docs/cost-model.md).', '');

  const costModel = [
    '# Cost model',
    '',
    '<!-- Generated by `npm run bench` (test/bench/report.ts): edit the harness, not this file. -->',
    '',
    'Dollars per million API requests of each kind, from durations and operation counts **measured** by `npm run bench`',
    '(part `cost`, with the cold-start part for INIT) and the memory sizes in `infra/config/stages.ts`, priced with AWS list',
    'prices written down below. Re-run `npm run bench -- --only cost` after a change to refresh it.',
    '',
    'Idle (fixed monthly) cost per stage, with no traffic — dev/uat about $50–55, prod about $400, line by line: [idle-cost.md](idle-cost.md) (ADR 0014).',
    '',
    '## Method',
    '',
    'An accounting pass starts the whole platform locally with counting proxies in front of DynamoDB Local, the SQS/SNS',
    'emulator and the Secrets Manager stand-in. For each request kind it sends N sequential requests (a Lambda instance',
    'serves one request at a time, so sequential durations are the billed ones), waits until everything they set off has',
    'finished (the advance workflow, the outbox relay, SNS fan-out, queue consumers), and divides by N:',
    '',
    '- **Lambda**: API handler duration from its own `request completed` log line (mean); workflow task durations from the',
    '  state machine\'s event log (StateEntered → StateExited of each Task state); the authorizer timed directly; queue consumer',
    '  invocations = delete batches seen on SQS. Memory from `infra/config/stages.ts`. Mean durations (cost is linear in',
    '  duration), rounded up per invocation by Lambda to the next millisecond (ignored: < 1 %).',
    '- **DynamoDB**: operations counted at the proxy, converted to request units with the assumptions below.',
    '- **SQS / SNS**: publishes and consumed messages counted at the proxy. **Step Functions**: state transitions',
    '  (StateEntered + StateRetried) of the executions started. **Secrets Manager**: GetSecretValue calls. **Logs**: bytes',
    '  the functions wrote (JSON logs + EMF metrics).',
    '',
    costSection.body,
  ].join('\n');

  return { benchmarks: `${out.join('\n').replace(/\n{3,}/g, '\n\n')}\n`, costModel: `${costModel.replace(/\n{3,}/g, '\n\n')}\n` };
}

function coldImportForCost(cold: ColdStartData): number | undefined {
  const routes = cold.functions.filter((f) => f.kind === 'route' && f.importMedianMs !== undefined).map((f) => f.importMedianMs!);
  return routes.length ? median(routes) : undefined;
}

const SERVICE_LABELS = {
  dynamodb: 'DynamoDB',
  postgres: 'PostgreSQL queries',
  sqs: 'SQS',
  sns: 'SNS',
  stepFunctions: 'Step Functions',
  secretsManager: 'Secrets Manager',
} as const;

/** Requests (not batch entries) in a per-operation count. */
function requestTotal(ops: Record<string, number>): number {
  return Object.entries(ops).reduce((sum, [op, n]) => (op.includes('#') ? sum : sum + n), 0);
}

function renderCost(cost: CostData | undefined, cold: ColdStartData | undefined, result: PartResult | undefined, latest: string | undefined): { body: string } {
  const lines: string[] = [statusLine(result, latest), ''];
  const w = (...l: string[]) => lines.push(...l);
  if (result) w(`Measured on ${machineLine(result.machine)}.`, '');
  w(
    `**Prices** — AWS ${PRICE_REGION}, ${PRICE_DATE}: published on-demand list prices, first tier, as known to the author;`,
    'verify on the AWS pricing pages before budgeting. The stacks deploy to me-central-1 (UAE) by default, whose list prices are',
    'higher for most of these services: scale the totals accordingly. No free tier is subtracted.',
    '',
    '| Price | USD |',
    '|---|---|',
    ...Object.entries(PRICES).map(([key, value]) => `| ${PRICE_LABELS[key as keyof typeof PRICES]} | ${value} |`),
    '',
    '**Assumptions** (what this machine cannot measure):',
    '',
    `- The authorizer runs on ${ASSUMPTIONS.authorizerInvocationsPerRequest * 100} % of requests (API Gateway caches its answer 300 s per token).`,
    `- ${ASSUMPTIONS.coldStartShare * 100} % of invocations are cold; INIT is billed (since August 2025) for the median route import time measured in part 1.`,
    `- X-Ray traces ${ASSUMPTIONS.tracedShare * 100} % of requests (the API's sampling rule, 1/s then this rate, at volume). Lambda adds ${ASSUMPTIONS.platformLogBytesPerInvocation} bytes of platform log lines per invocation.`,
    `- SQS: ${ASSUMPTIONS.sqsRequestsPerMessage} requests per message (send, receive, delete; batching ignored — an upper bound); the event source mapping's empty polls are a fixed cost, not per request.`,
    `- DynamoDB: ${ASSUMPTIONS.rruPerRead} RRU per read (strongly consistent, < 4 KB), ${ASSUMPTIONS.wruPerWrite} WRU per write (< 1 KB), ${ASSUMPTIONS.wruPerTransactItem} WRU per transactional item.`,
    `- Queue consumers: ${ASSUMPTIONS.consumerDurationMs} ms at ${ASSUMPTIONS.consumerMemoryMb} MB per invocation (not timed here).`,
    '- Local durations are Node 20 on this x86 machine with everything on two cores; Lambda arm64 at 512 MB has about a third of',
    '  a vCPU, so CPU-bound handler time may be longer there and I/O waits shorter (DynamoDB, Aurora in the same region).',
    '',
  );
  if (!cost) {
    w('_No cost measurement yet._');
    return { body: lines.join('\n') };
  }
  const coldMs = cold ? coldImportForCost(cold) : undefined;
  w(
    `Measured with ${cost.requestsPerKind} sequential requests per kind. Memory: API handlers ${cost.memory.api} MB, authorizer ${cost.memory.authorizer} MB, workflow tasks ${cost.memory.workflowTask} MB (${cost.memory.source}).`,
    `Authorizer (warm, fresh token each time): mean ${ms(cost.authorizerMs?.mean)} (p50 ${ms(cost.authorizerMs?.p50)})${cost.authorizerDynamodbOps ? `; DynamoDB per invocation: ${opsText(cost.authorizerDynamodbOps)}` : ''}.`,
    ...(cost.kinds.some((k) => k.requestsPerCall)
      ? [
          '',
          "Requests per API call, from the local stack's `GET /__local/stats` (counted on the wire: the functions' requests to each AWS stand-in,",
          "and their PostgreSQL queries; API Gateway's authorizer cache emulated, so the authorizer's own requests are counted once per token",
          'and charged at its share of requests below). Everything a request set off (workflow, outbox, consumers) is included.',
          '',
          '| Requests per API call | ' + cost.kinds.map((k) => k.label).join(' | ') + ' |',
          '|---|' + cost.kinds.map(() => '---').join('|') + '|',
          ...(['dynamodb', 'postgres', 'sqs', 'sns', 'stepFunctions', 'secretsManager'] as const).map(
            (service) =>
              `| ${SERVICE_LABELS[service]} | ` +
              cost.kinds.map((k) => (k.requestsPerCall ? `${fmt(requestTotal(k.requestsPerCall[service] ?? {}), 2)} (${opsText(k.requestsPerCall[service] ?? {}) || '–'})` : '–')).join(' | ') +
              ' |',
          ),
        ]
      : []),
    '',
    '| Per request | ' + cost.kinds.map((k) => k.label).join(' | ') + ' |',
    '|---|' + cost.kinds.map(() => '---').join('|') + '|',
    '| Request | ' + cost.kinds.map((k) => `\`${k.request}\``).join(' | ') + ' |',
    '| Status codes | ' + cost.kinds.map((k) => (k.status === 'measured' ? Object.entries(k.statuses).map(([s, c]) => `${c}× ${s}`).join(', ') : `skipped: ${escapeCell(k.reason ?? '')}`)).join(' | ') + ' |',
    '| API handler duration (mean / p50 / p99) | ' + cost.kinds.map((k) => (k.apiHandlerMs ? `${ms(k.apiHandlerMs.mean)} / ${ms(k.apiHandlerMs.p50)} / ${ms(k.apiHandlerMs.p99)}` : '–')).join(' | ') + ' |',
    '| DynamoDB operations | ' + cost.kinds.map((k) => opsText(k.dynamodbOps)).join(' | ') + ' |',
    '| Workflow: executions / transitions / task invocations | ' + cost.kinds.map((k) => `${fmt(k.workflow.executions, 2)} / ${fmt(k.workflow.transitions, 1)} / ${fmt(k.workflow.taskInvocations, 1)}`).join(' | ') + ' |',
    '| Workflow task duration (mean) | ' + cost.kinds.map((k) => (k.workflow.taskMs ? ms(k.workflow.taskMs.mean) : '–')).join(' | ') + ' |',
    '| SNS publishes / messages consumed / consumer invocations | ' + cost.kinds.map((k) => `${fmt(k.snsPublishes, 2)} / ${fmt(k.messagesConsumed, 2)} / ${fmt(k.consumerInvocations, 2)}`).join(' | ') + ' |',
    '| Secrets Manager calls | ' + cost.kinds.map((k) => fmt(k.secretsCalls, 3)).join(' | ') + ' |',
    '| Abhi calls | ' + cost.kinds.map((k) => fmt(k.abhiCalls, 2)).join(' | ') + ' |',
    '| Log bytes (function logs + EMF) | ' + cost.kinds.map((k) => fmt(k.logBytes, 0)).join(' | ') + ' |',
    '',
  );
  const measured = cost.kinds.filter((k) => k.status === 'measured');
  if (measured.length) {
    const breakdowns = measured.map((k) => costPerMillion(k, cost, coldMs));
    const names = breakdowns[0]!.components.map((c) => c.name);
    w('**USD per million requests:**', '', '| Component | ' + measured.map((k) => k.label).join(' | ') + ' |', '|---|' + measured.map(() => '---:').join('|') + '|');
    for (const name of names) w(`| ${name} | ` + breakdowns.map((b) => usd(b.components.find((c) => c.name === name)!.perMillion)).join(' | ') + ' |');
    w('| **Total** | ' + breakdowns.map((b) => `**${usd(b.totalPerMillion)}**`).join(' | ') + ' |', '');
    w('<details><summary>Basis of each line</summary>', '');
    measured.forEach((k, i) => {
      w(`**${k.label}**`, '');
      for (const c of breakdowns[i]!.components) w(`- ${c.name}: ${c.basis}`);
      w('');
    });
    w('</details>', '');
    const top = breakdowns.map((b, i) => {
      const sorted = [...b.components].sort((x, y) => y.perMillion - x.perMillion);
      return `${measured[i]!.label}: ${sorted.slice(0, 2).map((c) => `${c.name} ${fmt((c.perMillion / b.totalPerMillion) * 100, 0)} %`).join(', ')}`;
    });
    w(`What dominates: ${top.join('; ')}.`, '');
    const sfnShare = measured.map((k, i) => ({ k, share: (breakdowns[i]!.components.find((c) => c.name.startsWith('Step Functions'))?.perMillion ?? 0) / breakdowns[i]!.totalPerMillion }));
    const heavy = sfnShare.find((x) => x.share > 0.5);
    if (heavy) {
      w(
        `Step Functions Standard is ${fmt(heavy.share * 100, 0)} % of an advance: $25 per million transitions × ${fmt(heavy.k.workflow.transitions, 1)} transitions. Standard is needed for the approval step's`,
        '`.waitForTaskToken` wait (Express workflows do not support that pattern); fewer states on the common path (e.g. one',
        'task that runs the local checks together) cut this line proportionally.',
        '',
      );
    }
  }
  const metricsMonthly = cost.customMetrics.length * PRICES.cloudWatchCustomMetricPerMonth;
  w(
    '**Fixed monthly costs** (not per request; 730 hours, at the minimum capacity `infra/config/stages.ts` sets):',
    '',
    '| Item | dev / uat | prod |',
    '|---|---|---|',
    `| Aurora Serverless v2 at minimum ACU (0.5 / 1; prod adds 1 reader) | ${usd(0.5 * 730 * PRICES.auroraServerlessV2PerAcuHour)} | ${usd(2 * 1 * 730 * PRICES.auroraServerlessV2PerAcuHour)} |`,
    `| RDS Proxy at that capacity (minimum billed capacity may apply) | ${usd(0.5 * 730 * PRICES.rdsProxyServerlessPerAcuHour)} | ${usd(2 * 730 * PRICES.rdsProxyServerlessPerAcuHour)} |`,
    `| NAT gateways (1 / 2), before data processing (${usd(PRICES.natGatewayPerGb)}/GB) | ${usd(730 * PRICES.natGatewayPerHour)} | ${usd(2 * 730 * PRICES.natGatewayPerHour)} |`,
    `| Secrets (Abhi credentials, webhook secret, data key, database master) | ${usd(4 * PRICES.secretsManagerPerSecretMonth)} | ${usd(4 * PRICES.secretsManagerPerSecretMonth)} |`,
    `| WAF web ACL (+ ${usd(PRICES.wafPerRuleMonth)} per rule) | ${usd(PRICES.wafPerWebAclMonth)} | ${usd(PRICES.wafPerWebAclMonth)} |`,
    `| Custom metrics: ${cost.customMetrics.length} distinct metric/dimension combinations seen in this pass (more appear with more routes and outcomes) | ${usd(metricsMonthly)} | ${usd(metricsMonthly)} |`,
    '',
  );
  for (const note of cost.notes) w(`> ${note}`, '');
  return { body: lines.join('\n') };
}

function opsText(ops: Record<string, number>): string {
  const entries = Object.entries(ops).filter(([k]) => !k.includes('#'));
  return entries.length ? entries.map(([k, v]) => `${k} ${fmt(v, 2)}`).join(', ') : 'none';
}

const SIZE_BUDGET = SIZE_BUDGET_BYTES;

/** A bundle's bytes from npm packages: all of it but the project's own code. */
function libraryBytes(f: ColdTarget): number {
  return f.bundle!.bytes - (f.bundle!.families['(project)'] ?? 0);
}

/** The size budget against what the libraries alone weigh (see librariesAlone). */
function librariesAloneCell(measured: ColdTarget[]): string {
  const withFamilies = measured.filter((f) => f.bundle?.families);
  if (!withFamilies.length) return '';
  const bytes = withFamilies.map(libraryBytes);
  return `; libraries alone (no project code): median ${kb(median(bytes))}, ${bytes.filter((b) => b > SIZE_BUDGET).length} over ${kb(SIZE_BUDGET)}`;
}

/**
 * What no change to the project's own code can reach: each bundle less its project code, i.e. the libraries the function
 * calls as tree-shaking leaves them; and import time against bundle size in the same run (least squares), to read what
 * those bytes cost at import.
 */
function librariesAlone(cold: ColdStartData): string[] {
  const measured = cold.functions.filter((f) => f.status === 'measured' && f.bundle?.families);
  if (measured.length < 3) return [];
  const bytes = measured.map(libraryBytes);
  const overSize = measured.filter((f) => libraryBytes(f) > SIZE_BUDGET);
  const timed = measured.filter((f) => f.importMedianMs !== undefined);
  const fit = leastSquares(timed.map((f) => f.bundle!.bytes / 1024), timed.map((f) => f.importMedianMs!));
  const allInMs = cold.references.allIn.importMedianMs;
  const lines = [
    '',
    `**What the libraries alone weigh.** Take each bundle less its project code: what is left are the libraries the function calls`,
    `(the SDK v3 clients, Powertools, pg, zod/mini, middy, jose), as tree-shaking leaves them. Their median is ${kb(median(bytes))} against`,
    `the ${kb(MEDIAN_SIZE_BUDGET_BYTES)} median budget, and in ${overSize.length} functions they alone exceed ${kb(SIZE_BUDGET)}${overSize.length ? ` (${range(overSize.map(libraryBytes))}: ${overSize.map((f) => `\`${f.name}\``).join(', ')})` : ''}.`,
    'No change to the project\'s own code can bring those under the size budgets; only leaving out a library these functions call',
    'can (the one measured way, the runtime\'s SDK, made every import 1.8-5× slower, ADR 0030; the others are ADR 0034).',
  ];
  if (fit && allInMs) {
    const estimate = (kbs: number) => fit.intercept + fit.slope * kbs;
    const maxLibrary = Math.max(...bytes) / 1024;
    const medianLibrary = median(bytes) / 1024;
    lines.push(
      `Import time follows bundle size in this run: ${fmt(fit.intercept, 1)} ms + ${fmt(fit.slope * 100, 2)} ms per 100 KB (r = ${fmt(fit.r, 2)}, ${timed.length} functions).`,
      `By that line the libraries alone would import in ${ms(estimate(medianLibrary))} at the median (${fmt((estimate(medianLibrary) / allInMs) * 100, 0)} % of the all-in bundle's, budget ${fmt(MEDIAN_IMPORT_BUDGET_FRACTION * 100, 0)} %)`,
      `and ${ms(estimate(maxLibrary))} for the heaviest (${fmt((estimate(maxLibrary) / allInMs) * 100, 0)} %, budget ${fmt(IMPORT_BUDGET_FRACTION * 100, 0)} %): an estimate from the line, not a measurement.`,
    );
  }
  return lines;
}

/** Ordinary least squares of y on x, with Pearson's r; undefined for fewer than three points or no spread. */
function leastSquares(x: number[], y: number[]): { intercept: number; slope: number; r: number } | undefined {
  const n = x.length;
  if (n < 3) return undefined;
  const mx = x.reduce((a, v) => a + v, 0) / n;
  const my = y.reduce((a, v) => a + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  if (sxx === 0 || syy === 0) return undefined;
  const slope = sxy / sxx;
  return { intercept: my - slope * mx, slope, r: sxy / Math.sqrt(sxx * syy) };
}

/** `96-134`: the range of byte counts in KB. */
function range(bytes: number[]): string {
  if (!bytes.length) return '–';
  const lo = Math.min(...bytes) / 1024;
  const hi = Math.max(...bytes) / 1024;
  return Math.round(lo) === Math.round(hi) ? fmt(lo, 0) : `${fmt(lo, 0)}-${fmt(hi, 0)}`;
}

/** `AWS SDK 290 · X-Ray 112 · zod 91`: the three largest dependency families of a bundle, in KB. */
function largestParts(f: ColdTarget): string {
  const families = f.bundle?.families;
  if (!families) return '–';
  return Object.entries(families)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([name, bytes]) => `${name} ${fmt(bytes / 1024, 0)}`)
    .join(' · ');
}

/** Median KB per dependency family for each kind of function, and the plain reason the heaviest ones miss the budget. */
function familyTable(cold: ColdStartData): string[] {
  const measured = cold.functions.filter((f) => f.bundle?.families);
  if (!measured.length) return [];
  const kinds = [...new Set(measured.map((f) => f.kind))];
  const names = FAMILIES.map((f) => f.name).filter((name) => measured.some((f) => (f.bundle!.families[name] ?? 0) > 0));
  const cell = (fs: ColdTarget[], name: string) => {
    const values = fs.map((f) => f.bundle!.families[name] ?? 0);
    const m = median(values);
    return m > 0 ? fmt(m / 1024, 0) : values.some((v) => v > 0) ? '(some)' : '–';
  };
  const allIn = cold.references.allIn.bundle?.families;
  const lines = [
    '**Where the bytes go** — median KB per dependency family, by kind of function (esbuild metafile; every input counted).',
    '`AWS SDK` is the SDK v3 core and the clients a function uses (DynamoDB for the rate limiter, the idempotency',
    'records, the Abhi token/breaker/cache and the revocation list; SNS, SQS, Step Functions, Secrets Manager where used);',
    '`AWS SDK credential fallbacks` (the default chain\'s SSO, INI, web identity, process, container/IMDS sources) and',
    '`X-Ray (Tracer)` are kept out since ADR 0019 (credentials from the environment alias, no Powertools Tracer); a',
    'column appears only if a bundle carries them again.',
    '',
    `| Kind | Functions | Bundle (median) | Over ${kb(SIZE_BUDGET)} | ${names.join(' | ')} |`,
    `|---|---|---|---|${names.map(() => '---').join('|')}|`,
  ];
  for (const kind of kinds) {
    const fs = measured.filter((f) => f.kind === kind);
    const over = fs.filter((f) => !f.withinSizeBudget).length;
    lines.push(`| ${kind} | ${fs.length} | ${kb(median(fs.map((f) => f.bundle!.bytes)))} | ${over} | ${names.map((n) => cell(fs, n)).join(' | ')} |`);
  }
  if (allIn) lines.push(`| all-in reference | 1 | ${kb(cold.references.allIn.bundle!.bytes)} | – | ${names.map((n) => (allIn[n] ? fmt(allIn[n]! / 1024, 0) : '–')).join(' | ')} |`);
  const routes = measured.filter((f) => f.kind === 'route');
  const floor = routes.length ? routes.reduce((a, f) => (f.bundle!.bytes < a.bundle!.bytes ? f : a)) : undefined;
  const routesOver = routes.filter((f) => !f.withinSizeBudget).length;
  if (floor && routesOver > 0) {
    const fam = floor.bundle!.families;
    const k = (name: string) => fmt((fam[name] ?? 0) / 1024, 0);
    const margin = floor.withinSizeBudget ? `${kb(SIZE_BUDGET - floor.bundle!.bytes)} under` : `${kb(floor.bundle!.bytes - SIZE_BUDGET)} over`;
    lines.push(
      '',
      `**Why the API functions stay over ${kb(SIZE_BUDGET)}** (${routesOver} of ${routes.length}). The smallest route, \`${floor.name}\`, is ${kb(floor.bundle!.bytes)}, ${margin},`,
      `with almost nothing of its own: it is apiHandler's floor — AWS SDK ${k('AWS SDK')} KB (the DynamoDB client behind rate limiting, revocation and`,
      `idempotency), zod ${k('zod')} KB (validation, configuration), Powertools ${k('Powertools')} KB (logger, metrics; idempotency with its JMESPath`,
      `engine only where a route takes an Idempotency-Key, ADR 0023), the project's edge code ${k('(project)')} KB; no jose, since routes trust the authorizer's context (ADR 0032). Every other route adds its use case, schemas and adapters`,
      `(project code ${range(routes.map((f) => f.bundle!.families['(project)'] ?? 0))} KB) and most add pg (${range(routes.map((f) => f.bundle!.families.pg ?? 0).filter((b) => b > 0))} KB where present) and the`,
      'Abhi client with Secrets Manager, SNS or SQS clients where their domain\'s composition root (functions/shared/wiring/, ADR 0024)',
      'uses them. The SDK stays in the bundle (ADR 0030: with `@aws-sdk/*` external, as the runtime provides it, the sizes',
      'almost meet the budget but every import measured got 1.8-5× slower). The other levers are taken (ADRs 0030-0032: composition',
      'roots per workflow task, the database secret only in the migrations function, no DynamoDB endpoint discovery, pg without its',
      'native client, zod/mini, answer schemas built only where the OpenAPI document asks, the route table only where it is read,',
      'no token verification in routes);',
      'what is left is that floor: the SDK core with the DynamoDB client, and pg wherever a route reads the ledger.',
    );
  }
  lines.push(...librariesAlone(cold));
  const allInMs = cold.references.allIn.importMedianMs;
  const floorMs = floor?.importMedianMs;
  if (floor && allInMs && floorMs !== undefined && cold.importBudgetMs !== undefined) {
    const share = (v: number) => `${fmt((v / allInMs) * 100, 0)} %`;
    const byKind = kinds
      .map((kind) => {
        const fs = measured.filter((f) => f.kind === kind && f.importMedianMs !== undefined);
        return fs.length ? `${kind} ${share(median(fs.map((f) => f.importMedianMs!)))}` : undefined;
      })
      .filter(Boolean)
      .join(', ');
    const withFirst = measured.filter((f) => f.invokeMedianMs !== undefined);
    lines.push(
      '',
      `**Import time against the budget (${ms(cold.importBudgetMs)}).** The floor of every API function is \`${floor.name}\` — apiHandler and`,
      `nothing else: ${ms(floorMs)}, ${share(floorMs)} of the all-in bundle's ${ms(allInMs)} (this proxy varies by ±20 % between runs on this shared`,
      `machine). V8 parses and compiles its ${kb(floor.bundle!.bytes)} and evaluates, at module scope, the SDK's DynamoDB client,`,
      'zod and Powertools (a bundle evaluates every statically imported module when it loads). Median import by kind:',
      byKind + '. The business routes add pg, the Abhi client and their zod schemas (built at module scope) on top of that',
      'floor, which is why they stay over. In a one-file bundle `import()` does not help much: esbuild inlines the',
      'target, wraps it and every module only it reaches in lazy initializers whose unused exports it can no longer drop (an',
      'SDK client loaded that way adds 10-25 KB), and what it defers is mostly needed by the first invocation anyway.',
      `The all-in reference is import only; with the first invocation added (real I/O: DynamoDB, a PostgreSQL`,
      `connection, Abhi calls) the median function takes ${withFirst.length ? share(median(withFirst.map((f) => f.totalMedianMs!))) : 'n/a'} of the all-in bundle's import time. A function that calls Abhi`,
      'no longer derives a key at its first call: the shared token is sealed with a random key (ADR 0033), where it used to',
      'cost one scrypt (73 ms on a full core) per cold start. What remains of a first Abhi write is its I/O, one step after the',
      'other (token, rate-limit slot, the call, breaker outcome, cache, the ledger, the event), a few milliseconds each.',
    );
  }
  return lines;
}

/** The authorizer, the smallest route and a cached read: where their biggest packages come from. */
function chainExamples(cold: ColdStartData): { name: string; bytes: number; chains: { pkg: string; bytes: number; chain: string[] }[] }[] {
  const measured = cold.functions.filter((f) => f.bundle?.chains);
  const routes = measured.filter((f) => f.kind === 'route').sort((a, b) => a.bundle!.bytes - b.bundle!.bytes);
  const picks = [measured.find((f) => f.kind === 'authorizer'), routes[0], measured.find((f) => f.name === 'master-data/list-banks')];
  const unique = [...new Set(picks.filter((f): f is ColdTarget => f !== undefined))];
  return unique.map((f) => ({
    name: f.name,
    bytes: f.bundle!.bytes,
    chains: f.bundle!.packages
      .filter((p) => p.name !== '(project)' && f.bundle!.chains[p.name])
      .slice(0, 6)
      .map((p) => ({ pkg: p.name, bytes: p.bytes, chain: f.bundle!.chains[p.name]! })),
  }));
}

function coldFindings(cold: ColdStartData): string {
  const measured = cold.functions.filter((f) => f.bundle);
  if (!measured.length) return '';
  const zod = cold.dominantPackages.find((p) => p.name === 'zod');
  const lines = ['**Reading the table.**'];
  const over = measured.filter((f) => !f.withinSizeBudget).length;
  lines.push(
    `${over} of ${measured.length} functions are over the ${kb(SIZE_BUDGET)} budget and ${measured.filter((f) => f.withinImportBudget === false).length} over the import budget.`,
  );
  if (zod) {
    lines.push(
      `\`zod\` is in ${zod.functions} functions at a median ${fmt(zod.medianShare * 100, 0)} % of the bundle (${kb(zod.totalBytes / zod.functions)} on average).`,
      'functions/** imports it only as `#shared/zod`: zod/mini, the functional API over zod 4\'s core, with the English',
      'locale (ADR 0031). The all-in reference still imports `{ z }` from zod "classic", which keeps every locale and the',
      'whole API (about 380 KB).',
    );
  }
  // A function with more than 100 KB of zod has zod classic again: someone imported `zod` instead of `#shared/zod`.
  const wholeZod = measured.filter((f) => (f.bundle!.families?.zod ?? 0) > 100 * 1024).map((f) => `\`${f.name}\``);
  if (wholeZod.length) lines.push(`**Regression:** ${wholeZod.join(', ')} carry zod classic (over 100 KB of zod): look for an import of \`zod\` instead of \`#shared/zod\` in their import graph.`);
  const shared = cold.dominantPackages.filter((p) => p.functions === measured.length && p.name !== '(project)').map((p) => `\`${p.name}\``);
  if (shared.length) lines.push(`Packages present in every measured function: ${shared.slice(0, 12).join(', ')}${shared.length > 12 ? ' …' : ''} — a shared module graph pulls them in whether or not the function uses them (see "Imported directly by").`);
  return lines.join(' ');
}

/** What phase 3 says about the burst margin (empty when it did not run). */
function marginText(abhi: AbhiData): string {
  const own = abhi.marginCheck?.find((m) => m.burst === abhi.limit.burst);
  const fleet = abhi.marginCheck?.find((m) => m.burst === abhi.clientLimit?.burst && m.burst !== abhi.limit.burst);
  if (!own || !fleet) return '';
  const rate = abhi.limit.ratePerSecond;
  const slackTokens = abhi.limit.burst - fleet.burst;
  const used = Math.max(slackTokens - fleet.lowest, slackTokens - (abhi.phase2.abhiBucketLowest ?? slackTokens), 0);
  const usedMs = (used / rate) * 1000;
  const slackMs = (slackTokens / rate) * 1000;
  return (
    `The reference in the same run (phase 3): with Abhi's own burst the same client left Abhi's bucket at ${fmt(own.lowest, 2)} tokens at worst (${own.below2} calls below 2, ${own.abhi429} × 429) — at saturation equal buckets keep no slack and a few ms of jitter decide; ` +
    `with the fleet default ${fmt(fleet.lowest, 2)} at worst (${fleet.abhi429} × 429). Jitter on this loopback ate at most ${fmt(usedMs, 0)} ms into the ${fmt(slackMs, 0)} ms of slack; across a NAT gateway and the internet it is larger, hence the margin. `
  );
}

/** `480× 200, 20× 503 (balance 20)`: status counts of a read phase, with the kinds behind anything but 200. */
function readStatuses(phase: AbhiData['phase1']): string {
  const total: Record<string, number> = {};
  const byStatus: Record<string, string[]> = {};
  for (const [kind, entry] of Object.entries(phase.byKind)) {
    for (const [status, count] of Object.entries(entry.statuses)) {
      total[status] = (total[status] ?? 0) + count;
      if (status !== '200') (byStatus[status] ??= []).push(`${kind} ${count}`);
    }
  }
  return Object.entries(total)
    .map(([status, count]) => `${count}× ${status}${byStatus[status] ? ` (${byStatus[status]!.join(', ')})` : ''}`)
    .join(', ');
}

function abhiFindings(abhi: AbhiData): string {
  const parts: string[] = [];
  const client = abhi.clientLimit;
  const slack = client ? abhi.limit.burst - client.burst : 0;
  const lowest = abhi.phase2.abhiBucketLowest;
  if (client && slack > 0) {
    parts.push(
      `**429s.** The fleet's bucket keeps Abhi's rate but not its whole burst (${client.ratePerSecond} req/s, burst ${client.burst} against ${abhi.limit.ratePerSecond} req/s, burst ${abhi.limit.burst}; functions/shared/abhi/fleet-limit.ts): at saturation Abhi's bucket keeps ${slack} tokens of slack, ${fmt((slack / client.ratePerSecond) * 1000, 0)} ms of arrival jitter. ` +
        (lowest !== undefined ? `In this run the lowest level a call found was ${fmt(lowest, 2)} tokens, so jitter used ${fmt(Math.max(0, slack - lowest), 2)} of the ${slack} tokens of slack${abhi.targets.no429 ? '' : ' and more: the slack was not enough'}. ` : '') +
        marginText(abhi) +
        `The cost is ${slack} calls once after an idle period (the first second of a burst), not throughput.`,
    );
  } else if (!abhi.targets.no429) {
    parts.push(
      `**429s:** the client bucket is configured with exactly Abhi's numbers (${abhi.limit.ratePerSecond} req/s, burst ${abhi.limit.burst}). At saturation both buckets hover near empty; a call admitted on time by ours can reach the sandbox a few milliseconds earlier, relative to the previous one, than Abhi's refill, and the sandbox, with no spare token, answers 429. The client retries a 429 after its Retry-After (functions/shared/abhi/transport.ts).`,
    );
  }
  const unavailable = Object.entries(abhi.phase2.workflowRetriesAndFailures ?? {})
    .filter(([key]) => key.startsWith('StateFailed') && key.includes('AbhiUnavailable'))
    .reduce((n, [, c]) => n + c, 0);
  const perSecond = abhi.phase2.perSecond;
  const half = abhi.limit.ratePerSecond / 2;
  let head = 0;
  while (head < perSecond.length && perSecond[head]! < half) head++;
  let tail = 0;
  while (tail < perSecond.length - head && perSecond[perSecond.length - 1 - tail]! < half) tail++;
  const middle = perSecond.slice(head, perSecond.length - tail);
  const middleRate = middle.length ? middle.reduce((a, b) => a + b, 0) / middle.length : 0;
  const rate = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0);
  const submitted = abhi.phase2.submitSeconds;
  const arrival =
    submitted !== undefined && submitted > 0
      ? `The ${abhi.phase2.advances} advances were submitted over ${fmt(submitted, 1)} s (${fmt(abhi.phase2.advances / submitted, 1)}/s through the local API on this machine, submit p50 ${ms(abhi.phase2.submitLatencyMs.p50, 0)}): Abhi got ${fmt(rate(perSecond.slice(0, Math.floor(submitted))), 1)} req/s while they arrived and ${fmt(rate(perSecond.slice(Math.floor(submitted))), 1)} req/s from the last submission to the end. `
      : '';
  parts.push(
    `**Where Abhi capacity goes unused.** ${abhi.targets.fractionOfLimit ? `The target is met (${fmt(abhi.phase2.fractionOfLimit, 2)})` : `The target is missed (${fmt(abhi.phase2.fractionOfLimit, 2)})`}. From second ${head} to second ${perSecond.length - tail} Abhi got ${fmt(middleRate, 1)} req/s (${fmt(middleRate / abhi.limit.ratePerSecond, 2)} of the limit); below half the limit were the first ${head} s (the first submissions reaching the workflow)${tail ? ` and the last ${tail} s (the last advances finishing)` : ''}. ` +
      arrival +
      'Workflow tasks wait for a rate slot for up to their remaining time less one attempt (functions/shared/wiring/workflow.ts, functions/shared/use-cases/invocation.ts) instead of failing `AbhiUnavailable` after 2 s and sleeping in a Step Functions retry while Abhi has capacity; they reserve at most 1 s ahead and ask again with jitter, so API calls and the creates (2 s wait) go ahead of the backlog (functions/shared/abhi/transport.ts). ' +
      (unavailable
        ? `${unavailable} task attempt${unavailable === 1 ? '' : 's'} still ended \`AbhiUnavailable\` (no slot within its wait), retried after 2 s, 4 s, … with full jitter (infra/constructs/advance-workflow.ts); a create refused that way sent nothing and was not counted, so its retry needs no settle time and no lookup.`
        : 'No task attempt ended `AbhiUnavailable`.'),
  );
  return parts.join('\n\n');
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function median(values: number[]): number {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(sorted.length / 2) - 1]!;
}

export function writeReport(): void {
  const { benchmarks, costModel } = renderReport();
  fs.writeFileSync(BENCHMARKS_FILE, benchmarks);
  fs.mkdirSync(path.dirname(COST_MODEL_FILE), { recursive: true });
  fs.writeFileSync(COST_MODEL_FILE, costModel);
}

export type { BenchOptions };
