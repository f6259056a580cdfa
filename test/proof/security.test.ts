import { createHash, randomUUID } from 'node:crypto';
import { signWebhook } from '#shared/use-cases/webhooks/abhi-webhook';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fieldCipher } from '#shared/crypto/field-encryption';
import { ROUTES, type Role } from '#shared/routes';
import type { SeedEmployee } from '../../infra/local/abhi-sandbox/seed';
import { LOCAL_AWS } from '../../infra/local/services/aws-local';
import { SANDBOX_CREDENTIALS } from '../support/api';
import { emiratesId, employeeCode, masterDataIds, validEmployee } from '../business/helpers';
import { FINAL, startWorkflowTestApi, type WorkflowTestApi } from '../workflow/support';
import { captureProcessOutput } from '../support/log-capture';

/**
 * Proof suite (issue #8), part 1: security properties of the whole platform over real HTTP (local API gateway,
 * authorizer, real handlers, PostgreSQL, DynamoDB Local, Step Functions local, the Abhi sandbox).
 *
 *  (a) cross-tenant: every org-scoped role of organization A gets 404 — never 403, never data — for B's employee,
 *      transaction, job, organization, statistics, statement and balance, reads and writes alike; the 404 is
 *      indistinguishable from a missing id's, is audited as a denial, and changes nothing; lists never show B's rows;
 *      an organization admin reaches its descendants (child and grandchild), never its parent or siblings.
 *  (b) cross-employee: an employee reads only their own profile, transactions, balance and statement (404 for a
 *      colleague's or another tenant's ids), cannot request or validate for someone else, cannot approve their own
 *      advance, and cannot touch a colleague's.
 *  (c) the Abhi webhook (functions/webhooks/README.md): forged, tampered, stale, future, re-timestamped and malformed
 *      deliveries are 401 problem+json with one indistinguishable answer and change nothing; a forged call cannot
 *      burn an event id; an exact replay (and a replay under a new event id) has no second effect.
 *  (d) secrets and personal data never reach the logs: everything the in-process handlers write to stdout/stderr or
 *      the console during a realistic flow (Abhi login and forced re-login, employee create/update with Emirates ID
 *      and IBAN, a duplicate, an Abhi outage, an advance, a bulk import, an organization with generated portal
 *      credentials, a forged webhook) is scanned for tokens, passwords, secrets, Emirates IDs and account numbers.
 *  (e) security headers on every kind of answer (2xx, 201/202, 204 preflight, handler problems 4xx/5xx, gateway
 *      404/401/403) and no internals (stack traces, hosts, SQL, paths) in error bodies.
 *
 * Not repeated here: the route × role matrix (test/foundation/route-roles.test.ts, test/edge/rbac.test.ts) and JWT
 * attacks (test/edge/token-attacks.test.ts).
 */

// Handlers log at DEBUG for this whole file (the level is read when the logger is created, and Powertools resets it
// to that level on every invocation), so (d) sees everything they can write.
vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
});

/**
 * Everything written to stdout/stderr or the console by this worker — the in-process handlers, authorizer, consumers
 * and workflow tasks — from before the platform starts until the end of the file; (d) checks all of it.
 */
let capture: ReturnType<typeof captureProcessOutput> | undefined;

let api: WorkflowTestApi;
let webhookSecret = '';
let dataKey = '';
let dynamo: DynamoDBDocumentClient;
let bankId = '';
let businessTypeId = '';
const minted: string[] = [];

// Organizations: the sandbox's root with active children A, B, C (siblings).
let root = '';
let orgA = '';
let orgB = '';
let orgC = '';
let empA: SeedEmployee;
let empA2: SeedEmployee;
let empB: SeedEmployee;
/** An employee of A nobody reads before (e): its Abhi record is not cached yet. */
let empA3: SeedEmployee;
let txA: any;
let txA2: any;
let txB: any;
let pendingA: any;
let pendingA2: any;
let jobB = '';

const month = () => new Date(Date.now() + 4 * 3600_000).getUTCMonth() + 1;
const year = () => new Date(Date.now() + 4 * 3600_000).getUTCFullYear();

async function tokenOf(role: Role, org?: string, employee?: string, subject?: string): Promise<string> {
  const token = await api.token({ role, ...(org ? { org } : {}), ...(employee ? { employee } : {}), subject: subject ?? `sec-${role}-${org ?? 'platform'}-${employee ?? 'x'}` });
  minted.push(token);
  return token;
}

type Answer = { status: number; headers: Headers; body: any };

function expectProblem(response: Answer, status: number, code?: string, context = ''): void {
  expect(response.status, `${context} ${JSON.stringify(response.body)}`).toBe(status);
  expect(response.headers.get('content-type'), context).toMatch(/^application\/problem\+json/);
  expect(response.body, context).toMatchObject({ type: expect.stringMatching(/^https:\/\//), title: expect.any(String), status, ...(code ? { code } : {}) });
}

/** Business state the API writes (content hash per table), the sandbox's records, and audit rows other than denials. */
async function stateDigest(): Promise<Record<string, string>> {
  const tables = (
    await api.db.query(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`)
  ).rows
    .map((r) => r.name as string)
    .filter((name) => !['audit_log', 'schema_migrations'].includes(name));
  const { rows } = await api.db.query(
    `SELECT ${tables.map((t) => `(SELECT count(*) || ':' || md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM ${t} t) AS "${t}"`).join(', ')},
       (SELECT count(*)::text FROM audit_log WHERE outcome <> 'denied') AS "audit(not denied)"`,
  );
  const state = api.sandbox.state();
  const records = Object.fromEntries(
    Object.entries(state.records).map(([name, value]) => [`abhi.${name}`, createHash('md5').update(JSON.stringify(value)).digest('hex')]),
  );
  return { ...rows[0], ...records };
}

async function settleWorkflows(): Promise<void> {
  await api.drainQueues(30_000);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const { rows } = await api.db.query(`SELECT count(*)::int AS n FROM advance_requests WHERE status IN ('PENDING_VALIDATION', 'PROCESSING')`);
    if (rows[0].n === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await api.drainQueues(30_000);
}

async function deniedAuditRows(requestId: string | null): Promise<number> {
  const { rows } = await api.db.query(`SELECT count(*)::int AS n FROM audit_log WHERE request_id = $1 AND outcome = 'denied'`, [requestId]);
  return rows[0].n;
}

beforeAll(async () => {
  capture = captureProcessOutput();
  // A short breaker open time: the outages injected in (d) and (e) must not refuse Abhi calls of later steps for 30 s.
  api = await startWorkflowTestApi({ extraEnv: { POWERTOOLS_LOG_LEVEL: 'DEBUG', ABHI_BREAKER_OPEN_MS: '1000' } });
  dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: api.platform.env.AWS_ENDPOINT_URL_DYNAMODB, ...LOCAL_AWS }));
  const secrets = new SecretsManagerClient({ endpoint: process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER, ...LOCAL_AWS });
  const secret = async (id: string) => JSON.parse((await secrets.send(new GetSecretValueCommand({ SecretId: id }))).SecretString!);
  webhookSecret = (await secret(api.platform.env.WEBHOOK_SECRET_ID!)).secret;
  dataKey = (await secret(api.platform.env.DATA_KEY_SECRET_ID!)).key;
  secrets.destroy();

  const children = api.seed.organizations.filter((o) => o.active && o.parentOrganizationId);
  root = api.seed.organizations.find((o) => !o.parentOrganizationId)!.id;
  [orgA, orgB, orgC] = [children[0]!.id, children[1]!.id, children[2]!.id];
  const activeOf = (org: string) => api.seed.employees.filter((e) => e.organizationId === org && e.status === 'active');
  [empA, empA2, empA3] = [activeOf(orgA)[0]!, activeOf(orgA)[1]!, activeOf(orgA)[3]!];
  empB = activeOf(orgB)[0]!;
  ({ bankId, businessTypeId } = await masterDataIds(api));

  // Advances: a completed one for A, A's colleague and B; one waiting for approval for A and the colleague.
  const request = async (employee: SeedEmployee, amount: number, wanted: string[]) => {
    const response = await api.requestAdvance(await tokenOf('employee', employee.organizationId, employee.id, `employee-${employee.id}`), { employeeId: employee.id, amount });
    expect(response.status).toBe(202);
    return api.waitForStatus(response.body.id, wanted);
  };
  [txA, txA2, txB] = await Promise.all([request(empA, 40, FINAL), request(empA2, 40, FINAL), request(empB, 40, FINAL)]);
  [pendingA, pendingA2] = await Promise.all([request(empA, 600, ['PENDING_APPROVAL', ...FINAL]), request(empA2, 600, ['PENDING_APPROVAL', ...FINAL])]);
  for (const tx of [txA, txA2, txB]) expect(tx.status).toBe('COMPLETED');
  for (const tx of [pendingA, pendingA2]) expect(tx.status).toBe('PENDING_APPROVAL');

  // A job of organization B (one invalid row: no Abhi call, completes at once).
  const job = await api.request('POST', '/api/v1/employees/bulk', { token: await tokenOf('hr_manager', orgB), body: { employees: [{ firstName: 'x' }] } });
  expect(job.status).toBe(202);
  jobB = job.body.id;
  await settleWorkflows();
});

afterAll(async () => {
  dynamo?.destroy();
  await api?.stop();
  capture?.stop();
});

// =====================================================================================================================
// (a) cross-tenant
// =====================================================================================================================

const ORG_SCOPED: Role[] = ['hr_manager', 'finance_manager', 'organization_admin', 'auditor', 'service_account'];

interface Probe {
  name: string;
  routeId: string;
  path: (target: string) => string;
  body?: (target: string) => unknown;
  foreign: () => string;
  /** A well-formed id that names nothing. */
  missing?: () => string;
}

const PROBES: Probe[] = [
  { name: 'employee', routeId: 'getEmployee', path: (x) => `/employees/${x}`, foreign: () => empB.id },
  { name: 'employee update', routeId: 'updateEmployee', path: (x) => `/employees/${x}`, body: () => ({ department: 'Hijacked' }), foreign: () => empB.id },
  { name: 'employee delete', routeId: 'deleteEmployee', path: (x) => `/employees/${x}`, foreign: () => empB.id },
  { name: 'job', routeId: 'getJob', path: (x) => `/jobs/${x}`, foreign: () => jobB },
  { name: 'employee transactions', routeId: 'getEmployeeTransactions', path: (x) => `/transactions/employee/${x}`, foreign: () => empB.id },
  { name: 'balance', routeId: 'getBalance', path: (x) => `/transactions/balance/${x}`, foreign: () => empB.id },
  { name: 'transaction', routeId: 'getTransaction', path: (x) => `/transactions/${x}`, foreign: () => txB.id },
  { name: 'transaction by Abhi id', routeId: 'getTransaction', path: (x) => `/transactions/${x}`, foreign: () => txB.abhiTransactionId },
  { name: 'transaction approval', routeId: 'updateTransactionStatus', path: (x) => `/transactions/${x}/status`, body: () => ({ action: 'approve' }), foreign: () => txB.id },
  { name: 'organization', routeId: 'getOrganization', path: (x) => `/organizations/${x}`, foreign: () => orgB },
  { name: 'organization update', routeId: 'updateOrganization', path: (x) => `/organizations/${x}`, body: () => ({ advancePolicy: { maxAdvancesPerMonth: 1 } }), foreign: () => orgB },
  { name: 'statistics', routeId: 'getOrganizationStatistics', path: (x) => `/organizations/${x}/statistics`, foreign: () => orgB },
  { name: 'statement', routeId: 'getStatement', path: (x) => `/reports/statements/${x}?month=${month()}&year=${year()}`, foreign: () => empB.id },
  { name: 'outstanding report of B', routeId: 'getOutstandingReport', path: (x) => `/reports/outstanding?organizationId=${x}`, foreign: () => orgB },
  { name: 'advance validation', routeId: 'validateAdvance', path: () => '/transactions/validate', body: (x) => ({ employeeId: x, amount: 10 }), foreign: () => empB.id },
  { name: 'repayment for an employee', routeId: 'createRepayment', path: () => '/transactions/repayment', body: (x) => ({ employeeId: x, amount: 1 }), foreign: () => empB.id },
  { name: 'repayment of an advance', routeId: 'createRepayment', path: () => '/transactions/repayment', body: (x) => ({ transactionId: x, amount: 1 }), foreign: () => txB.id },
  { name: 'employee in B', routeId: 'createEmployee', path: () => '/employees', body: (x) => validEmployee(bankId, { organizationId: x }), foreign: () => orgB },
  { name: 'import into B', routeId: 'bulkImportEmployees', path: () => '/employees/bulk', body: (x) => ({ organizationId: x, employees: [validEmployee(bankId)] }), foreign: () => orgB },
  {
    name: 'organization under B',
    routeId: 'createOrganization',
    path: () => '/organizations',
    body: (x) => ({ name: 'Shadow LLC', industry: 'Retail', businessTypeId, address: 'Street 1', city: 'Dubai', managementAlias: `shadow_${randomUUID().slice(0, 8)}`, creditLimit: 1000, parentOrganizationId: x }),
    foreign: () => orgB,
  },
];

describe('(a) cross-tenant: organization A never reaches organization B', () => {
  it('every org-scoped role of A gets 404 (not 403) for B’s resources, reads and writes; the 404 equals a missing id’s, is audited, and changes nothing', async () => {
    const before = await stateDigest();
    const secretsOfB = [empB.firstName, empB.lastName, empB.email, empB.employeeCode, api.seed.organizations.find((o) => o.id === orgB)!.name];
    let probed = 0;
    for (const probe of PROBES) {
      const route = ROUTES.find((r) => r.id === probe.routeId)!;
      for (const role of ORG_SCOPED.filter((r) => route.roles.includes(r))) {
        const token = await tokenOf(role, orgA);
        const send = (target: string) =>
          api.request(route.method, `/api/v1${probe.path(target)}`, {
            token,
            ...(probe.body ? { body: probe.body(target) } : {}),
            headers: { 'Idempotency-Key': `sec-${randomUUID()}` },
          });
        const context = `${role} → ${probe.name} (${route.method} ${route.path})`;
        const foreign = await send(probe.foreign());
        expectProblem(foreign, 404, 'NOT_FOUND', context);
        const text = JSON.stringify(foreign.body);
        for (const secret of secretsOfB) expect(text.includes(secret), `${context} leaks "${secret}"`).toBe(false);
        // No existence oracle: the same answer as for an id that does not exist.
        const missing = await send(probe.missing?.() ?? randomUUID());
        expectProblem(missing, 404, 'NOT_FOUND', `${context} (missing id)`);
        const shape = (b: any) => ({ type: b.type, title: b.title, code: b.code, detail: b.detail });
        expect(shape(foreign.body), context).toEqual(shape(missing.body));
        // The refusal is audited as a denial under the request's id.
        expect(await deniedAuditRows(foreign.headers.get('x-request-id')), `${context}: denial not audited`).toBe(1);
        probed++;
      }
    }
    expect(probed).toBeGreaterThanOrEqual(40);
    await settleWorkflows();
    expect(await stateDigest()).toEqual(before);
  });

  it('list endpoints of organization A never include B’s rows (and are not vacuously empty)', async () => {
    const inOrg = async (org: string) => new Set((await api.db.query(`SELECT id FROM employees WHERE organization_id = $1`, [org])).rows.map((r) => r.id as string));
    const employeesOfA = await inOrg(orgA);
    for (const role of ['hr_manager', 'organization_admin', 'auditor', 'service_account'] as Role[]) {
      const token = await tokenOf(role, orgA);
      const seen: any[] = [];
      for (let page = 1; page <= 10; page++) {
        const list = await api.request('GET', `/api/v1/employees?page=${page}&limit=100`, { token });
        expect(list.status, role).toBe(200);
        seen.push(...list.body.items);
        if (seen.length >= list.body.total) break;
      }
      expect(seen.length, role).toBeGreaterThan(0);
      expect(seen.every((e) => e.organizationId === orgA && employeesOfA.has(e.id)), role).toBe(true);

      // "santos" matches employees of several organizations; only A's come back.
      const matches = await api.db.query(`SELECT DISTINCT organization_id FROM employees WHERE lower(last_name) = 'santos'`);
      expect(matches.rows.length).toBeGreaterThan(1);
      const search = await api.request('GET', '/api/v1/employees/search?q=santos&limit=100', { token });
      expect(search.status).toBe(200);
      expect(search.body.items.every((e: any) => e.organizationId === orgA), role).toBe(true);
    }
    for (const role of ['finance_manager', 'auditor', 'service_account'] as Role[]) {
      const list = await api.request('GET', '/api/v1/transactions?limit=100', { token: await tokenOf(role, orgA) });
      expect(list.status).toBe(200);
      const ids = list.body.items.map((t: any) => t.id);
      expect(ids).toContain(txA.id);
      expect(ids).not.toContain(txB.id);
      expect(list.body.items.every((t: any) => t.organizationId === orgA), role).toBe(true);
    }
    for (const role of ['hr_manager', 'finance_manager', 'organization_admin', 'auditor'] as Role[]) {
      const report = await api.request('GET', '/api/v1/reports/outstanding?limit=100', { token: await tokenOf(role, orgA) });
      expect(report.status).toBe(200);
      expect(report.body.items.length, role).toBeGreaterThan(0);
      expect(report.body.items.every((r: any) => r.organizationId === orgA), role).toBe(true);
    }
    const auditorOrgs = await api.request('GET', '/api/v1/organizations?limit=100', { token: await tokenOf('auditor', orgA) });
    expect(auditorOrgs.body.items.map((o: any) => o.id)).toEqual([orgA]);
  });

  it('an organization admin reaches its descendants (child and grandchild), never its parent or siblings; other roles get no descendants', async () => {
    const adminOfRoot = await tokenOf('organization_admin', root);
    const adminOfA = await tokenOf('organization_admin', orgA);
    const adminOfB = await tokenOf('organization_admin', orgB);
    const get = (path: string, token: string) => api.request('GET', `/api/v1${path}`, { token });

    // The parent's admin sees the children, their statistics, employees and jobs.
    for (const child of [orgA, orgB, orgC]) {
      expect((await get(`/organizations/${child}`, adminOfRoot)).status).toBe(200);
      expect((await get(`/organizations/${child}/statistics`, adminOfRoot)).status).toBe(200);
    }
    expect((await get(`/employees/${empB.id}`, adminOfRoot)).status).toBe(200);
    expect((await get(`/jobs/${jobB}`, adminOfRoot)).status).toBe(200);
    // A child's admin sees neither its parent nor a sibling.
    expectProblem(await get(`/organizations/${root}`, adminOfA), 404, 'NOT_FOUND', 'parent');
    expectProblem(await get(`/organizations/${orgC}`, adminOfA), 404, 'NOT_FOUND', 'sibling');
    expectProblem(await get(`/organizations/${orgC}/statistics`, adminOfA), 404, 'NOT_FOUND', 'sibling statistics');

    // A grandchild: A's admin creates an organization under A.
    const created = await api.request('POST', '/api/v1/organizations', {
      token: adminOfA,
      body: { name: 'Gulf Star Annex LLC', industry: 'Facilities', businessTypeId, address: 'Unit 4, Al Quoz', city: 'Dubai', managementAlias: `annex_${randomUUID().replace(/-/g, '').slice(0, 10)}`, creditLimit: 50000 },
      headers: { 'Idempotency-Key': `org-${randomUUID()}` },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const grandchild = created.body.id as string;
    expect(created.body.parentOrganizationId).toBe(orgA);
    expect((await get(`/organizations/${grandchild}`, adminOfA)).status).toBe(200);
    expect((await get(`/organizations/${grandchild}`, adminOfRoot)).status).toBe(200); // transitive
    expectProblem(await get(`/organizations/${grandchild}`, adminOfB), 404, 'NOT_FOUND', 'cousin');
    for (const role of ['hr_manager', 'auditor', 'finance_manager'] as Role[]) {
      expectProblem(await get(`/organizations/${grandchild}`, await tokenOf(role, orgA)), 404, 'NOT_FOUND', `${role} of the parent`);
    }
    const listed = async (token: string) => ((await get('/organizations?limit=100', token)).body.items as { id: string }[]).map((o) => o.id).sort();
    expect(await listed(adminOfA)).toEqual([orgA, grandchild].sort());
    expect(await listed(adminOfRoot)).toEqual(expect.arrayContaining([root, orgA, orgB, orgC, grandchild]));
    expect(await listed(adminOfB)).toEqual([orgB]);
    // Nor can A's admin hang an organization under a sibling: 404, and nothing is created at Abhi.
    const organizationsAtAbhi = api.sandbox.state().organizations;
    const underSibling = await api.request('POST', '/api/v1/organizations', {
      token: adminOfA,
      body: { name: 'Intruder LLC', industry: 'Retail', businessTypeId, address: 'x', city: 'Dubai', managementAlias: `intruder_${randomUUID().slice(0, 8)}`, creditLimit: 1, parentOrganizationId: orgC },
      headers: { 'Idempotency-Key': `org-${randomUUID()}` },
    });
    expectProblem(underSibling, 404, 'NOT_FOUND');
    expect(api.sandbox.state().organizations).toBe(organizationsAtAbhi);
    await settleWorkflows();
  });
});

// =====================================================================================================================
// (b) cross-employee
// =====================================================================================================================

describe('(b) an employee reaches only their own records', () => {
  it('own profile, transactions, balance and statement: 200; a colleague’s or another tenant’s: 404 like a missing id', async () => {
    const token = await tokenOf('employee', orgA, empA.id, `employee-${empA.id}`);
    const get = (path: string, t = token) => api.request('GET', `/api/v1${path}`, { token: t });
    const period = `month=${month()}&year=${year()}`;

    const me = await get('/employee/me');
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(empA.id);
    const colleagueMe = await get('/employee/me', await tokenOf('employee', orgA, empA2.id));
    expect(colleagueMe.body.id).toBe(empA2.id);
    // A token whose organization claim is not the employee's sees nothing.
    expectProblem(await get('/employee/me', await tokenOf('employee', orgB, empA.id)), 404, 'NOT_FOUND', 'foreign org claim');

    const own = await get(`/transactions/employee/${empA.id}?limit=100`);
    expect(own.status).toBe(200);
    expect(own.body.items.map((t: any) => t.id)).toEqual(expect.arrayContaining([txA.id, pendingA.id]));
    expect(own.body.items.every((t: any) => t.employeeId === empA.id)).toBe(true);
    expect((await get(`/transactions/balance/${empA.id}`)).body.employeeId).toBe(empA.id);
    const statement = await get(`/reports/statements/${empA.id}?${period}`);
    expect(statement.status).toBe(200);
    expect(statement.body.employeeId).toBe(empA.id);
    expect((await get(`/transactions/${txA.id}`)).status).toBe(200);

    for (const other of [empA2.id, empB.id, randomUUID()]) {
      for (const path of [`/transactions/employee/${other}`, `/transactions/balance/${other}`, `/reports/statements/${other}?${period}`]) {
        const answer = await get(path);
        expectProblem(answer, 404, 'NOT_FOUND', path);
        expect(JSON.stringify(answer.body)).not.toContain(empA2.lastName);
      }
    }
    for (const tx of [txA2.id, txB.id, pendingA2.id, txB.abhiTransactionId]) expectProblem(await get(`/transactions/${tx}`), 404, 'NOT_FOUND', tx);
  });

  it('cannot validate or request an advance for someone else (404, nothing recorded), nor repay', async () => {
    const token = await tokenOf('employee', orgA, empA.id, `employee-${empA.id}`);
    const before = await stateDigest();
    for (const other of [empA2.id, empB.id]) {
      expectProblem(await api.request('POST', '/api/v1/transactions/validate', { token, body: { employeeId: other, amount: 10 } }), 404, 'NOT_FOUND');
      expectProblem(await api.requestAdvance(token, { employeeId: other, amount: 10 }), 404, 'NOT_FOUND');
    }
    expectProblem(
      await api.request('POST', '/api/v1/transactions/repayment', { token, body: { employeeId: empA.id, amount: 1 }, headers: { 'Idempotency-Key': `r-${randomUUID()}` } }),
      403,
      'FORBIDDEN',
    );
    await settleWorkflows();
    expect(await stateDigest()).toEqual(before);
  });

  it('cannot approve or reject their own advance (403, still pending), nor act on a colleague’s (404); cancelling their own works', async () => {
    const token = await tokenOf('employee', orgA, empA.id, `employee-${empA.id}`);
    const status = (id: string, action: string) => api.request('PUT', `/api/v1/transactions/${id}/status`, { token, body: { action } });
    for (const action of ['approve', 'reject']) {
      expectProblem(await status(pendingA.id, action), 403, 'FORBIDDEN', `${action} own`);
      for (const other of [pendingA2.id, txB.id]) expectProblem(await status(other, action), 404, 'NOT_FOUND', `${action} ${other}`);
    }
    expectProblem(await status(pendingA2.id, 'cancel'), 404, 'NOT_FOUND', 'cancel colleague’s');
    expect((await api.getTransaction(pendingA.id)).status).toBe('PENDING_APPROVAL');
    expect((await api.getTransaction(pendingA2.id)).status).toBe('PENDING_APPROVAL');
    // The requester's own cancel is the one action open to them.
    const cancelled = await status(pendingA.id, 'cancel');
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('CANCELLED');
    await settleWorkflows();
  });
});

// =====================================================================================================================
// (c) webhook tampering and replay
// =====================================================================================================================

describe('(c) the Abhi webhook: tampering and replay', () => {
  const sign = (secret: string, timestamp: string, raw: string, eventId: string) => signWebhook(secret, timestamp, eventId, raw);
  const now = () => Math.floor(Date.now() / 1000);
  const deliver = (raw: string, headers: Record<string, string>) => api.request('POST', '/api/v1/webhooks/abhi', { rawBody: raw, headers: { 'content-type': 'application/json', ...headers } });
  const signedHeaders = (raw: string, eventId = `evt-${randomUUID()}`, timestamp = String(now())) => ({
    'X-Abhi-Timestamp': timestamp,
    'X-Abhi-Event-Id': eventId,
    'X-Abhi-Signature': `sha256=${sign(webhookSecret, timestamp, raw, eventId)}`,
  });
  const effect = async () => {
    const row = (await api.db.query(`SELECT status, abhi_status, abhi_status_at, updated_at FROM advance_requests WHERE id = $1`, [txB.id])).rows[0];
    const counts = (
      await api.db.query(
        `SELECT (SELECT count(*)::int FROM advance_request_history WHERE request_id = $1) AS history,
                (SELECT coalesce(sum(amount), 0)::text FROM ledger_entries WHERE advance_request_id = $1) AS ledger,
                (SELECT count(*)::int FROM outbox WHERE correlation_id = $1::text OR payload->>'requestId' = $1::text) AS events`,
        [txB.id],
      )
    ).rows[0];
    return { ...row, ...counts };
  };
  const claimed = async (eventId: string) =>
    (await dynamo.send(new GetCommand({ TableName: api.platform.env.STATE_TABLE_NAME!, Key: { pk: `WEBHOOK#${eventId}`, sk: 'SEEN' }, ConsistentRead: true }))).Item;

  it('forged, tampered, stale, future, re-timestamped, malformed or unsigned deliveries: one indistinguishable 401 problem, nothing changes, no event id burnt', async () => {
    const occurredAt = new Date().toISOString();
    const reversal = JSON.stringify({ type: 'transaction.status_changed', occurredAt, data: { transactionId: txB.abhiTransactionId, status: 'reversed' } });
    const harmless = JSON.stringify({ type: 'transaction.status_changed', occurredAt, data: { transactionId: txB.abhiTransactionId, status: 'settled' } });
    const before = await effect();
    const ts = String(now());
    const eventId = `evt-${randomUUID()}`;
    const validForHarmless = signedHeaders(harmless, eventId, ts);
    const attacks: [string, string, Record<string, string>][] = [
      ['wrong secret', reversal, { ...signedHeaders(reversal, eventId), 'X-Abhi-Signature': `sha256=${sign('guessed-secret', ts, reversal, eventId)}` }],
      ['all-zero signature', reversal, { ...signedHeaders(reversal, eventId, ts), 'X-Abhi-Signature': `sha256=${'0'.repeat(64)}` }],
      ['body modified under the original signature', reversal, { ...validForHarmless }],
      ['body with a trailing space', `${harmless} `, { ...validForHarmless }],
      ['signature re-used with a fresh timestamp', harmless, { ...validForHarmless, 'X-Abhi-Timestamp': String(Number(ts) + 5) }],
      ['stale timestamp (6 minutes old), correctly signed', reversal, signedHeaders(reversal, eventId, String(now() - 360))],
      ['future timestamp (6 minutes ahead), correctly signed', reversal, signedHeaders(reversal, eventId, String(now() + 360))],
      ['timestamp in milliseconds', reversal, signedHeaders(reversal, eventId, String(Date.now()))],
      ['malformed signature', reversal, { ...signedHeaders(reversal, eventId), 'X-Abhi-Signature': 'sha256=not-hex' }],
      ['truncated signature', reversal, { ...signedHeaders(reversal, eventId, ts), 'X-Abhi-Signature': `sha256=${sign(webhookSecret, ts, reversal, eventId).slice(0, 32)}` }],
      ['no signature', reversal, { 'X-Abhi-Timestamp': ts, 'X-Abhi-Event-Id': eventId }],
      ['no timestamp', reversal, { 'X-Abhi-Event-Id': eventId, 'X-Abhi-Signature': `sha256=${sign(webhookSecret, '', reversal, eventId)}` }],
      ['no event id', reversal, { 'X-Abhi-Timestamp': ts, 'X-Abhi-Signature': `sha256=${sign(webhookSecret, ts, reversal, '')}` }],
      ['a captured delivery re-sent under a new event id', harmless, { ...validForHarmless, 'X-Abhi-Event-Id': `evt-${randomUUID()}` }],
      ['a bad body: refused for its signature before anything reads it', '{"not": "a webhook"', { ...signedHeaders(harmless, eventId, ts) }],
      ['a bearer token instead of a signature', reversal, { authorization: `Bearer ${await tokenOf('admin')}` }],
    ];
    const answers: string[] = [];
    for (const [name, raw, headers] of attacks) {
      const answer = await deliver(raw, headers);
      expectProblem(answer, 401, 'UNAUTHORIZED', name);
      answers.push(JSON.stringify({ ...answer.body, requestId: undefined, instance: undefined }));
    }
    // One answer for every failure: the caller cannot tell which check failed.
    expect(new Set(answers).size).toBe(1);
    expect(await effect()).toEqual(before);
    // The forged calls did not burn the event id: the genuine delivery with it is applied.
    expect(await claimed(eventId)).toBeUndefined();
    const genuine = await deliver(harmless, validForHarmless);
    expect(genuine.status).toBe(200);
    expect(genuine.body).toEqual({ received: true, duplicate: false, applied: 'Abhi status noted (settled)' });
    const stored = await claimed(eventId);
    expect(Number(stored?.expiresAt)).toBeGreaterThan(now() + 23 * 3600);
  });

  it('an exact replay has no second effect', async () => {
    const raw = JSON.stringify({ type: 'transaction.status_changed', occurredAt: new Date().toISOString(), data: { transactionId: txB.abhiTransactionId, status: 'disbursed' } });
    const headers = signedHeaders(raw);
    const first = await deliver(raw, headers);
    expect(first.body).toMatchObject({ duplicate: false, applied: 'Abhi status noted (disbursed)' });
    const after = await effect();
    expect(after.abhi_status).toBe('disbursed');

    const replay = await deliver(raw, headers);
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual({ received: true, duplicate: true, applied: 'nothing (already processed)' });
    await settleWorkflows();
    expect(await effect()).toEqual(after);
  });

  it('a signed delivery that fails to apply releases its event id, so the sender’s retry is processed', async () => {
    const eventId = `evt-${randomUUID()}`;
    const broken = JSON.stringify({ type: 'transaction.status_changed', data: { status: 'completed' } }); // no transactionId
    const failed = await deliver(broken, signedHeaders(broken, eventId));
    expectProblem(failed, 400, 'VALIDATION_ERROR');
    expect(await claimed(eventId)).toBeUndefined();
    const fixed = JSON.stringify({ type: 'transaction.status_changed', occurredAt: new Date().toISOString(), data: { transactionId: txB.abhiTransactionId, status: 'settled' } });
    const retried = await deliver(fixed, signedHeaders(fixed, eventId));
    expect(retried.body.duplicate).toBe(false);
  });
});

// =====================================================================================================================
// (e) security headers on every kind of answer; no internals in error bodies
// =====================================================================================================================

describe('(e) security headers and error bodies', () => {
  it('every kind of answer carries the security headers; errors are problem+json without internals', async () => {
    const hr = await tokenOf('hr_manager', orgA);
    const finance = await tokenOf('finance_manager', orgA);
    const employee = await tokenOf('employee', orgA, empA.id, `employee-${empA.id}`);
    const cases: [string, () => Promise<Answer>, number | number[]][] = [
      ['public 200', () => api.request('GET', '/api/v1/health'), 200],
      ['jwt 200', () => api.request('GET', '/api/v1/organizations/banks', { token: hr }), 200],
      ['201 created', () => api.request('POST', '/api/v1/employees', { token: hr, body: validEmployee(bankId) }), 201],
      ['202 accepted', () => api.requestAdvance(employee, { employeeId: empA.id, amount: 5 }), 202],
      ['204 preflight', async () => {
        const r = await fetch(`${api.url}/api/v1/employees`, { method: 'OPTIONS', headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' } });
        return { status: r.status, headers: r.headers, body: await r.text() };
      }, 204],
      ['handler 400', () => api.request('GET', '/api/v1/employees?page=0', { token: hr }), 400],
      ['handler 400 (Idempotency-Key required)', () => api.request('POST', '/api/v1/transactions/advance', { token: employee, body: { employeeId: empA.id, amount: 5 } }), 400],
      ['handler 404', () => api.request('GET', `/api/v1/transactions/${randomUUID()}`, { token: finance }), 404],
      ['handler 409', () => api.request('PUT', `/api/v1/transactions/${txA.id}/status`, { token: finance, body: { action: 'approve' } }), 409],
      ['handler 413', () => api.request('POST', '/api/v1/employees', { token: hr, rawBody: JSON.stringify({ firstName: 'x'.repeat(300_000) }), headers: { 'content-type': 'application/json' } }), 413],
      ['handler 415', () => api.request('POST', '/api/v1/employees', { token: hr, rawBody: 'a=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415],
      ['webhook 401', () => api.request('POST', '/api/v1/webhooks/abhi', { body: { type: 'x', data: {} } }), 401],
      ['gateway 404 (no route)', () => api.request('GET', '/api/v1/no/such/route', { token: hr }), 404],
      ['gateway 404 (bad percent-encoding)', () => api.request('GET', '/api/v1/employees/%E0%A4%A', { token: hr }), 404],
      ['gateway 401 (no token)', () => api.request('GET', '/api/v1/employees'), 401],
      ['gateway 401 (garbage token)', () => api.request('GET', '/api/v1/employees', { token: 'not-a-jwt' }), 401],
      ['gateway 403 (role)', () => api.request('GET', '/api/v1/employees', { token: employee }), 403],
      ['handler 502 (Abhi fails)', async () => {
        api.sandbox.setFaults({ errorRate: 1, status: 500, paths: ['/employees/*'], methods: ['GET'] });
        try {
          return await api.request('GET', `/api/v1/employees/${empA3.id}`, { token: hr });
        } finally {
          api.sandbox.setFaults({});
        }
      }, [502, 503]],
    ];
    const sandboxHost = new URL(api.sandbox.url).host;
    for (const [name, send, expected] of cases) {
      const answer = await send();
      expect([expected].flat(), `${name}: ${answer.status} ${JSON.stringify(answer.body)}`).toContain(answer.status);
      const status = answer.status;
      const h = answer.headers;
      const hsts = h.get('strict-transport-security') ?? '';
      expect(Number(/max-age=(\d+)/.exec(hsts)?.[1] ?? 0), `${name}: ${hsts}`).toBeGreaterThanOrEqual(31_536_000);
      expect(hsts, name).toContain('includeSubDomains');
      expect(h.get('x-content-type-options'), name).toBe('nosniff');
      expect(h.get('cache-control'), name).toBe('no-store');
      expect(h.get('x-frame-options'), name).toBe('DENY');
      expect(h.get('content-security-policy'), name).toContain("frame-ancestors 'none'");
      expect(h.get('referrer-policy'), name).toBe('no-referrer');
      expect(h.get('x-powered-by'), name).toBeNull();
      expect(h.get('server'), name).toBeNull();
      if (status !== 204) expect(h.get('x-request-id'), name).toBeTruthy();
      if (status >= 400) {
        expectProblem(answer, status, undefined, name);
        if (answer.body.requestId) expect(answer.body.requestId).toBe(h.get('x-request-id'));
        const text = JSON.stringify(answer.body);
        for (const internal of [/\n\s+at /, /\bat \S+ \(/, /node_modules/, /\.ts\b/, /\bSELECT\b|\bINSERT\b|\bpg_/, /ECONN|ETIMEDOUT/, /127\.0\.0\.1|localhost/, /uat-open-api/, /DATABASE_URL|SECRET/, /Error:/]) {
          expect(internal.test(text), `${name}: ${internal} in ${text}`).toBe(false);
        }
        expect(text).not.toContain(sandboxHost);
      } else if (status === 204) {
        expect(answer.body).toBe('');
      } else {
        expect(h.get('content-type'), name).toMatch(/^application\/json/);
      }
    }
    await settleWorkflows();
  });
});

// =====================================================================================================================
// (d) secrets and personal data absent from logs
// =====================================================================================================================

describe('(d) no secrets or personal data in the logs', () => {
  it('a realistic flow (Abhi login and forced re-login, employees with Emirates ID and IBAN, an outage, an advance, an import, an organization with portal credentials) logs none of them', async () => {
    const personal: string[] = [];
    const tokensUsed: string[] = [];
    let abhiToken = '';
    let portalSecrets: string[] = [];
    try {
      const hr = await tokenOf('hr_manager', orgA);
      const employee = await tokenOf('employee', orgA, empA2.id, `employee-${empA2.id}`);
      tokensUsed.push(hr, employee);

      // A login at Abhi under the platform's user revokes the platform's session (one session per user): its next call
      // is refused and it logs in again.
      const login = await fetch(`${api.sandbox.baseUrl}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(SANDBOX_CREDENTIALS),
      });
      expect(login.status).toBe(200);
      const session = ((await login.json()) as { data: { token?: string; accessToken?: string } }).data;
      abhiToken = session.token ?? session.accessToken ?? '';
      expect(abhiToken).toMatch(/^eyJ/);
      const loginsBefore = api.sandbox.state().logins;

      const first = validEmployee(bankId);
      personal.push(String(first.emiratesId), String(first.accountNumber));
      const created = await api.request('POST', '/api/v1/employees', { token: hr, body: first, headers: { 'Idempotency-Key': `e-${randomUUID()}` } });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(api.sandbox.state().logins).toBeGreaterThan(loginsBefore);

      const newEmiratesId = emiratesId();
      const newIban = `AE07033${String(Math.floor(Math.random() * 1e15)).padStart(16, '0')}`;
      personal.push(newEmiratesId, newIban);
      const updated = await api.request('PUT', `/api/v1/employees/${created.body.id}`, { token: hr, body: { emiratesId: newEmiratesId, accountNumber: newIban } });
      expect(updated.status, JSON.stringify(updated.body)).toBe(200);

      // Abhi refuses a duplicate Emirates ID (409): its message must not carry the value into the logs.
      const duplicate = validEmployee(bankId, { emiratesId: newEmiratesId });
      personal.push(String(duplicate.accountNumber));
      const conflict = await api.request('POST', '/api/v1/employees', { token: hr, body: duplicate });
      expect(conflict.status).toBeGreaterThanOrEqual(400);

      // An outage of Abhi while creating: errors are logged with their details.
      const outage = validEmployee(bankId);
      personal.push(String(outage.emiratesId), String(outage.accountNumber));
      api.sandbox.setFaults({ errorRate: 1, status: 500, paths: ['/employees'], methods: ['POST'] });
      const failed = await api.request('POST', '/api/v1/employees', { token: hr, body: outage });
      api.sandbox.setFaults({});
      expect(failed.status).toBeGreaterThanOrEqual(500);
      await new Promise((r) => setTimeout(r, 1_200)); // let the breaker close again

      // A refused value (bad check digit) is echoed to the caller at most, never logged.
      const badId = '784-1990-1234567-1';
      personal.push(badId);
      expect((await api.request('POST', '/api/v1/employees', { token: hr, body: validEmployee(bankId, { emiratesId: badId }) })).status).toBe(400);

      // A bulk import with personal data.
      const row = validEmployee(bankId, { employeeCode: employeeCode('IMP') });
      personal.push(String(row.emiratesId), String(row.accountNumber));
      const job = await api.request('POST', '/api/v1/employees/bulk', { token: hr, body: { employees: [row] } });
      expect(job.status).toBe(202);

      // Reading a seed employee pulls Abhi's full record (Emirates ID, IBAN) into the mirror.
      const read = await api.request('GET', `/api/v1/employees/${empA.id}`, { token: hr });
      expect(read.status).toBe(200);
      personal.push(empA.emiratesId, empA.accountNumber, empA2.emiratesId, empA2.accountNumber);

      // An advance end to end (workflow tasks log too).
      const advance = await api.requestAdvance(employee, { employeeId: empA2.id, amount: 20 });
      expect(advance.status).toBe(202);
      expect((await api.waitForStatus(advance.body.id, FINAL)).status).toBe('COMPLETED');

      // An organization: Abhi returns generated portal passwords and MFA secrets once.
      const orgAdmin = await tokenOf('organization_admin', orgA);
      tokensUsed.push(orgAdmin);
      const organization = await api.request('POST', '/api/v1/organizations', {
        token: orgAdmin,
        body: { name: 'Log Probe LLC', industry: 'Retail', businessTypeId, address: 'Office 9', city: 'Dubai', managementAlias: `logprobe_${randomUUID().replace(/-/g, '').slice(0, 10)}`, creditLimit: 1000 },
      });
      expect(organization.status, JSON.stringify(organization.body)).toBe(201);
      const sealed = (await api.db.query(`SELECT credentials_enc FROM organization_portal_users WHERE organization_id = $1`, [organization.body.id])).rows;
      expect(sealed.length).toBeGreaterThan(0);
      portalSecrets = (
        await Promise.all(sealed.map(async (r) => Object.values(JSON.parse(await fieldCipher().decrypt('portal_credentials', r.credentials_enc))) as string[]))
      ).flat();
      expect(portalSecrets.length).toBeGreaterThan(0);
      expect(JSON.stringify(organization.body)).not.toContain(portalSecrets[0]!);

      // A forged webhook (the secret must not be logged while checking it).
      await api.request('POST', '/api/v1/webhooks/abhi', {
        rawBody: '{"type":"x","data":{}}',
        headers: { 'content-type': 'application/json', 'X-Abhi-Timestamp': String(Math.floor(Date.now() / 1000)), 'X-Abhi-Event-Id': 'evt-log', 'X-Abhi-Signature': `sha256=${'a'.repeat(64)}` },
      });
      await settleWorkflows();
    } finally {
      api.sandbox.setFaults({});
    }

    // Everything logged since the file started: this flow and (a), (b), (c), (e) before it.
    const log = capture!.text();
    // Non-vacuous: the handlers' structured logs at every level were captured, for the routes used above.
    for (const routeId of ['createEmployee', 'updateEmployee', 'bulkImportEmployees', 'requestAdvance', 'createOrganization', 'receiveAbhiWebhook', 'getEmployee']) {
      expect(log, `no log line of ${routeId} captured`).toMatch(new RegExp(`"message":"request completed"[^\\n]*"routeId":"${routeId}"`));
    }
    expect(log).toContain('"level":"DEBUG"');
    expect(log).toContain('"level":"ERROR"');
    const excerpt = (needle: string) => {
      const at = log.indexOf(needle);
      return at < 0 ? '' : log.slice(Math.max(0, at - 300), at + 100).replace(needle, '<<HERE>>');
    };
    const forbidden: [string, string][] = [
      ...minted.map((t) => ['an access token we minted', t] as [string, string]),
      ...tokensUsed.map((t) => ['an access token', t] as [string, string]),
      ...(abhiToken ? [['the Abhi access token', abhiToken] as [string, string]] : []),
      ['the Abhi password', SANDBOX_CREDENTIALS.password],
      ['the webhook secret', webhookSecret],
      ['the data key', dataKey],
      ...portalSecrets.map((s) => ['a generated portal credential', s] as [string, string]),
      ...personal.flatMap((value) => [
        ['personal data', value] as [string, string],
        ['personal data (digits only)', value.replace(/\D/g, '')] as [string, string],
      ]),
    ];
    for (const [what, value] of forbidden) {
      if (value.replace(/\D/g, '').length === 0 && what.includes('digits only')) continue;
      // As written, and as it would appear inside a JSON log line (quotes, backslashes escaped).
      for (const form of new Set([value, JSON.stringify(value).slice(1, -1)])) {
        expect(log.includes(form), `${what} appears in the logs: …${excerpt(form)}…`).toBe(false);
      }
    }
    // And by shape, whatever the value: JWTs, Emirates IDs, UAE IBANs.
    for (const [what, shape] of [
      ['a JWT', /eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]+/],
      ['an Emirates ID', /784-?\d{4}-?\d{7}-?\d/],
      ['a UAE IBAN', /\bAE\d{21}\b/],
    ] as const) {
      const match = shape.exec(log);
      expect(match, `${what} in the logs: …${match ? excerpt(match[0]) : ''}…`).toBeNull();
    }
  });
});
