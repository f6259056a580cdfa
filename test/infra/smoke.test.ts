import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatSmoke, runSmoke } from '../../infra/ops/smoke';
import { startTestApi, type TestApi } from '../support/api';

/**
 * `npm run smoke` against the local stack this file starts (startTestApi): health, readiness and one authenticated
 * read pass; the alarm topic check needs AWS (ListSubscriptionsByTopic) and is reported as not applicable here.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
let api: TestApi;

beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api?.stop();
});

describe('smoke command (local stack; the AWS alarm-topic check is not applicable locally)', () => {
  it('health, readiness and an authenticated read pass; the alarm topic check says it does not apply', async () => {
    const checks = await runSmoke({ url: api.url, token: await api.token({ role: 'admin' }) });
    expect(checks.map((c) => [c.name, c.outcome])).toEqual([
      ['health', 'pass'],
      ['readiness', 'pass'],
      ['authenticated read', 'pass'],
      ['alarm topic subscription', 'not applicable'],
    ]);
    expect(formatSmoke(checks)).toMatch(/PASS {2}authenticated read: GET \/api\/v1\/organizations\?limit=1 → 200/);
  });

  it('a bad token fails the authenticated read and the command exits 1, printing what it found', async () => {
    const result = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(
        'npm',
        ['run', '-s', 'smoke', '--', '--url', api.url, '--token', 'not-a-jwt'],
        { cwd: ROOT, timeout: 60_000 },
        (error, stdout) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout }),
      );
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/PASS {2}health/);
    expect(result.stdout).toMatch(/FAIL {2}authenticated read: GET \/api\/v1\/organizations\?limit=1 → 401/);
    expect(result.stdout).toMatch(/N\/A +alarm topic subscription: local stack/);
  });
});
