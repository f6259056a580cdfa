import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { functionInventory } from '../local/function-catalog';
import { esbuildBuildOptions } from './options';

/** Minified size of every deployed function, bundled in one esbuild call with the production options. */
export interface FunctionBundleSize {
  readonly entry: string;
  readonly bytes: number;
  readonly metafile: esbuild.Metafile;
  readonly output: string;
}

export async function bundleEveryFunction(outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'abhi-ewa-bundles-'))): Promise<{ outdir: string; sizes: FunctionBundleSize[] }> {
  const { functions } = await functionInventory();
  const present = functions.filter((f) => f.exists);
  // One call with every entry (no code splitting: each output is linked and tree-shaken on its own).
  const result = await esbuild.build({
    ...esbuildBuildOptions(),
    entryPoints: present.map((f) => ({ in: f.file, out: `${f.entry}/index` })),
    outdir,
    outExtension: { '.js': '.mjs' },
    metafile: true,
  });
  const sizes = present.map((f) => {
    const output = path.join(outdir, f.entry, 'index.mjs');
    return { entry: f.entry, bytes: fs.statSync(output).size, metafile: result.metafile!, output };
  });
  return { outdir, sizes };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

// `npx tsx infra/bundling/measure.ts`: the sizes, largest first.
if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const t0 = performance.now();
  const { outdir, sizes } = await bundleEveryFunction();
  for (const s of [...sizes].sort((a, b) => b.bytes - a.bytes)) console.log(`${(s.bytes / 1024).toFixed(0).padStart(5)} KB  ${s.entry}`);
  console.log(`median ${(median(sizes.map((s) => s.bytes)) / 1024).toFixed(0)} KB, ${sizes.length} functions, ${(performance.now() - t0).toFixed(0)} ms`);
  fs.rmSync(outdir, { recursive: true, force: true });
}
