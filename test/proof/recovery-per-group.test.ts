import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CACHE_KINDS } from '#shared/abhi/cache';
import { abhiClientFromEnv, invalidate } from '#shared/abhi/client';
import { masterDataIds, validEmployee } from '../business/helpers';
import { TEST_POLICY, startWorkflowTestApi, type WorkflowTestApi } from '../workflow/support';
import { untilNormalAgain } from '../support/recovery';

/**
 * Recovery on every Abhi path (issue #17): each operation group of the Abhi client (employees both read and
 * written) is taken through outage → breaker open → Abhi back, over real HTTP on the whole local platform, and must
 * answer normally within the open period plus 10 s (workflow tasks and sync pages: recovery-workflow-sync.test.ts). Metrics are ENABLED here (the harness disables them elsewhere): the half-open trial calls
 * then run through real Powertools EMF, which is what kept the employees group shut before (an EMF key collision
 * thrown inside the call). The EMF lines go to this worker's stdout.
 */
const OPEN_MS = 3_000;
const RECOVERY_BUDGET_MS = OPEN_MS + 10_000;

let api: WorkflowTestApi;
let admin: string;
let bankId: string;
let businessTypeId: string;

beforeAll(async () => {
  api = await startWorkflowTestApi({
    extraEnv: { ABHI_BREAKER_OPEN_MS: String(OPEN_MS), RATE_LIMIT_ENABLED: 'false', POWERTOOLS_LOG_LEVEL: 'ERROR', POWERTOOLS_METRICS_DISABLED: 'false' },
  });
  admin = await api.adminToken();
  ({ bankId, businessTypeId } = await masterDataIds(api));
  for (const org of api.seed.organizations) await api.setPolicy(org.id, { ...TEST_POLICY, approvalThreshold: 100_000, mfaThreshold: 100_000 });
}, 120_000);

afterAll(async () => {
  api?.sandbox.setFaults({});
  await api?.stop();
});

type Answer = { status: number; headers: Headers; body: any };
interface Probe {
  readonly group: 'employees' | 'organizations' | 'masterdata' | 'transactions' | 'repayments';
  readonly name: string;
  /** Sandbox paths (after the base path) that fail during the outage. */
  readonly paths: string[];
  readonly call: () => Promise<Answer>;
  readonly normal: number[];
}

const employee = () => api.employees[0]!;
const orgOf = () => employee().organizationId;

const probes: Probe[] = [
  {
    group: 'masterdata',
    name: 'GET /organizations/banks',
    paths: ['/banks', '/banks/*'],
    call: () => api.request('GET', '/api/v1/organizations/banks?limit=5', { token: admin }),
    normal: [200],
  },
  {
    group: 'employees',
    name: 'GET /employees/{id} (read through to Abhi, caches dropped)',
    paths: ['/employees/*'],
    call: () => api.request('GET', `/api/v1/employees/${employee().id}`, { token: admin }),
    normal: [200],
  },
  {
    group: 'employees',
    name: 'POST /employees (write)',
    paths: ['/employees', '/employees/*'],
    call: async () => api.request('POST', '/api/v1/employees', { token: await api.token({ role: 'hr_manager', org: orgOf() }), body: validEmployee(bankId) }),
    normal: [201],
  },
  {
    group: 'organizations',
    name: 'POST /organizations',
    paths: ['/organizations', '/organizations/*'],
    call: async () =>
      api.request('POST', '/api/v1/organizations', {
        token: await api.token({ role: 'organization_admin', org: orgOf() }),
        body: { name: `Recovery ${randomUUID().slice(0, 6)} LLC`, industry: 'Logistics', businessTypeId, address: 'Plot 7', city: 'Dubai', managementAlias: `rc${randomUUID().slice(0, 8)}`, creditLimit: 1000, payrollStartDay: 25 },
      }),
    normal: [201],
  },
  {
    group: 'transactions',
    name: 'POST /transactions/validate',
    paths: ['/transactions/*'],
    call: async () => api.request('POST', '/api/v1/transactions/validate', { token: await api.employeeToken(employee()), body: { employeeId: employee().id, amount: 10 } }),
    normal: [200],
  },
  {
    group: 'repayments',
    name: 'GET /reports/outstanding',
    paths: ['/repayments', '/repayments/*'],
    call: async () => api.request('GET', `/api/v1/reports/outstanding?organizationId=${orgOf()}`, { token: await api.financeToken(orgOf()) }),
    normal: [200],
  },
];

async function dropCaches(): Promise<void> {
  for (const kind of CACHE_KINDS) await invalidate(kind);
}

describe('every Abhi operation group recovers by itself after an outage (open period + 10 s)', () => {
  for (const probe of probes) {
    it(`${probe.group}: ${probe.name}`, async () => {
      await dropCaches();
      const first = await probe.call();
      expect(probe.normal, `before the outage: ${first.status} ${JSON.stringify(first.body)}`).toContain(first.status);
      const reached = api.sandbox.state().requestLog.filter((r) => probe.paths.some((p) => (p.endsWith('*') ? r.path.includes(p.slice(0, -1)) : r.path.endsWith(p)))).length;
      expect(reached, 'the probe never reached Abhi on its paths').toBeGreaterThan(0);

      api.sandbox.setFaults({ errorRate: 1, status: 503, paths: probe.paths });
      let openedAt: number | undefined;
      const during: number[] = [];
      for (let i = 0; i < 15 && openedAt === undefined; i++) {
        await dropCaches();
        const answer = await probe.call();
        if (answer.status === 503 && answer.body?.code === 'CIRCUIT_BREAKER_OPEN') openedAt = Date.now();
        else during.push(answer.status);
      }
      expect(openedAt, `the breaker never opened (answers ${during.join(',')})`).toBeDefined();
      // During the outage: 502/503/504 problem answers, never a 500.
      for (const status of during) expect([502, 503, 504]).toContain(status);
      expect((await abhiClientFromEnv().breakerState(probe.group)).state).toBe('open');

      api.sandbox.setFaults({});
      const { recoveredAt, answers } = await untilNormalAgain(openedAt!, RECOVERY_BUDGET_MS, async () => {
        await dropCaches();
        const answer = await probe.call();
        expect(answer.status, `a 500 during recovery: ${JSON.stringify(answer.body)}`).not.toBe(500);
        return { normal: probe.normal.includes(answer.status), label: String(answer.status) };
      });
      console.info(`${probe.group}: open -> normal in ${recoveredAt === undefined ? 'never' : `${recoveredAt - openedAt!} ms`} (answers after Abhi came back: ${answers.join(',')})`);
      expect(recoveredAt, `never answered normally again: ${answers.join(',')}`).toBeDefined();
      expect(recoveredAt! - openedAt!).toBeLessThanOrEqual(RECOVERY_BUDGET_MS);
      expect((await abhiClientFromEnv().breakerState(probe.group)).state).toBe('closed');
    }, 60_000);
  }

  it('transactions: an advance requested after the outage is COMPLETED and created once at Abhi', async () => {
    const e = api.employees[1]!;
    const response = await api.requestAdvance(await api.employeeToken(e), { employeeId: e.id, amount: 20 });
    expect(response.status, JSON.stringify(response.body)).toBe(202);
    const done = await api.waitForStatus(response.body.id, ['COMPLETED', 'REJECTED', 'FAILED'], 30_000);
    expect(done.status).toBe('COMPLETED');
    expect(api.abhiAdvances().filter((a) => a.employeeId === e.id && a.amount === 20)).toHaveLength(1);
  }, 60_000);
});
