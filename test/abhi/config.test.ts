import { randomBytes, randomUUID } from 'node:crypto';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError } from '#shared/config';
import { abhiClientFromEnv, SecretsManagerCredentialsProvider } from '#shared/abhi/client';
import { CredentialsUnavailableError } from '#shared/abhi/credentials';
import { startAbhiSandbox, type AbhiSandbox } from '../../infra/local/abhi-sandbox/server';
import { CREDENTIALS, stateTable } from './helpers';

describe('configuration: Secrets Manager credentials (local stand-in) and abhiClientFromEnv', () => {
  let sandbox: AbhiSandbox;
  const secrets = new SecretsManagerClient({});
  const put = (id: string, value: unknown) => secrets.send(new PutSecretValueCommand({ SecretId: id, SecretString: JSON.stringify(value) }));

  beforeAll(async () => {
    sandbox = await startAbhiSandbox({ port: 0, credentials: CREDENTIALS, signingSecret: 'env-signing-secret', rateLimit: false });
  });
  afterAll(async () => {
    await sandbox.stop();
    secrets.destroy();
  });

  it('reads {username, password, signingSecret} from the secret and names bad keys without their values', async () => {
    const id = `test/abhi-${randomUUID()}`;
    await put(id, { ...CREDENTIALS, signingSecret: 'x' });
    await expect(new SecretsManagerCredentialsProvider(id).get()).resolves.toEqual({ ...CREDENTIALS, signingSecret: 'x' });
    const bad = `test/abhi-${randomUUID()}`;
    await put(bad, { username: 'someone', pass: 'top-secret-value' });
    const error = await new SecretsManagerCredentialsProvider(bad).get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialsUnavailableError);
    expect((error as Error).message).toContain('password');
    expect((error as Error).message).not.toContain('top-secret-value');
  });

  it('abhiClientFromEnv: fails with one sentence naming a missing variable; works end to end with signing from the secret', async () => {
    expect(() => abhiClientFromEnv({ ABHI_BASE_URL: sandbox.baseUrl, STATE_TABLE_NAME: stateTable() })).toThrow(ConfigurationError);
    expect(() => abhiClientFromEnv({ ABHI_BASE_URL: sandbox.baseUrl, STATE_TABLE_NAME: stateTable() })).toThrow(/^Environment variable ABHI_CREDENTIALS_SECRET_ID is not set/);
    const id = `test/abhi-${randomUUID()}`;
    await put(id, { ...CREDENTIALS, signingSecret: 'env-signing-secret' });
    expect(() => abhiClientFromEnv({ ABHI_BASE_URL: sandbox.baseUrl, ABHI_CREDENTIALS_SECRET_ID: id, STATE_TABLE_NAME: stateTable() })).toThrow(
      /^Environment variable ABHI_TOKEN_KEY_SECRET_ID is not set/,
    );
    const tokenKey = `test/abhi-token-key-${randomUUID()}`;
    await put(tokenKey, { key: randomBytes(32).toString('base64') });
    const client = abhiClientFromEnv({
      ABHI_BASE_URL: sandbox.baseUrl,
      ABHI_CREDENTIALS_SECRET_ID: id,
      ABHI_TOKEN_KEY_SECRET_ID: tokenKey,
      ABHI_SIGNING_ENABLED: 'true',
      ABHI_RATE_LIMIT_RPS: '100',
      ABHI_RATE_LIMIT_BURST: '50',
      ABHI_TIMEOUT_MS: '5000',
      STATE_TABLE_NAME: stateTable(),
    });
    // The default key space (ABHI#TOKEN …) is shared with other tests of this run: only assert on this sandbox.
    await expect(client.masterData.listBanks({ limit: 1 }, { bypassCache: true })).resolves.toMatchObject({ total: 11 });
    expect(sandbox.state()).toMatchObject({ signatureFailures: 0, logins: 1 });
  });
});
