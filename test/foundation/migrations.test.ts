import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
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
});
