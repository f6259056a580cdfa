/**
 * Does a shared Powertools layer help? Bundles layers/measure/handler.ts twice with the platform's esbuild settings
 * (ESM, minified, node22, createRequire banner):
 *   bundled  — Powertools inside the function bundle (what PlatformFunction does)
 *   external — Powertools left out, resolved from node_modules at run time (what a layer under /opt/nodejs does)
 * and reports the bundle size and the median of 5 cold imports, each in a fresh `node` process.
 *
 *   npx tsx layers/measure/measure.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { ESM_REQUIRE_BANNER } from '../../infra/constructs/platform-function';

const root = path.resolve(import.meta.dirname, '..', '..');
const entry = path.join(import.meta.dirname, 'handler.ts');
const RUNS = 5;

async function bundle(name: string, external: string[]): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), `layer-measure-${name}-`));
  // The external variant resolves Powertools like a layer would: from a node_modules folder beside the code.
  symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  const outfile = path.join(dir, 'index.mjs');
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    mainFields: ['module', 'main'],
    banner: { js: ESM_REQUIRE_BANNER },
    external,
    logLevel: 'warning',
  });
  return outfile;
}

function importMs(file: string): number {
  const script = `const t = performance.now(); const m = await import(${JSON.stringify(pathToFileURL(file).href)}); const ms = performance.now() - t; if (typeof m.handler !== 'function') throw new Error('no handler'); console.log(ms.toFixed(2));`;
  return Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }).trim());
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const variants = [
  { name: 'bundled', external: [] as string[] },
  { name: 'external (layer)', external: ['@aws-lambda-powertools/*'] },
];
console.log(`node ${process.version}, ${RUNS} fresh processes each, median import time`);
for (const variant of variants) {
  const file = await bundle(variant.name.split(' ')[0]!, variant.external);
  importMs(file); // warm the OS file cache once, as a provisioned sandbox would have it
  const times = Array.from({ length: RUNS }, () => importMs(file));
  const kb = statSync(file).size / 1024;
  console.log(`${variant.name.padEnd(18)} bundle ${kb.toFixed(1).padStart(7)} KB   import median ${median(times).toFixed(1).padStart(6)} ms   runs ${times.map((t) => t.toFixed(1)).join(', ')}`);
}
