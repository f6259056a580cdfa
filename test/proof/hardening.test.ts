import { randomUUID } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWebhook } from '#shared/use-cases/webhooks/abhi-webhook';
import type { SeedEmployee } from '../../infra/local/abhi-sandbox/seed';
import { LOCAL_AWS } from '../../infra/local/services/aws-local';
import { masterDataIds, validEmployee } from '../business/helpers';
import { count, FINAL, startWorkflowTestApi, type WorkflowTestApi } from '../workflow/support';

/**
 * Proof suite (issue #16): one regression test per class of defect an outside attack found, over real HTTP (local
 * API gateway, authorizer, real handlers, PostgreSQL, DynamoDB Local, Step Functions local, the Abhi sandbox). Each
 * test failed on the code before the fix (see docs/security.md for the threat model these close):
 *
 *  1. hostile nesting: a bulk row nested thousands of levels deep, with an Idempotency-Key, was a 500 (Powertools
 *     idempotency overflowed the stack hashing it) — now 400 problem+json, with or without the key;
 *  2. repayment references: unique per organization (another tenant's reference is no oracle and cannot be squatted),
 *     and a repayment Abhi refused releases its reference;
 *  3. cross-tenant conflicts: an Emirates ID of another tenant's employee answers the same generic 409 as any other
 *     conflict at Abhi, naming no field;
 *  4. the advance quota counts only accepted requests, keyed by the employee the advance is for;
 *  5. webhook time travel: a signed `occurredAt` far in the future cannot freeze an advance's Abhi status;
 *  6. control, bidi and ANSI characters are refused in names and free text;
 *  7. the correlation id is the gateway's own; the client's X-Request-ID is only kept beside it.
 */

const ADVANCES_PER_HOUR = 3;

let api: WorkflowTestApi;
let webhookSecret = '';
let bankId = '';
let orgA = '';
let orgB = '';
/** Employees of A and B with a completed advance (repayments), one for the webhook, two for the quota. */
let empA: SeedEmployee;
let empB: SeedEmployee;
let empWebhook: SeedEmployee;
let empRefused: SeedEmployee;
let empForAdmin: SeedEmployee;
let advanceA: any;
let advanceB: any;
let advanceWebhook: any;

const problemOf = (response: { status: number; headers: Headers; body: any }, status: number, context = '') => {
  expect(response.status, `${context} ${JSON.stringify(response.body)}`).toBe(status);
  expect(response.headers.get('content-type'), context).toMatch(/^application\/problem\+json/);
  expect(response.body.status, context).toBe(status);
  return response.body;
};

beforeAll(async () => {
  api = await startWorkflowTestApi({ extraEnv: { RATE_LIMIT_ADVANCES_PER_HOUR: String(ADVANCES_PER_HOUR) } });
  const secrets = new SecretsManagerClient({ endpoint: process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER, ...LOCAL_AWS });
  webhookSecret = JSON.parse((await secrets.send(new GetSecretValueCommand({ SecretId: api.platform.env.WEBHOOK_SECRET_ID! }))).SecretString!).secret;
  secrets.destroy();
  ({ bankId } = await masterDataIds(api));

  const children = api.seed.organizations.filter((o) => o.active && o.parentOrganizationId);
  [orgA, orgB] = [children[0]!.id, children[1]!.id];
  const activeOf = (org: string) => api.seed.employees.filter((e) => e.organizationId === org && e.status === 'active');
  [empA, empWebhook, empRefused, empForAdmin] = activeOf(orgA) as [SeedEmployee, SeedEmployee, SeedEmployee, SeedEmployee];
  empB = activeOf(orgB)[0]!;
  const complete = async (employee: SeedEmployee) => {
    const response = await api.requestAdvance(await api.employeeToken(employee), { employeeId: employee.id, amount: 40 });
    expect(response.status, JSON.stringify(response.body)).toBe(202);
    const done = await api.waitForStatus(response.body.id, FINAL);
    expect(done.status).toBe('COMPLETED');
    return done;
  };
  [advanceA, advanceB, advanceWebhook] = await Promise.all([complete(empA), complete(empB), complete(empWebhook)]);
});

afterAll(async () => {
  await api?.stop();
});

describe('1. free-form JSON is bounded before idempotency hashing', () => {
  /** JSON text of a value nested `depth` objects deep (built as text: JSON.stringify itself overflows on it). */
  const nestedJson = (depth: number) => `${'{"v":'.repeat(depth)}"x"${'}'.repeat(depth)}`;
  const withField = (body: Record<string, unknown>, field: string, json: string) => JSON.stringify({ ...body, [field]: '@@' }).replace('"@@"', json);

  it('a bulk row nested 5,000 levels deep is 400 problem+json with or without an Idempotency-Key (was 500 with one)', async () => {
    const token = await api.token({ role: 'hr_manager', org: orgA });
    const row = withField(validEmployee(bankId), 'department', nestedJson(5_000));
    const rawBody = `{"employees":[${row}]}`;
    const json = { 'content-type': 'application/json' };
    const withKey = await api.request('POST', '/api/v1/employees/bulk', { token, rawBody, headers: { ...json, 'Idempotency-Key': `bulk-${randomUUID()}` } });
    expect(problemOf(withKey, 400, 'with key').code).toBe('VALIDATION_ERROR');
    const withoutKey = await api.request('POST', '/api/v1/employees/bulk', { token, rawBody, headers: json });
    expect(problemOf(withoutKey, 400, 'without key').code).toBe('VALIDATION_ERROR');
    // Rows hold the fields of POST /employees: scalars. A nested value is refused at the envelope, however shallow.
    const shallow = await api.request('POST', '/api/v1/employees/bulk', { token, body: { employees: [{ ...validEmployee(bankId), department: { a: [1] } }] } });
    problemOf(shallow, 400, 'shallow nesting in a row');
    // Every route: depth is bounded at the edge before anything hashes or walks the body.
    const deepAdvance = await api.request('POST', '/api/v1/transactions/advance', {
      token: await api.employeeToken(empRefused),
      rawBody: withField({ employeeId: empRefused.id, amount: 10 }, 'description', nestedJson(5_000)),
      headers: { ...json, 'Idempotency-Key': `adv-${randomUUID()}` },
    });
    problemOf(deepAdvance, 400, 'deep advance body');
  });
});

describe('2. repayment references are unique per organization, and a refused repayment releases its reference', () => {
  const repay = async (organizationId: string, body: Record<string, unknown>) =>
    api.request('POST', '/api/v1/transactions/repayment', {
      token: await api.financeToken(organizationId),
      body,
      headers: { 'Idempotency-Key': `rpy-${randomUUID()}` },
    });

  it("B may use a reference A used (no 409 oracle, no squatting); Abhi's refusal frees a reference for the next try", async () => {
    const reference = `PAYROLL-${randomUUID().slice(0, 8)}`;
    const first = await repay(orgA, { transactionId: advanceA.id, amount: 5, clientRepaymentReferenceNumber: reference });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const other = await repay(orgB, { transactionId: advanceB.id, amount: 5, clientRepaymentReferenceNumber: reference });
    expect(other.status, JSON.stringify(other.body)).toBe(201);
    expect(other.body).toMatchObject({ clientRepaymentReferenceNumber: reference, organizationId: orgB, status: 'COMPLETED' });
    expect(other.body.abhiRepaymentId).not.toBe(first.body.abhiRepaymentId);
    // Inside one organization a reference still names one repayment.
    problemOf(await repay(orgA, { transactionId: advanceA.id, amount: 6, clientRepaymentReferenceNumber: reference }), 409, 'reuse within A');

    const refusedReference = `REFUSED-${randomUUID().slice(0, 8)}`;
    const refused = await repay(orgA, { employeeId: empA.id, amount: 99_999, clientRepaymentReferenceNumber: refusedReference });
    problemOf(refused, 422, 'more than owed');
    const retry = await repay(orgA, { employeeId: empA.id, amount: 3, clientRepaymentReferenceNumber: refusedReference });
    expect(retry.status, JSON.stringify(retry.body)).toBe(201);
    expect(retry.body).toMatchObject({ clientRepaymentReferenceNumber: refusedReference, status: 'COMPLETED', amount: 3 });
    expect(await count(api.db, `SELECT count(*) AS n FROM repayments WHERE client_reference = $1`, [refusedReference])).toBe(2);
  });
});

describe('3. a conflict with another tenant’s data confirms nothing', () => {
  it("another tenant's Emirates ID answers the same generic 409 as another tenant's employee code, naming no field", async () => {
    const hrA = await api.token({ role: 'hr_manager', org: orgA });
    const hrB = await api.token({ role: 'hr_manager', org: orgB });
    const ofA = validEmployee(bankId);
    const created = await api.request('POST', '/api/v1/employees', { token: hrA, body: ofA });
    expect(created.status, JSON.stringify(created.body)).toBe(201);

    const sameEmiratesId = await api.request('POST', '/api/v1/employees', { token: hrB, body: validEmployee(bankId, { emiratesId: ofA.emiratesId }) });
    const sameCode = await api.request('POST', '/api/v1/employees', { token: hrB, body: validEmployee(bankId, { employeeCode: ofA.employeeCode }) });
    const strip = ({ requestId: _r, instance: _i, ...rest }: any) => rest;
    const byId = problemOf(sameEmiratesId, 409, 'emirates id');
    const byCode = problemOf(sameCode, 409, 'employee code');
    expect(strip(byId)).toEqual(strip(byCode));
    expect(JSON.stringify(byId)).not.toMatch(/emirates|belongs|employeeCode|another employee/i);
    expect(JSON.stringify(byId)).not.toContain(String(ofA.employeeCode));
  });
});

describe('4. the advance quota counts accepted requests of the employee the advance is for', () => {
  it('refused requests (403 MFA, 404 colleague) do not burn the quota; an admin acting for an employee counts for that employee', async () => {
    const own = await api.employeeToken(empRefused);
    for (let i = 0; i < ADVANCES_PER_HOUR + 1; i++) {
      problemOf(await api.requestAdvance(own, { employeeId: empRefused.id, amount: 900 }), 403, 'no MFA');
      problemOf(await api.requestAdvance(own, { employeeId: empA.id, amount: 10 }), 404, "a colleague's id");
    }
    const valid = await api.requestAdvance(own, { employeeId: empRefused.id, amount: 10 });
    expect(valid.status, JSON.stringify(valid.body)).toBe(202);
    const accepted = [valid.body.id as string];

    const admin = await api.adminToken();
    for (let i = 0; i < ADVANCES_PER_HOUR; i++) {
      const forEmployee = await api.requestAdvance(admin, { employeeId: empForAdmin.id, amount: 10 });
      expect(forEmployee.status, JSON.stringify(forEmployee.body)).toBe(202);
      accepted.push(forEmployee.body.id);
    }
    const byEmployee = await api.requestAdvance(await api.employeeToken(empForAdmin), { employeeId: empForAdmin.id, amount: 10 });
    expect(problemOf(byEmployee, 429, 'employee after admin used the quota').code).toBe('RATE_LIMIT_EXCEEDED');
    expect(Number(byEmployee.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await count(api.db, `SELECT count(*) AS n FROM advance_requests WHERE employee_id = $1`, [empForAdmin.id])).toBe(ADVANCES_PER_HOUR);
    await Promise.all(accepted.map((id) => api.waitForStatus(id, FINAL)));
  });
});

describe('5. a signed webhook cannot travel in time', () => {
  const send = (body: unknown) => {
    const raw = JSON.stringify(body);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const eventId = `evt-${randomUUID()}`;
    return api.request('POST', '/api/v1/webhooks/abhi', {
      rawBody: raw,
      headers: {
        'content-type': 'application/json',
        'X-Abhi-Timestamp': timestamp,
        'X-Abhi-Event-Id': eventId,
        'X-Abhi-Signature': `sha256=${signWebhook(webhookSecret, timestamp, eventId, raw)}`,
      },
    });
  };

  it('occurredAt in the year 275760 is held to the signed timestamp; a genuine later "reversed" still applies', async () => {
    const transactionId = advanceWebhook.abhiTransactionId as string;
    const future = await send({ type: 'transaction.status_changed', occurredAt: '+275760-09-13T00:00:00.000Z', data: { transactionId, status: 'completed' } });
    expect(future.status, JSON.stringify(future.body)).toBe(200);
    const stored = (await api.db.query(`SELECT abhi_status_at FROM advance_requests WHERE id = $1`, [advanceWebhook.id])).rows[0];
    expect(Math.abs(new Date(stored.abhi_status_at).getTime() - Date.now())).toBeLessThan(10 * 60_000);

    await new Promise((r) => setTimeout(r, 1_100));
    const reversed = await send({ type: 'transaction.status_changed', occurredAt: new Date().toISOString(), data: { transactionId, status: 'reversed', reason: 'bank \u202Ereturned\u001b[0m the transfer' } });
    expect(reversed.status, JSON.stringify(reversed.body)).toBe(200);
    expect(reversed.body.applied).not.toMatch(/older/);
    const after = await api.getTransaction(advanceWebhook.id);
    expect(after).toMatchObject({ abhiStatus: 'reversed', status: 'FAILED' });
    // Abhi's free text is not refused (that would drop a genuine update) but reaches history and notifications clean.
    const history = (await api.db.query(`SELECT reason FROM advance_request_history WHERE request_id = $1`, [advanceWebhook.id])).rows.map((r) => r.reason ?? '').join('\n');
    expect(history).toContain('bank returned[0m the transfer');
    expect(history).not.toMatch(/[\u202E\u001b]/);
  });
});

describe('6. names and free text refuse control, bidi and ANSI characters', () => {
  const hostile = {
    'NUL': 'Fatima\u0000',
    'newline (SMS/CSV line injection)': 'Fatima\nALERT',
    'ANSI escape': '\u001b[31mFatima',
    'DEL': 'Fatima\u007f',
    'C1 control (NEL)': 'Fatima\u0085',
    'right-to-left override': 'Fatima\u202Egnp.exe',
    'bidi isolate': '\u2066Fatima\u2069',
    'left-to-right mark': 'Fati\u200Ema',
  };

  it('every free-text field of every kind of request answers 400 naming the field, and nothing is created', async () => {
    const hr = await api.token({ role: 'hr_manager', org: orgA });
    const admin = await api.adminToken();
    const employeesBefore = await count(api.db, `SELECT count(*) AS n FROM employees`);
    for (const [name, value] of Object.entries(hostile)) {
      for (const field of ['firstName', 'lastName', 'department', 'designation', 'accountTitle']) {
        const response = await api.request('POST', '/api/v1/employees', { token: hr, body: validEmployee(bankId, { [field]: value }) });
        const problem = problemOf(response, 400, `${name} in ${field}`);
        expect(problem.errors, `${name} in ${field}`).toEqual(expect.arrayContaining([expect.objectContaining({ field: `body.${field}` })]));
      }
      const organization = await api.request('POST', '/api/v1/organizations', {
        token: admin,
        body: { name: value, industry: 'Tech', businessTypeId: randomUUID(), address: 'Office 1', city: 'Dubai', managementAlias: 'hostile_org', creditLimit: 1000 },
      });
      expect(problemOf(organization, 400, `${name} in organization name`).errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'body.name' })]));
      const advance = await api.requestAdvance(await api.employeeToken(empRefused), { employeeId: empRefused.id, amount: 10, description: value });
      expect(problemOf(advance, 400, `${name} in advance description`).errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'body.description' })]));
    }
    expect(await count(api.db, `SELECT count(*) AS n FROM employees`)).toBe(employeesBefore);
    // Arabic names and ordinary punctuation stay welcome.
    const arabic = await api.request('POST', '/api/v1/employees', { token: hr, body: validEmployee(bankId, { firstName: 'فاطمة', lastName: "O'Brien-Al Nahyan" }) });
    expect(arabic.status, JSON.stringify(arabic.body)).toBe(201);
  });
});

describe('7. the correlation id is the gateway’s own', () => {
  it("a client's X-Request-ID is kept beside the gateway's id (X-Client-Request-ID), never used as it", async () => {
    const chosen = `victim-request-${randomUUID().slice(0, 8)}`;
    const hrB = await api.token({ role: 'hr_manager', org: orgB });
    const denied = await api.request('GET', `/api/v1/employees/${empA.id}`, { token: hrB, headers: { 'X-Request-ID': chosen } });
    const problem = problemOf(denied, 404, 'cross-tenant read');
    const own = denied.headers.get('x-request-id');
    expect(own).toBeTruthy();
    expect(own).not.toBe(chosen);
    expect(problem.requestId).toBe(own);
    expect(denied.headers.get('x-client-request-id')).toBe(chosen);
    // The audit trail files the denial under the gateway's id only.
    expect(await count(api.db, `SELECT count(*) AS n FROM audit_log WHERE request_id = $1`, [own])).toBe(1);
    expect(await count(api.db, `SELECT count(*) AS n FROM audit_log WHERE request_id = $1`, [chosen])).toBe(0);
  });
});
