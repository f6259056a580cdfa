import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { BUNDLE_TARGET } from '../../../infra/bundling/budget';
import { bundleAliases, ESM_REQUIRE_BANNER, esbuildBuildOptions } from '../../../infra/bundling/options';
import { startBenchEnvironment, type BenchEnvironment } from '../lib/environment';
import { functionInventory, loadSampleEvents, sampleEventFor, type FunctionKind, type MemorySizes } from '../lib/entries';
import type { BenchOptions } from '../lib/options';
import { BENCH_DIR, PROJECT_ROOT, errorText, progress, registerCleanup } from '../lib/results';
import { median } from '../lib/stats';

/**
 * Part 1 — cold-start proxy. Bundles every function with the options CDK's NodejsFunction gets
 * (infra/bundling/options.ts: ESM, minified, tree-shaken, platform node, target node24, AWS SDK bundled with the
 * environment-only credential source, mainFields module/main, the createRequire banner, pg-native external, no
 * source map), then starts fresh Node processes that import the bundle
 * and make the first invocation with the sample event, against the running local platform (`platform.env`).
 */
/** Issue #13's budgets: every bundle ≤ 400 KB and the median ≤ 300 KB; import ≤ 0.45 × the all-in reference's, median ≤ 0.3 ×. */
export const SIZE_BUDGET_BYTES = BUNDLE_TARGET.maxBytes;
export const MEDIAN_SIZE_BUDGET_BYTES = BUNDLE_TARGET.medianBytes;
export const IMPORT_BUDGET_FRACTION = 0.45;
export const MEDIAN_IMPORT_BUDGET_FRACTION = 0.3;
const CHILD_TIMEOUT_MS = 30_000;
/** Packages per function kept in the result file (the rest are summed). */
const TOP_PACKAGES = 12;
/** Import chains kept per function (for its largest packages): enough for the report's examples, small on disk. */
const TOP_CHAINS = 4;

/**
 * Lambda runs Node 22, whose global `navigator` (Node >= 21) answers pg's "is this a Cloudflare Worker?" probe. On
 * Node 20 pg falls back to `new Response(...)`, and the first touch of `Response` loads undici (fetch): 30-70 ms
 * here that a Lambda INIT does not pay. The child defines a Node 22-like `navigator` before the clock starts, for the
 * references as for the functions. `BENCH_COLD_NAVIGATOR=off` measures Node 20 as it is.
 */
export function navigatorShimEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return !['off', 'false', '0', 'no'].includes((env.BENCH_COLD_NAVIGATOR ?? 'on').trim().toLowerCase());
}

/**
 * Dependency families, for "where do the bytes go" per bundle: the first family whose test matches a package wins.
 * `AWS SDK credential fallbacks` are the credential sources of the SDK's default chain that Lambda never reaches
 * (it passes credentials in the environment): SSO, INI files, web identity, login, process, container and IMDS.
 */
export const FAMILIES: readonly { readonly name: string; readonly test: (pkg: string) => boolean }[] = [
  { name: '(project)', test: (p) => p === '(project)' },
  { name: 'zod', test: (p) => p === 'zod' },
  {
    name: 'X-Ray (Tracer)',
    test: (p) => ['aws-xray-sdk-core', 'semver', 'cls-hooked', 'emitter-listener', 'shimmer', 'atomic-batcher', 'async-hook-jl', 'stack-chain', '@aws-lambda-powertools/tracer'].includes(p),
  },
  { name: 'pg', test: (p) => p === 'pg' || /^(pg-|postgres-)/.test(p) || ['pgpass', 'split2', 'xtend'].includes(p) },
  {
    name: 'AWS SDK credential fallbacks',
    test: (p) =>
      p === '@aws-sdk/nested-clients' ||
      p === '@aws-sdk/token-providers' ||
      p === '@aws-sdk/credential-providers' ||
      p === '@smithy/credential-provider-imds' ||
      /^@aws-sdk\/credential-provider-(ini|sso|login|process|web-identity|http)$/.test(p),
  },
  { name: 'AWS SDK', test: (p) => p.startsWith('@aws-sdk/') || p.startsWith('@smithy/') || p.startsWith('@aws-crypto/') || ['mnemonist', 'obliterator', 'fast-xml-parser', 'strnum', 'tslib', 'bowser'].includes(p) },
  { name: 'Powertools', test: (p) => p.startsWith('@aws-lambda-powertools/') || p === '@aws/lambda-invoke-store' },
  { name: 'jose', test: (p) => p === 'jose' },
  { name: 'other', test: () => true },
];

export function familyOf(pkg: string): string {
  return FAMILIES.find((f) => f.test(pkg))!.name;
}

/** The banner CDK adds: infra/bundling/options.ts, the one definition both read. */
export function cdkBanner(): { banner: string; source: string } {
  return { banner: ESM_REQUIRE_BANNER, source: 'ESM_REQUIRE_BANNER of infra/bundling/options.ts' };
}

export interface PackageBytes {
  readonly name: string;
  readonly bytes: number;
}

export interface BundleInfo {
  readonly bytes: number;
  readonly mapBytes: number;
  readonly modules: number;
  /** Bytes in the output per npm package (`(project)` = functions/**), largest first. */
  readonly packages: PackageBytes[];
  /** Bytes per dependency family (FAMILIES), every input counted. */
  readonly families: Record<string, number>;
  /** Project files that import each package directly: where to cut. Folded into `dominantPackages`, not stored per function. */
  readonly importedBy?: Record<string, string[]>;
  /** For the largest packages: the shortest chain of project files from the entry to the file that imports it. */
  readonly chains: Record<string, string[]>;
  readonly bundleMs: number;
}

export interface ColdSample {
  readonly importMs: number;
  readonly invokeMs?: number;
  readonly outcome?: string;
  readonly error?: string;
}

export interface ColdTarget {
  readonly name: string;
  readonly kind: FunctionKind | 'reference';
  readonly memoryMb?: number;
  readonly triggers?: readonly string[];
  readonly status: 'measured' | 'missing' | 'bundle-failed';
  readonly reason?: string;
  readonly bundle?: BundleInfo;
  readonly event?: { file: string; rule: string };
  /** Why only the import is measured (no sample event, or a deploy-time function). */
  readonly importOnlyReason?: string;
  readonly samples: ColdSample[];
  readonly importMedianMs?: number;
  readonly invokeMedianMs?: number;
  readonly totalMedianMs?: number;
  /** Outcomes of the first invocations (status codes / errors), distinct values. */
  readonly outcomes?: string[];
  readonly withinSizeBudget?: boolean;
  readonly withinImportBudget?: boolean;
}

export interface ColdStartData {
  readonly banner: string;
  readonly bannerSource: string;
  readonly memory: MemorySizes;
  readonly runs: number;
  readonly environmentNote?: string;
  readonly references: { empty: ColdTarget; allIn: ColdTarget };
  /** Whether the children had a Node 22-like `navigator` (navigatorShimEnabled). */
  readonly navigatorShim?: boolean;
  readonly functions: ColdTarget[];
  /** Packages by total bytes across all measured functions, with how many functions carry them. */
  readonly dominantPackages: { name: string; totalBytes: number; functions: number; medianShare: number; importedBy: string[] }[];
  readonly importBudgetMs?: number;
}

const CHILD_SOURCE = `
import dns from 'node:dns';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { randomUUID } from 'node:crypto';
const [bundle, eventFile, functionName, memory, timeoutMs, navigatorShim] = process.argv.slice(2);
// Node 22 (Lambda) has a global navigator; Node 20 has none (see navigatorShimEnabled in cold-start.ts).
if (navigatorShim === 'on' && typeof globalThis.navigator === 'undefined') {
  Object.defineProperty(globalThis, 'navigator', { value: { userAgent: 'Node.js/' + process.versions.node.split('.')[0], hardwareConcurrency: 2, language: 'en-US', platform: process.platform }, configurable: true, enumerable: true });
}
const event = eventFile === '-' ? undefined : JSON.parse(readFileSync(eventFile, 'utf8'));
// The SQS emulator's queue URLs use sqs.<region>.localhost, which glibc here does not resolve (the local stack patches
// dns.lookup the same way, infra/local/services/sqs-local.ts). Done before the clock starts.
const originalLookup = dns.lookup;
dns.lookup = function lookup(name, options, callback) {
  if (typeof name === 'string' && name.endsWith('.localhost')) {
    const cb = typeof options === 'function' ? options : callback;
    const all = typeof options === 'object' && options !== null && options.all;
    return process.nextTick(() => (all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4)));
  }
  return originalLookup.apply(this, arguments);
};
const report = (result) => { process.stdout.write('\\nBENCH_RESULT ' + JSON.stringify(result) + '\\n', () => process.exit(0)); };
const t0 = performance.now();
let mod;
try {
  mod = await import(pathToFileURL(bundle).href);
} catch (error) {
  report({ importMs: performance.now() - t0, error: 'import failed: ' + String(error && error.message || error).split('\\n')[0] });
}
if (mod) {
  const t1 = performance.now();
  if (event === undefined) report({ importMs: t1 - t0 });
  else {
    const deadline = Date.now() + Number(timeoutMs);
    const context = {
      callbackWaitsForEmptyEventLoop: true, functionName, functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:' + functionName,
      memoryLimitInMB: memory, awsRequestId: randomUUID(), logGroupName: '/aws/lambda/' + functionName, logStreamName: 'bench',
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()), done() {}, fail() {}, succeed() {},
    };
    let outcome, error;
    try {
      const result = await mod.handler(event, context);
      outcome = result && typeof result === 'object'
        ? ('statusCode' in result ? 'HTTP ' + result.statusCode
          : 'batchItemFailures' in result ? 'batchItemFailures ' + result.batchItemFailures.length
          : 'policyDocument' in result ? 'policy ' + (result.policyDocument.Statement || []).map((s) => s.Effect).join('/')
          : 'returned object')
        : 'returned ' + typeof result;
    } catch (e) {
      error = 'threw ' + String(e && e.name || 'Error') + ': ' + String(e && e.message || e).split('\\n')[0].slice(0, 160);
    }
    report({ importMs: t1 - t0, invokeMs: performance.now() - t1, outcome, error });
  }
}
`;

function packageOf(input: string): string {
  const matches = [...input.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)];
  const last = matches.at(-1);
  if (last) return last[1]!;
  return '(project)';
}

/** The production options (infra/bundling/options.ts, which CDK's NodejsFunction gets too), plus the metafile. */
function buildOptions(banner: string, entry?: string): esbuild.BuildOptions {
  return { ...esbuildBuildOptions(entry), banner: { js: banner }, metafile: true };
}

function bundleInfo(metafile: esbuild.Metafile, outfile: string, bundleMs: number, entryFile: string): BundleInfo {
  const relative = path.relative(PROJECT_ROOT, outfile);
  const output = metafile.outputs[relative] ?? Object.entries(metafile.outputs).find(([name]) => path.resolve(PROJECT_ROOT, name) === outfile)?.[1];
  const inputs = output?.inputs ?? {};
  const perPackage = new Map<string, number>();
  const families: Record<string, number> = {};
  for (const [input, info] of Object.entries(inputs)) {
    const name = packageOf(input);
    perPackage.set(name, (perPackage.get(name) ?? 0) + info.bytesInOutput);
    const family = familyOf(name);
    families[family] = (families[family] ?? 0) + info.bytesInOutput;
  }
  const importedBy: Record<string, string[]> = {};
  for (const input of Object.keys(inputs)) {
    if (input.includes('node_modules/')) continue;
    for (const imported of metafile.inputs[input]?.imports ?? []) {
      // The imported file itself may be a barrel that tree-shaking emptied (absent from the output's inputs).
      if (!imported.path.includes('node_modules/')) continue;
      const list = (importedBy[packageOf(imported.path)] ??= []);
      if (!list.includes(input)) list.push(input);
    }
  }
  // Breadth-first from the entry over every input: the first time a package is reached gives its shortest chain
  // (project files by path, files inside node_modules collapsed to their package name).
  const chains: Record<string, string[]> = {};
  const entryInput = path.relative(PROJECT_ROOT, entryFile);
  const seen = new Set([entryInput]);
  const queue: { file: string; chain: string[] }[] = [{ file: entryInput, chain: [entryInput] }];
  while (queue.length) {
    const { file, chain } = queue.shift()!;
    for (const imported of metafile.inputs[file]?.imports ?? []) {
      // The whole import graph (barrel files that tree-shaking emptied are not in the output's inputs).
      if (!(imported.path in metafile.inputs) || seen.has(imported.path)) continue;
      seen.add(imported.path);
      const isPackage = imported.path.includes('node_modules/');
      const step = isPackage ? packageOf(imported.path) : imported.path;
      const next = chain.at(-1) === step ? chain : [...chain, step];
      if (isPackage) chains[step] ??= next;
      queue.push({ file: imported.path, chain: next });
    }
  }
  // Keep the result file small: the biggest packages in detail, the rest as one line.
  const sorted = [...perPackage.entries()].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
  const top = sorted.slice(0, TOP_PACKAGES);
  const rest = sorted.slice(TOP_PACKAGES);
  const keep = new Set(top.map((p) => p.name));
  const only = <T>(record: Record<string, T>) => Object.fromEntries(Object.entries(record).filter(([name]) => keep.has(name)));
  const short = (file: string) => file.replace(/^functions\//, '');
  return {
    chains: Object.fromEntries(
      top.filter((p) => p.name !== '(project)' && chains[p.name]).slice(0, TOP_CHAINS).map((p) => [p.name, chains[p.name]!.map(short)]),
    ),
    bytes: fs.statSync(outfile).size,
    mapBytes: fs.existsSync(`${outfile}.map`) ? fs.statSync(`${outfile}.map`).size : 0,
    modules: Object.keys(inputs).length,
    packages: rest.length ? [...top, { name: `(${rest.length} other packages)`, bytes: rest.reduce((a, p) => a + p.bytes, 0) }] : top,
    families,
    importedBy: only(importedBy),
    bundleMs,
  };
}

/**
 * Bundles every entry into `<dir>/index.mjs`. One esbuild call with all entry points (no code splitting: each output
 * is linked and tree-shaken on its own, byte-for-byte what separate builds give, checked when this was written) is
 * several times faster than one call per entry; if it fails, every entry is built alone to find the broken ones.
 */
async function bundleAll(items: { key: string; file: string; dir: string }[], banner: string): Promise<Map<string, { info?: BundleInfo; error?: string }>> {
  const results = new Map<string, { info?: BundleInfo; error?: string }>();
  const started = performance.now();
  // Every item's directory is a child of one work directory: the common outdir.
  const outdir = path.dirname(items[0]!.dir);
  try {
    // One call per set of aliases (infra/bundling/options.ts `bundleAliases`; the keys are the functions' entries).
    const groups = new Map<string, typeof items>();
    for (const item of items) groups.set(JSON.stringify(bundleAliases(item.key)), [...(groups.get(JSON.stringify(bundleAliases(item.key))) ?? []), item]);
    for (const group of groups.values()) {
      const result = await esbuild.build({
        ...buildOptions(banner, group[0]!.key),
        entryPoints: group.map((item) => ({ in: item.file, out: path.relative(outdir, path.join(item.dir, 'index')) })),
        outdir,
        outExtension: { '.js': '.mjs' },
      });
      const perEntryMs = (performance.now() - started) / items.length;
      for (const item of group) results.set(item.key, { info: bundleInfo(result.metafile!, path.join(item.dir, 'index.mjs'), perEntryMs, item.file) });
    }
    return results;
  } catch {
    // fall through: find which entries fail
  }
  for (const item of items) {
    const outfile = path.join(item.dir, 'index.mjs');
    const t0 = performance.now();
    try {
      const result = await esbuild.build({ ...buildOptions(banner, item.key), entryPoints: [item.file], outfile });
      results.set(item.key, { info: bundleInfo(result.metafile!, outfile, performance.now() - t0, item.file) });
    } catch (error) {
      const failure = error as { errors?: { text: string; location?: { file: string } | null }[] };
      const first = failure.errors?.[0];
      results.set(item.key, { error: first ? `${first.text}${first.location ? ` (${first.location.file})` : ''}` : errorText(error) });
    }
  }
  return results;
}

function runChild(childScript: string, bundleFile: string, eventFile: string | undefined, name: string, memoryMb: number, env: Record<string, string>): Promise<ColdSample> {
  return new Promise((resolve) => {
    const navigator = navigatorShimEnabled() ? 'on' : 'off';
    const child = spawn(process.execPath, [childScript, bundleFile, eventFile ?? '-', name, String(memoryMb), String(CHILD_TIMEOUT_MS - 2_000), navigator], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      // Keep only the tail: handler logs can be long, the result is the last line.
      stdout = (stdout + chunk.toString()).slice(-200_000);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4_000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').reverse().find((l) => l.startsWith('BENCH_RESULT '));
      if (process.env.BENCH_COLD_DEBUG) process.stderr.write(`--- ${name}\n${stdout.slice(-6_000)}\n${stderr}\n`);
      if (line) return resolve(JSON.parse(line.slice('BENCH_RESULT '.length)) as ColdSample);
      resolve({
        importMs: Number.NaN,
        error: signal ? `killed after ${CHILD_TIMEOUT_MS} ms` : `exited ${code} without a result: ${stderr.trim().split('\n').at(-1) ?? ''}`.slice(0, 300),
      });
    });
  });
}

interface Job {
  target: { name: string; kind: FunctionKind | 'reference'; memoryMb: number };
  bundleFile: string;
  eventFile?: string;
  /** The authorizer gets a freshly minted token per run (the sample's token is a redacted placeholder). */
  authorizerToken?: boolean;
  samples: ColdSample[];
}

export async function runColdStart(options: BenchOptions): Promise<ColdStartData> {
  const { banner, source: bannerSource } = cdkBanner();
  const { functions: inventory, memory } = await functionInventory();
  const filter = options.coldFilter ? new RegExp(options.coldFilter) : undefined;
  const selected = inventory.filter((f) => !filter || filter.test(f.entry));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'abhi-ewa-bench-cold-'));
  const unregisterWork = registerCleanup(async () => fs.rmSync(work, { recursive: true, force: true }));
  const childScript = path.join(work, 'child.mjs');
  fs.writeFileSync(childScript, CHILD_SOURCE);
  const events = loadSampleEvents();

  try {
    // 1. Bundles (two at a time: esbuild is itself parallel, the machine has two cores).
    progress(`cold start: bundling ${selected.filter((f) => f.exists).length} functions + 2 references with esbuild`);
    const references = [
      { name: 'empty handler', file: path.join(BENCH_DIR, 'fixtures/empty-handler.ts') },
      { name: 'all-in bundle', file: path.join(BENCH_DIR, 'fixtures/all-in-handler.ts') },
    ];
    const toBundle = [...references.map((r) => ({ key: r.name, file: r.file })), ...selected.filter((f) => f.exists).map((f) => ({ key: f.entry, file: f.file }))].map((item) => ({
      ...item,
      dir: path.join(work, item.key.replace(/[^A-Za-z0-9-]+/g, '_')),
    }));
    const built = await bundleAll(toBundle, banner);
    const bundles = new Map(toBundle.map((item) => [item.key, { ...built.get(item.key), dir: item.dir }]));

    // 2. The platform the first invocations talk to. Its pollers are stopped: nothing else should run meanwhile.
    let environment: BenchEnvironment | undefined;
    let environmentNote: string | undefined;
    try {
      environment = await startBenchEnvironment();
      await Promise.allSettled(Object.values(environment.platform.pollers).map((p) => p.stop()));
      if (environment.sandboxError) environmentNote = `${environment.sandboxError}: first invocations that call Abhi fail fast.`;
    } catch (error) {
      environmentNote = `the local platform did not start (${errorText(error)}): import times only.`;
      progress(`cold start: ${environmentNote}`);
    }

    try {
      const childEnv: Record<string, string> = {
        ...(environment?.platform.env ?? {}),
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: work, // no ~/.aws on Lambda either
        TZ: 'UTC',
        // No source maps on Lambda (ADR 0019); also stops a tsx loader leaking in from NODE_OPTIONS.
        NODE_OPTIONS: '',
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      };

      const jobs: Job[] = [];
      const referenceJobs: Record<string, Job> = {};
      for (const reference of references) {
        const built = bundles.get(reference.name);
        if (!built?.info) throw new Error(`The ${reference.name} reference did not bundle: ${built?.error ?? 'unknown error'}.`);
        const job: Job = { target: { name: reference.name, kind: 'reference', memoryMb: 512 }, bundleFile: path.join(built.dir, 'index.mjs'), samples: [] };
        referenceJobs[reference.name] = job;
        jobs.push(job);
      }
      const functionJobs = new Map<string, Job>();
      const eventFiles = new Map<string, { file: string; rule: string }>();
      for (const spec of selected) {
        const built = bundles.get(spec.entry);
        if (!built?.info) continue;
        const sample = environment ? sampleEventFor(spec, events) : undefined;
        if (sample && spec.kind !== 'migrations') eventFiles.set(spec.entry, { file: sample.file, rule: sample.rule });
        const job: Job = {
          target: { name: spec.entry, kind: spec.kind, memoryMb: spec.memoryMb },
          bundleFile: path.join(built.dir, 'index.mjs'),
          eventFile: eventFiles.has(spec.entry) ? path.join(PROJECT_ROOT, sample!.file) : undefined,
          authorizerToken: spec.kind === 'authorizer',
          samples: [],
        };
        functionJobs.set(spec.entry, job);
        jobs.push(job);
      }

      // 3. Fresh processes, round-robin over targets so that drift on a noisy machine spreads over all of them.
      progress(`cold start: ${options.coldRuns} fresh processes × ${jobs.length} bundles`);
      for (let run = 0; run < options.coldRuns; run++) {
        const runStarted = performance.now();
        for (const job of jobs) {
          let eventFile = job.eventFile;
          if (job.authorizerToken && eventFile && environment) {
            const event = JSON.parse(fs.readFileSync(eventFile, 'utf8')) as { headers?: Record<string, string> };
            const token = await environment.token({ role: 'admin' });
            event.headers = { ...event.headers, Authorization: `Bearer ${token}` };
            eventFile = path.join(work, 'authorizer-event.json');
            fs.writeFileSync(eventFile, JSON.stringify(event));
          }
          const functionName = `bench-${job.target.name.replace(/[^A-Za-z0-9-]+/g, '-')}`;
          job.samples.push(
            await runChild(childScript, job.bundleFile, eventFile, functionName, job.target.memoryMb, {
              ...childEnv,
              AWS_LAMBDA_FUNCTION_NAME: functionName,
              AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(job.target.memoryMb),
              AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${functionName}`,
            }),
          );
        }
        progress(`cold start: run ${run + 1}/${options.coldRuns} done in ${((performance.now() - runStarted) / 1000).toFixed(1)} s`);
      }

      const summarizeJob = (job: Job) => {
        const ok = job.samples.filter((s) => Number.isFinite(s.importMs) && !s.error?.startsWith('import failed'));
        const invoked = ok.filter((s) => s.invokeMs !== undefined);
        return {
          samples: job.samples.map((s) => ({ ...s, importMs: round3(s.importMs), ...(s.invokeMs !== undefined ? { invokeMs: round3(s.invokeMs) } : {}) })),
          importMedianMs: ok.length ? median(ok.map((s) => s.importMs)) : undefined,
          invokeMedianMs: invoked.length ? median(invoked.map((s) => s.invokeMs!)) : undefined,
          totalMedianMs: ok.length ? median(ok.map((s) => s.importMs + (s.invokeMs ?? 0))) : undefined,
          outcomes: [...new Set(job.samples.map((s) => s.error ?? s.outcome ?? 'import only'))],
        };
      };

      const referenceTarget = (name: string): ColdTarget => {
        const job = referenceJobs[name]!;
        return { name, kind: 'reference', status: 'measured', bundle: bundles.get(name)!.info, importOnlyReason: 'reference: import only', ...summarizeJob(job) };
      };
      const allIn = referenceTarget('all-in bundle');
      const importBudgetMs = allIn.importMedianMs !== undefined ? allIn.importMedianMs * IMPORT_BUDGET_FRACTION : undefined;

      const functions: ColdTarget[] = selected.map((spec) => {
        const base = { name: spec.entry, kind: spec.kind, memoryMb: spec.memoryMb, triggers: spec.triggers };
        if (!spec.exists) return { ...base, status: 'missing', reason: `functions/${spec.entry}.ts does not exist yet`, samples: [] };
        const built = bundles.get(spec.entry)!;
        if (!built.info) return { ...base, status: 'bundle-failed', reason: built.error, samples: [] };
        const job = functionJobs.get(spec.entry)!;
        const summary = summarizeJob(job);
        const event = eventFiles.get(spec.entry);
        const importOnlyReason = !environment
          ? 'the local platform did not start'
          : spec.kind === 'migrations'
            ? 'deploy-time trigger (runs the migrations): import only'
            : event
              ? undefined
              : 'no sample event in events/';
        return {
          ...base,
          status: 'measured',
          bundle: built.info,
          ...(event ? { event } : {}),
          ...(importOnlyReason ? { importOnlyReason } : {}),
          ...summary,
          withinSizeBudget: built.info.bytes <= SIZE_BUDGET_BYTES,
          withinImportBudget: importBudgetMs !== undefined && summary.importMedianMs !== undefined ? summary.importMedianMs <= importBudgetMs : undefined,
        };
      });

      // 4. Which packages dominate, across the functions actually bundled.
      const measured = functions.filter((f) => f.bundle);
      const totals = new Map<string, { totalBytes: number; functions: number; shares: number[]; importedBy: Set<string> }>();
      for (const f of measured) {
        for (const p of f.bundle!.packages) {
          if (p.name.startsWith('(') && p.name !== '(project)') continue; // the "(n other packages)" line
          const entry = totals.get(p.name) ?? { totalBytes: 0, functions: 0, shares: [], importedBy: new Set<string>() };
          entry.totalBytes += p.bytes;
          entry.functions += 1;
          entry.shares.push(p.bytes / f.bundle!.bytes);
          for (const importer of f.bundle!.importedBy?.[p.name] ?? []) entry.importedBy.add(importer);
          totals.set(p.name, entry);
        }
      }
      const dominantPackages = [...totals.entries()]
        .map(([name, t]) => ({ name, totalBytes: t.totalBytes, functions: t.functions, medianShare: median(t.shares), importedBy: [...t.importedBy].sort() }))
        .sort((a, b) => b.totalBytes - a.totalBytes)
        .slice(0, 25);

      // The per-function importer lists are folded into dominantPackages above; dropped here to keep the file small.
      const stored = <T extends ColdTarget>(t: T): T => (t.bundle ? { ...t, bundle: { ...t.bundle, importedBy: undefined } } : t);
      return {
        banner,
        bannerSource,
        memory,
        runs: options.coldRuns,
        navigatorShim: navigatorShimEnabled(),
        ...(environmentNote ? { environmentNote } : {}),
        references: { empty: stored(referenceTarget('empty handler')), allIn: stored(allIn) },
        functions: functions.map(stored),
        dominantPackages,
        ...(importBudgetMs !== undefined ? { importBudgetMs } : {}),
      };
    } finally {
      await environment?.stop();
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
    unregisterWork();
  }
}

function round3(value: number): number {
  return Number.isFinite(value) ? Math.round(value * 1000) / 1000 : value;
}
