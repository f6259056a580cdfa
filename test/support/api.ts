import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mailboxRoutes } from '../../infra/local/mailbox';
import { startPlatform, type Platform } from '../../infra/local/stack';
import { startLocalIssuer } from '../../infra/local/issuer';
import { startAbhiSandbox } from '../../infra/local/abhi-sandbox/server';
import { LOCAL_AWS } from '../../infra/local/services/aws-local';
import type { Role } from '#shared/routes';
import type { ClaimPreset } from '#shared/auth/claim-mapping';
import { testEnv } from './env';

/**
 * End-to-end harness: the whole platform in this test worker — its own tables, queues, database and secrets on the
 * shared stand-ins, a fresh Abhi sandbox and OIDC issuer on free ports, the API server with the real handlers, and
 * pollers for every queue. Requests go over real HTTP.
 */
export interface TestApi {
  readonly url: string;
  readonly platform: Platform;
  readonly sandbox: Awaited<ReturnType<typeof startAbhiSandbox>>;
  readonly issuer: Awaited<ReturnType<typeof startLocalIssuer>>;
  /** Mints a token in the claim shape of the stack's preset (or `preset`). */
  token(claims: { role: Role; org?: string; employee?: string; mfa?: boolean; subject?: string; preset?: ClaimPreset }): Promise<string>;
  request<T = any>(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; headers?: Record<string, string>; rawBody?: string },
  ): Promise<{ status: number; headers: Headers; body: T }>;
  /** Waits until every queue is empty and no consumer is busy. */
  drainQueues(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export const SANDBOX_CREDENTIALS = { username: 'platform-test', password: 'sandbox-test-password' };

export async function startTestApi(
  options: {
    sandbox?: Record<string, unknown>;
    extraEnv?: Record<string, string>;
    preset?: ClaimPreset;
    /** API Gateway's authorizer result cache, emulated by the local API (seconds). */
    authorizerCacheTtlSeconds?: number;
  } = {},
): Promise<TestApi> {
  const env = testEnv();
  const prefix = `t${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const issuerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'abhi-ewa-issuer-'));
  const [sandbox, issuer] = await Promise.all([
    startAbhiSandbox({ port: 0, credentials: SANDBOX_CREDENTIALS, ...options.sandbox }),
    startLocalIssuer({ port: 0, dir: issuerDir }),
  ]);
  const secretsClient = new SecretsManagerClient({ endpoint: env.secretsEndpoint, ...LOCAL_AWS });
  const platform = await startPlatform(
    {
      dynamoEndpoint: env.dynamoEndpoint,
      sqsEndpoint: env.sqsEndpoint,
      postgresAdminUrl: env.postgresAdminUrl,
      secrets: {
        endpoint: env.secretsEndpoint,
        put: async (name, value) => {
          await secretsClient.send(new PutSecretValueCommand({ SecretId: name, SecretString: JSON.stringify(value) }));
        },
      },
    },
    {
      prefix,
      apiPort: 0,
      abhiBaseUrl: `${sandbox.url}/uat-open-api`,
      abhiCredentials: SANDBOX_CREDENTIALS,
      issuer,
      oidcPreset: options.preset,
      authorizerCacheTtlSeconds: options.authorizerCacheTtlSeconds,
      visibilityTimeoutSeconds: 2,
      recreateDatabase: true,
      extraRoutes: mailboxRoutes(),
      extraEnv: { POWERTOOLS_LOG_LEVEL: 'WARN', POWERTOOLS_METRICS_DISABLED: 'true', ...options.extraEnv },
    },
  );

  const request: TestApi['request'] = async (method, requestPath, requestOptions = {}) => {
    const headers: Record<string, string> = { ...requestOptions.headers };
    if (requestOptions.token) headers.authorization = `Bearer ${requestOptions.token}`;
    let body: string | undefined = requestOptions.rawBody;
    if (requestOptions.body !== undefined) {
      body = JSON.stringify(requestOptions.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${platform.api.url}${requestPath}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: hand back the text
    }
    return { status: response.status, headers: response.headers, body: parsed as any };
  };

  return {
    url: platform.api.url,
    platform,
    sandbox,
    issuer,
    token: ({ role, org, employee, mfa, subject, preset }) =>
      issuer.mint({
        role,
        org,
        employee,
        mfa: mfa ?? false,
        subject: subject ?? `${role}-${org ?? 'platform'}-${employee ?? 'user'}`,
        preset: preset ?? options.preset,
      }),
    request,
    drainQueues: (timeoutMs = 30_000) => drain(platform, env.sqsEndpoint, timeoutMs),
    async stop() {
      await platform.stop();
      await Promise.allSettled([sandbox.stop(), issuer.stop()]);
      secretsClient.destroy();
      fs.rmSync(issuerDir, { recursive: true, force: true });
    },
  };
}

async function drain(platform: Platform, endpoint: string, timeoutMs: number): Promise<void> {
  const { SQSClient, GetQueueAttributesCommand } = await import('@aws-sdk/client-sqs');
  const sqs = new SQSClient({ endpoint, ...LOCAL_AWS });
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      const counts = await Promise.all(
        Object.values(platform.messaging.queues).map(async (queue) => {
          const { Attributes } = await sqs.send(
            new GetQueueAttributesCommand({
              QueueUrl: queue.url,
              AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
            }),
          );
          return (
            Number(Attributes?.ApproximateNumberOfMessages ?? 0) +
            Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0) +
            Number(Attributes?.ApproximateNumberOfMessagesDelayed ?? 0)
          );
        }),
      );
      if (counts.every((count) => count === 0)) {
        await Promise.all(Object.values(platform.pollers).map((poller) => poller.idle()));
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`Queues did not drain within ${timeoutMs} ms.`);
  } finally {
    sqs.destroy();
  }
}
