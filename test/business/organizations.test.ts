import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoDocumentClient } from '#shared/adapters/dynamodb/client';
import { getPool } from '#shared/db/pool';
import { DEFAULT_ADVANCE_POLICY } from '#shared/schemas/organizations';
import { startTestApi, type TestApi } from '../support/api';
import { expectProblem, masterDataIds, sandboxCalls, sandboxIds, tokenFor, validEmployee, type SandboxIds } from './helpers';

/** Organizations and master data end to end. */
let api: TestApi;
let ids: SandboxIds;
let admin: string;
let orgAdminA: string;
let hrA: string;
let hrB: string;

beforeAll(async () => {
  api = await startTestApi({ extraEnv: { RATE_LIMIT_ENABLED: 'false', ABHI_RATE_LIMIT_RPS: '50', ABHI_RATE_LIMIT_BURST: '50' }, sandbox: { rateLimit: { ratePerSecond: 100, burst: 100 } } });
  ids = sandboxIds(api);
  [admin, orgAdminA, hrA, hrB] = await Promise.all([
    tokenFor(api, 'admin'),
    tokenFor(api, 'organization_admin', ids.orgA),
    tokenFor(api, 'hr_manager', ids.orgA),
    tokenFor(api, 'hr_manager', ids.orgB),
  ]);
});

afterAll(async () => {
  await api?.stop();
});

function alias(): string {
  return `org_${Math.random().toString(36).slice(2, 10)}`;
}

describe('master data', () => {
  it('banks and business types hit Abhi at most once per cache TTL, whatever the filters', async () => {
    const token = hrA;
    const before = { banks: sandboxCalls(api, 'GET', '/banks'), types: sandboxCalls(api, 'GET', '/business') };
    const queries = ['', '?active=true', '?country=UAE&limit=5', '?search=bank&page=1&limit=2', '?active=false'];
    for (const query of queries) {
      const banks = await api.request('GET', `/api/v1/organizations/banks${query}`, { token });
      expect(banks.status, JSON.stringify(banks.body)).toBe(200);
      expect(banks.body).toHaveProperty('total');
      const types = await api.request('GET', `/api/v1/organizations/business-types${query.replace('bank', 'a')}`, { token });
      expect(types.status).toBe(200);
    }
    expect(sandboxCalls(api, 'GET', '/banks') - before.banks).toBeLessThanOrEqual(1);
    expect(sandboxCalls(api, 'GET', '/business') - before.types).toBeLessThanOrEqual(1);

    // Pages are consistent: every bank exactly once, ordered by name.
    const all = await api.request('GET', '/api/v1/organizations/banks?limit=100', { token });
    const paged: string[] = [];
    for (let page = 1; page <= Math.ceil(all.body.total / 3); page++) {
      const res = await api.request('GET', `/api/v1/organizations/banks?limit=3&page=${page}`, { token });
      paged.push(...res.body.items.map((b: { id: string }) => b.id));
    }
    expect(paged).toEqual(all.body.items.map((b: { id: string }) => b.id));
    const names = all.body.items.map((b: { name: string }) => b.name);
    expect(names).toEqual([...names].sort((a: string, b: string) => a.localeCompare(b, 'en')));

    // Once the TTL has passed (simulated by ageing the cached entry), exactly one more Abhi call refreshes it.
    const table = api.platform.env.STATE_TABLE_NAME!;
    const cached = await dynamoDocumentClient().send(
      new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'CACHE#banks' } }),
    );
    expect(cached.Items?.length).toBeGreaterThan(0);
    for (const item of cached.Items ?? []) {
      await dynamoDocumentClient().send(
        new UpdateCommand({ TableName: table, Key: { pk: item.pk, sk: item.sk }, UpdateExpression: 'SET expiresAtMs = :past', ExpressionAttributeValues: { ':past': Date.now() - 1 } }),
      );
    }
    const afterTtl = sandboxCalls(api, 'GET', '/banks');
    await api.request('GET', '/api/v1/organizations/banks', { token });
    await api.request('GET', '/api/v1/organizations/banks?active=true', { token });
    expect(sandboxCalls(api, 'GET', '/banks') - afterTtl).toBe(1);
  });

  it('validates master-data queries and maps Abhi failures', async () => {
    expectProblem(await api.request('GET', '/api/v1/organizations/banks?active=maybe', { token: hrA }), 400, 'VALIDATION_ERROR');
    expectProblem(await api.request('GET', '/api/v1/organizations/business-types?limit=0', { token: hrA }), 400, 'VALIDATION_ERROR');
    // Drop the cache so the next read must reach Abhi, which is failing.
    const table = api.platform.env.STATE_TABLE_NAME!;
    for (const kind of ['banks', 'businessTypes']) {
      const cached = await dynamoDocumentClient().send(
        new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `CACHE#${kind}` } }),
      );
      for (const item of cached.Items ?? []) {
        await dynamoDocumentClient().send(
          new UpdateCommand({ TableName: table, Key: { pk: item.pk, sk: item.sk }, UpdateExpression: 'SET expiresAtMs = :past', ExpressionAttributeValues: { ':past': 0 } }),
        );
      }
    }
    api.sandbox.setFaults({ malformedRate: 1, malformedKind: 'shape', paths: ['/banks'] });
    expectProblem(await api.request('GET', '/api/v1/organizations/banks', { token: hrA }), 502, 'EXTERNAL_API_ERROR');
    api.sandbox.setFaults({ rateLimitStormRate: 1, retryAfterSeconds: 30, paths: ['/business'] });
    const storm = await api.request('GET', '/api/v1/organizations/business-types', { token: hrA });
    expectProblem(storm, 503);
    expect(storm.headers.get('retry-after')).toBeTruthy();
    api.sandbox.setFaults({});
  });
});

describe('organizations', () => {
  it('creates a child organization at Abhi with defaults, reads and lists it, and records organization.created', async () => {
    const { businessTypeId } = await masterDataIds(api);
    const managementAlias = alias();
    const created = await api.request('POST', '/api/v1/organizations', {
      token: orgAdminA,
      body: { name: 'Acme Child LLC', industry: 'Logistics', businessTypeId, address: 'Plot 7', city: 'Dubai', managementAlias, creditLimit: 250000.5, payrollStartDay: 25 },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({
      name: 'Acme Child LLC',
      parentOrganizationId: ids.orgA,
      creditLimit: 250000.5,
      advancePolicy: DEFAULT_ADVANCE_POLICY,
      notificationSettings: { channels: { email: true, sms: true, push: false }, hrEmail: null, approverEmail: null, mutedEvents: [], locale: 'en' },
    });
    expect(Object.keys(created.body.users)).toEqual(expect.arrayContaining(['admin', 'operator']));
    expect(JSON.stringify(created.body)).not.toMatch(/password|MFAsecret/i);
    const id = created.body.id as string;
    expect((api.sandbox.state().records.organizations as { id: string }[]).some((o) => o.id === id)).toBe(true);

    // The organization admin sees its child; an hr_manager of another organization does not.
    const got = await api.request('GET', `/api/v1/organizations/${id}`, { token: orgAdminA });
    expect(got.status).toBe(200);
    expect(got.body.managementAlias).toBe(managementAlias);
    expectProblem(await api.request('GET', `/api/v1/organizations/${id}`, { token: hrB }), 404, 'NOT_FOUND');
    const list = await api.request('GET', '/api/v1/organizations?limit=100', { token: orgAdminA });
    expect(list.body.items.map((o: { id: string }) => o.id)).toContain(id);
    const listB = await api.request('GET', '/api/v1/organizations?limit=100', { token: await tokenFor(api, 'organization_admin', ids.orgB) });
    expect(listB.body.items.map((o: { id: string }) => o.id)).not.toContain(id);
    const events = await getPool().query("SELECT type FROM outbox WHERE organization_id = $1 AND type LIKE 'organization.%'", [id]);
    expect(events.rows.map((r) => r.type)).toContain('organization.created');
    // Abhi's generated credentials are kept, sealed.
    const portal = await getPool().query('SELECT role, username, credentials_enc FROM organization_portal_users WHERE organization_id = $1 ORDER BY role', [id]);
    expect(portal.rows.map((r) => r.role)).toEqual(expect.arrayContaining(['admin', 'operator']));
    for (const row of portal.rows) {
      expect(row.username).toBe(created.body.users[row.role].username);
      expect(row.credentials_enc).toMatch(/^v1\./);
    }

    // Duplicate alias: Abhi refuses it.
    const duplicate = await api.request('POST', '/api/v1/organizations', {
      token: admin,
      body: { name: 'Dup', industry: 'X', businessTypeId, address: 'A', city: 'Dubai', managementAlias, creditLimit: 1000 },
    });
    expect([409, 422]).toContain(duplicate.status);
  });

  it('validates organization bodies', async () => {
    const { businessTypeId } = await masterDataIds(api);
    const base = { name: 'X LLC', industry: 'X', businessTypeId, address: 'A', city: 'Dubai', managementAlias: alias(), creditLimit: 1000 };
    const cases: [Record<string, unknown>, string][] = [
      [{ managementAlias: 'ab' }, 'body.managementAlias'],
      [{ managementAlias: 'Has Capitals' }, 'body.managementAlias'],
      [{ creditLimit: 0 }, 'body.creditLimit'],
      [{ creditLimit: 1.234 }, 'body.creditLimit'],
      [{ businessTypeId: 'x' }, 'body.businessTypeId'],
      [{ payrollStartDay: 0 }, 'body.payrollStartDay'],
      [{ email: 'x' }, 'body.email'],
      [{ advancePolicy: { maxAdvancesPerMonth: 0 } }, 'body.advancePolicy.maxAdvancesPerMonth'],
      [{ advancePolicy: { approvalThreshold: 9000, maxAdvanceAmount: 5000 } }, 'body.advancePolicy.approvalThreshold'],
      [{ extra: 1 }, 'body.extra'],
    ];
    for (const [override, field] of cases) {
      const response = await api.request('POST', '/api/v1/organizations', { token: admin, body: { ...base, ...override } });
      expectProblem(response, 400, 'VALIDATION_ERROR');
      expect(response.body.errors.map((e: { field: string }) => e.field), JSON.stringify(override)).toContain(field);
    }
  });

  it('updates the local configuration, keeps unspecified fields, validates and isolates tenants', async () => {
    const first = await api.request('PUT', `/api/v1/organizations/${ids.orgA}`, {
      token: orgAdminA,
      body: { advancePolicy: { approvalThreshold: 1500, maxAdvancesPerMonth: 2 }, notificationSettings: { channels: { sms: false }, hrEmail: 'hr@a.example' } },
    });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.advancePolicy).toEqual({ ...DEFAULT_ADVANCE_POLICY, approvalThreshold: 1500, maxAdvancesPerMonth: 2 });
    expect(first.body.notificationSettings).toEqual({ channels: { email: true, sms: false, push: false }, hrEmail: 'hr@a.example', approverEmail: null, mutedEvents: [], locale: 'en', recipientLocales: {} });
    const second = await api.request('PUT', `/api/v1/organizations/${ids.orgA}`, { token: orgAdminA, body: { notificationSettings: { mutedEvents: ['employee.created'] } } });
    expect(second.body.advancePolicy.approvalThreshold).toBe(1500);
    expect(second.body.notificationSettings).toMatchObject({ hrEmail: 'hr@a.example', mutedEvents: ['employee.created'] });
    // No stale read of the own write.
    const read = await api.request('GET', `/api/v1/organizations/${ids.orgA}`, { token: hrA });
    expect(read.body.notificationSettings.mutedEvents).toEqual(['employee.created']);
    await api.request('PUT', `/api/v1/organizations/${ids.orgA}`, { token: orgAdminA, body: { notificationSettings: { mutedEvents: [] } } });

    expectProblem(await api.request('PUT', `/api/v1/organizations/${ids.orgA}`, { token: orgAdminA, body: {} }), 400, 'VALIDATION_ERROR');
    expectProblem(
      await api.request('PUT', `/api/v1/organizations/${ids.orgA}`, { token: orgAdminA, body: { advancePolicy: { mfaThreshold: 999999 } } }),
      400,
      'VALIDATION_ERROR',
    );
    expectProblem(await api.request('PUT', `/api/v1/organizations/${ids.orgB}`, { token: orgAdminA, body: { advancePolicy: { approvalThreshold: 1 } } }), 404);
    expectProblem(await api.request('PUT', `/api/v1/organizations/${ids.orgA}`, { token: hrA, body: { advancePolicy: { approvalThreshold: 1 } } }), 403);
    expectProblem(await api.request('PUT', '/api/v1/organizations/does-not-exist', { token: admin, body: { advancePolicy: { approvalThreshold: 1 } } }), 404);
    const events = await getPool().query("SELECT count(*)::int AS n FROM outbox WHERE organization_id = $1 AND type = 'organization.updated'", [ids.orgA]);
    expect(events.rows[0].n).toBeGreaterThanOrEqual(3);
  });

  it('statistics count the organization’s employees; unknown or foreign organizations are 404', async () => {
    const { bankId } = await masterDataIds(api);
    const department = `Stats${Date.now()}`;
    for (let i = 0; i < 2; i++) {
      const res = await api.request('POST', '/api/v1/employees', { token: hrB, body: validEmployee(bankId, { department }) });
      expect(res.status).toBe(201);
    }
    const stats = await api.request('GET', `/api/v1/organizations/${ids.orgB}/statistics`, { token: hrB });
    expect(stats.status).toBe(200);
    expect(stats.body.employees.byDepartment).toEqual(expect.arrayContaining([{ department, count: 2 }]));
    expect(stats.body.employees.total).toBeGreaterThanOrEqual(2);
    expect(stats.body.advances).toMatchObject({ total: expect.any(Number), completedAmount: expect.any(Number) });
    expectProblem(await api.request('GET', `/api/v1/organizations/${ids.orgB}/statistics`, { token: hrA }), 404, 'NOT_FOUND');
    expectProblem(await api.request('GET', '/api/v1/organizations/unknown-org/statistics', { token: admin }), 404, 'NOT_FOUND');
  });

  it('GET /organizations/{id} maps Abhi failures and unknown ids', async () => {
    expectProblem(await api.request('GET', '/api/v1/organizations/00000000-0000-4000-8000-000000000000', { token: admin }), 404, 'NOT_FOUND');
    expectProblem(await api.request('GET', '/api/v1/organizations?limit=500', { token: admin }), 400, 'VALIDATION_ERROR');
    // Not cached yet for org B's sibling: the failure reaches the caller as 502.
    const inactive = (api.sandbox.state().records.organizations as { id: string; active?: boolean }[]).find((o) => o.active === false)!;
    api.sandbox.setFaults({ errorRate: 1, status: 502, paths: ['/organizations*'] });
    const failed = await api.request('GET', `/api/v1/organizations/${inactive.id}`, { token: admin });
    expect([502, 503]).toContain(failed.status);
    expect(failed.headers.get('content-type')).toContain('application/problem+json');
    const { businessTypeId } = await masterDataIds(api);
    const create = await api.request('POST', '/api/v1/organizations', {
      token: admin,
      body: { name: 'Down LLC', industry: 'X', businessTypeId, address: 'A', city: 'Dubai', managementAlias: alias(), creditLimit: 1000 },
    });
    expect([502, 503]).toContain(create.status);
    expect(create.headers.get('content-type')).toContain('application/problem+json');
    api.sandbox.setFaults({});
  });
});
