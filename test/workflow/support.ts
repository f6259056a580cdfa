import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { buildSeed, type SeedEmployee, type SeedOrganization } from '../../infra/local/abhi-sandbox/seed';
import { currentStepFunctionsLocal, type StepFunctionsLocal } from '../../infra/local/services/step-functions-local';
import { startTestApi, type TestApi } from '../support/api';

/**
 * Harness of the workflow tests: the whole platform (test/support/api.ts) with the Abhi sandbox's business clock
 * frozen on the 28th of this month (its available amounts grow with the day of the month), the sandbox's
 * organizations and employees mirrored into PostgreSQL (what the sync does in the real stack), and the Step
 * Functions runner's retry pauses shortened.
 */
export const FINAL = ['COMPLETED', 'REJECTED', 'EXPIRED', 'CANCELLED', 'FAILED'];

export const TEST_POLICY = {
  approvalThreshold: 500,
  mfaThreshold: 800,
  maxAdvanceAmount: 5000,
  maxAdvancesPerMonth: 31,
  minDaysSinceJoining: 0,
  approvalTtlHours: 1,
  blackoutDaysBeforePayroll: 0,
};

export interface WorkflowTestApi extends TestApi {
  readonly db: pg.Pool;
  readonly sfn: StepFunctionsLocal;
  readonly seed: { organizations: SeedOrganization[]; employees: SeedEmployee[] };
  /** Active employees of active organizations, by descending salary (most money available first). */
  readonly employees: SeedEmployee[];
  employeeToken(employee: SeedEmployee, options?: { mfa?: boolean }): Promise<string>;
  financeToken(organizationId: string, subject?: string): Promise<string>;
  adminToken(): Promise<string>;
  setPolicy(organizationId: string, policy: Record<string, unknown>): Promise<void>;
  /** POST /transactions/advance with a fresh (or given) Idempotency-Key. */
  requestAdvance(token: string, body: Record<string, unknown>, key?: string): Promise<{ status: number; headers: Headers; body: any }>;
  getTransaction(id: string, token?: string): Promise<any>;
  /** Polls GET /transactions/{id} until its status is one of `statuses`. */
  waitForStatus(id: string, statuses: string[], timeoutMs?: number): Promise<any>;
  /** Abhi's advances in the sandbox (live records). */
  abhiAdvances(): { id: string; employeeId: string; amount: number; description?: string }[];
}

/** The sandbox's business clock: the 28th of the current UAE month, 08:00 UAE. */
export function frozenBusinessTime(now = Date.now()): number {
  const uae = new Date(now + 4 * 3600_000);
  return Date.UTC(uae.getUTCFullYear(), uae.getUTCMonth(), 28, 4, 0, 0);
}

export async function startWorkflowTestApi(options: { sandbox?: Record<string, unknown>; extraEnv?: Record<string, string> } = {}): Promise<WorkflowTestApi> {
  const frozen = frozenBusinessTime();
  const api = await startTestApi({
    sandbox: { rateLimit: false, clock: () => frozen, ...options.sandbox },
    extraEnv: {
      RATE_LIMIT_ADVANCES_PER_HOUR: '100000',
      RATE_LIMIT_WRITE_RPS: '10000',
      RATE_LIMIT_WRITE_BURST: '10000',
      RATE_LIMIT_READ_RPS: '10000',
      RATE_LIMIT_READ_BURST: '10000',
      STEP_FUNCTIONS_LOCAL_RETRY_INTERVAL_MS: '100',
      DATABASE_POOL_MAX: '12',
      ABHI_RATE_LIMIT_RPS: '1000',
      ABHI_RATE_LIMIT_BURST: '1000',
      ...options.extraEnv,
    },
  });
  const sfn = currentStepFunctionsLocal();
  if (!sfn) throw new Error('The platform did not start the local Step Functions endpoint.');
  const db = new pg.Pool({ connectionString: api.platform.env.DATABASE_URL, max: 4 });
  const seed = buildSeed();
  await mirrorSeed(db, seed.organizations, seed.employees);
  const activeOrgs = new Set(seed.organizations.filter((o) => o.active).map((o) => o.id));
  const employees = seed.employees
    .filter((e) => e.status === 'active' && activeOrgs.has(e.organizationId))
    .sort((a, b) => Number(b.netSalaryFils - a.netSalaryFils));

  const admin = () => api.token({ role: 'admin', subject: 'platform-admin' });
  const result: WorkflowTestApi = {
    ...api,
    db,
    sfn,
    seed,
    employees,
    employeeToken: (employee, opts = {}) =>
      api.token({ role: 'employee', org: employee.organizationId, employee: employee.id, mfa: opts.mfa ?? false, subject: `employee-${employee.id}` }),
    financeToken: (organizationId, subject = `finance-${organizationId}`) => api.token({ role: 'finance_manager', org: organizationId, subject }),
    adminToken: admin,
    async setPolicy(organizationId, policy) {
      await db.query(`UPDATE organizations SET advance_policy = $2 WHERE id = $1`, [organizationId, JSON.stringify(policy)]);
    },
    requestAdvance: (token, body, key = `adv-${randomUUID()}`) => api.request('POST', '/api/v1/transactions/advance', { token, body, headers: { 'Idempotency-Key': key } }),
    async getTransaction(id, token) {
      const response = await api.request('GET', `/api/v1/transactions/${id}`, { token: token ?? (await admin()) });
      if (response.status !== 200) throw new Error(`GET /transactions/${id} answered ${response.status}: ${JSON.stringify(response.body)}`);
      return response.body;
    },
    async waitForStatus(id, statuses, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      const token = await admin();
      let last: any;
      while (Date.now() < deadline) {
        last = await result.getTransaction(id, token);
        if (statuses.includes(last.status)) return last;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`Transaction ${id} stayed ${last?.status} (wanted ${statuses.join('/')}): ${JSON.stringify(last)}`);
    },
    abhiAdvances: () =>
      (api.sandbox.state().records.advances as { id: string; employeeId: string; amount: number; description?: string }[]).map((a) => ({ ...a })),
    async stop() {
      await db.end();
      await api.stop();
    },
  };
  for (const org of seed.organizations) await result.setPolicy(org.id, TEST_POLICY);
  return result;
}

/** What the scheduled sync would write: the sandbox's organizations and employees (no personal data needed here). */
async function mirrorSeed(db: pg.Pool, organizations: SeedOrganization[], employees: SeedEmployee[]): Promise<void> {
  const ordered = [...organizations].sort((a, b) => (a.parentOrganizationId ? 1 : 0) - (b.parentOrganizationId ? 1 : 0));
  for (const org of ordered) {
    await db.query(
      `INSERT INTO organizations (id, parent_id, name, industry, city, payroll_start_day, active)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING`,
      [org.id, org.parentOrganizationId ?? null, org.name, org.industry, org.city, org.payrollStartDay, org.active],
    );
  }
  for (const e of employees) {
    await db.query(
      `INSERT INTO employees (id, organization_id, employee_code, first_name, last_name, department, designation, email,
         date_of_joining, net_salary, payroll_start_day, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (id) DO NOTHING`,
      [e.id, e.organizationId, e.employeeCode, e.firstName, e.lastName, e.department, e.designation, e.email, e.dateOfJoining, (Number(e.netSalaryFils) / 100).toFixed(2), e.payrollStartDay, e.status],
    );
  }
}

/** The sandbox's available amount for an employee on the frozen day (50 % of the salary earned so far this month). */
export function sandboxAvailable(employee: SeedEmployee, now = Date.now()): number {
  const uae = new Date(frozenBusinessTime(now) + 4 * 3600_000);
  const days = new Date(Date.UTC(uae.getUTCFullYear(), uae.getUTCMonth() + 1, 0)).getUTCDate();
  return Number((employee.netSalaryFils * 28n * 50n) / (BigInt(days) * 100n)) / 100;
}

export async function count(db: pg.Pool, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await db.query<{ n: number }>(sql, params);
  return Number(rows[0]?.n ?? 0);
}
