import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_AWS_ENV } from '../../infra/local/services/aws-local';
import { testEnv } from '../support/env';
import { bundleFixture, type BundledFixture } from './support/bundled-fixture';

/**
 * The DynamoDB client as bundled for deployment, endpoint discovery replaced by infra/bundling/endpoint-discovery-off.ts
 * (ADR 0030): a bundle built with the production esbuild options runs Put/Get/Update/Query against DynamoDB Local in a
 * process of its own, and fails loudly if discovery is switched on.
 */
describe('the bundled DynamoDB client without endpoint discovery (production esbuild options)', () => {
  let fixture: BundledFixture;
  let bundle: string;
  let inputs: string[];

  beforeAll(async () => {
    fixture = await bundleFixture('dynamodb-probe-handler');
    ({ file: bundle, inputs } = fixture);
  }, 60_000);
  afterAll(() => fixture?.remove());

  const run = (env: Record<string, string> = {}) =>
    fixture.run({ ...LOCAL_AWS_ENV, AWS_ENDPOINT_URL_DYNAMODB: testEnv().dynamoEndpoint, STATE_TABLE_NAME: testEnv().stateTable, PROBE_ID: randomUUID(), ...env });

  it('bundles the stub, not the endpoint-discovery middleware, its cache, mnemonist or obliterator', () => {
    expect(inputs.filter((input) => /node_modules\/(@aws-sdk\/(middleware-endpoint-discovery|endpoint-cache)|mnemonist|obliterator)\//.test(input))).toEqual([]);
    expect(inputs.some((input) => input.endsWith('infra/bundling/endpoint-discovery-off.ts'))).toBe(true);
    expect(readFileSync(bundle, 'utf8')).toContain('DynamoDB endpoint discovery is not bundled');
  });

  it('puts, gets, updates and queries items through the Document client against DynamoDB Local', async () => {
    expect(await run()).toEqual({ updated: 2, got: 2, queried: ['A=2', 'B=2'], discovery: undefined });
    // Switched off explicitly, as the SDK reads it: still works.
    expect((await run({ AWS_ENABLE_ENDPOINT_DISCOVERY: 'false' })).queried).toEqual(['A=2', 'B=2']);
  });

  it('fails loudly, naming why, when endpoint discovery is switched on', async () => {
    await expect(run({ AWS_ENABLE_ENDPOINT_DISCOVERY: 'true' })).rejects.toThrow(/DynamoDB endpoint discovery is not bundled in this function/);
  });
});
