import path from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { AUTHORIZER_ACCESS, AUTHORIZER_ENTRY, consumerAccess, routeAccess, scheduleAccess, workflowTaskAccess, type FunctionAccess } from '../../infra/config/function-access';
import { ADVANCE_WORKFLOW_TASKS } from '#shared/use-cases/advances/workflow-contract';
import { ROUTES } from '#shared/routes';
import { QUEUES, SCHEDULES } from '#shared/topology';

/**
 * Least privilege, checked against the code: esbuild's import graph of each entry (the same resolution the deployed
 * bundle uses) says which adapters the code can reach at all. A grant whose adapter the code cannot reach is unused
 * privilege and fails here. The other direction (reachable ⇒ granted) is not decidable from imports alone: the
 * composition roots create adapters lazily, so reaching a module does not mean calling it. Grants a function needs are
 * written, with their reason, in infra/config/function-access.ts.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');

/** The module that needs each grant (the one that reads the grant's environment variable). */
const NEEDS: { module: string; grant: string; granted: (a: FunctionAccess) => boolean }[] = [
  { module: 'functions/shared/abhi/client.ts', grant: "abhi: 'client' (credentials secret, token key)", granted: (a) => a.abhi === 'client' },
  { module: 'functions/shared/db/pool.ts', grant: 'database', granted: (a) => a.database === true },
  { module: 'functions/shared/crypto/field-encryption.ts', grant: 'dataKey', granted: (a) => a.dataKey === true },
  { module: 'functions/shared/events/sns-transport.ts', grant: 'publishEvents', granted: (a) => a.publishEvents === true },
  { module: 'functions/shared/adapters/sfn/advance-workflow.ts', grant: 'advanceWorkflow', granted: (a) => a.advanceWorkflow === true },
  { module: 'functions/shared/events/notification-senders.ts', grant: 'deliverNotifications', granted: (a) => a.deliverNotifications === true },
];

async function reachableModules(entry: string): Promise<Set<string>> {
  const result = await build({
    entryPoints: [path.join(ROOT, 'functions', `${entry}.ts`)],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'silent',
    absWorkingDir: ROOT,
  });
  return new Set(Object.keys(result.metafile.inputs));
}

const FUNCTIONS: { entry: string; access: FunctionAccess }[] = [
  { entry: AUTHORIZER_ENTRY, access: AUTHORIZER_ACCESS },
  ...ROUTES.map((route) => ({ entry: route.entry, access: routeAccess(route) })),
  ...QUEUES.map((queue) => ({ entry: queue.consumer, access: consumerAccess(queue) })),
  ...SCHEDULES.map((schedule) => ({ entry: schedule.entry, access: scheduleAccess(schedule) })),
  ...Object.values(ADVANCE_WORKFLOW_TASKS).map((entry) => ({ entry, access: workflowTaskAccess(entry) })),
];

describe('no function is granted access its code cannot reach', () => {
  it.each(FUNCTIONS.map((f) => [f.entry, f] as const))('%s', async (_entry, { entry, access }) => {
    const modules = await reachableModules(entry);
    expect(modules.size).toBeGreaterThan(1);
    const unused = NEEDS.filter((n) => !modules.has(n.module) && n.granted(access)).map((n) => n.grant);
    expect(unused, `${entry} is granted access its code never uses; remove it from infra/config/function-access.ts`).toEqual([]);
  });
});

describe('workflow tasks: the Abhi client exactly where the task is wired with it', () => {
  // Each task's wiring builds the Abhi client only in #shared/wiring/workflow-abhi, so here reaching it means calling it.
  it.each(Object.values(ADVANCE_WORKFLOW_TASKS))('%s', async (entry) => {
    const reachesAbhi = (await reachableModules(entry)).has('functions/shared/abhi/client.ts');
    const access = workflowTaskAccess(entry);
    expect(access.abhi === 'client', `${entry}: abhi grant`).toBe(reachesAbhi);
    expect(access.state === 'readWrite', `${entry}: state table (the Abhi client's token, rate limit, breaker)`).toBe(reachesAbhi);
  });

  it('three tasks call Abhi (eligibility, balance, create), the other nine do not', () => {
    expect(Object.values(ADVANCE_WORKFLOW_TASKS).filter((entry) => workflowTaskAccess(entry).abhi === 'client').sort()).toEqual([
      'workflow/check-abhi-eligibility',
      'workflow/check-balance',
      'workflow/create-advance',
    ]);
  });
});
