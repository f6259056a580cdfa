import { describe, expect, it } from 'vitest';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoDocumentClient } from '#shared/adapters/dynamodb/client';
import { getPool } from '#shared/db/pool';
import { testEnv } from '../support/env';

describe('local stand-ins', () => {
  it('DynamoDB Local stores and returns an item in the state table', async () => {
    const env = testEnv();
    const pk = `TEST#${crypto.randomUUID()}`;
    await dynamoDocumentClient().send(new PutCommand({ TableName: env.stateTable, Item: { pk, sk: 'A', value: 42 } }));
    const { Item } = await dynamoDocumentClient().send(new GetCommand({ TableName: env.stateTable, Key: { pk, sk: 'A' } }));
    expect(Item?.value).toBe(42);
  });

  it('PostgreSQL is migrated and the ledger is append-only', async () => {
    const pool = getPool();
    const tables = await pool.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    );
    expect(tables.rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining(['organizations', 'employees', 'advance_requests', 'ledger_entries', 'audit_log', 'outbox']),
    );
    const org = `org-${crypto.randomUUID()}`;
    const emp = `emp-${crypto.randomUUID()}`;
    await pool.query('INSERT INTO organizations (id, name) VALUES ($1, $2)', [org, 'Append-only Test LLC']);
    await pool.query('INSERT INTO employees (id, organization_id, employee_code, first_name, last_name) VALUES ($1, $2, $3, $4, $5)', [emp, org, 'E1', 'A', 'B']);
    const inserted = await pool.query<{ id: number }>(
      "INSERT INTO ledger_entries (organization_id, employee_id, kind, amount, abhi_reference) VALUES ($1, $2, 'advance', 100.10, $3) RETURNING id",
      [org, emp, `ref-${emp}`],
    );
    await expect(pool.query('UPDATE ledger_entries SET amount = 1 WHERE id = $1', [inserted.rows[0]!.id])).rejects.toThrow(/append-only/);
    const stored = await pool.query<{ amount: string }>('SELECT amount FROM ledger_entries WHERE id = $1', [inserted.rows[0]!.id]);
    expect(stored.rows[0]!.amount).toBe('100.10');
  });
});
