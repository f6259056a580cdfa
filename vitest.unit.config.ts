import { defineConfig } from 'vitest/config';

// As in vitest.config.ts: the AWS SDK's Node 20 deprecation warning is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/**
 * The fast tier (`npm run test:unit`): the domain and use-case tests against in-memory ports (test/support/memory-ports.ts)
 * and the layer rules. No global setup, so no engine starts (no DynamoDB Local, PostgreSQL, SQS emulator or sandbox);
 * test/unit/no-engines.ts points every AWS and database endpoint at a closed port, so a test that reaches for one fails
 * at once. `npm test` runs these files too, with everything else.
 */
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/foundation/money.test.ts', 'test/workflow/advance-policy.test.ts', 'test/foundation/layers.test.ts'],
    setupFiles: ['test/unit/no-engines.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 20_000,
    silent: 'passed-only',
  },
});
