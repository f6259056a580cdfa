import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { startPlatform, type Platform } from '../../../infra/local/stack';
import { startLocalIssuer, type LocalIssuer, type MintInput } from '../../../infra/local/issuer';
import { LOCAL_AWS } from '../../../infra/local/services/aws-local';
import { startTestServices, type TestServices } from '../../support/services';
import { startCountingProxy, type CountingProxy } from './counting-proxy';
import { errorText, progress, registerCleanup } from './results';

/**
 * One platform for one bench part, in this process, exactly as the end-to-end tests build it (test/support/api.ts):
 * the stand-ins from `startTestServices()`, an Abhi sandbox (in-process, server-side limit 10 req/s burst 20 unless
 * told otherwise) and an OIDC issuer on free ports, and `startPlatform()` wiring the tables, queues, database,
 * secrets, Step Functions runner, pollers and API server. Loopback only.
 */
export const BENCH_SANDBOX_CREDENTIALS = { username: 'platform-bench', password: 'sandbox-bench-password' };

/** The sandbox handle, typed loosely: the bench must start even while the sandbox's API is still changing. */
export interface BenchSandbox {
  readonly url: string;
  readonly baseUrl: string;
  stop(): Promise<void>;
  state(): SandboxStateView;
}

export interface SandboxStateView {
  requests: number;
  rateLimited: number;
  logins?: number;
  advances: number;
  records?: { advances?: unknown[]; employees?: unknown[]; organizations?: unknown[] };
  requestLog?: { at: number; method: string; path: string; status: number; fault?: string }[];
}

export interface BenchEnvironment {
  readonly platform: Platform;
  readonly services: TestServices;
  readonly issuer: LocalIssuer;
  /** Undefined when the sandbox could not start (the reason is in `sandboxError`). */
  readonly sandbox?: BenchSandbox;
  readonly sandboxError?: string;
  /** Counting proxies in front of DynamoDB Local, the SQS/SNS emulator and the Secrets Manager stand-in (cost part). */
  readonly proxies?: { dynamodb: CountingProxy; sqs: CountingProxy; secrets: CountingProxy };
  token(input: MintInput): Promise<string>;
  stop(): Promise<void>;
}

export interface BenchEnvironmentOptions {
  readonly sandboxRateLimit?: { ratePerSecond: number; burst: number } | false;
  /** The sandbox's business clock (dates of advances and balances); default the real clock. */
  readonly sandboxClock?: () => number;
  readonly extraEnv?: Record<string, string>;
  /** Put counting proxies between the platform and the stand-ins. */
  readonly countOperations?: boolean;
  /** Emulate API Gateway's authorizer cache (seconds; infra/local/api-server.ts). */
  readonly authorizerCacheTtlSeconds?: number;
  readonly onConsumerError?: (queue: string, error: unknown) => void;
}

/** A closed port on loopback: functions that call Abhi fail fast when the sandbox is unavailable. */
const NO_SANDBOX_URL = 'http://127.0.0.1:9/uat-open-api';

export async function startBenchEnvironment(options: BenchEnvironmentOptions = {}): Promise<BenchEnvironment> {
  const started = performance.now();
  const services = await startTestServices();
  const env = services.env;
  const issuerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'abhi-ewa-bench-issuer-'));
  const stops: (() => Promise<unknown>)[] = [() => services.stop(), async () => fs.rmSync(issuerDir, { recursive: true, force: true })];
  const stopAll = async () => {
    for (const stop of stops.splice(0)) await stop().catch(() => undefined);
  };
  const unregister = registerCleanup(stopAll);
  try {
    const issuer = await startLocalIssuer({ port: 0, dir: issuerDir });
    stops.unshift(() => issuer.stop());

    let sandbox: BenchSandbox | undefined;
    let sandboxError: string | undefined;
    try {
      const module = (await import('../../../infra/local/abhi-sandbox/server')) as unknown as {
        startAbhiSandbox(options: Record<string, unknown>): Promise<BenchSandbox>;
      };
      sandbox = await module.startAbhiSandbox({
        port: 0,
        host: '127.0.0.1',
        credentials: BENCH_SANDBOX_CREDENTIALS,
        rateLimit: options.sandboxRateLimit ?? { ratePerSecond: 10, burst: 20 },
        ...(options.sandboxClock ? { clock: options.sandboxClock } : {}),
      });
      const started = sandbox;
      stops.unshift(() => started.stop());
    } catch (error) {
      sandboxError = `the Abhi sandbox did not start (${errorText(error)})`;
      progress(`warning: ${sandboxError}; functions that call Abhi will fail fast`);
    }

    let proxies: BenchEnvironment['proxies'];
    if (options.countOperations) {
      proxies = {
        dynamodb: await startCountingProxy(env.AWS_ENDPOINT_URL_DYNAMODB!),
        sqs: await startCountingProxy(env.AWS_ENDPOINT_URL_SQS!),
        secrets: await startCountingProxy(env.AWS_ENDPOINT_URL_SECRETS_MANAGER!),
      };
      const p = proxies;
      stops.unshift(() => Promise.allSettled([p.dynamodb.stop(), p.sqs.stop(), p.secrets.stop()]));
    }

    const secretsClient = new SecretsManagerClient({ endpoint: env.AWS_ENDPOINT_URL_SECRETS_MANAGER, ...LOCAL_AWS });
    stops.unshift(async () => secretsClient.destroy());
    const platform = await startPlatform(
      {
        // With counting on, everything goes through the proxies (set-up included: the cost part resets the counters).
        dynamoEndpoint: proxies?.dynamodb.url ?? env.AWS_ENDPOINT_URL_DYNAMODB!,
        sqsEndpoint: proxies?.sqs.url ?? env.AWS_ENDPOINT_URL_SQS!,
        postgresAdminUrl: env.POSTGRES_ADMIN_URL!,
        secrets: {
          endpoint: proxies?.secrets.url ?? env.AWS_ENDPOINT_URL_SECRETS_MANAGER!,
          put: async (name, value) => {
            await secretsClient.send(new PutSecretValueCommand({ SecretId: name, SecretString: JSON.stringify(value) }));
          },
        },
      },
      {
        prefix: `bench${randomUUID().replace(/-/g, '').slice(0, 10)}`,
        apiPort: 0,
        abhiBaseUrl: sandbox?.baseUrl ?? NO_SANDBOX_URL,
        abhiCredentials: BENCH_SANDBOX_CREDENTIALS,
        issuer,
        recreateDatabase: true,
        authorizerCacheTtlSeconds: options.authorizerCacheTtlSeconds,
        extraEnv: { POWERTOOLS_LOG_LEVEL: 'INFO', ...options.extraEnv },
        onConsumerError: options.onConsumerError ?? (() => undefined),
      },
    );
    stops.unshift(() => platform.stop());
    progress(`platform up in ${((performance.now() - started) / 1000).toFixed(1)} s (API ${platform.api.url}${sandbox ? `, sandbox ${sandbox.url}` : ''})`);
    let stopped = false;
    return {
      platform,
      services,
      issuer,
      sandbox,
      sandboxError,
      proxies,
      token: (input) => issuer.mint(input),
      async stop() {
        if (stopped) return;
        stopped = true;
        await stopAll();
        unregister();
      },
    };
  } catch (error) {
    await stopAll();
    unregister();
    throw error;
  }
}

/**
 * Every queue empty and every poller idle, and no workflow execution running except those parked on a task token
 * (bounded). Resolves with undefined when quiet, else with what was still busy.
 */
export async function waitForQuiet(environment: BenchEnvironment, timeoutMs: number): Promise<string | undefined> {
  const { SQSClient, GetQueueAttributesCommand } = await import('@aws-sdk/client-sqs');
  const sqs = new SQSClient({ endpoint: environment.services.env.AWS_ENDPOINT_URL_SQS, ...LOCAL_AWS, useQueueUrlAsEndpoint: false });
  const deadline = Date.now() + timeoutMs;
  let busy = 'nothing observed yet';
  try {
    const { currentStepFunctionsLocal } = await import('../../../infra/local/services/step-functions-local');
    // Two quiet observations in a row: a finished workflow or consumer may have produced new messages meanwhile.
    let quietBefore = false;
    while (Date.now() < deadline) {
      const counts = await Promise.all(
        Object.entries(environment.platform.messaging.queues).map(async ([name, queue]) => {
          const { Attributes } = await sqs.send(
            new GetQueueAttributesCommand({
              QueueUrl: queue.url,
              AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
            }),
          );
          const count = Number(Attributes?.ApproximateNumberOfMessages ?? 0) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0) + Number(Attributes?.ApproximateNumberOfMessagesDelayed ?? 0);
          return [name, count] as const;
        }),
      );
      const nonEmpty = counts.filter(([, c]) => c > 0);
      if (nonEmpty.length === 0) {
        // Executions parked on a task token (approval) do not count: waitForIdle ignores them.
        const sfn = currentStepFunctionsLocal();
        const sfnIdle = sfn ? await sfn.waitForIdle(Math.max(1, deadline - Date.now())).then(() => true, () => false) : true;
        if (!sfnIdle) {
          const running = sfn?.executions().filter((e) => e.status === 'RUNNING') ?? [];
          return `${running.length} workflow executions still running (last states: ${[...new Set(running.map((e) => e.events.at(-1)?.state ?? '?'))].join(', ')})`;
        }
        await Promise.all(Object.values(environment.platform.pollers).map((p) => p.idle()));
        if (quietBefore) return undefined;
        quietBefore = true;
      } else {
        quietBefore = false;
        busy = `messages still in ${nonEmpty.map(([n, c]) => `${n} (${c})`).join(', ')}`;
      }
      await new Promise((r) => setTimeout(r, 150));
    }
    return busy;
  } finally {
    sqs.destroy();
  }
}
