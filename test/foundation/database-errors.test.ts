import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closePool, withTransaction } from '#shared/db/pool';
import { mapError } from '#shared/http/errors';

/**
 * Every PostgreSQL error class a repository can meet maps to a problem the client can act on, never a 500 (issue #17):
 * each error below is produced by real SQL on the test PostgreSQL, then mapped as the HTTP edge maps it.
 */
const schema = `dberr_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
let pool: pg.Pool;

async function failing(sql: string, params: unknown[] = [], client: Pick<pg.Pool, 'query'> = pool): Promise<Error> {
  try {
    await client.query(sql, params);
  } catch (error) {
    return error as Error;
  }
  throw new Error(`expected ${sql} to fail`);
}

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
  await pool.query(`CREATE SCHEMA ${schema}`);
  await pool.query(`CREATE TABLE ${schema}.organizations (id uuid PRIMARY KEY, name varchar(20) NOT NULL)`);
  await pool.query(`CREATE TABLE ${schema}.employees (
    id uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES ${schema}.organizations(id),
    employee_code text NOT NULL,
    net_salary numeric(10, 2) CHECK (net_salary > 0),
    UNIQUE (organization_id, employee_code))`);
  await pool.query(`CREATE TABLE ${schema}.slots (during box, EXCLUDE USING gist (during WITH &&))`);
  await pool.query(`CREATE TABLE ${schema}.counter (id int PRIMARY KEY, n int NOT NULL)`);
});

afterAll(async () => {
  await pool.query(`DROP SCHEMA ${schema} CASCADE`).catch(() => undefined);
  await pool.end();
  await closePool();
});

describe('PostgreSQL error classes become problem responses, never 500', () => {
  const org = randomUUID();
  beforeAll(async () => {
    await pool.query(`INSERT INTO ${schema}.organizations VALUES ($1, 'Acme')`, [org]);
    await pool.query(`INSERT INTO ${schema}.employees VALUES ($1, $2, 'EMP-SECRET-1', 100)`, [randomUUID(), org]);
  });

  it('23505 unique violation → 409 naming the fields, not the values', async () => {
    const error = await failing(`INSERT INTO ${schema}.employees VALUES ($1, $2, 'EMP-SECRET-1', 100)`, [randomUUID(), org]);
    expect((error as { code?: string }).code).toBe('23505');
    const mapped = mapError(error);
    expect(mapped).toMatchObject({ status: 409, code: 'CONFLICT', unexpected: false });
    expect(mapped.detail).toBe('A record with the same (organizationId, employeeCode) already exists.');
    expect(mapped.errors?.map((e) => e.field)).toEqual(['body.organizationId', 'body.employeeCode']);
    expect(JSON.stringify(mapped)).not.toMatch(/EMP-SECRET-1|employees_|INSERT/);
  });

  it('23505 on a primary key (the restarted-sandbox case: an id handed out twice) → 409', async () => {
    const error = await failing(`INSERT INTO ${schema}.organizations VALUES ($1, 'Again')`, [org]);
    expect(mapError(error)).toMatchObject({ status: 409, code: 'CONFLICT', detail: 'A record with the same (id) already exists.' });
  });

  it('23503 foreign key violation (missing parent, or parent still referenced) → 409', async () => {
    const missing = await failing(`INSERT INTO ${schema}.employees VALUES ($1, $2, 'EMP-2', 100)`, [randomUUID(), randomUUID()]);
    expect((missing as { code?: string }).code).toBe('23503');
    expect(mapError(missing)).toMatchObject({ status: 409, code: 'CONFLICT', detail: 'A related record (organizationId) does not exist or is still in use.' });
    const referenced = await failing(`DELETE FROM ${schema}.organizations WHERE id = $1`, [org]);
    expect(mapError(referenced)).toMatchObject({ status: 409, code: 'CONFLICT' });
  });

  it('23514 check violation and 23502 not-null violation → 422', async () => {
    const check = await failing(`INSERT INTO ${schema}.employees VALUES ($1, $2, 'EMP-3', -5)`, [randomUUID(), org]);
    expect((check as { code?: string }).code).toBe('23514');
    expect(mapError(check)).toMatchObject({ status: 422, code: 'VALIDATION_ERROR', unexpected: false });
    const notNull = await failing(`INSERT INTO ${schema}.organizations VALUES ($1, NULL)`, [randomUUID()]);
    expect((notNull as { code?: string }).code).toBe('23502');
    expect(mapError(notNull)).toMatchObject({ status: 422, code: 'VALIDATION_ERROR', errors: [{ field: 'body.name' }] });
  });

  it('23P01 exclusion violation → 409', async () => {
    await pool.query(`INSERT INTO ${schema}.slots VALUES (box(point(0,0), point(2,2)))`);
    const error = await failing(`INSERT INTO ${schema}.slots VALUES (box(point(1,1), point(3,3)))`);
    expect((error as { code?: string }).code).toBe('23P01');
    expect(mapError(error)).toMatchObject({ status: 409, code: 'CONFLICT' });
  });

  it('class 22 data exceptions (too long, out of range, malformed uuid) → 422', async () => {
    const cases = [
      [`INSERT INTO ${schema}.organizations VALUES ($1, repeat('x', 50))`, [randomUUID()], '22001'],
      [`INSERT INTO ${schema}.employees VALUES ($1, $2, 'EMP-4', 123456789012)`, [randomUUID(), org], '22003'],
      [`SELECT * FROM ${schema}.organizations WHERE id = $1`, ['not-a-uuid'], '22P02'],
    ] as const;
    for (const [sql, params, code] of cases) {
      const error = await failing(sql, [...params]);
      expect((error as { code?: string }).code).toBe(code);
      expect(mapError(error), code).toMatchObject({ status: 422, code: 'VALIDATION_ERROR', unexpected: false });
    }
  });

  it('55P03 lock not available and 57014 statement timeout → 503 with Retry-After', async () => {
    const holder = await pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT * FROM ${schema}.organizations WHERE id = $1 FOR UPDATE`, [org]);
      const locked = await failing(`SELECT * FROM ${schema}.organizations WHERE id = $1 FOR UPDATE NOWAIT`, [org]);
      expect((locked as { code?: string }).code).toBe('55P03');
      expect(mapError(locked)).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE', retryAfterSeconds: 1 });
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
    const client = await pool.connect();
    try {
      await client.query(`SET statement_timeout = 20`);
      const timeout = await failing(`SELECT pg_sleep(1)`, [], client);
      expect((timeout as { code?: string }).code).toBe('57014');
      expect(mapError(timeout)).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE' });
    } finally {
      await client.query(`RESET statement_timeout`);
      client.release();
    }
  });

  it('40001 serialization failure: withTransaction runs the transaction again and both writers succeed', async () => {
    await pool.query(`INSERT INTO ${schema}.counter VALUES (0, 0)`);
    let attempts = 0;
    let arrived = 0;
    let release!: () => void;
    const bothRead = new Promise<void>((resolve) => (release = resolve));
    // Write skew under SERIALIZABLE: both read the total, then both insert the next row. One must fail with 40001.
    const writer = (id: number) =>
      withTransaction(async (db) => {
        attempts++;
        await db.query('SET TRANSACTION ISOLATION LEVEL SERIALIZABLE');
        const { rows } = await db.query<{ total: number }>(`SELECT coalesce(sum(n), 0)::int AS total FROM ${schema}.counter`);
        if (++arrived === 2) release();
        if (arrived <= 2) await bothRead;
        await db.query(`INSERT INTO ${schema}.counter VALUES ($1, $2)`, [id, rows[0]!.total + 1]);
        return rows[0]!.total;
      });
    const totals = await Promise.all([writer(1), writer(2)]);
    expect(attempts).toBeGreaterThanOrEqual(3); // the loser ran again
    expect(totals.sort()).toEqual([0, 1]); // the retry saw the winner's row
    const { rows } = await pool.query(`SELECT n FROM ${schema}.counter ORDER BY n`);
    expect(rows.map((r) => r.n)).toEqual([0, 1, 2]);
  });

  it('a serialization failure that outlasts the retries → 503, not 500', async () => {
    const error = Object.assign(new Error('could not serialize access due to read/write dependencies among transactions'), { code: '40001', severity: 'ERROR' });
    expect(mapError(error)).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE', retryAfterSeconds: 1 });
  });
});
