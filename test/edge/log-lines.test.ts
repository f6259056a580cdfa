import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * What one API request writes to CloudWatch Logs (billed per byte, docs/cost-model.md; ADR 0023), in a process with
 * the deployed settings (INFO logs, metrics on): a request that records no metric writes one line, without the
 * function's ARN, name or memory size (the log group says which function), and no EMF metric or "no metrics" warning.
 */
describe('log lines of one API request (INFO, metrics on, as deployed)', () => {
  it('a request with no metric writes exactly its "request completed" line, lean', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', path.resolve('test/edge/fixtures/invoke-health-twice.ts')], {
      env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'INFO', POWERTOOLS_METRICS_DISABLED: 'false', POWERTOOLS_SERVICE_NAME: 'abhi-ewa-prod', POWERTOOLS_DEV: 'false' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const [first, second] = run.stdout.split('--- second invocation ---\n') as [string, string];
    // (Outside Lambda, Powertools does not see a cold start, so the first invocation publishes no ColdStart metric.)
    expect(first.trim().split('\n').map((l) => (JSON.parse(l) as { message?: string }).message)).toEqual(['request completed']);
    const lines = second.trim().split('\n');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({ message: 'request completed', level: 'INFO', routeId: 'getHealth', status: 200, function_request_id: 'second-request' });
    for (const key of ['function_arn', 'function_name', 'function_memory_size', 'route']) expect(line).not.toHaveProperty(key);
    expect(second).not.toContain('_aws');
    expect(run.stdout + run.stderr).not.toContain('No application metrics');
  });
});
