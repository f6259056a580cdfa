import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DeleteItemCommand, DeleteTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRestoreDrill, type DrillTarget } from '../../infra/local/drill-restore';
import { LOCAL_AWS } from '../../infra/local/services/aws-local';
import { FINAL, startWorkflowTestApi, type WorkflowTestApi } from '../workflow/support';

/**
 * Issue #15 (4): `npm run drill:restore` (infra/local/drill-restore.ts) on a stack with real data — advances through
 * the workflow (ledger entries, outbox events, idempotency records, audit rows) — dumps PostgreSQL and DynamoDB,
 * restores them into a fresh database and fresh tables, and finds every comparison equal; a restore damaged on
 * purpose (a ledger amount, an outbox event, an idempotency record) is reported as not matching.
 */

let api: WorkflowTestApi;
let target: DrillTarget;

beforeAll(async () => {
  api = await startWorkflowTestApi();
  target = {
    databaseUrl: api.platform.env.DATABASE_URL!,
    dynamoEndpoint: api.platform.env.AWS_ENDPOINT_URL_DYNAMODB!,
    tables: { state: api.platform.env.STATE_TABLE_NAME!, idempotency: api.platform.env.IDEMPOTENCY_TABLE_NAME! },
  };
  // Advances of employees of two organizations, each with its own Idempotency-Key, run to the end.
  const byOrganization = new Map<string, (typeof api.employees)[number]>();
  for (const employee of api.employees) if (!byOrganization.has(employee.organizationId)) byOrganization.set(employee.organizationId, employee);
  const employees = [...byOrganization.values()].slice(0, 2);
  expect(employees).toHaveLength(2);
  const ids = await Promise.all(
    employees.flatMap((employee) =>
      [30].map(async (amount) => {
        const response = await api.requestAdvance(await api.employeeToken(employee), { employeeId: employee.id, amount });
        expect(response.status, JSON.stringify(response.body)).toBe(202);
        return response.body.id as string;
      }),
    ),
  );
  for (const id of ids) expect((await api.waitForStatus(id, FINAL)).status).toBe('COMPLETED');
  // A denied read of another tenant's advance: an audit row.
  const denied = await api.request('GET', `/api/v1/transactions/${ids[1]}`, { token: await api.employeeToken(employees[0]!) });
  expect(denied.status).toBe(404);
  await api.drainQueues();
  expect((await api.db.query(`SELECT count(*)::int AS n FROM audit_log`)).rows[0].n).toBeGreaterThan(0);
});

afterAll(async () => {
  await api?.stop();
});

describe('restore drill', () => {
  it('restores PostgreSQL and DynamoDB into fresh instances and every comparison matches (ledger per organization, outbox, idempotency, audit log, all tables)', async () => {
    const lines: string[] = [];
    const report = await runRestoreDrill(target, { log: (line) => lines.push(line) });
    const failed = report.comparisons.filter((c) => !c.match);
    expect(failed, lines.join('\n')).toEqual([]);
    expect(report.ok).toBe(true);

    const fact = (name: string) => report.comparisons.find((c) => c.name === name)?.source;
    // Non-vacuous: the data the drill compared is the data the flow made.
    const ledger = await api.db.query(`SELECT organization_id, count(*)::int AS n FROM ledger_entries GROUP BY 1`);
    expect(ledger.rows.length).toBeGreaterThanOrEqual(2);
    for (const row of ledger.rows) expect(fact(`ledger totals of organization ${row.organization_id}`)).toMatch(/advance \d+ = \d+\.\d{2}/);
    expect(fact('outbox')).toMatch(/^[1-9]\d* rows/);
    expect(fact('audit_log')).toMatch(/^[1-9]\d* rows/);
    expect(fact('idempotency records (DynamoDB)')).toMatch(/^[1-9]\d* items/);
    expect(fact('idempotency keys of advance requests')).toMatch(/^[1-9]\d* keys/);
    // It printed what it compared, and cleaned up after itself.
    expect(lines.some((line) => line.startsWith('OK   ledger totals of organization'))).toBe(true);
    expect(lines.at(-1)).toMatch(/^Restore verified: \d+ comparisons match\.$/);
    const admin = new pg.Client({ connectionString: target.databaseUrl });
    await admin.connect();
    try {
      expect((await admin.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [report.restoredDatabase])).rowCount).toBe(0);
    } finally {
      await admin.end();
    }
  });

  it('reports a damaged restore: a changed ledger amount, a lost outbox event and a lost idempotency record are each found', async () => {
    const report = await runRestoreDrill(target, {
      afterRestore: async ({ databaseUrl, tables, dynamo }) => {
        const client = new pg.Client({ connectionString: databaseUrl });
        await client.connect();
        try {
          // The ledger is append-only: the damage needs the triggers off, as a bad restore tool would have them.
          await client.query(`BEGIN; SET LOCAL session_replication_role = replica`);
          await client.query(`UPDATE ledger_entries SET amount = amount + 0.01 WHERE id = (SELECT min(id) FROM ledger_entries)`);
          await client.query(`DELETE FROM outbox WHERE id = (SELECT id FROM outbox ORDER BY id LIMIT 1)`);
          await client.query('COMMIT');
        } finally {
          await client.end();
        }
        const items = (await dynamo.send(new ScanCommand({ TableName: tables.idempotency!, Limit: 1 }))).Items!;
        await dynamo.send(new DeleteItemCommand({ TableName: tables.idempotency!, Key: { id: items[0]!.id! } }));
      },
    });
    expect(report.ok).toBe(false);
    const differing = report.comparisons.filter((c) => !c.match).map((c) => c.name);
    expect(differing.some((name) => name.startsWith('ledger totals of organization'))).toBe(true);
    expect(differing).toEqual(expect.arrayContaining(['table ledger_entries', 'outbox', 'idempotency records (DynamoDB)']));
    expect(differing).not.toContain('audit_log');
  });

  it('`npm run drill:restore` runs against the stack named by the stack environment file, prints the comparisons and exits 0', async () => {
    const envFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'drill-env-')), `stack-env-${randomUUID()}.json`);
    fs.writeFileSync(envFile, JSON.stringify(api.platform.env));
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile('npm', ['run', '-s', 'drill:restore'], { env: { ...process.env, LOCAL_STACK_ENV_FILE: envFile }, timeout: 90_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    fs.rmSync(path.dirname(envFile), { recursive: true, force: true });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^OK {3}ledger totals of organization /m);
    expect(result.stdout).toMatch(/^OK {3}outbox: /m);
    expect(result.stdout).toMatch(/^OK {3}idempotency records \(DynamoDB\): /m);
    expect(result.stdout).toMatch(/^OK {3}audit_log: /m);
    expect(result.stdout).toMatch(/Restore verified/);
  });

  // Last in the file: the reader pool is created on its first use, which is here (no list route ran before).
  it('read-only routes read from the reader pool: a reader behind the writer (a restored copy) misses a new advance in the employer list; the advance itself and the employee\'s own list come from the writer', async () => {
    const copy = await runRestoreDrill(target, { keep: true });
    expect(copy.ok).toBe(true);
    const readerUrl = new URL(target.databaseUrl);
    readerUrl.pathname = `/${copy.restoredDatabase}`;
    process.env.DATABASE_READER_URL = readerUrl.toString();
    const dynamo = new DynamoDBClient({ endpoint: target.dynamoEndpoint, ...LOCAL_AWS });
    try {
      const employee = api.employees[0]!;
      const advance = await api.requestAdvance(await api.employeeToken(employee), { employeeId: employee.id, amount: 20 });
      expect(advance.status).toBe(202);
      expect((await api.waitForStatus(advance.body.id, FINAL)).status).toBe('COMPLETED');
      const finance = await api.financeToken(employee.organizationId);
      const employerList = await api.request('GET', '/api/v1/transactions?limit=100', { token: finance });
      expect(employerList.status).toBe(200);
      const listed = (employerList.body.items as { id: string }[]).map((t) => t.id);
      expect(listed.length).toBeGreaterThan(0); // the copy's advances
      expect(listed).not.toContain(advance.body.id);
      const own = await api.request('GET', `/api/v1/transactions/employee/${employee.id}?limit=100`, { token: await api.employeeToken(employee) });
      expect((own.body.items as { id: string }[]).map((t) => t.id)).toContain(advance.body.id);
    } finally {
      process.env.DATABASE_READER_URL = target.databaseUrl;
      const admin = new pg.Client({ connectionString: target.databaseUrl });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(copy.restoredDatabase)} WITH (FORCE)`).finally(() => admin.end());
      await Promise.allSettled(Object.values(copy.restoredTables).map((name) => dynamo.send(new DeleteTableCommand({ TableName: name }))));
      dynamo.destroy();
      fs.rmSync(copy.dumpDir, { recursive: true, force: true });
    }
  });
});
