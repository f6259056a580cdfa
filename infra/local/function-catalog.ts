import fs from 'node:fs';
import path from 'node:path';
import { ROUTES } from '#shared/routes';
import { QUEUES, SCHEDULES } from '#shared/topology';
import { ADVANCE_WORKFLOW_TASKS } from '#shared/use-cases/advances/workflow-contract';
import { AUTHORIZER_ENTRY, MIGRATIONS_ENTRY } from '../config/function-access';
import { resolveStageConfig } from '../config/stages';

const PROJECT_ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * The function catalog: every Lambda function the CDK app deploys, from the same sources it reads: the route table, the topology (queue
 * consumers and schedules), the authorizer, the migrations trigger and the advance workflow's task entries.
 */
export type FunctionKind = 'route' | 'authorizer' | 'consumer' | 'scheduled' | 'workflow-task' | 'migrations';

export interface FunctionSpec {
  /** Relative to `functions/`, without extension (as in routes.ts / topology.ts). */
  readonly entry: string;
  readonly kind: FunctionKind;
  readonly memoryMb: number;
  /** Route ids, queue names, schedule names or task names served by this entry. */
  readonly triggers: readonly string[];
  readonly file: string;
  readonly exists: boolean;
}

export interface MemorySizes {
  readonly api: number;
  readonly authorizer: number;
  readonly consumer: number;
  readonly scheduled: number;
  readonly migrations: number;
  readonly workflowTask: number;
  /** Where the sizes came from. */
  readonly source: string;
}

export const FUNCTIONS_DIR = path.join(PROJECT_ROOT, 'functions');

/** Memory sizes from infra/config/stages.ts (identical in every stage). */
export function memorySizes(): MemorySizes {
  const f = resolveStageConfig(() => undefined).functions;
  return {
    api: f.api.memoryMb,
    authorizer: f.authorizer.memoryMb,
    consumer: f.consumerMemoryMb,
    scheduled: f.scheduled.memoryMb,
    migrations: f.migrations.memoryMb,
    // api-stack.ts: a workflow task gets `options.memoryMb ?? config.functions.api.memoryMb`.
    workflowTask: f.api.memoryMb,
    source: 'infra/config/stages.ts (stage dev; the sizes are the same in every stage)',
  };
}

export async function functionInventory(): Promise<{ functions: FunctionSpec[]; memory: MemorySizes }> {
  const memory = memorySizes();
  const byEntry = new Map<string, { kind: FunctionKind; memoryMb: number; triggers: string[] }>();
  const add = (entry: string, kind: FunctionKind, memoryMb: number, trigger: string) => {
    const existing = byEntry.get(entry);
    if (existing) existing.triggers.push(trigger);
    else byEntry.set(entry, { kind, memoryMb, triggers: [trigger] });
  };
  add(AUTHORIZER_ENTRY, 'authorizer', memory.authorizer, 'authorizer');
  for (const route of ROUTES) add(route.entry, 'route', memory.api, route.id);
  for (const queue of QUEUES) add(queue.consumer, 'consumer', memory.consumer, queue.name);
  for (const schedule of SCHEDULES) add(schedule.entry, 'scheduled', memory.scheduled, schedule.name);
  for (const [task, entry] of Object.entries(ADVANCE_WORKFLOW_TASKS)) add(entry, 'workflow-task', memory.workflowTask, task);
  add(MIGRATIONS_ENTRY, 'migrations', memory.migrations, 'deployment trigger');
  return {
    memory,
    functions: [...byEntry.entries()].map(([entry, spec]) => {
      const file = path.join(FUNCTIONS_DIR, `${entry}.ts`);
      return { entry, ...spec, file, exists: fs.existsSync(file) };
    }),
  };
}

/**
 * The sample event of an entry from `events/`, by this convention (first match wins):
 * 1. `events/<entry with / as ->.json` (e.g. `auth-authorize.json`, `workflow-create-advance.json`);
 * 2. route functions: the API Gateway proxy event whose `httpMethod` and `resource` are the route's method and path;
 * 3. queue consumers: `events/sqs-<queue name>.json`;
 * 4. scheduled functions: `events/scheduled-<schedule name>.json`;
 * 5. the authorizer: a REQUEST authorizer event (`type: "REQUEST"` with a `methodArn`);
 * 6. workflow tasks: `events/workflow-<task name in kebab case>.json` or `events/sfn-<task name>.json`, then
 *    `events/workflow-<entry file>-<variant>.json` (first by name), then `events/workflow-check-input.json` for the
 *    `check-*` tasks and `events/workflow-execution-input.json` for `loadRequest` (it receives the execution input).
 */
export interface SampleEvent {
  readonly file: string;
  readonly rule: string;
  readonly event: unknown;
}

export function loadSampleEvents(): { file: string; event: Record<string, unknown> }[] {
  const dir = path.join(PROJECT_ROOT, 'events');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .flatMap((f) => {
      try {
        return [{ file: `events/${f}`, event: JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Record<string, unknown> }];
      } catch {
        return [];
      }
    });
}

export function sampleEventFor(spec: FunctionSpec, events = loadSampleEvents()): SampleEvent | undefined {
  const byName = (name: string) => events.find((e) => e.file === `events/${name}.json`);
  const direct = byName(spec.entry.replace(/\//g, '-'));
  if (direct) return { ...direct, rule: 'file named after the entry' };
  if (spec.kind === 'route') {
    const routes = ROUTES.filter((r) => r.entry === spec.entry);
    const match = events.find((e) => e.event.type !== 'REQUEST' && routes.some((r) => e.event.httpMethod === r.method && e.event.resource === r.path));
    if (match) return { ...match, rule: 'API Gateway event with the route’s method and resource' };
  }
  if (spec.kind === 'consumer') {
    for (const queue of spec.triggers) {
      const match = byName(`sqs-${queue}`);
      if (match) return { ...match, rule: 'sqs-<queue>.json' };
    }
  }
  if (spec.kind === 'scheduled') {
    for (const schedule of spec.triggers) {
      const match = byName(`scheduled-${schedule}`);
      if (match) return { ...match, rule: 'scheduled-<schedule>.json' };
    }
  }
  if (spec.kind === 'authorizer') {
    const match = events.find((e) => e.event.type === 'REQUEST' && typeof e.event.methodArn === 'string');
    if (match) return { ...match, rule: 'REQUEST authorizer event' };
  }
  if (spec.kind === 'workflow-task') {
    const file = spec.entry.split('/').pop()!;
    for (const task of spec.triggers) {
      const kebab = task.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
      const match = byName(`workflow-${kebab}`) ?? byName(`sfn-${task}`);
      if (match) return { ...match, rule: 'workflow-<task>.json' };
    }
    const variant = events.find((e) => e.file.startsWith(`events/workflow-${file}-`));
    if (variant) return { ...variant, rule: 'workflow-<task>-<variant>.json' };
    if (file.startsWith('check-')) {
      const shared = byName('workflow-check-input');
      if (shared) return { ...shared, rule: 'workflow-check-input.json (the check tasks’ shared input)' };
    }
    if (spec.triggers.includes('loadRequest')) {
      const input = byName('workflow-execution-input');
      if (input) return { ...input, rule: 'workflow-execution-input.json (the first task gets the execution input)' };
    }
  }
  return undefined;
}
