import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEnv } from '../support/env';
import { bundleFixture, type BundledFixture } from './support/bundled-fixture';

/**
 * #shared/db/pool as bundled for deployment: pg's index replaced by infra/bundling/pg-without-native.ts and pgpass
 * by a stub (ADR 0030). A bundle built with the production esbuild options runs a transaction and a pooled query on
 * the tests' PostgreSQL in a process of its own. (system/run-migrations' bundle, whose node-pg-migrate takes
 * pg.Client from the same module, runs in test/foundation/migrations.test.ts.)
 */
describe('the bundled pool without pg native client and pgpass (production esbuild options)', () => {
  let fixture: BundledFixture;
  let inputs: string[];

  beforeAll(async () => {
    fixture = await bundleFixture('pg-probe-handler');
    inputs = fixture.inputs;
  }, 60_000);
  afterAll(() => fixture?.remove());

  const run = (env: Record<string, string> = {}) =>
    fixture.run({ DATABASE_URL: testEnv().databaseUrl, NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS ?? '', ...env });

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
