import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getPool } from '#shared/db/pool';
import { generatedKey } from '../../infra/local/local-keys';
import { buildSeed } from '../../infra/local/abhi-sandbox/seed';
import { startAbhiSandbox, type AbhiSandbox } from '../../infra/local/abhi-sandbox/server';
import { startTestApi, type TestApi } from '../support/api';
import { abhiEmployeeInput, CREDENTIALS, instance, uniquePrefix } from '../abhi/helpers';
import { expectProblem, masterDataIds, sandboxIds, tokenFor, validEmployee } from './helpers';

/**
 * Restarts keep local state consistent (issue #17). `npm start` keeps PostgreSQL's data in `.local/postgres`; the
 * Abhi sandbox keeps its records beside it (`.local/abhi-sandbox/state.json`, infra/local/abhi-sandbox/persistence.ts),
 * so a second start neither forgets Abhi's side nor hands out the earlier run's ids again. Where Abhi's record under a
 * mirrored id still names another employee, the mirror refuses to take it over (502 + MirrorIdentityMismatch).
 */
const bankId = buildSeed().banks[0]!.id;

const employeeInput = (code: string) => abhiEmployeeInput(bankId, code);

describe('the Abhi sandbox keeps its records across a restart (state file)', () => {
  let dir: string;
  const running: AbhiSandbox[] = [];
  const start = async (stateFile?: string) => {
    const sandbox = await startAbhiSandbox({ port: 0, credentials: CREDENTIALS, rateLimit: false, stateFile });
    running.push(sandbox);
    return sandbox;
  };
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'abhi-ewa-sandbox-state-'));
  });
  afterAll(async () => {
    await Promise.allSettled(running.map((s) => s.stop()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("start, write, stop, start, write: the first run's records are back, the new ones get new ids", async () => {
    const file = path.join(dir, 'state.json');
    const first = await start(file);
    const one = instance(first, uniquePrefix()).client;
    await one.employees.create([employeeInput('RST-A')]);
    const a = (await one.employees.findByCode('RST-A'))!;
    const before = first.state().records;
    await first.stop();
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);

    const second = await start(file);
    const two = instance(second, uniquePrefix()).client;
    // Everything of the first run, money (bigint fils) included, is as it was.
    const after = second.state().records;
    expect(after.employees).toEqual(before.employees);
    expect(after.organizations).toEqual(before.organizations);
    expect(after.advances).toEqual(before.advances);
    expect(after.repayments).toEqual(before.repayments);
    expect((await two.employees.get(a.id)).employeeCode).toBe('RST-A');
    // The fleet user still logs in (its session did not survive: the token key is new).
    await two.employees.create([employeeInput('RST-B')]);
    const b = (await two.employees.findByCode('RST-B'))!;
    expect(b.id).not.toBe(a.id);
    expect(second.state().employees).toBe(before.employees.length + 1);

    // Without the file (what `npm start` did before): the sandbox starts from its seed and hands out the first
    // run's id again, to somebody else.
    const forgetful = await start();
    const three = instance(forgetful, uniquePrefix()).client;
    await three.employees.create([employeeInput('RST-C')]);
    expect((await three.employees.findByCode('RST-C'))!.id).toBe(a.id);
  });

  it('an unreadable state file stops the start with one sentence naming the fix', async () => {
    const file = path.join(dir, 'broken.json');
    fs.writeFileSync(file, '{"version":1,"domain":');
    await expect(start(file)).rejects.toThrow(/unreadable .*npm start -- --fresh/);
  });
});

describe('the generated keys survive a restart (data key, Abhi token key, webhook secret: `.local/keys/`)', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'abhi-ewa-keys-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('the first start generates a key readable by its owner only; later starts read the same one; a damaged file stops the start', async () => {
    const first = await generatedKey(dir, 'data-key');
    expect(first).toHaveLength(32);
    expect(fs.statSync(path.join(dir, 'data-key.key')).mode & 0o777).toBe(0o600);
    expect((await generatedKey(dir, 'data-key')).equals(first)).toBe(true);
    expect((await generatedKey(dir, 'abhi-token-key')).equals(first)).toBe(false);
    // Tests pass no directory: a fresh key each start.
    expect((await generatedKey(undefined, 'data-key')).equals(await generatedKey(undefined, 'data-key'))).toBe(false);
    fs.writeFileSync(path.join(dir, 'webhook-secret.key'), 'too-short');
    await expect(generatedKey(dir, 'webhook-secret')).rejects.toThrow(/webhook-secret\.key does not hold 32 bytes in base64: delete it/);
  });
});

describe('the mirror never takes over a row whose Abhi record names another employee', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ extraEnv: { RATE_LIMIT_ENABLED: 'false' } });
  }, 120_000);
  afterAll(async () => {
    await api?.stop();
  });

  it('a sandbox that forgot its records re-issues an id: creating answers 409, reading answers 502, the row keeps its person', async () => {
    const ids = { ...sandboxIds(api), ...(await masterDataIds(api)) };
    const hr = await tokenFor(api, 'hr_manager', ids.orgA);
    api.sandbox.reset(); // a fresh start of the sandbox: its id sequence from the beginning
    const first = await api.request('POST', '/api/v1/employees', { token: hr, body: validEmployee(ids.bankId, { firstName: 'Mariam' }) });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const id = first.body.id as string;

    api.sandbox.reset(); // Abhi's side starts over from its seed, the mirror keeps its rows (a restart before the fix)
    const secondBody = validEmployee(ids.bankId, { firstName: 'Omar' });
    const second = await api.request('POST', '/api/v1/employees', { token: hr, body: secondBody });
    const reissued = (api.sandbox.state().records.employees as { id: string; employeeCode: string }[]).find((e) => e.employeeCode === secondBody.employeeCode)!;
    expect(reissued.id, 'the sandbox did not re-issue the id; the scenario did not happen').toBe(id);
    expectProblem(second, 409, 'CONFLICT');

    const read = await api.request('GET', `/api/v1/employees/${id}`, { token: hr });
    expectProblem(read, 502, 'EXTERNAL_API_ERROR');
    expect(read.body.detail).toMatch(/belongs to another employee/);
    expect(JSON.stringify(read.body)).not.toMatch(/Omar/);
    const row = (await getPool().query<{ first_name: string; employee_code: string }>(`SELECT first_name, employee_code FROM employees WHERE id = $1`, [id])).rows[0]!;
    expect(row).toEqual({ first_name: 'Mariam', employee_code: first.body.employeeCode });
    const events = await getPool().query(`SELECT 1 FROM outbox WHERE type = 'employee.updated' AND payload->>'employeeId' = $1`, [id]);
    expect(events.rowCount).toBe(0);
  });
});
