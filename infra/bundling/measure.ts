import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { functionInventory } from '../local/function-catalog';
import { bundleAliases, esbuildBuildOptions } from './options';

/** Minified size of every deployed function, bundled with the production options (one esbuild call per alias set). */
export interface FunctionBundleSize {
  readonly entry: string;
  readonly bytes: number;
  readonly metafile: esbuild.Metafile;
  readonly output: string;
}

export async function bundleEveryFunction(outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'abhi-ewa-bundles-'))): Promise<{ outdir: string; sizes: FunctionBundleSize[] }> {
  const { functions } = await functionInventory();
  const present = functions.filter((f) => f.exists);
  // One call per set of aliases (bundleAliases), each with all its entries (no code splitting: each output is linked
  // and tree-shaken on its own).
  const groups = new Map<string, typeof present>();
  for (const f of present) {
    const key = JSON.stringify(bundleAliases(f.entry));
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  const sizes: FunctionBundleSize[] = [];
  for (const group of groups.values()) {
    const result = await esbuild.build({
      ...esbuildBuildOptions(group[0]!.entry),
      entryPoints: group.map((f) => ({ in: f.file, out: `${f.entry}/index` })),
      outdir,
      outExtension: { '.js': '.mjs' },
      metafile: true,
    });
    for (const f of group) {
      const output = path.join(outdir, f.entry, 'index.mjs');
      sizes.push({ entry: f.entry, bytes: fs.statSync(output).size, metafile: result.metafile!, output });
    }
  }
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
