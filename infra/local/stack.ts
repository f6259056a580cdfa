import { QUEUES, SCHEDULES, queueUrlVariable } from '#shared/topology';
import { migrateUp } from '#shared/db/migrate';
import { createTables } from './services/dynamodb-local';
import { createMessaging, resolveLocalhostSubdomains, type LocalMessaging } from './services/sqs-local';
import { createDatabase } from './services/postgres-local';
import { startPoller, type PollerHandle } from './services/sqs-poller';
import { startApiServer, loadEntry, type ApiServer } from './api-server';
import { LOCAL_AWS_ENV } from './services/aws-local';
import { startStepFunctionsLocal } from './services/step-functions-local';
import { LOCAL_CLIENT_IDS, localDirectoryFile } from './issuer';
import type { ClaimPreset } from '#shared/auth/claim-mapping';
import { fakeLambdaContext } from './lambda-context';
import { generatedKey } from './local-keys';
import { countingProxyFor, countPostgresQueries, processStats, type CountingProxy, type RequestStats } from './request-stats';

/**
 * Wires the platform onto running stand-ins: its own tables, queues, topic, database and secrets (all named with
 * `prefix`, so several stacks can share one emulator), the environment every function reads, the SQS pollers that
 * play Lambda's event source mappings, the Step Functions endpoint, and the API server. Used by `npm start` and by
 * the end-to-end test harness, so both run the same wiring.
 */
export interface SharedServices {
  readonly dynamoEndpoint: string;
  readonly sqsEndpoint: string;
  readonly postgresAdminUrl: string;
  readonly secrets: { readonly endpoint: string; put(name: string, value: unknown): void | Promise<void> };
}

export interface PlatformOptions {
  readonly prefix: string;
  readonly apiPort: number;
  readonly abhiBaseUrl: string;
  readonly abhiCredentials: { username: string; password: string; signingSecret?: string };
  /** `dir`: where the issuer keeps its user directory (default `.local/issuer/`). */
  readonly issuer: { issuer: string; audience: string; jwksUrl: string; dir?: string };
  /** Claim shape of the identity provider the stack trusts (`OIDC_PRESET`; default generic). */
  readonly oidcPreset?: ClaimPreset;
  /** Emulates API Gateway's authorizer result cache (seconds; default none). */
  readonly authorizerCacheTtlSeconds?: number;
  /** Short visibility timeouts make redrive observable in tests. */
  readonly visibilityTimeoutSeconds?: number;
  readonly recreateDatabase?: boolean;
  /**
   * Where the generated keys (data key, Abhi token key, webhook secret) are kept, so personal data sealed before a
   * restart opens after it (`npm start`: `.local/keys/`). Without it every start generates new ones (tests).
   */
  readonly keyDir?: string;
  readonly extraEnv?: Record<string, string>;
  readonly extraRoutes?: Parameters<typeof startApiServer>[0]['extraRoutes'];
  readonly accessLog?: Parameters<typeof startApiServer>[0]['accessLog'];
  readonly onConsumerError?: (queue: string, error: unknown) => void;
}

export interface Platform {
  readonly api: ApiServer;
  readonly env: Record<string, string>;
  readonly messaging: LocalMessaging;
  readonly pollers: Record<string, PollerHandle>;
  /** Requests the functions of this process made, by service and operation (also at `GET /__local/stats`). */
  readonly stats: RequestStats;
  stop(): Promise<void>;
}

export async function startPlatform(shared: SharedServices, options: PlatformOptions): Promise<Platform> {
  const { prefix } = options;
  resolveLocalhostSubdomains();
  const [tables, messaging, databaseUrl] = await Promise.all([
    createTables(shared.dynamoEndpoint, prefix),
    createMessaging(shared.sqsEndpoint, prefix, { visibilityTimeoutSeconds: options.visibilityTimeoutSeconds }),
    createDatabase(shared.postgresAdminUrl, prefix.replace(/[^a-z0-9_]/gi, '_').toLowerCase(), { recreate: options.recreateDatabase }),
  ]);
  await migrateUp(databaseUrl);

  const secretIds = {
    abhi: `${prefix}/abhi-credentials`,
    webhook: `${prefix}/webhook-secret`,
    dataKey: `${prefix}/data-key`,
    abhiTokenKey: `${prefix}/abhi-token-key`,
  };
  const key = (name: string) => generatedKey(options.keyDir, name);
  await shared.secrets.put(secretIds.abhi, options.abhiCredentials);
  await shared.secrets.put(secretIds.webhook, { secret: (await key('webhook-secret')).toString('hex') });
  await shared.secrets.put(secretIds.dataKey, { key: (await key('data-key')).toString('base64') });
  await shared.secrets.put(secretIds.abhiTokenKey, { key: (await key('abhi-token-key')).toString('base64') });

  // The functions reach every AWS stand-in through a counting proxy (GET /__local/stats); set-up above went direct.
  const stats = processStats;
  countPostgresQueries(stats);
  const proxies: CountingProxy[] = [];
  const counted = async (endpoint: string, rewriteBody?: Parameters<typeof countingProxyFor>[1]) => {
    const proxy = await countingProxyFor(endpoint, rewriteBody);
    proxies.push(proxy);
    return proxy.endpoint;
  };
  // The SQS client sends to the host of a queue URL, so the URLs the functions read name the proxy's port; the
  // emulator finds queues by their own URL, so the proxy puts its port back on the way in.
  const sqsPort = `:${new URL(shared.sqsEndpoint).port}/`;
  const toEmulatorUrls = (body: Buffer, proxyPort: number) => {
    const text = body.toString('utf8');
    return text.includes(`:${proxyPort}/`) ? Buffer.from(text.split(`:${proxyPort}/`).join(sqsPort), 'utf8') : body;
  };
  const [dynamoEndpoint, sqsEndpoint, secretsEndpoint] = await Promise.all([
    counted(shared.dynamoEndpoint),
    counted(shared.sqsEndpoint, toEmulatorUrls),
    counted(shared.secrets.endpoint),
  ]);
  const messagingEnv = Object.fromEntries(
    Object.entries(messaging.env).map(([name, value]) => [name, value.startsWith('http') ? value.replace(sqsPort, `:${new URL(sqsEndpoint).port}/`) : value]),
  );
  // As in AWS, the SQS endpoint is the host the queue URLs name (`sqs.<region>.localhost:<port>`, loopback by
  // RFC 6761): an SDK client whose endpoint differs warns at every call that it sends to the queue URL's host instead.
  const queueEndpoint = new URL(messagingEnv[queueUrlVariable(QUEUES[0]!.name)]!).origin;

  const env: Record<string, string> = {
    ...LOCAL_AWS_ENV,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    STAGE: 'local',
    POWERTOOLS_SERVICE_NAME: 'abhi-ewa',
    POWERTOOLS_METRICS_NAMESPACE: 'AbhiEwa',
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_DEV: 'false',
    AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
    AWS_ENDPOINT_URL_SQS: queueEndpoint,
    AWS_ENDPOINT_URL_SNS: sqsEndpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsEndpoint,
    DATABASE_URL: databaseUrl,
    // No replica locally: read-only routes' reader pool points at the same server (a pool of its own, so the routing
    // runs here, without replication lag). In prod it is the Aurora reader (DATABASE_READER_HOST).
    DATABASE_READER_URL: databaseUrl,
    // Every function shares this one process (and so one pool); in Lambda an instance serves one request at a time
    // and keeps the default of 2 connections.
    DATABASE_POOL_MAX: '10',
    STATE_TABLE_NAME: tables.stateTable,
    IDEMPOTENCY_TABLE_NAME: tables.idempotencyTable,
    ABHI_BASE_URL: options.abhiBaseUrl,
    ABHI_CREDENTIALS_SECRET_ID: secretIds.abhi,
    ABHI_TOKEN_KEY_SECRET_ID: secretIds.abhiTokenKey,
    ABHI_SIGNING_ENABLED: options.abhiCredentials.signingSecret ? 'true' : 'false',
    WEBHOOK_SECRET_ID: secretIds.webhook,
    DATA_KEY_SECRET_ID: secretIds.dataKey,
    OIDC_ISSUER: options.issuer.issuer,
    OIDC_AUDIENCE: options.issuer.audience,
    OIDC_JWKS_URL: options.issuer.jwksUrl,
    OIDC_CLAIMS: options.oidcPreset ?? 'generic',
    OIDC_CLIENT_IDS: LOCAL_CLIENT_IDS.join(','),
    // Deleted employees' personal data is erased this many days after deletion (the dev stage's period).
    PERSONAL_DATA_RETENTION_DAYS: '7',
    CORS_ALLOWED_ORIGINS: 'http://localhost:5173,http://127.0.0.1:5173',
    // User provisioning writes the local issuer's directory, from which `npm run token -- --user <email>` mints.
    USER_PROVISIONING: 'local',
    IDENTITY_DIRECTORY_FILE: localDirectoryFile(options.issuer.dir),
    ...messagingEnv,
    ...options.extraEnv,
  };
  // Handlers read their configuration at import, so the environment is in place before anything loads them.
  Object.assign(process.env, env);

  const stepFunctions = await startStepFunctionsLocal({});
  process.env.AWS_ENDPOINT_URL_SFN = env.AWS_ENDPOINT_URL_SFN = await counted(stepFunctions.endpoint);
  process.env.ADVANCE_STATE_MACHINE_ARN = env.ADVANCE_STATE_MACHINE_ARN = stepFunctions.stateMachineArn;

  const pollers: Record<string, PollerHandle> = {};
  for (const definition of QUEUES) {
    pollers[definition.name] = startPoller({
      endpoint: shared.sqsEndpoint,
      queue: messaging.queues[definition.name]!,
      loadHandler: () => loadEntry(definition.consumer),
      onError: (error) => options.onConsumerError?.(definition.name, error),
    });
  }
  const statusPoll = startLocalStatusPoll(env.LOCAL_STATUS_POLL_INTERVAL_MS);
  const api = await startApiServer({
    port: options.apiPort,
    extraRoutes: { ...stats.route(), ...options.extraRoutes },
    authorizerCacheTtlSeconds: options.authorizerCacheTtlSeconds,
    accessLog: options.accessLog,
  });
  return {
    api,
    env,
    messaging,
    pollers,
    stats,
    async stop() {
      await api.stop();
      await statusPoll.stop();
      await Promise.allSettled(Object.values(pollers).map((p) => p.stop()));
      await stepFunctions.stop();
      for (const proxy of proxies) proxy.closeIdle();
      const { closePool } = await import('#shared/db/pool');
      await closePool();
    },
  };
}

/**
 * EventBridge Scheduler's part for the advance status poll (topology `advance-status-poll`): runs its entry every
 * `intervalMs` (LOCAL_STATUS_POLL_INTERVAL_MS; `npm start` sets 5 s, tests opt in), one run at a time. Unset: off.
 */
function startLocalStatusPoll(intervalMs: string | undefined): { stop(): Promise<void> } {
  const every = Number(intervalMs ?? 0);
  if (!Number.isFinite(every) || every <= 0) return { stop: async () => undefined };
  const schedule = SCHEDULES.find((s) => s.name === 'advance-status-poll')!;
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    running ??= (async () => {
      try {
        const handler = await loadEntry<(event: unknown, context: unknown) => Promise<unknown>>(schedule.entry);
        await handler({ source: 'aws.scheduler', 'detail-type': 'Scheduled Event', detail: {}, time: new Date().toISOString() }, fakeLambdaContext(schedule.entry, 60_000));
      } catch (error) {
        console.error(`Local schedule ${schedule.name} failed: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        running = undefined;
      }
    })();
  }, every);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
