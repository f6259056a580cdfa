import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { seedLocalData } from '../../infra/local/seed';
import { startTestApi, type TestApi } from '../support/api';

/**
 * Issue #17, the first hour: the README's five-minute walkthrough is run as written — the bash block between the
 * `walkthrough` markers, `npm run -s token` included — against a whole local stack on free ports, with the Abhi
 * sandbox's clock on the 1st of the month (the least an employee has available), and every answer is checked.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');

export function walkthroughScript(readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')): string {
  const block = /<!-- walkthrough:start -->\s*```bash\n([\s\S]*?)```\s*<!-- walkthrough:end -->/.exec(readme);
  if (!block) throw new Error('README.md has no ```bash block between <!-- walkthrough:start --> and <!-- walkthrough:end -->.');
  return block[1]!;
}

/** The JSON documents `jq` printed, in order (each pretty-printed over several lines). */
function jsonDocuments(output: string): any[] {
  const documents: any[] = [];
  let buffer = '';
  for (const line of output.split('\n')) {
    buffer += `${line}\n`;
    try {
      documents.push(JSON.parse(buffer));
      buffer = '';
    } catch {
      // not complete yet
    }
  }
  expect(buffer.trim(), 'output that is not JSON').toBe('');
  return documents;
}

function firstOfThisUaeMonth(now = Date.now()): number {
  const uae = new Date(now + 4 * 3600_000);
  return Date.UTC(uae.getUTCFullYear(), uae.getUTCMonth(), 1, 5, 0, 0);
}

let api: TestApi;
/** Everything written with console.warn from before the stack starts (the AWS SDK's own warnings go there). */
const warnings: string[] = [];
beforeAll(async () => {
  vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
    warnings.push(args.map(String).join(' '));
  });
  const firstOfMonth = firstOfThisUaeMonth();
  api = await startTestApi({ sandbox: { clock: () => firstOfMonth } });
  await seedLocalData(api.platform);
}, 120_000);
afterAll(async () => {
  await api?.stop();
  vi.restoreAllMocks();
});

describe('README: the five-minute walkthrough works as written', () => {
  it('every step answers as the README says, with an amount taken from the balance', async () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: new URL(api.url).port,
      ISSUER_PORT: String(api.issuer.port),
      ISSUER_KEY_DIR: api.issuer.dir,
    };
    delete env.OIDC_PRESET;
    const child = spawn('bash', ['-euo', 'pipefail', '-c', walkthroughScript()], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, `exit ${code}\n${stderr}\n${stdout}`).toBe(0);
    expect(stderr).toBe('');

    const [employee, policy, before, validation, advance, after, repayment] = jsonDocuments(stdout);
    expect(employee).toMatchObject({ id: expect.any(String), employeeCode: expect.any(String), netSalary: expect.any(Number) });
    expect(policy).toMatchObject({ approvalThreshold: 1000, mfaThreshold: 500, maxAdvancesPerMonth: 10, blackoutDaysBeforePayroll: 0 });
    const amount = Math.min(Math.floor(before.availableAmount / 2), 250);
    expect(amount).toBeGreaterThanOrEqual(1);
    expect(validation).toMatchObject({ eligible: true, reasons: [] });
    expect(advance).toMatchObject({ status: 'COMPLETED', amount, processingFee: expect.any(Number), dueDate: expect.any(String) });
    expect(after).toMatchObject({ pendingRequests: 0, outstandingAmount: expect.any(Number) });
    expect(after.usedAmount).toBeCloseTo((before.usedAmount ?? 0) + amount, 2);
    expect(after.availableAmount).toBeCloseTo(before.availableAmount - amount, 2);
    expect(repayment).toMatchObject({ id: expect.any(String), amount, status: expect.any(String) });
  }, 120_000);
});

describe('start-up: the AWS SDK has nothing to warn about', () => {
  it('no "QueueUrl differs from SQSClient resolved endpoint" warning: the functions\' SQS endpoint is their queue URLs\' host', async () => {
    // The start's sync sent its pages through the functions' SQS client; the readiness probe reads a queue with it.
    expect((await fetch(`${api.url}/api/v1/ready`)).status).toBe(200);
    expect(warnings.filter((w) => w.includes('QueueUrl'))).toEqual([]);
    expect(process.env.AWS_ENDPOINT_URL_SQS).toBe(new URL(process.env.QUEUE_URL_ABHI_SYNC!).origin);
  });
});
