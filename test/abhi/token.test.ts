import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { aesGcmCipher, keyId, type Keyring } from '#shared/crypto/field-cipher';
import { dynamoDocumentClient } from '#shared/adapters/dynamodb/client';
import { AbhiLoginRejectedError } from '#shared/abhi/client';
import { startAbhiSandbox, type AbhiSandbox } from '../../infra/local/abhi-sandbox/server';
import { CREDENTIALS, instance, sleep, stateTable, TEST_TOKEN_KEY, uniquePrefix } from './helpers';

describe('one Abhi login for the whole fleet (real sandbox, DynamoDB Local token store)', () => {
  let sandbox: AbhiSandbox;
  beforeAll(async () => {
    sandbox = await startAbhiSandbox({ port: 0, credentials: CREDENTIALS, rateLimit: false });
  });
  afterAll(() => sandbox.stop());
  beforeEach(() => sandbox.reset());

  it('50 concurrent instances needing a token cause exactly one login, and the stored token is encrypted', async () => {
    const prefix = uniquePrefix();
    const instances = Array.from({ length: 50 }, () => instance(sandbox, prefix));
    const results = await Promise.all(instances.map(({ client }) => client.masterData.listBanks({ limit: 1 }, { bypassCache: true })));
    expect(results.every((r) => r.results.length === 1)).toBe(true);
    expect(sandbox.state().logins).toBe(1);
    expect(instances.reduce((n, i) => n + i.metrics.sum('AbhiLogins'), 0)).toBe(1);

    // A second wave (and new instances) reuse the stored token.
    const late = Array.from({ length: 10 }, () => instance(sandbox, prefix));
    await Promise.all([...instances, ...late].map(({ client }) => client.employees.list({ limit: 1 })));
    expect(sandbox.state().logins).toBe(1);

    const { Item } = await dynamoDocumentClient().send(new GetCommand({ TableName: stateTable(), Key: { pk: `${prefix}ABHI#TOKEN`, sk: 'TOKEN' } }));
    expect(Item?.sealedToken).toMatch(new RegExp(`^v1\\.${keyId(TEST_TOKEN_KEY)}\\.`));
    expect(JSON.stringify(Item)).not.toContain('eyJ'); // no JWT in clear
    expect(Item?.leaseOwner).toBeUndefined();
  });

  it('a token revoked by another login recovers with exactly one re-login, even with 10 instances hitting the 401', async () => {
    const prefix = uniquePrefix();
    const instances = Array.from({ length: 10 }, () => instance(sandbox, prefix));
    await Promise.all(instances.map(({ client }) => client.employees.list({ limit: 1 })));
    expect(sandbox.state().logins).toBe(1);

    // Someone else logs in as the same user: Abhi allows one session, so the fleet's token is revoked.
    const foreign = await fetch(`${sandbox.baseUrl}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(CREDENTIALS) });
    expect(foreign.status).toBe(200);
    expect(sandbox.state().logins).toBe(2);

    const pages = await Promise.all(instances.map(({ client }) => client.employees.list({ limit: 1 })));
    expect(pages.every((p) => p.total > 0)).toBe(true);
    const state = sandbox.state();
    expect(state.logins).toBe(3); // the foreign one + one re-login for the whole fleet
    expect(state.unauthorized).toBeGreaterThanOrEqual(1);
  });

  it('rejected credentials: exactly one login attempt fleet-wide, a clear error, an alarm metric, no retry later', async () => {
    const prefix = uniquePrefix();
    const wrong = { username: CREDENTIALS.username, password: 'not-the-password' };
    const instances = Array.from({ length: 10 }, () => instance(sandbox, prefix, { credentials: wrong }));
    const first = await Promise.allSettled(instances.map(({ client }) => client.employees.list({ limit: 1 })));
    for (const result of first) {
      expect(result.status).toBe('rejected');
      const error = (result as PromiseRejectedResult).reason as AbhiLoginRejectedError;
      expect(error).toBeInstanceOf(AbhiLoginRejectedError);
      expect(error.message).toContain('login rejected [401]');
      expect(error.message).not.toContain(wrong.password);
    }
    expect(sandbox.state().loginFailures).toBe(1);
    expect(instances.reduce((n, i) => n + i.metrics.sum('AbhiLoginFailures'), 0)).toBe(1);
    expect(instances[0]!.metrics.records.concat(...instances.map((i) => i.metrics.records)).find((r) => r.name === 'AbhiLoginFailures')?.dimensions).toEqual({
      AbhiAlarm: 'LoginRejected',
    });

    // Later calls (and new instances) fail fast from the stored rejection without touching Abhi.
    const again = await Promise.allSettled([...instances, instance(sandbox, prefix, { credentials: wrong })].map(({ client }) => client.employees.list({ limit: 1 })));
    expect(again.every((r) => r.status === 'rejected' && (r.reason as AbhiLoginRejectedError).fromEarlierAttempt)).toBe(true);
    expect(sandbox.state().loginFailures).toBe(1);
    expect(sandbox.state().lockedUsers).toEqual([]);

    // Fixed credentials (a rotated secret) are tried once and work.
    const fixed = instance(sandbox, prefix);
    await expect(fixed.client.employees.list({ limit: 1 })).resolves.toMatchObject({ total: expect.any(Number) });
    expect(sandbox.state().logins).toBe(1);
  });

  it('refreshes once, before exp minus the refresh margin, for all instances', async () => {
    const prefix = uniquePrefix();
    // A 24 h token considered due for refresh 2–3 s after issue (margin = 24 h − 3 s; exp has 1 s granularity).
    const token = { refreshMarginMs: 86_400_000 - 3_000 };
    const instances = Array.from({ length: 5 }, () => instance(sandbox, prefix, { token }));
    await Promise.all(instances.map(({ client }) => client.employees.list({ limit: 1 })));
    expect(sandbox.state().logins).toBe(1);
    await sleep(3_100);
    await Promise.all(instances.map(({ client }) => client.employees.list({ limit: 1 })));
    expect(sandbox.state().logins).toBe(2);
    expect(sandbox.state().unauthorized).toBe(0);
  });

  describe('the token key (ADR 0033)', () => {
    const tokenItem = (prefix: string) => ({ TableName: stateTable(), Key: { pk: `${prefix}ABHI#TOKEN`, sk: 'TOKEN' } });

    it('a token no key of the ring opens (the scrypt format before ADR 0033, or a key no longer listed) costs exactly one fleet login', async () => {
      const prefix = uniquePrefix();
      await instance(sandbox, prefix).client.employees.list({ limit: 1 });
      expect(sandbox.state().logins).toBe(1);
      // The token as the previous release sealed it: same item, older format.
      await dynamoDocumentClient().send(new UpdateCommand({ ...tokenItem(prefix), UpdateExpression: 'SET sealedToken = :old', ExpressionAttributeValues: { ':old': 'abhi-enc:v1:scrypt:32768:8:1:c2FsdA:bm9uY2U' } }));
      const fleet = Array.from({ length: 10 }, () => instance(sandbox, prefix));
      await Promise.all(fleet.map(({ client }) => client.employees.list({ limit: 1 })));
      expect(sandbox.state().logins).toBe(2);

      // A new key without the old one listed: again one login for all, then the new key's token is shared.
      const newKey = aesGcmCipher(async () => randomBytes(32).fill(7));
      const rekeyed = Array.from({ length: 10 }, () => instance(sandbox, prefix, { tokenCipher: newKey }));
      await Promise.all(rekeyed.map(({ client }) => client.employees.list({ limit: 1 })));
      await Promise.all(Array.from({ length: 5 }, () => instance(sandbox, prefix, { tokenCipher: newKey })).map(({ client }) => client.masterData.listBanks({ limit: 1 }, { bypassCache: true })));
      expect(sandbox.state().logins).toBe(3);
      expect(sandbox.state().unauthorized).toBe(0);
    });

    it('a rotation that lists the old key keeps the token: instances with either ring open it without a login', async () => {
      const prefix = uniquePrefix();
      await instance(sandbox, prefix).client.employees.list({ limit: 1 });
      const next = randomBytes(32);
      const rotating = aesGcmCipher(async (): Promise<Keyring> => ({ current: next, previous: [TEST_TOKEN_KEY] }));
      await Promise.all(Array.from({ length: 5 }, () => instance(sandbox, prefix, { tokenCipher: rotating })).map(({ client }) => client.employees.list({ limit: 1 })));
      expect(sandbox.state().logins).toBe(1);
    });

    it('a token key that cannot be read fails the call and never logs in (which would revoke the fleet\'s session)', async () => {
      const prefix = uniquePrefix();
      await instance(sandbox, prefix).client.employees.list({ limit: 1 });
      const unreadable = aesGcmCipher(async () => {
        throw new Error('AccessDeniedException: not authorized to perform secretsmanager:GetSecretValue');
      });
      const broken = instance(sandbox, prefix, { tokenCipher: unreadable, retry: { maxAttempts: 1 } });
      await expect(broken.client.employees.list({ limit: 1 })).rejects.toThrow(/GetSecretValue/);
      // Without any token in the store, a login is not even tried: the key is checked before Abhi is asked.
      const empty = instance(sandbox, uniquePrefix(), { tokenCipher: unreadable, retry: { maxAttempts: 1 } });
      await expect(empty.client.employees.list({ limit: 1 })).rejects.toThrow(/GetSecretValue/);
      expect(sandbox.state().logins).toBe(1);
      // The fleet's session is intact.
      await instance(sandbox, prefix).client.employees.list({ limit: 1 });
      expect(sandbox.state()).toMatchObject({ logins: 1, unauthorized: 0 });
    });

    it('a cold instance that finds a token reads no credentials', async () => {
      const prefix = uniquePrefix();
      await instance(sandbox, prefix).client.employees.list({ limit: 1 });
      let reads = 0;
      const counted = { get: async () => (reads++, CREDENTIALS) };
      await instance(sandbox, prefix, { credentials: counted }).client.employees.list({ limit: 1 });
      expect(reads).toBe(0);
      expect(sandbox.state().logins).toBe(1);
    });
  });
});
