import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { STAGE_NAMES } from '../../infra/config/stages';
import { synthStage } from './support/synth';

/**
 * cfn-lint v1 (a prerequisite of the infra tests, like Java: README "Prerequisites") checks every template of every
 * stage against the CloudFormation resource specification of me-central-1, so it also catches a resource type or
 * property the region does not offer. Errors fail; warnings (e.g. W3005 on CDK's own DependsOn) do not.
 */
const REGION = 'me-central-1';
/** CloudFormation's hard limit is 500; 100 of headroom for the routes and functions still to come. */
const MAX_RESOURCES = 400;

function cfnLintVersion(): string | undefined {
  try {
    return execFileSync('cfn-lint', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

const version = cfnLintVersion();
const files = new Map<string, string>();

/** Every optional feature on (custom domain, partner IP set, SES, SMS, HTTPS alarm subscriber): resources that exist only with context. */
const ALL_OPTIONS = {
  apiDomainName: 'api.example.ae',
  apiCertificateArn: 'arn:aws:acm:me-central-1:123456789012:certificate/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0',
  wafExemptCidrs: '203.0.113.10/32',
  sesFromAddress: 'no-reply@example.ae',
  smsEnabled: 'true',
  alarmHttpsUrl: 'https://pager.example.com/hook',
};

beforeAll(() => {
  for (const stage of STAGE_NAMES) {
    for (const file of synthStage(stage).templateFiles) files.set(`${stage}/${path.basename(file)}`, file);
  }
  const options = synthStage('prod', ALL_OPTIONS);
  for (const stack of [options.platform.api, options.platform.monitoring]) {
    files.set(`prod+options/${stack.templateFile}`, path.join(options.app.outdir, stack.templateFile));
  }
});

/** Runs cfn-lint on `paths`; errors only (warnings and informational findings are ignored). */
function lint(paths: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      'cfn-lint',
      ['--regions', REGION, '--format', 'parseable', '--ignore-checks', 'W', 'I', '--', ...paths],
      { timeout: 900_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}`.trim() }),
    );
  });
}

describe('templates of every stage', () => {
  it.skipIf(!version)(`cfn-lint --regions ${REGION} finds 0 errors in every template of dev, uat and prod (${version ?? 'cfn-lint not installed: pip install cfn-lint'})`, async () => {
    const all = [...files.values()];
    // Two processes (two cores): cfn-lint spends its time per template.
    const half = Math.ceil(all.length / 2);
    const results = await Promise.all([lint(all.slice(0, half)), lint(all.slice(half))]);
    const errors = results.map((r) => r.output).filter(Boolean).join('\n');
    expect(errors).toBe('');
    expect(results.map((r) => r.code)).toEqual([0, 0]);
  }, 960_000);

  it(`every template (nested ones included) holds at most ${MAX_RESOURCES} resources`, () => {
    const counts = Object.fromEntries([...files].filter(([name]) => !name.startsWith('prod+options/')).map(([name, file]) => [name, Object.keys(JSON.parse(readFileSync(file, 'utf8')).Resources).length]));
    console.info(`resources per template: ${JSON.stringify(counts)}`);
    for (const [name, count] of Object.entries(counts)) expect(count, name).toBeLessThanOrEqual(MAX_RESOURCES);
    expect(Object.keys(counts).filter((n) => n.startsWith('prod/')).length).toBeGreaterThanOrEqual(4);
  });
});
