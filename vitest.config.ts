import { defineConfig } from 'vitest/config';

// The AWS SDK warns that it will require Node 22 in 2027; Lambda runs 22 already and this machine's 20 is for dev only.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/setup-file.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Logs of handlers under test are noise in the report; tests that inspect logs capture them explicitly.
    silent: 'passed-only',
  },
});
