import path from 'node:path';
import type { BuildOptions } from 'esbuild';
import { Charset, LogLevel, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { ROUTES } from '../../functions/shared/routes';

/**
 * The one definition of how a function is bundled. CDK's NodejsFunction (infra/constructs/platform-function.ts) and
 * everything that measures or guards bundles (test/infra/bundle-budget.test.ts, the cold-start benchmark) read it
 * from here, so what is measured is what is deployed. ADR 0006 (one bundle per function), ADR 0019 (why no source
 * maps, no credential chain, no tracer in the API edge) and ADR 0030 (why the SDK is bundled; the stubs below).
 */
const PROJECT_ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * ESM output needs a `require` for the CommonJS dependencies esbuild inlines (pg): define one from `import.meta.url`.
 * The alias avoids clashing with a bundled `createRequire` import.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __platformCreateRequire } from 'node:module';const require = __platformCreateRequire(import.meta.url);";

/**
 * Packages replaced at bundling time (relative to the repository root; CDK runs esbuild there). Lambda gives a
 * function its credentials in the environment, so the SDK's default credential chain shrinks to that one source.
 */
export const BUNDLE_ALIASES: Readonly<Record<string, string>> = {
  '@aws-sdk/credential-provider-node': './infra/bundling/lambda-credentials.ts',
  '@aws-sdk/credential-providers': './infra/bundling/lambda-credentials.ts',
  // Loaded lazily by the SDK's protocol code for event-stream operations, which no client used here has (ADR 0030).
  '@smithy/core/event-streams': './infra/bundling/event-streams-not-bundled.ts',
  // Imported by the DynamoDB client for endpoint discovery, which is off unless configured and never is here (ADR 0030).
  '@aws-sdk/middleware-endpoint-discovery': './infra/bundling/endpoint-discovery-off.ts',
  // node-pg-migrate's loaders for JS/TS migration files and `dir` patterns: run-migrations reads .sql files only (ADR 0030).
  jiti: './infra/bundling/migration-loaders-not-bundled.ts',
  glob: './infra/bundling/migration-loaders-not-bundled.ts',
  // pg's index without its native (libpq) client, which needs pg-native, never installed (ADR 0030). The exact
  // `pg/lib/client` key maps the one part of pg it imports back to pg's own file (an alias of `pg` alone would
  // remap `pg/lib/client` too); any other `pg/...` import fails the build.
  pg: './infra/bundling/pg-without-native.ts',
  'pg/lib/client': './node_modules/pg/lib/client.js',
  // ~/.pgpass lookup for a connection without a password: every connection here has one (ADR 0030).
  pgpass: './infra/bundling/pgpass-not-bundled.cjs',
};

/**
 * A function whose routes all take no Idempotency-Key never calls Powertools Idempotency (no key, no idempotency):
 * its bundle gets a stub that fails loudly instead, without the package and its jmespath (~39 KB; ADR 0023).
 */
const IDEMPOTENCY_STUB = './infra/bundling/idempotency-not-bundled.ts';

/** The aliases of one function's bundle (`entry` as in the route table / topology; none: the common ones). */
export function bundleAliases(entry?: string): Readonly<Record<string, string>> {
  const routes = ROUTES.filter((route) => route.entry === entry);
  if (routes.length === 0 || routes.some((route) => route.idempotency !== 'none')) return BUNDLE_ALIASES;
  return { ...BUNDLE_ALIASES, '@aws-lambda-powertools/idempotency': IDEMPOTENCY_STUB, '@aws-lambda-powertools/idempotency/dynamodb': IDEMPOTENCY_STUB };
}

/** pg loads its optional native binding only when asked to; it is not installed. */
export const EXTERNAL_MODULES = ['pg-native'];
/** Matches the Lambda runtime, nodejs24.x (ADR 0010); the code itself stays within Node 20. */
export const BUNDLE_TARGET = 'node24';
export const MAIN_FIELDS = ['module', 'main'];
/** No source map in the deployed asset (ADR 0019): it was 61 % of the asset bytes and `--enable-source-maps` slows every stack trace. */
export const SOURCE_MAP = false;

/** The settings as CDK's `NodejsFunction` takes them (tsconfig and command hooks are added by the construct). */
export function cdkBundlingOptions(entry?: string): BundlingOptions {
  return {
    format: OutputFormat.ESM,
    target: BUNDLE_TARGET,
    mainFields: MAIN_FIELDS,
    minify: true,
    sourceMap: SOURCE_MAP,
    // The SDK stays inside: the runtime's own copy is smaller to ship but slower to import (ADR 0030).
    bundleAwsSDK: true,
    externalModules: EXTERNAL_MODULES,
    banner: ESM_REQUIRE_BANNER,
    charset: Charset.UTF8,
    logLevel: LogLevel.WARNING,
    esbuildArgs: { '--alias': Object.entries(bundleAliases(entry)).map(([from, to]) => `${from}=${to}`) },
  };
}

/** The same settings as esbuild's JS API takes them (what `cdkBundlingOptions` makes CDK pass on its command line). */
export function esbuildBuildOptions(entry?: string): BuildOptions {
  return {
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: BUNDLE_TARGET,
    mainFields: MAIN_FIELDS,
    minify: true,
    treeShaking: true,
    sourcemap: SOURCE_MAP,
    external: EXTERNAL_MODULES,
    banner: { js: ESM_REQUIRE_BANNER },
    alias: Object.fromEntries(Object.entries(bundleAliases(entry)).map(([from, to]) => [from, path.join(PROJECT_ROOT, to)])),
    tsconfig: path.join(PROJECT_ROOT, 'tsconfig.json'),
    charset: 'utf8',
    absWorkingDir: PROJECT_ROOT,
    logLevel: 'silent',
  };
}
