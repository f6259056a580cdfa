import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { esbuildBuildOptions } from '../../infra/bundling/options';
import { createDatabase } from '../../infra/local/services/postgres-local';
import { testEnv } from '../support/env';

describe('system/run-migrations (the deployment-time migration function) on real PostgreSQL', () => {
  it('migrates an empty database, creates the application role with data privileges only, and is repeatable', async () => {
    const url = await createDatabase(testEnv().postgresAdminUrl, `mig_${randomUUID().slice(0, 8)}`);
    const previous = process.env.DATABASE_URL;
    process.env.DATABASE_URL = url;
    process.env.DATABASE_APP_USER = 'abhi_app_test';
    try {
      const { handler } = await import('../../functions/system/run-migrations');
      const first = await handler();
      expect(first.applied.length).toBeGreaterThan(0);
      const second = await handler();
      expect(second.applied).toEqual([]);

      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const privileges = await client.query<{ privilege_type: string }>(
          "SELECT DISTINCT privilege_type FROM information_schema.role_table_grants WHERE grantee = 'abhi_app_test' AND table_name = 'advance_requests' ORDER BY 1",
        );
        expect(privileges.rows.map((r) => r.privilege_type)).toEqual(['DELETE', 'INSERT', 'SELECT', 'UPDATE']);
        const superuser = await client.query<{ rolsuper: boolean }>("SELECT rolsuper FROM pg_roles WHERE rolname = 'abhi_app_test'");
        expect(superuser.rows[0]?.rolsuper).toBe(false);
      } finally {
        await client.end();
      }
    } finally {
      process.env.DATABASE_URL = previous;
    }
  });

  it('the deployed bundle (production esbuild options: jiti and glob not bundled, ADR 0030) applies the .sql migrations from MIGRATIONS_DIR', async () => {
    const url = await createDatabase(testEnv().postgresAdminUrl, `migb_${randomUUID().slice(0, 8)}`);
    const dir = mkdtempSync(path.join(tmpdir(), 'run-migrations-bundle-'));
    try {
      const entry = 'system/run-migrations';
      const bundle = path.join(dir, 'index.mjs');
      await esbuild.build({ ...esbuildBuildOptions(entry), entryPoints: [path.resolve(import.meta.dirname, `../../functions/${entry}.ts`)], outfile: bundle, metafile: true }).then(({ metafile }) => {
        expect(Object.keys(metafile!.inputs).filter((input) => /node_modules\/(jiti|glob)\//.test(input))).toEqual([]);
      });
      // As in the deployment (infra/stacks/api-stack.ts): the SQL files copied next to the bundle.
      cpSync(path.resolve(import.meta.dirname, '../../functions/shared/db/migrations'), path.join(dir, 'migrations'), { recursive: true });
      const run = () =>
        promisify(execFile)(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(pathToFileURL(bundle).href)}); console.log('RESULT ' + JSON.stringify(await m.handler()));`], {
          env: { PATH: process.env.PATH, DATABASE_URL: url, DATABASE_APP_USER: 'abhi_app_bundle', MIGRATIONS_DIR: path.join(dir, 'migrations'), NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS ?? '' },
        }).then(({ stdout }) => JSON.parse(stdout.split('\n').find((l) => l.startsWith('RESULT '))!.slice('RESULT '.length)) as { applied: string[] });
      const first = await run();
      expect(first.applied.length).toBeGreaterThan(0);
      expect((await run()).applied).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
