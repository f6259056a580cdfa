import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_GUARD, EXCLUDED_INPUTS, EXCLUDED_PACKAGES } from '../../infra/bundling/budget';
import { bundleEveryFunction, median, type FunctionBundleSize } from '../../infra/bundling/measure';
import { ROUTES } from '#shared/routes';
import { QUEUES, SCHEDULES } from '#shared/topology';
import { ADVANCE_WORKFLOW_TASKS } from '#shared/use-cases/advances/workflow-contract';
import { AUTHORIZER_ACCESS, AUTHORIZER_ENTRY, consumerAccess, routeAccess, scheduleAccess, workflowTaskAccess, type FunctionAccess } from '../../infra/config/function-access';
import * as z from '#shared/zod';
import { employeeResponses } from '#shared/schemas/employees';
import { identityResponses } from '#shared/schemas/identity';
import { jobResponses } from '#shared/schemas/jobs';
import { masterDataResponses } from '#shared/schemas/master-data';
import { organizationResponses } from '#shared/schemas/organizations';
import { reconciliationResponses } from '#shared/schemas/reconciliation';
import { reportResponses } from '#shared/schemas/reports';
import { systemResponses } from '#shared/schemas/system';
import { transactionResponses } from '#shared/schemas/transactions';

/**
 * Every function the CDK app deploys, bundled in one esbuild call with the production options
 * (infra/bundling/options.ts, which PlatformFunction passes to NodejsFunction): sizes against the guard, and no
 * package that ADR 0019 keeps out.
 */
describe('bundle sizes of every deployed function (production esbuild options)', () => {
  let outdir: string;
  let sizes: FunctionBundleSize[];

  beforeAll(async () => {
    ({ outdir, sizes } = await bundleEveryFunction());
  }, 120_000);
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  it('bundles every function of the catalog', () => {
    expect(sizes.length).toBeGreaterThan(50);
  });

  it(`every function is at most ${BUNDLE_GUARD.maxBytes / 1024} KB minified and the median at most ${BUNDLE_GUARD.medianBytes / 1024} KB`, () => {
    const over = sizes.filter((s) => s.bytes > BUNDLE_GUARD.maxBytes).map((s) => `${s.entry}: ${Math.round(s.bytes / 1024)} KB`);
    expect(over).toEqual([]);
    expect(median(sizes.map((s) => s.bytes))).toBeLessThanOrEqual(BUNDLE_GUARD.medianBytes);
  });

  it('no bundle carries the SDK credential fallbacks, its event-stream support, the X-Ray SDK, jiti/glob or a source map', () => {
    const offenders = sizes.flatMap((s) => {
      const output = s.metafile.outputs[path.relative(process.cwd(), s.output)] ?? Object.entries(s.metafile.outputs).find(([name]) => path.resolve(name) === s.output)?.[1];
      expect(output, s.entry).toBeDefined();
      const packages = new Set(
        Object.keys(output!.inputs).flatMap((input) => {
          const match = [...input.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)].at(-1);
          return match ? [match[1]!] : [];
        }),
      );
      const inputs = Object.keys(output!.inputs).filter((input) => EXCLUDED_INPUTS.some((re) => re.test(input)));
      return [...[...packages].filter((p) => EXCLUDED_PACKAGES.some((re) => re.test(p))), ...inputs].map((p) => `${s.entry}: ${p}`);
    });
    expect(offenders).toEqual([]);
    expect(sizes.filter((s) => fs.existsSync(`${s.output}.map`)).map((s) => s.entry)).toEqual([]);
  });

  it('the database master secret (Secrets Manager) only in run-migrations; the pool functions connect with IAM', () => {
    const inputsOf = (s: FunctionBundleSize) =>
      Object.keys((s.metafile.outputs[path.relative(process.cwd(), s.output)] ?? Object.entries(s.metafile.outputs).find(([name]) => path.resolve(name) === s.output)?.[1])!.inputs);
    const withSecret = sizes.filter((s) => inputsOf(s).some((input) => input.endsWith('functions/shared/db/secret-connection.ts'))).map((s) => s.entry);
    expect(withSecret).toEqual(['system/run-migrations']);
    expect(sizes.filter((s) => inputsOf(s).some((input) => input.endsWith('functions/shared/db/pool.ts'))).length).toBeGreaterThan(40);
  });

  it('Powertools Idempotency only in the functions of routes that take an Idempotency-Key (and in non-route functions)', () => {
    const carries = (s: FunctionBundleSize) => {
      const output = s.metafile.outputs[path.relative(process.cwd(), s.output)] ?? Object.entries(s.metafile.outputs).find(([name]) => path.resolve(name) === s.output)?.[1];
      return Object.keys(output!.inputs).some((input) => input.includes('node_modules/@aws-lambda-powertools/idempotency/'));
    };
    const keyless = new Set(ROUTES.filter((r) => r.idempotency === 'none').map((r) => r.entry));
    const keyed = new Set(ROUTES.filter((r) => r.idempotency !== 'none').map((r) => r.entry));
    const routeSizes = sizes.filter((s) => keyless.has(s.entry) || keyed.has(s.entry));
    expect(routeSizes.filter((s) => keyless.has(s.entry) && !keyed.has(s.entry) && carries(s)).map((s) => s.entry)).toEqual([]);
    expect(routeSizes.filter((s) => keyed.has(s.entry) && !carries(s)).map((s) => s.entry)).toEqual([]);
    expect([...keyed].length).toBeGreaterThan(0);
  });

  it('the route table only where a function reads it: routes and the authorizer (others import a role name or API_PREFIX at most)', () => {
    const tableBytes = (s: FunctionBundleSize) => {
      const output = s.metafile.outputs[path.relative(process.cwd(), s.output)] ?? Object.entries(s.metafile.outputs).find(([name]) => path.resolve(name) === s.output)?.[1];
      return output!.inputs['functions/shared/routes.ts']?.bytesInOutput ?? 0;
    };
    const readers = new Set([...ROUTES.map((r) => r.entry), 'auth/authorize']);
    // The table itself is ~11 KB; the role names and API_PREFIX are well under 1 KB.
    expect(sizes.filter((s) => !readers.has(s.entry) && tableBytes(s) > 1024).map((s) => `${s.entry}: ${tableBytes(s)} bytes`)).toEqual([]);
    expect(sizes.filter((s) => s.entry === 'auth/authorize' && tableBytes(s) > 1024)).toHaveLength(1);
  });

  it('no bundle carries the answer schemas, which only the OpenAPI document reads (built on first call, catalog.ts)', () => {
    const catalogs = [systemResponses, identityResponses, employeeResponses, jobResponses, organizationResponses, masterDataResponses, reportResponses, transactionResponses, reconciliationResponses].map((answers) => answers().schemas);
    const answers = new Map(catalogs.flatMap((catalog) => Object.entries(catalog)));
    expect(ROUTES.flatMap((route) => Object.values(route.responses)).filter((name) => !answers.has(name))).toEqual([]);
    // An answer's description is a string literal of its builder: in a bundle only if the builder is (quoted, so that
    // a longer string beginning alike, such as a route summary, does not count).
    const descriptions = [...answers.values()].flatMap((schema) => z.globalRegistry.get(schema)?.description ?? []);
    expect(descriptions.length).toBeGreaterThan(30);
    const literals = descriptions.map((description) => ['"', "'", '`'].map((quote) => `${quote}${description}${quote}`));
    // The document functions bundle the generated document, which holds every description.
    const withDocument = (s: FunctionBundleSize) => s.entry === 'system/get-openapi' || s.entry === 'system/get-postman-collection';
    const offenders = sizes.filter((s) => !withDocument(s)).flatMap((s) => {
      const text = fs.readFileSync(s.output, 'utf8');
      return literals.flatMap((forms, i) => (forms.some((form) => text.includes(form)) ? [`${s.entry}: ${descriptions[i]}`] : []));
    });
    expect(offenders).toEqual([]);
  });

  it('no bundle carries a client its function is not granted (dead weight, or a grant missing in AWS)', () => {
    const access = new Map<string, FunctionAccess>([
      [AUTHORIZER_ENTRY, AUTHORIZER_ACCESS],
      ...ROUTES.map((route) => [route.entry, routeAccess(route)] as const),
      ...QUEUES.map((queue) => [queue.consumer, consumerAccess(queue)] as const),
      ...SCHEDULES.map((schedule) => [schedule.entry, scheduleAccess(schedule)] as const),
      ...Object.values(ADVANCE_WORKFLOW_TASKS).map((entry) => [entry, workflowTaskAccess(entry)] as const),
    ]);
    // What each client needs granted; SNS also delivers SMS notifications.
    const clients: { input: string; granted: (a: FunctionAccess) => boolean }[] = [
      { input: 'functions/shared/abhi/transport.ts', granted: (a) => a.abhi === 'client' },
      { input: 'node_modules/@aws-sdk/client-sns/', granted: (a) => a.publishEvents === true || a.deliverNotifications === true },
      { input: 'node_modules/@aws-sdk/client-sfn/', granted: (a) => a.advanceWorkflow === true },
      { input: 'node_modules/@aws-sdk/client-sqs/', granted: (a) => (a.sendTo?.length ?? 0) > 0 || (a.probeQueues?.length ?? 0) > 0 },
    ];
    const offenders = sizes.flatMap((s) => {
      const granted = access.get(s.entry);
      if (!granted) return [];
      const output = s.metafile.outputs[path.relative(process.cwd(), s.output)] ?? Object.entries(s.metafile.outputs).find(([name]) => path.resolve(name) === s.output)?.[1];
      const inputs = Object.keys(output!.inputs);
      return clients.filter((c) => inputs.some((input) => input.includes(c.input)) && !c.granted(granted)).map((c) => `${s.entry}: ${c.input}`);
    });
    expect(access.size).toBeGreaterThan(50);
    expect(offenders).toEqual([]);
  });
});
