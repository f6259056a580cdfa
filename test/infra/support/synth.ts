import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ROUTES } from '../../../functions/shared/routes';
import { QUEUES, SCHEDULES } from '../../../functions/shared/topology';
import { AUTHORIZER_ENTRY, MIGRATIONS_ENTRY } from '../../../infra/config/function-access';
import type { StageName } from '../../../infra/config/stages';
import { entryFile, missingEntries } from '../../../infra/constructs/entries';
import { buildPlatform, type Platform } from '../../../infra/stacks/platform';

/** Context that satisfies every stage's required values (prod needs the issuer and an alarm e-mail). */
export const TEST_CONTEXT = {
  oidcIssuer: 'https://login.example.com/',
  alarmEmail: 'alarms@example.com',
  corsOrigins: 'https://app.example.com',
} as const;

/** A real handler used in place of entries other agents have not written yet (bundling is skipped in these tests). */
export const STAND_IN_ENTRY = path.resolve(import.meta.dirname, '..', 'fixtures', 'probe-handler.ts');

export const ALL_ENTRIES = [
  AUTHORIZER_ENTRY,
  MIGRATIONS_ENTRY,
  ...ROUTES.map((r) => r.entry),
  ...QUEUES.map((q) => q.consumer),
  ...SCHEDULES.map((s) => s.entry),
];

export interface SynthesizedStage {
  readonly app: App;
  readonly platform: Platform;
  readonly stateful: Template;
  /** The API stack with its nested workers stack's resources merged in (assertions read both as one). */
  readonly api: Template;
  /** The API stack's own template, and the nested workers stack's, as CloudFormation sees them. */
  readonly apiOnly: Template;
  readonly workers: Template;
  readonly monitoring: Template;
  /** Paths of every template file of the stage (top-level and nested), for cfn-lint. */
  readonly templateFiles: readonly string[];
  /** Entries that do not exist yet and were synthesized with the stand-in handler. */
  readonly standIns: readonly string[];
}

const cache = new Map<string, SynthesizedStage>();

/**
 * Synthesizes the three stacks of a stage once per test file, without esbuild bundling (the context the CDK CLI
 * gets from `--context bundling=false`). Entries that don't exist yet use the stand-in handler, so the
 * infrastructure under test is complete; `standIns` says which.
 */
export function synthStage(stage: StageName, extraContext: Record<string, string> = {}): SynthesizedStage {
  const key = `${stage}:${JSON.stringify(extraContext)}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const app = new App({
    outdir: mkdtempSync(path.join(tmpdir(), `infra-${stage}-`)),
    context: { stage, ...TEST_CONTEXT, ...extraContext, bundling: 'false' },
  });
  const platform = buildPlatform(app, {
    checks: false,
    resolveEntry: (entry) => (existsSync(entryFile(entry)) ? entryFile(entry) : STAND_IN_ENTRY),
  });
  const templates = templatesOf(app);
  const outdir = app.outdir;
  const apiJson = templates(platform.api.stackName).toJSON();
  const workersFile = path.join(outdir, platform.api.workers.templateFile);
  const workersJson = JSON.parse(readFileSync(workersFile, 'utf8'));
  // Every top-level stack of the stage (the recovery stacks included), from the cloud assembly.
  const stackFiles = app.synth().stacks.map((stack) => path.join(outdir, stack.templateFile));
  const result: SynthesizedStage = {
    app,
    platform,
    stateful: templates(platform.stateful.stackName),
    api: Template.fromJSON({ ...apiJson, Resources: { ...apiJson.Resources, ...workersJson.Resources } }),
    apiOnly: Template.fromJSON(apiJson),
    workers: Template.fromJSON(workersJson),
    monitoring: templates(platform.monitoring.stackName),
    templateFiles: [...stackFiles, workersFile],
    standIns: missingEntries(ALL_ENTRIES),
  };
  cache.set(key, result);
  return result;
}

type Resources = Record<string, { Type: string; Properties: Record<string, any>; [k: string]: any }>;

export function resourcesOf(template: Template, type: string): Resources {
  return template.findResources(type) as Resources;
}

/** Synthesizes the app once and returns its templates by stack name (Template.fromStack re-synthesizes per call). */
export function templatesOf(app: App): (stackName: string) => Template {
  // CDK's built-in CloudFormation schema validation takes ~90 % of synthesis time; the CLI test keeps it on for prod.
  const previous = process.env.CDK_VALIDATION;
  process.env.CDK_VALIDATION = 'false';
  let assembly;
  try {
    assembly = app.synth();
  } finally {
    if (previous === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = previous;
  }
  return (stackName) => Template.fromJSON(assembly.getStackByName(stackName).template);
}
