import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../infra/local/ports';
import { startPostgres } from '../../infra/local/services/postgres-local';

/**
 * Issue #17, the first hour: `npm start` (infra/local/start.ts, run as a process on free ports with its local state in
 * a temporary directory) meets a problem it cannot fix — no Java for DynamoDB Local, PostgreSQL's data directory in
 * use by another stack — prints one sentence, exits 1 and leaves no process behind.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function stateDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'abhi-ewa-start-'));
  dirs.push(dir);
  return dir;
}

/** Processes (still) carrying the start's marker in their environment, or naming its state directory. */
function processesOf(marker: string, dir: string): string[] {
  const found: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8');
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (environ.includes(`ABHI_START_PROBE=${marker}`) || cmdline.includes(dir)) found.push(`${pid}: ${cmdline.trim()}`);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

async function runStart(options: {
  dir: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  othersInDir?: boolean;
  /** Once the API answers, send SIGTERM to the start process alone (as `kill <pid>` does, unlike Ctrl-C's group). */
  killWhenServing?: boolean;
}): Promise<{ code: number | null; stdout: string; stderr: string; leftovers: string[] }> {
  const marker = randomUUID();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(await freePort()),
    ABHI_SANDBOX_PORT: String(await freePort()),
    ISSUER_PORT: String(await freePort()),
    LOCAL_STATE_DIR: options.dir,
    LOCAL_STACK_ENV_FILE: path.join(options.dir, 'stack-env.json'),
    ABHI_START_PROBE: marker,
    ...options.env,
  };
  // The test workers' shared server is not this stack's: it starts its own, as `npm start` does.
  delete env.DATABASE_URL;
  delete env.POSTGRES_ADMIN_URL;
  // Its own process group: should it start after all (the defect under test), Ctrl-C's signal stops the whole stack.
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts', ...(options.args ?? [])], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGINT'), options.killWhenServing ? 100_000 : 45_000);
  if (options.killWhenServing) {
    void (async () => {
      while (child.exitCode === null) {
        const serving = await fetch(`http://127.0.0.1:${env.PORT}/api/v1/health`).then((r) => r.ok, () => false);
        if (serving) return void child.kill('SIGTERM');
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    })();
  }
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve)).finally(() => clearTimeout(timer));
  // What the start stopped has had its chance to exit; what is still there after a moment was left behind.
  // (With `othersInDir`, another stack's server runs on the directory: only the marker tells ours apart.)
  const ours = () => processesOf(marker, options.othersInDir ? `${options.dir}/\0none` : options.dir);
  let leftovers = ours();
  for (let i = 0; i < 20 && leftovers.length > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    leftovers = ours();
  }
  // Found, they are reported; stopped, they do not outlive the test.
  for (const line of leftovers) {
    try {
      process.kill(Number(line.split(':')[0]), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return { code, stdout, stderr, leftovers };
}

/** A PATH with every command of this one except Java's. */
function pathWithoutJava(): string {
  const bin = stateDir();
  for (const dir of (process.env.PATH ?? '').split(':').filter(Boolean)) {
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      if (/^java/.test(name) || fs.existsSync(path.join(bin, name))) continue;
      fs.symlinkSync(path.join(dir, name), path.join(bin, name));
    }
  }
  return bin;
}

describe('npm start: a problem it cannot fix is one sentence, exit 1, nothing left running; a stop leaves nothing either', () => {
  it('no Java (DynamoDB Local needs it): names the JDK to install; PostgreSQL and the sandbox it started are stopped', async () => {
    const dir = stateDir();
    const env: NodeJS.ProcessEnv = { PATH: pathWithoutJava() };
    const result = await runStart({ dir, env: { ...env, JAVA_HOME: '' } });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr.trim().split('\n'), result.stderr).toEqual([
      'npm start failed: Java was not found: install a Java 17+ JDK (e.g. `apt-get install openjdk-17-jdk-headless`) so DynamoDB Local can run.',
    ]);
    expect(result.stdout).toBe('');
    expect(result.leftovers).toEqual([]);
  }, 90_000);

  // A whole start (about a minute on 2 busy cores): opt-in, like the suite's other heavy settings.
  it.runIf(process.env.START_STOP_TEST === '1')('a `kill` of the running start (SIGTERM to it alone) stops everything it started: sandbox, DynamoDB Local, PostgreSQL (START_STOP_TEST=1)', async () => {
    const result = await runStart({ dir: stateDir(), killWhenServing: true });
    expect(result.code, result.stderr).toBe(0);
    expect(result.leftovers).toEqual([]);
  }, 120_000);

  it('PostgreSQL data directory in use by another stack: names it and the process, and even --fresh wipes nothing', async () => {
    const dir = stateDir();
    const dataDir = path.join(dir, 'postgres');
    // Another stack's server on that directory (an embedded one: this worker's DATABASE_URL names the shared server).
    const shared = process.env.DATABASE_URL;
    delete process.env.DATABASE_URL;
    const holder = await startPostgres({ dataDir, persistent: true }).finally(() => {
      process.env.DATABASE_URL = shared;
    });
    try {
      const pid = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      const result = await runStart({ dir, args: ['--fresh'], othersInDir: true });
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr.trim().split('\n'), result.stderr).toEqual([
        `npm start failed: The local PostgreSQL data directory ${dataDir} is in use by a running PostgreSQL (pid ${pid}), most likely another \`npm start\` of this checkout: stop that one first (Ctrl-C in its terminal, or \`kill ${pid}\` if it was left behind).`,
      ]);
      expect(result.stdout).toBe('');
      // Nothing of the refused start runs, and the running server kept its data.
      expect(result.leftovers).toEqual([]);
      expect(fs.existsSync(path.join(dataDir, 'PG_VERSION'))).toBe(true);
      const client = new pg.Client({ connectionString: holder.adminUrl });
      await client.connect();
      try {
        expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      } finally {
        await client.end();
      }
    } finally {
      await holder.stop();
    }
  }, 90_000);
});
