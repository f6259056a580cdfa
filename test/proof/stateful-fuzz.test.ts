import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CACHE_KINDS } from '#shared/abhi/cache';
import { abhiClientFromEnv, invalidate } from '#shared/abhi/client';
import type { ApiServer } from '../../infra/local/api-server';
import { masterDataIds, validEmployee } from '../business/helpers';
import { startWorkflowTestApi, type WorkflowTestApi } from '../workflow/support';

/**
 * Issue #17 item 5: stateful, model-based fuzzing (fast-check commands) of the employee lifecycle over real HTTP on
 * the whole local platform. Commands: create, update, delete, duplicate create (same employee code), a restart of
 * the API (see below), an Abhi outage (the sandbox answers 503 on every employee path) and Abhi's recovery.
 * Invariants: after every command, no 5xx except 502/503 while an injected outage lasts (from the outage until the
 * employees breaker is closed again); every answer is the model's (201/200/409, or nothing changed on a 502/503);
 * after each sequence, once Abhi is back, the platform (GET /employees/{id}) and Abhi (the sandbox's records) both
 * equal the model.
 *
 * The restart is what this harness can do honestly in one process: the API server stops, the module registry is
 * reset (every handler module is evaluated again on its next import: configuration, database pool, Abhi client
 * and token, in-memory caches and limiter shares — a cold start), and a new API server takes the same port.
 * PostgreSQL, DynamoDB (shared token, breaker state, caches), the queues and the Abhi sandbox keep their state, as
 * they do when Lambda replaces an execution environment. The workflow runner and the queue consumers are not
 * restarted (they are other functions).
 *
 * Default: 5 sequences of up to 15 commands. STATEFUL_FUZZ_RUNS / STATEFUL_FUZZ_COMMANDS for more,
 * STATEFUL_FUZZ_SEED to replay a failure (fast-check prints the seed and the command sequence), STATEFUL_FUZZ_DEBUG=1
 * to print the sandbox's employee calls of a failing sequence.
 */
const RUNS = Number(process.env.STATEFUL_FUZZ_RUNS ?? 5);
const MAX_COMMANDS = Number(process.env.STATEFUL_FUZZ_COMMANDS ?? 15);
const SEED = process.env.STATEFUL_FUZZ_SEED ? Number(process.env.STATEFUL_FUZZ_SEED) : undefined;
const OPEN_MS = 1_500;
const EMPLOYEE_PATHS = ['/employees', '/employees/*'];

let api: WorkflowTestApi;
let server: ApiServer;
let bankId: string;
let organizationId: string;
let hr: string;
let restarts = 0;
const seen = new Map<string, number>();

beforeAll(async () => {
  api = await startWorkflowTestApi({
    extraEnv: { ABHI_BREAKER_OPEN_MS: String(OPEN_MS), RATE_LIMIT_ENABLED: 'false', POWERTOOLS_LOG_LEVEL: 'ERROR' },
  });
  server = api.platform.api;
  ({ bankId } = await masterDataIds(api));
  organizationId = api.employees[0]!.organizationId;
  hr = await api.token({ role: 'hr_manager', org: organizationId });
}, 120_000);

afterAll(async () => {
  api?.sandbox.setFaults({});
  await server?.stop();
  // The pool of the handlers loaded since the last restart (the platform closes only the first one).
  if (restarts > 0) await (await import('#shared/db/pool')).closePool();
  await api?.stop();
  console.info(`stateful fuzz: ${restarts} restarts; answers ${JSON.stringify(Object.fromEntries(seen))}`);
});

// ------------------------------------------------------------------------------------------------ model

interface ModelEmployee {
  id: string;
  code: string;
  designation: string;
  department: string;
  netSalary: number;
}
interface Model {
  live: ModelEmployee[];
  deleted: ModelEmployee[];
  /** none; down: Abhi answers 503; recovering: Abhi is back, the employees breaker not yet closed. */
  abhi: 'none' | 'down' | 'recovering';
}
interface Real {
  readonly run: number;
}

type Answer = { status: number; headers: Headers; body: any };

async function send(method: string, path: string, body?: unknown): Promise<Answer> {
  const answer = await api.request(method, path, { token: hr, ...(body === undefined ? {} : { body }) });
  const key = `${method} ${path.replace(/[0-9a-f-]{36}/, '{id}')} ${answer.status}`;
  seen.set(key, (seen.get(key) ?? 0) + 1);
  return answer;
}

/**
 * The invariant every command checks first. Returns true when the platform answered 502/503 during an outage (the
 * command then changed nothing and the model stays as it was).
 */
async function refusedByOutage(model: Model, answer: Answer, what: string): Promise<boolean> {
  if (answer.status < 500) return false;
  expect(model.abhi, `${what}: ${answer.status} without an outage: ${JSON.stringify(answer.body)}`).not.toBe('none');
  expect([502, 503], `${what}: ${JSON.stringify(answer.body)}`).toContain(answer.status);
  expect(answer.headers.get('content-type') ?? '').toContain('application/problem+json');
  return true;
}

/** After a normal answer while recovering: the outage is over once the employees breaker is closed again. */
async function noteRecovery(model: Model): Promise<void> {
  if (model.abhi === 'recovering' && (await abhiClientFromEnv().breakerState('employees')).state === 'closed') model.abhi = 'none';
}

const designations = ['Accountant', 'Driver', 'Nurse', 'Engineer', 'Cashier'];
const departments = ['Finance', 'Logistics', 'Care', 'Operations'];

class CreateEmployee implements fc.AsyncCommand<Model, Real> {
  constructor(readonly designation: string, readonly department: string, readonly salary: number) {}
  check = () => true;
  async run(model: Model): Promise<void> {
    const body = validEmployee(bankId, { designation: this.designation, department: this.department, netSalary: this.salary });
    const answer = await send('POST', '/api/v1/employees', body);
    if (await refusedByOutage(model, answer, 'create')) return;
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    expect(answer.body).toMatchObject({ employeeCode: body.employeeCode, designation: this.designation, netSalary: this.salary });
    model.live.push({ id: answer.body.id, code: String(body.employeeCode), designation: this.designation, department: this.department, netSalary: this.salary });
    await noteRecovery(model);
  }
  toString = () => `create(${this.designation}, ${this.department}, ${this.salary})`;
}

class DuplicateCreate implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check = (model: Readonly<Model>) => model.live.length > 0;
  async run(model: Model): Promise<void> {
    const existing = model.live[this.pick % model.live.length]!;
    const answer = await send('POST', '/api/v1/employees', validEmployee(bankId, { employeeCode: existing.code }));
    if (await refusedByOutage(model, answer, 'duplicate create')) return;
    expect(answer.status, JSON.stringify(answer.body)).toBe(409);
    expect(answer.headers.get('content-type') ?? '').toContain('application/problem+json');
  }
  toString = () => `duplicateCreate(#${this.pick})`;
}

class UpdateEmployee implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number, readonly designation: string, readonly salary: number) {}
  check = (model: Readonly<Model>) => model.live.length > 0;
  async run(model: Model): Promise<void> {
    const target = model.live[this.pick % model.live.length]!;
    const answer = await send('PUT', `/api/v1/employees/${target.id}`, { designation: this.designation, netSalary: this.salary });
    if (await refusedByOutage(model, answer, 'update')) return;
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toMatchObject({ id: target.id, designation: this.designation, netSalary: this.salary });
    target.designation = this.designation;
    target.netSalary = this.salary;
    await noteRecovery(model);
  }
  toString = () => `update(#${this.pick}, ${this.designation}, ${this.salary})`;
}

class DeleteEmployee implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check = (model: Readonly<Model>) => model.live.length > 0;
  async run(model: Model): Promise<void> {
    const index = this.pick % model.live.length;
    const target = model.live[index]!;
    const answer = await send('DELETE', `/api/v1/employees/${target.id}`);
    if (await refusedByOutage(model, answer, 'delete')) return;
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toEqual({ id: target.id, status: 'deleted' });
    model.live.splice(index, 1);
    model.deleted.push(target);
    await noteRecovery(model);
  }
  toString = () => `delete(#${this.pick})`;
}

class Restart implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(): Promise<void> {
    await restartApi();
  }
  toString = () => 'restart';
}

class AbhiOutage implements fc.AsyncCommand<Model, Real> {
  check = (model: Readonly<Model>) => model.abhi !== 'down';
  async run(model: Model): Promise<void> {
    api.sandbox.setFaults({ errorRate: 1, status: 503, paths: EMPLOYEE_PATHS });
    model.abhi = 'down';
  }
  toString = () => 'abhiOutage';
}

class AbhiRecovers implements fc.AsyncCommand<Model, Real> {
  check = (model: Readonly<Model>) => model.abhi === 'down';
  async run(model: Model): Promise<void> {
    api.sandbox.setFaults({});
    model.abhi = 'recovering';
  }
  toString = () => 'abhiRecovers';
}

/** Cold start of every API handler on the same port (see the file comment). */
async function restartApi(): Promise<void> {
  const port = Number(new URL(api.url).port);
  const before = await import('#shared/db/pool');
  await server.stop();
  // Let the client notice the closed keep-alive connections (a restarted server drops them, as a deploy does).
  await new Promise((r) => setTimeout(r, 100));
  vi.resetModules();
  // The reset is real: a module imported from now on is a new instance (the new server's handlers get new ones too).
  expect(await import('#shared/db/pool')).not.toBe(before);
  const { startApiServer } = await import('../../infra/local/api-server');
  server = await startApiServer({ port });
  restarts += 1;
}

/** Abhi back and the employees breaker closed: GETs that reach Abhi (caches dropped) until it is. */
async function recoverFully(model: Model): Promise<void> {
  api.sandbox.setFaults({});
  if (model.abhi === 'none') return;
  const probe = api.employees[0]!.id;
  const deadline = Date.now() + OPEN_MS + 10_000;
  while (Date.now() < deadline) {
    for (const kind of CACHE_KINDS) await invalidate(kind);
    const answer = await send('GET', `/api/v1/employees/${probe}`);
    expect([200, 502, 503], JSON.stringify(answer.body)).toContain(answer.status);
    if (answer.status === 200 && (await abhiClientFromEnv().breakerState('employees')).state === 'closed') {
      model.abhi = 'none';
      return;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`The employees breaker did not close within ${OPEN_MS + 10_000} ms of Abhi coming back.`);
}

/** The platform and Abhi both equal the model. */
async function expectStateEqualsModel(model: Model): Promise<void> {
  const atAbhi = new Map((api.sandbox.state().records.employees as { id: string; employeeCode: string; designation: string; department: string; netSalary: string }[]).map((e) => [e.id, e]));
  for (const employee of model.live) {
    const answer = await send('GET', `/api/v1/employees/${employee.id}`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toMatchObject({ id: employee.id, employeeCode: employee.code, designation: employee.designation, department: employee.department, netSalary: employee.netSalary, status: 'active' });
    const record = atAbhi.get(employee.id);
    expect(record).toMatchObject({ employeeCode: employee.code, designation: employee.designation, department: employee.department });
    // Abhi's netSalary is text ("5000", "7250.50"): compared as an amount in fils.
    expect(Math.round(Number(record!.netSalary) * 100)).toBe(Math.round(employee.netSalary * 100));
  }
  for (const employee of model.deleted) {
    expect((await send('GET', `/api/v1/employees/${employee.id}`)).status).toBe(404);
    expect(atAbhi.has(employee.id)).toBe(false);
  }
  // Nothing the model does not know: exactly one Abhi record per live employee code of this sequence.
  const codes = new Set([...model.live, ...model.deleted].map((e) => e.code));
  const records = [...atAbhi.values()].filter((e) => codes.has(e.employeeCode));
  expect(records.map((e) => e.id).sort()).toEqual(model.live.map((e) => e.id).sort());
}

const salary = fc.integer({ min: 300_000, max: 2_500_000 }).map((fils) => fils / 100);
const create = fc.tuple(fc.constantFrom(...designations), fc.constantFrom(...departments), salary).map(([d, dep, s]) => new CreateEmployee(d, dep, s));
// fc.commands picks uniformly among these: create is listed twice so that most sequences have employees to work on.
const commands = [
  create,
  create,
  fc.nat().map((pick) => new DuplicateCreate(pick)),
  fc.tuple(fc.nat(), fc.constantFrom(...designations), salary).map(([pick, d, s]) => new UpdateEmployee(pick, d, s)),
  fc.nat().map((pick) => new DeleteEmployee(pick)),
  fc.constant(new Restart()),
  fc.constant(new AbhiOutage()),
  fc.constant(new AbhiRecovers()),
];

describe('stateful fuzzing of the employee lifecycle (fast-check commands, real HTTP, restarts, Abhi outages)', () => {
  it(`${RUNS} sequences of up to ${MAX_COMMANDS} commands: no 5xx but 502/503 during an outage, state equal to the model`, async () => {
    let run = 0;
    const sequences: string[] = [];
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: MAX_COMMANDS, size: 'max' }), async (sequence) => {
        const model: Model = { live: [], deleted: [], abhi: 'none' };
        try {
          await fc.asyncModelRun(() => ({ model, real: { run: run++ } }), sequence);
          sequences.push(String(sequence));
          await recoverFully(model);
          await expectStateEqualsModel(model);
        } catch (error) {
          if (process.env.STATEFUL_FUZZ_DEBUG) console.info(api.sandbox.state().requestLog.filter((e) => e.path.startsWith('/employees')).map((e) => `${e.at} ${e.method} ${e.path} ${e.status} ${e.fault ?? ''}`).join('\n'));
          throw error;
        } finally {
          api.sandbox.setFaults({});
        }
      }),
      {
        numRuns: RUNS,
        endOnFailure: true,
        ...(SEED !== undefined ? { seed: SEED } : {}),
        // One fixed sequence with every kind of command runs first, so even the default setting meets a restart
        // during an outage, writes refused by it, and the recovery.
        examples: [
          [
            [
              new CreateEmployee('Driver', 'Logistics', 5000),
              new CreateEmployee('Nurse', 'Care', 7250.5),
              new AbhiOutage(),
              new UpdateEmployee(0, 'Cashier', 6100.25),
              new Restart(),
              new CreateEmployee('Engineer', 'Operations', 9000),
              new DeleteEmployee(1),
              new AbhiRecovers(),
              new DuplicateCreate(0),
              new UpdateEmployee(1, 'Accountant', 8800),
              new Restart(),
              new DeleteEmployee(0),
              new CreateEmployee('Cashier', 'Finance', 4321.09),
            ],
          ],
        ],
      },
    );
    console.info(`stateful fuzz sequences:\n${sequences.join('\n')}`);
    // The mix really ran: restarts, and writes refused during the outage.
    expect(restarts).toBeGreaterThanOrEqual(2);
    expect([...seen.keys()].filter((k) => /^(POST|PUT|DELETE) .* 50[23]$/.test(k)).length).toBeGreaterThan(0);
  }, 240_000);
});
