import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { esbuildBuildOptions } from '../../infra/bundling/options';
import { testEnv } from '../support/env';

/**
 * #shared/db/pool as bundled for deployment: pg's index replaced by infra/bundling/pg-without-native.ts and pgpass
 * by a stub (ADR 0030). A bundle built with the production esbuild options runs a transaction and a pooled query on
 * the tests' PostgreSQL in a process of its own. (system/run-migrations' bundle, whose node-pg-migrate takes
 * pg.Client from the same module, runs in test/foundation/migrations.test.ts.)
 */
describe('the bundled pool without pg native client and pgpass (production esbuild options)', () => {
  let dir: string;
  let bundle: string;
  let inputs: string[];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'pg-bundle-'));
    bundle = path.join(dir, 'index.mjs');
    const result = await esbuild.build({ ...esbuildBuildOptions(), entryPoints: [path.resolve(import.meta.dirname, 'fixtures/pg-probe-handler.ts')], outfile: bundle, metafile: true });
    inputs = Object.keys(result.metafile!.inputs);
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = (env: Record<string, string> = {}) =>
    promisify(execFile)(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(pathToFileURL(bundle).href)}); console.log('RESULT ' + JSON.stringify(await m.handler()));`], {
      env: { PATH: process.env.PATH, DATABASE_URL: testEnv().databaseUrl, NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS ?? '', ...env },
    }).then(({ stdout }) => JSON.parse(stdout.split('\n').find((l) => l.startsWith('RESULT '))!.slice('RESULT '.length)) as Record<string, unknown>);

  it("bundles pg's client and pool, not its index, its native client or pgpass", () => {
    expect(inputs.filter((input) => /node_modules\/(pg\/lib\/(index\.js|native\/)|pg\/esm\/|pgpass\/|split2\/)/.test(input))).toEqual([]);
    expect(inputs.filter((input) => /node_modules\/(pg\/lib\/client\.js|pg-pool\/)/.test(input)).length).toBeGreaterThan(0);
    expect(inputs.some((input) => input.endsWith('infra/bundling/pg-without-native.ts'))).toBe(true);
  });

  it("runs a transaction and a pooled query on PostgreSQL; the pool's INT8 parser applies to the client's pg-types, NUMERIC stays a string", async () => {
    expect(await run()).toEqual({
      count: 2,
      total: '12.75',
      big: 9007199254740991,
      native: null,
      defaults: 'pg.defaults is not bundled in this function (infra/bundling/pg-without-native.ts): use pg.Client, pg.Pool or pg.types.',
    });
  });

  it('fails loudly at import when the native client is forced (NODE_PG_FORCE_NATIVE)', async () => {
    await expect(run({ NODE_PG_FORCE_NATIVE: '1' })).rejects.toThrow(/pg\.native \(NODE_PG_FORCE_NATIVE is set\) is not bundled/);
  });
});
