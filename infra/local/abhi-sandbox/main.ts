import { envVar, loadConfig } from '#shared/config';
import { startAbhiSandbox } from './server';
import * as z from '#shared/zod';

/**
 * The Abhi sandbox as a process of the local stack (`npm start` spawns it). Environment:
 * - ABHI_SANDBOX_PORT (default 4010)
 * - ABHI_SANDBOX_USERNAME / ABHI_SANDBOX_PASSWORD: the fleet (third-party) user; local defaults
 *   `platform-local` / `sandbox-local-password` (the same defaults as infra/local/start.ts; not secrets).
 * - ABHI_SANDBOX_SIGNING_SECRET: when set, requests must be signed (reference §4).
 * - ABHI_SANDBOX_RATE_LIMIT_RPS / ABHI_SANDBOX_RATE_LIMIT_BURST (default 10 / 20).
 * - ABHI_SANDBOX_STATE_FILE: keep the records in this file across restarts (`npm start` sets
 *   `.local/abhi-sandbox/state.json`, beside PostgreSQL's data); unset, every start begins from the seed.
 */
async function main(): Promise<void> {
  const config = loadConfig({
    ABHI_SANDBOX_PORT: z._default(envVar.port(), 4010),
    ABHI_SANDBOX_USERNAME: z._default(envVar.text(), 'platform-local'),
    ABHI_SANDBOX_PASSWORD: z._default(envVar.text(), 'sandbox-local-password'),
    ABHI_SANDBOX_SIGNING_SECRET: z.optional(envVar.text()),
    ABHI_SANDBOX_RATE_LIMIT_RPS: z._default(envVar.positiveNumber(), 10),
    ABHI_SANDBOX_RATE_LIMIT_BURST: z._default(envVar.positiveInt(), 20),
    ABHI_SANDBOX_STATE_FILE: z.optional(envVar.text()),
  });
  const sandbox = await startAbhiSandbox({
    port: config.ABHI_SANDBOX_PORT,
    credentials: { username: config.ABHI_SANDBOX_USERNAME, password: config.ABHI_SANDBOX_PASSWORD },
    signingSecret: config.ABHI_SANDBOX_SIGNING_SECRET,
    rateLimit: { ratePerSecond: config.ABHI_SANDBOX_RATE_LIMIT_RPS, burst: config.ABHI_SANDBOX_RATE_LIMIT_BURST },
    stateFile: config.ABHI_SANDBOX_STATE_FILE,
  });
  console.log(`Abhi sandbox listening on ${sandbox.baseUrl} (state: ${sandbox.url}/__sandbox/state)`);
  const shutdown = () => {
    sandbox.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
