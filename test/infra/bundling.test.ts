import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { resolveStageConfig } from '../../infra/config/stages';
import { PlatformFunction } from '../../infra/constructs/platform-function';

/** Where the synthesized asset of a function lives in the cloud assembly. */
function assetDir(outdir: string, fn: PlatformFunction): string {
  const metadata = (fn.node.defaultChild as any).getMetadata('aws:asset:path') as string;
  return path.join(outdir, metadata);
}

describe('esbuild bundling of a real handler (no stand-in, no Docker)', () => {
  it('bundles ESM + minified, no source map, the AWS SDK inside with the environment-only credential source, resolves #shared/*, copies extra files, and the bundle runs', () => {
    const outdir = mkdtempSync(path.join(tmpdir(), 'infra-bundle-'));
    // Asset metadata (the CLI turns it on) tells where the bundle was written.
    const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
    const stack = new Stack(app, 'BundleProbe');
    const config = resolveStageConfig(() => undefined);
    const probe = path.resolve(import.meta.dirname, 'fixtures/sdk-probe-handler.ts');
    const relativeEntry = path.relative(path.resolve(import.meta.dirname, '../../functions'), probe).replace(/\.ts$/, '');
    const fn = new PlatformFunction(stack, 'Probe', {
      config,
      entry: relativeEntry,
      functionName: 'bundle-probe',
      description: 'bundling test',
      memoryMb: 256,
      timeout: Duration.seconds(5),
      copyIntoBundle: [{ from: 'functions/shared/db/migrations', to: 'migrations' }],
    });
    app.synth();

    const dir = assetDir(outdir, fn);
    const bundle = path.join(dir, 'index.mjs');
    expect(existsSync(bundle)).toBe(true);
    // infra/bundling/options.ts: no source map in the asset.
    expect(existsSync(path.join(dir, 'index.mjs.map'))).toBe(false);
    const code = readFileSync(bundle, 'utf8');
    expect(code.startsWith("import { createRequire as __platformCreateRequire } from 'node:module'")).toBe(true);
    // Minified and self-contained: no import of project paths or the #shared mapping survives.
    expect(code).not.toMatch(/from\s*["']#shared/);
    // The SDK's credential chain is replaced (infra/bundling/lambda-credentials.ts): no web identity, SSO or process source.
    expect(['AWS_WEB_IDENTITY_TOKEN_FILE', 'sso_start_url', 'credential_process'].filter((marker) => code.includes(marker))).toEqual([]);
    // The SDK's event-stream support is replaced too (infra/bundling/event-streams-not-bundled.ts, ADR 0030).
    expect(code).toContain('SDK event streams are not bundled');
    expect(code).not.toContain(':message-type');
    expect(code.length / code.split('\n').length).toBeGreaterThan(1000);
    expect(statSync(bundle).size).toBeLessThan(2_000_000);
    expect(readdirSync(path.join(dir, 'migrations')).some((f) => f.endsWith('.sql'))).toBe(true);

    const result = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', `const m = await import(${JSON.stringify(pathToFileURL(bundle).href)}); console.log('RESULT ' + JSON.stringify(await m.handler()));`],
      { env: { ...process.env, STAGE: 'bundle-test', POWERTOOLS_METRICS_NAMESPACE: 'AbhiEwa', AWS_ACCESS_KEY_ID: 'from-the-environment', AWS_SECRET_ACCESS_KEY: 'x' }, encoding: 'utf8' },
    );
    const line = result.split('\n').find((l) => l.startsWith('RESULT '));
    expect(JSON.parse(line!.slice('RESULT '.length))).toEqual({ statusCode: 200, body: JSON.stringify({ stage: 'bundle-test', accessKeyId: 'from-the-environment' }) });
  }, 60_000);
});
