import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functionInventory, loadSampleEvents, sampleEventFor } from '../../infra/local/function-catalog';
import { startTestApi, type TestApi } from '../support/api';

const ROOT = path.resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

describe('sample events (events/*.json)', () => {
  it('every deployed function has a sample event, and every sample event belongs to a function', async () => {
    const { functions } = await functionInventory();
    const events = loadSampleEvents();
    const claimed = new Set<string>();
    const without: string[] = [];
    for (const spec of functions) {
      if (spec.kind === 'migrations') continue; // a deployment trigger: CloudFormation's event, nothing to replay
      const sample = sampleEventFor(spec, events);
      if (sample) claimed.add(sample.file);
      else without.push(spec.entry);
    }
    expect(without, 'functions without a sample event').toEqual([]);
    // Every route's own API event is claimed, not only the first one of its entry.
    for (const e of events) {
      if (typeof e.event.httpMethod === 'string' && typeof e.event.resource === 'string' && e.event.type !== 'REQUEST') claimed.add(e.file);
    }
    // Variants of one function's event (approve/cancel, the check tasks' shared input) are claimed by their prefix.
    const orphans = events.map((e) => e.file).filter((file) => !claimed.has(file) && !/workflow-|update-status-/.test(file));
    expect(orphans, 'sample events no function uses').toEqual([]);
  });
});

describe('npm run invoke runs one handler against a running local stack', () => {
  let api: TestApi;
  let envFile: string;

  beforeAll(async () => {
    api = await startTestApi();
    envFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'invoke-')), 'stack-env.json');
    fs.writeFileSync(envFile, JSON.stringify(api.platform.env));
  });
  afterAll(async () => {
    await api?.stop();
  });

  const invoke = (...args: string[]) =>
    run(process.execPath, ['--import', 'tsx', 'infra/local/invoke.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, LOCAL_STACK_ENV_FILE: envFile },
      timeout: 60_000,
    });

  it('by entry: the health route answers 200 with its sample event', async () => {
    const { stdout } = await invoke('system/get-health');
    const result = JSON.parse(stdout);
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ status: 'ok' });
  });

  it('by event file: the banks list reaches the Abhi sandbox as the sample event’s principal', async () => {
    const { stdout } = await invoke('events/master-data-banks.json');
    const result = JSON.parse(stdout);
    expect(result.statusCode, result.body).toBe(200);
    expect(JSON.parse(result.body).items.length).toBeGreaterThan(0);
  });

  it('by event file: the sample events name the seeded organization and employee, so they find them', async () => {
    const { stdout } = await invoke('events/employees-get.json');
    const result = JSON.parse(stdout);
    expect(result.statusCode, result.body).toBe(200);
    expect(JSON.parse(result.body)).toMatchObject({ id: '44a31c0a-6447-4a56-8915-12f9bb5038b1', organizationId: 'b20dfeb2-3908-48ed-b50e-bfded0c927e6' });
  });

  it('an unknown function or a stopped stack is a one-line answer naming the fix, exit code 2', async () => {
    const unknown = await invoke('nope/nothing').catch((error: { code: number; stderr: string }) => error);
    expect(unknown).toMatchObject({ code: 2 });
    expect((unknown as { stderr: string }).stderr).toMatch(/^Unknown function "nope\/nothing"/);
    const stopped = await run(process.execPath, ['--import', 'tsx', 'infra/local/invoke.ts', 'system/get-health'], {
      cwd: ROOT,
      env: { ...process.env, LOCAL_STACK_ENV_FILE: path.join(os.tmpdir(), 'no-such-stack-env.json') },
    }).catch((error: { code: number; stderr: string }) => error);
    expect(stopped).toMatchObject({ code: 2 });
    expect((stopped as { stderr: string }).stderr).toContain('npm start');
  });
});
