import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CUSTOM_METRICS } from '../../infra/config/metrics';
import { captureProcessOutput } from '../support/log-capture';
import { TEST_POLICY, startWorkflowTestApi, type WorkflowTestApi } from './support';

/**
 * Issue #17 item 2: an advance in flight waits for Abhi with backoff, bounded (about 30 minutes of AbhiUnavailable
 * retries, checked on the synthesized definition in state-machine.test.ts), then an alarm. Here the synthesized
 * state machine runs those retries with every pause shortened to 50 ms against an Abhi that answers 503 to every
 * transaction call, so the wait runs out in seconds. Metrics are enabled: the alarm's metric leaves as the EMF line
 * Lambda ships to CloudWatch; CloudWatch itself cannot run here (the alarm on the metric is a template test in
 * test/infra/stacks.test.ts).
 */
let api: WorkflowTestApi;

beforeAll(async () => {
  api = await startWorkflowTestApi({
    extraEnv: {
      STEP_FUNCTIONS_LOCAL_RETRY_INTERVAL_MS: '50',
      // Open for the whole test: every attempt after the breaker opens is refused at once (AbhiUnavailable).
      ABHI_BREAKER_OPEN_MS: '120000',
      POWERTOOLS_METRICS_DISABLED: 'false',
      // WARN: the refused attempts are counted from the workflow tasks' warnings.
      POWERTOOLS_LOG_LEVEL: 'WARN',
    },
  });
  for (const org of api.seed.organizations) await api.setPolicy(org.id, { ...TEST_POLICY, approvalThreshold: 4000, mfaThreshold: 4000 });
}, 120_000);

afterAll(async () => {
  api?.sandbox.setFaults({});
  await api?.stop();
});

interface EmfLine {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [key: string]: unknown;
}

function emfLines(text: string): EmfLine[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{') && line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as EmfLine);
}

describe('an advance that waited out its whole Abhi budget', () => {
  it('ends FAILED (DEPENDENCY_UNAVAILABLE), nothing at Abhi, and emits AdvanceAbhiWaitExhausted once as EMF (CloudWatch stubbed: the EMF line on stdout is what Lambda ships)', async () => {
    const employee = api.employees[0]!;
    api.sandbox.setFaults({ errorRate: 1, status: 503, paths: ['/transactions/*'] });
    const output = captureProcessOutput();
    let text: string;
    let failed: any;
    try {
      const response = await api.requestAdvance(await api.employeeToken(employee), { employeeId: employee.id, amount: 12 });
      expect(response.status, JSON.stringify(response.body)).toBe(202);
      failed = await api.waitForStatus(response.body.id, ['COMPLETED', 'REJECTED', 'FAILED'], 60_000);
      await api.sfn.waitForIdle(10_000);
    } finally {
      text = output.text();
      output.stop();
      api.sandbox.setFaults({});
    }
    expect(failed.status).toBe('FAILED');
    expect(failed.reasons.map((r: { code: string }) => r.code)).toEqual(['DEPENDENCY_UNAVAILABLE']);
    expect(api.abhiAdvances().filter((a) => a.employeeId === employee.id && a.amount === 12)).toEqual([]);

    // The workflow really waited through its AbhiUnavailable retries (34 on each Abhi check) before giving up.
    const refusals = text.split('\n').filter((line) => line.includes('"workflowTask"') && line.includes('"error":"AbhiUnavailable"') && line.includes(failed.id));
    expect(refusals.length).toBeGreaterThanOrEqual(34);

    const exhausted = emfLines(text).filter((line) => line._aws.CloudWatchMetrics.some((m) => m.Metrics.some((metric) => metric.Name === CUSTOM_METRICS.advanceAbhiWaitExhausted)));
    expect(exhausted).toHaveLength(1);
    const [line] = exhausted;
    // What the alarm reads: namespace AbhiEwa, the metric, dimension `service` only (infra/config/metrics.ts).
    expect(line!._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'AbhiEwa', Dimensions: [['service']], Metrics: [{ Name: 'AdvanceAbhiWaitExhausted', Unit: 'Count' }] });
    expect(line![CUSTOM_METRICS.advanceAbhiWaitExhausted]).toBe(1);
  }, 90_000);
});
