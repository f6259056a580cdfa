import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';
import { esbuildBuildOptions } from '../../../infra/bundling/options';

export interface BundledFixture {
  /** The bundle file. */
  readonly file: string;
  /** Every input esbuild put into it (metafile paths). */
  readonly inputs: string[];
  /** Imports the bundle in a process of its own, with only `env` (and PATH), calls `handler()` and returns its result. */
  run(env: Record<string, string>): Promise<Record<string, unknown>>;
  remove(): void;
}

/** A fixture of test/infra/fixtures/ bundled with the production esbuild options (infra/bundling/options.ts). */
export async function bundleFixture(name: string): Promise<BundledFixture> {
  const dir = mkdtempSync(path.join(tmpdir(), `${name}-`));
  const file = path.join(dir, 'index.mjs');
  const result = await esbuild.build({ ...esbuildBuildOptions(), entryPoints: [path.resolve(import.meta.dirname, '..', 'fixtures', `${name}.ts`)], outfile: file, metafile: true });
  const script = `const m = await import(${JSON.stringify(pathToFileURL(file).href)}); console.log('RESULT ' + JSON.stringify(await m.handler()));`;
  return {
    file,
    inputs: Object.keys(result.metafile!.inputs),
    run: async (env) => {
      const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { env: { PATH: process.env.PATH, ...env } });
      return JSON.parse(stdout.split('\n').find((line) => line.startsWith('RESULT '))!.slice('RESULT '.length)) as Record<string, unknown>;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
