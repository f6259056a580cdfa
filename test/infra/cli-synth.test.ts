import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/constructs/entries';
import { ALL_ENTRIES, TEST_CONTEXT } from './support/synth';

interface CliRun {
  readonly code: number;
  readonly output: string;
  readonly outdir: string;
}

const CDK = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'cdk');

/** `cdk synth` offline, as an operator runs it; `--context bundling=false` skips esbuild (the app honours it). */
function cdkSynth(args: string[], options: { schemaValidation?: boolean } = {}): Promise<CliRun> {
  const outdir = mkdtempSync(path.join(tmpdir(), 'cdk-synth-'));
  return new Promise((resolve) => {
    execFile(
      CDK,
      ['synth', '--quiet', '--no-notices', '--output', outdir, '--context', 'bundling=false', ...args],
      {
        cwd: PROJECT_ROOT,
        env: {
          ...process.env,
          CDK_DISABLE_VERSION_CHECK: '1',
          CDK_DISABLE_CLI_TELEMETRY: 'true',
          // CDK's CloudFormation schema validation is most of the synthesis time: on for prod, off for the others.
          ...(options.schemaValidation ? {} : { CDK_VALIDATION: 'false' }),
        },
        timeout: 120_000,
      },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, output: `${stdout}\n${stderr}`, outdir }),
    );
  });
}

const context = (stage: string, values: Record<string, string> = TEST_CONTEXT) =>
  ['--context', `stage=${stage}`, ...Object.entries(values).flatMap(([k, v]) => ['--context', `${k}=${v}`])];

/** Runs at most two CLI processes at a time (two cores). */
async function inPairs<T>(jobs: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < jobs.length; i += 2) results.push(...(await Promise.all(jobs.slice(i, i + 2).map((job) => job()))));
  return results;
}

const STAND_IN_APP = 'npx tsx test/infra/fixtures/stand-in-app.ts';
let runs: Record<'dev' | 'uat' | 'prod' | 'realProd' | 'missingIssuer', CliRun>;

beforeAll(async () => {
  const [dev, uat, prod, realProd, missingIssuer] = await inPairs([
    () => cdkSynth(['--app', STAND_IN_APP, ...context('dev')]),
    () => cdkSynth(['--app', STAND_IN_APP, ...context('uat')]),
    () => cdkSynth(['--app', STAND_IN_APP, ...context('prod')], { schemaValidation: true }),
    () => cdkSynth(context('prod')),
    () => cdkSynth(context('prod', { alarmEmail: 'ops@example.com' })),
  ]);
  runs = { dev: dev!, uat: uat!, prod: prod!, realProd: realProd!, missingIssuer: missingIssuer! };
}, 240_000);

describe('npx cdk synth (real CLI, offline, bundling skipped)', () => {
  it.each(['dev', 'uat', 'prod'] as const)('%s synthesizes three stacks with the cdk-nag validations passing', (stage) => {
    const run = runs[stage];
    expect(run.code, run.output).toBe(0);
    for (const part of ['stateful', 'api', 'monitoring']) {
      expect(existsSync(path.join(run.outdir, `abhi-ewa-${stage}-${part}.template.json`)), part).toBe(true);
    }
    const report = JSON.parse(readFileSync(path.join(run.outdir, 'validation-report.json'), 'utf8')) as { pluginReports: { success?: boolean }[] };
    expect(report.pluginReports.every((r) => r.success !== false)).toBe(true);
  });

  it('infra/app.ts synthesizes prod once every handler entry exists, and names a missing one otherwise', () => {
    const run = runs.realProd;
    if (run.code === 0) return;
    // Other agents are still writing handlers: the app must stop on the first missing one with a sentence naming it.
    const named = /Handler entry functions\/(.+)\.ts does not exist: write it/.exec(run.output)?.[1];
    expect(named, run.output).toBeDefined();
    expect(ALL_ENTRIES).toContain(named);
    expect(run.output).not.toMatch(/\n\s+at /);
  });

  it('prod without an OIDC issuer stops with one sentence saying what to pass', () => {
    expect(runs.missingIssuer.code).not.toBe(0);
    expect(runs.missingIssuer.output).toContain(
      'Stage prod needs the OIDC issuer URL (the iss claim of your identity provider): pass --context oidcIssuer=<value> to cdk synth/deploy.',
    );
    expect(runs.missingIssuer.output).not.toMatch(/\n\s+at /);
  });
});
