import { randomUUID } from 'node:crypto';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEntry } from '../../infra/local/api-server';
import { fakeLambdaContext } from '../../infra/local/lambda-context';
import { abhiClientFromEnv } from '#shared/abhi/client';
import type { OperationGroup } from '#shared/abhi/transport';
import { TEST_POLICY, startWorkflowTestApi, type WorkflowTestApi } from '../workflow/support';
import { untilNormalAgain } from '../support/recovery';

/**
 * Recovery on every Abhi path (issue #17 item 2), the two paths that are not HTTP routes: the advance workflow's
 * task functions (validate and create at Abhi) and the sync job's pages (organizations and employees). Each is
 * invoked as Lambda invokes it — the task entry with the state machine's input, the SQS consumer with an SQS
 * event — on the whole local platform, and taken through outage → breaker open → Abhi back; it must answer
 * normally within the open period plus 10 s, as the HTTP groups do in recovery-per-group.test.ts. An advance
 * accepted during the outage rides it out in the synthesized state machine (backoff at 0.2×) and is created once.
 * Metrics are enabled, as in recovery-per-group.test.ts (real Powertools EMF in the half-open trials).
 */
const OPEN_MS = 3_000;
const RECOVERY_BUDGET_MS = OPEN_MS + 10_000;

let api: WorkflowTestApi;

beforeAll(async () => {
  api = await startWorkflowTestApi({
    extraEnv: {
      ABHI_BREAKER_OPEN_MS: String(OPEN_MS),
      RATE_LIMIT_ENABLED: 'false',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      POWERTOOLS_METRICS_DISABLED: 'false',
      // The workflow's production backoff at 0.2× (not the harness's fixed 100 ms, which would use up the
      // AbhiUnavailable budget of the in-flight advance within the outage).
      STEP_FUNCTIONS_LOCAL_RETRY_INTERVAL_MS: '',
      STEP_FUNCTIONS_LOCAL_TIME_SCALE: '0.2',
    },
  });
  for (const org of api.seed.organizations) await api.setPolicy(org.id, { ...TEST_POLICY, approvalThreshold: 100_000, mfaThreshold: 100_000 });
}, 120_000);

afterAll(async () => {
  api?.sandbox.setFaults({});
  await api?.stop();
});

/** ok: the call answered as it does when Abhi is healthy; detail: what it answered. */
type Outcome = { ok: boolean; detail: string };
interface Probe {
  readonly group: OperationGroup;
  readonly name: string;
  /** Sandbox paths (after the base path) that fail during the outage. */
  readonly paths: string[];
  readonly call: () => Promise<Outcome>;
}

type TaskHandler = (event: unknown, context: Context) => Promise<any>;
const task = async (entry: string, input: unknown): Promise<Outcome & { value?: any }> => {
  const handler = await loadEntry<TaskHandler>(entry);
  try {
    const value = await handler(input, fakeLambdaContext(entry, 60_000));
    return { ok: true, detail: JSON.stringify(value), value };
  } catch (error) {
    // What the state machine sees: the error's name is what its Retry/Catch rules match.
    return { ok: false, detail: `${(error as Error).name}: ${(error as Error).message}` };
  }
};

const employee = () => api.employees[2]!;
const checkInput = () => ({ requestId: randomUUID(), organizationId: employee().organizationId, employeeId: employee().id, amount: '10.00' });

/** A request the workflow has approved and is about to create at Abhi (what CreateAdvance finds in the database). */
const createdByProbe = new Map<string, string>();
async function processingRequest(amount: number): Promise<string> {
  const id = randomUUID();
  await api.db.query(
    `INSERT INTO advance_requests (id, organization_id, employee_id, requested_by, idempotency_key, amount, status, abhi_reference, reserved_at, created_at, updated_at)
     VALUES ($1, $2, $3, 'recovery-probe', $4, $5, 'PROCESSING', $6, now(), now(), now())`,
    [id, employee().organizationId, employee().id, `probe-${id}`, amount, `ADV-${id}`],
  );
  return id;
}

const syncPage = async (kind: 'organizations' | 'employees'): Promise<Outcome> => {
  const handler = await loadEntry<(event: SQSEvent, context: Context) => Promise<SQSBatchResponse>>('sync/process-sync-page');
  const messageId = randomUUID();
  const event = {
    Records: [
      {
        messageId,
        receiptHandle: `probe-${messageId}`,
        // One page holds every seeded record: no next page is enqueued.
        body: JSON.stringify({ runId: randomUUID(), kind, page: 1, limit: 100 }),
        attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()), SenderId: 'probe', ApproximateFirstReceiveTimestamp: String(Date.now()) },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:abhi-sync',
        awsRegion: 'us-east-1',
      },
    ],
  } as SQSEvent;
  const result = await handler(event, fakeLambdaContext('sync-process-sync-page', 60_000));
  // A failed page is handed back to SQS (redelivered later, then the DLQ): not normal.
  return { ok: result.batchItemFailures.length === 0, detail: JSON.stringify(result) };
};

const probes: Probe[] = [
  {
    group: 'transactions',
    name: 'workflow task check-abhi-eligibility (validate at Abhi)',
    paths: ['/transactions/*'],
    call: async () => {
      const outcome = await task('workflow/check-abhi-eligibility', checkInput());
      return { ok: outcome.ok && outcome.value?.isValid === true, detail: outcome.detail };
    },
  },
  {
    group: 'transactions',
    name: 'workflow task create-advance (create at Abhi)',
    paths: ['/transactions/*'],
    call: async () => {
      const id = await processingRequest(10);
      const outcome = await task('workflow/create-advance', { requestId: id });
      if (outcome.ok) createdByProbe.set(id, outcome.value.abhiTransactionId);
      return { ok: outcome.ok && outcome.value?.via === 'created', detail: outcome.detail };
    },
  },
  { group: 'organizations', name: 'sync page of organizations (SQS consumer)', paths: ['/organizations', '/organizations/*'], call: () => syncPage('organizations') },
  { group: 'employees', name: 'sync page of employees (SQS consumer)', paths: ['/employees', '/employees/*'], call: () => syncPage('employees') },
];

describe('the workflow tasks and the sync pages recover by themselves after an Abhi outage (open period + 10 s)', () => {
  for (const probe of probes) {
    it(`${probe.group}: ${probe.name}`, async () => {
      const first = await probe.call();
      expect(first.ok, `before the outage: ${first.detail}`).toBe(true);

      api.sandbox.setFaults({ errorRate: 1, status: 503, paths: probe.paths });
      let openedAt: number | undefined;
      const during: string[] = [];
      for (let i = 0; i < 15 && openedAt === undefined; i++) {
        const outcome = await probe.call();
        expect(outcome.ok, `answered normally during the outage: ${outcome.detail}`).toBe(false);
        during.push(outcome.detail);
        if ((await abhiClientFromEnv().breakerState(probe.group)).state === 'open') openedAt = Date.now();
      }
      expect(openedAt, `the breaker never opened: ${during.join(' | ')}`).toBeDefined();
      // While open, a workflow task is refused as AbhiUnavailable (nothing sent: the long backoff), never as a rule.
      if (probe.name.startsWith('workflow')) {
        const refused = await probe.call();
        expect(refused.detail).toMatch(/^AbhiUnavailable: .*circuit breaker 'transactions' is open/);
      }

      api.sandbox.setFaults({});
      const { recoveredAt, answers } = await untilNormalAgain(openedAt!, RECOVERY_BUDGET_MS, async () => {
        const outcome = await probe.call();
        return { normal: outcome.ok, label: outcome.ok ? 'ok' : outcome.detail.slice(0, 60) };
      });
      console.info(`${probe.name}: open -> normal in ${recoveredAt === undefined ? 'never' : `${recoveredAt - openedAt!} ms`} (${answers.join(' | ')})`);
      expect(recoveredAt, `never answered normally again: ${answers.join(' | ')}`).toBeDefined();
      expect(recoveredAt! - openedAt!).toBeLessThanOrEqual(RECOVERY_BUDGET_MS);
      expect((await abhiClientFromEnv().breakerState(probe.group)).state).toBe('closed');
    }, 60_000);
  }

  it('creates during and after the outage: Abhi holds exactly the advances the task reported created, once each', () => {
    const atAbhi = api.abhiAdvances().filter((a) => a.employeeId === employee().id && /ref:ADV-/.test(a.description ?? ''));
    const byRequest = new Map(atAbhi.map((a) => [/ref:ADV-([0-9a-f-]{36})$/.exec(a.description!)![1]!, a.id]));
    expect(atAbhi).toHaveLength(byRequest.size);
    expect(byRequest).toEqual(createdByProbe);
  });

  it('sync: after the outage the mirror holds every Abhi employee and organization again (pages are idempotent)', async () => {
    const abhi = api.sandbox.state().records;
    const { rows } = await api.db.query<{ employees: number; organizations: number }>(
      `SELECT (SELECT count(*)::int FROM employees WHERE id = ANY($1::text[])) AS employees, (SELECT count(*)::int FROM organizations WHERE id = ANY($2::text[])) AS organizations`,
      [(abhi.employees as { id: string }[]).map((e) => e.id), (abhi.organizations as { id: string }[]).map((o) => o.id)],
    );
    expect(rows[0]).toEqual({ employees: abhi.employees.length, organizations: abhi.organizations.length });
  });

  it('an advance accepted while the transactions breaker is open rides the outage out and is COMPLETED once', async () => {
    const e = api.employees[3]!;
    api.sandbox.setFaults({ errorRate: 1, status: 503, paths: ['/transactions/*'] });
    const response = await api.requestAdvance(await api.employeeToken(e), { employeeId: e.id, amount: 17 });
    expect(response.status, JSON.stringify(response.body)).toBe(202);
    // The workflow meets the outage (its Abhi checks fail, the breaker opens) before Abhi comes back.
    const deadline = Date.now() + 20_000;
    while ((await abhiClientFromEnv().breakerState('transactions')).state !== 'open' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect((await abhiClientFromEnv().breakerState('transactions')).state).toBe('open');
    expect((await api.getTransaction(response.body.id)).status).toBe('PENDING_VALIDATION');
    await new Promise((r) => setTimeout(r, OPEN_MS));
    const back = Date.now();
    api.sandbox.setFaults({});
    const done = await api.waitForStatus(response.body.id, ['COMPLETED', 'REJECTED', 'FAILED'], 45_000);
    console.info(`in-flight advance: ${done.status} ${Date.now() - back} ms after Abhi came back (workflow backoff at 0.2x)`);
    expect(done.status).toBe('COMPLETED');
    expect(api.abhiAdvances().filter((a) => a.employeeId === e.id && a.amount === 17)).toHaveLength(1);
  }, 90_000);
});
