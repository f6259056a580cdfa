import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { esbuildBuildOptions } from './options';

/**
 * ADR 0030's trial, to re-run when the Lambda runtime or the SDK changes:
 * `npx tsx infra/bundling/sdk-external-trial.ts [entry,entry,…] [runs]`.
 *
 * Bundles each function twice with the production options — as deployed (the SDK inside) and with `@aws-sdk/*`
 * external (what `bundleAwsSDK: false` deploys: the runtime's SDK, loaded from node_modules at INIT) — and imports
 * each bundle in fresh Node processes, interleaved so the machine's noise hits both alike. The bundles are written
 * under node_modules/.cache so the external imports resolve from this repository's node_modules, as they would from
 * the runtime's. Prints size and median import time per variant.
 */
const PROJECT_ROOT = path.resolve(import.meta.dirname, '../..');
const DEFAULT_ENTRIES = 'auth/authorize,system/get-health,master-data/list-banks,employees/list-employees,workflow/decide,events/invalidate-cache,employees/bulk-import-employees';
const VARIANTS = { bundled: [] as string[], 'sdk external': ['@aws-sdk/*'] };

const entries = (process.argv[2] ?? DEFAULT_ENTRIES).split(',');
const runs = Number(process.argv[3] ?? 7);
const outdir = path.join(PROJECT_ROOT, 'node_modules/.cache/sdk-external-trial');
fs.rmSync(outdir, { recursive: true, force: true });

const bundles: { variant: string; entry: string; file: string; samples: number[] }[] = [];
for (const [variant, external] of Object.entries(VARIANTS)) {
  for (const entry of entries) {
    const file = path.join(outdir, variant.replace(/\W+/g, '-'), entry, 'index.mjs');
    const options = esbuildBuildOptions(entry);
    await esbuild.build({ ...options, external: [...(options.external ?? []), ...external], entryPoints: [path.join(PROJECT_ROOT, 'functions', `${entry}.ts`)], outfile: file });
    bundles.push({ variant, entry, file, samples: [] });
  }
}

// Import only (the handler is not invoked): configuration that functions read at module scope gets placeholders.
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', STAGE: 'dev', AWS_REGION: 'me-central-1', AWS_ACCESS_KEY_ID: 'trial', AWS_SECRET_ACCESS_KEY: 'trial', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
for (let run = 0; run < runs; run++) {
  for (const bundle of bundles) {
    const script = `const t0 = performance.now(); await import(${JSON.stringify(pathToFileURL(bundle.file).href)}); console.log('IMPORT_MS ' + (performance.now() - t0));`;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' });
    bundle.samples.push(Number(output.split('\n').find((line) => line.startsWith('IMPORT_MS '))!.slice('IMPORT_MS '.length)));
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
console.log(`${'function'.padEnd(36)} ${Object.keys(VARIANTS).map((v) => `${v}: size, import`.padStart(28)).join('')}`);
for (const entry of entries) {
  const cells = Object.keys(VARIANTS).map((variant) => {
    const bundle = bundles.find((b) => b.entry === entry && b.variant === variant)!;
    return `${(fs.statSync(bundle.file).size / 1024).toFixed(0)} KB, ${median(bundle.samples).toFixed(1)} ms`.padStart(28);
  });
  console.log(`${entry.padEnd(36)} ${cells.join('')}`);
}
console.log(`${runs} fresh processes per bundle, interleaved; import only; load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' / ')}`);
fs.rmSync(outdir, { recursive: true, force: true });
