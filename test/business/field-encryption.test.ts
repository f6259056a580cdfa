import { randomBytes, randomUUID } from 'node:crypto';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { keyringFromSecretsManager } from '#shared/crypto/secret-keyring';
import { aesGcmCipher, fieldCipher, keyId, lastFour, maskAccountNumber, maskEmiratesId, UnreadableCiphertextError, type Keyring } from '#shared/crypto/field-encryption';

/** AES-256-GCM field encryption: round trip, column binding, tampering, key rotation, masking. */
describe('field encryption', () => {
  const key = randomBytes(32);
  const cipher = aesGcmCipher(async () => key);

  it('round-trips, with a fresh nonce per value and no plaintext in the stored form', async () => {
    const a = await cipher.encrypt('account_number', 'AE070331234567890123456');
    const b = await cipher.encrypt('account_number', 'AE070331234567890123456');
    expect(a).not.toBe(b);
    expect(a).toMatch(new RegExp(`^v1\\.${keyId(key)}\\.`));
    expect(a).not.toContain('1234567890');
    expect(await cipher.decrypt('account_number', a)).toBe('AE070331234567890123456');
  });

  it('binds a value to its column and detects tampering', async () => {
    const sealed = await cipher.encrypt('emirates_id', '784-1990-1234567-6');
    await expect(cipher.decrypt('account_number', sealed)).rejects.toBeInstanceOf(UnreadableCiphertextError);
    const parts = sealed.split('.');
    const flipped = Buffer.from(parts[3]!, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    await expect(cipher.decrypt('emirates_id', [...parts.slice(0, 3), flipped.toString('base64url'), parts[4]].join('.'))).rejects.toBeInstanceOf(UnreadableCiphertextError);
    await expect(cipher.decrypt('emirates_id', 'not-a-value')).rejects.toThrow(/format/);
    await expect(cipher.decrypt('emirates_id', 'not-a-value')).rejects.toBeInstanceOf(UnreadableCiphertextError);
  });

  it('reads values sealed with a previous key during a rotation, and names a missing key', async () => {
    const old = await cipher.encrypt('emirates_id', '784-1990-1234567-6');
    const next = randomBytes(32);
    const rotating = aesGcmCipher(async () => ({ current: next, previous: [key] }));
    expect(await rotating.decrypt('emirates_id', old)).toBe('784-1990-1234567-6');
    expect((await rotating.encrypt('emirates_id', 'x')).split('.')[1]).toBe(keyId(next));
    const rotated = aesGcmCipher(async () => next);
    await expect(rotated.decrypt('emirates_id', old)).rejects.toThrow(/previousKeys/);
    await expect(rotated.decrypt('emirates_id', old)).rejects.toBeInstanceOf(UnreadableCiphertextError);
  });

  it('re-reads the ring once when a value names a key it lacks (another instance rotated first), and not otherwise', async () => {
    const next = randomBytes(32);
    const sealedWithNext = await aesGcmCipher(async () => next).encrypt('emirates_id', '784-1990-1234567-6');
    const loads: boolean[] = [];
    // This instance's cached ring predates the rotation; a forced read returns the rotated one.
    const stale = aesGcmCipher(async (options): Promise<Keyring> => {
      loads.push(options?.forceRefresh ?? false);
      return options?.forceRefresh ? { current: next, previous: [key] } : { current: key, previous: [] };
    });
    expect(await stale.decrypt('emirates_id', sealedWithNext)).toBe('784-1990-1234567-6');
    expect(loads).toEqual([false, true]);
    await stale.decrypt('emirates_id', await cipher.encrypt('emirates_id', 'y'));
    expect(loads).toEqual([false, true, false]);
  });

  it('a key that cannot be loaded is not an unreadable value: the loading error propagates as it is', async () => {
    const unavailable = aesGcmCipher(async () => {
      throw new Error('Secrets Manager unavailable');
    });
    const error = await unavailable.decrypt('account_number', await cipher.encrypt('account_number', '1')).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(UnreadableCiphertextError);
    expect((error as Error).message).toBe('Secrets Manager unavailable');
  });

  it('uses the data key from Secrets Manager (the local stand-in) for the process-wide cipher', async () => {
    const sealed = await fieldCipher().encrypt('account_number', '123456789');
    expect(await fieldCipher().decrypt('account_number', sealed)).toBe('123456789');
  });

  it('a ring in Secrets Manager (the local stand-in): a forced re-read sees a rotation, at most once per 30 s', async () => {
    const secrets = new SecretsManagerClient({});
    const id = `test/key-ring-${randomUUID()}`;
    const put = (value: unknown) => secrets.send(new PutSecretValueCommand({ SecretId: id, SecretString: JSON.stringify(value) }));
    const [first, second, third] = [randomBytes(32), randomBytes(32), randomBytes(32)];
    try {
      await put({ key: first.toString('base64') });
      const ring = keyringFromSecretsManager(id);
      expect(((await ring()) as Keyring).current.equals(first)).toBe(true);
      await put({ key: second.toString('base64'), previousKeys: [first.toString('base64')] });
      // Cached for 5 minutes: the rotation is unseen until a value names the new key and forces a re-read...
      expect(((await ring()) as Keyring).current.equals(first)).toBe(true);
      const rotated = (await ring({ forceRefresh: true })) as Keyring;
      expect(rotated.current.equals(second)).toBe(true);
      expect(rotated.previous.map((k) => k.equals(first))).toEqual([true]);
      // ...and rows naming a key nobody lists cannot make every decryption read the secret again.
      await put({ key: third.toString('base64') });
      expect(((await ring({ forceRefresh: true })) as Keyring).current.equals(second)).toBe(true);
    } finally {
      secrets.destroy();
    }
  });

  it('masks account numbers and Emirates IDs', () => {
    expect(maskAccountNumber(lastFour('AE07 0331 2345 6789 0123 456'))).toBe('****3456');
    expect(maskEmiratesId(lastFour('784-1990-1234567-6'))).toBe('784-****-*******-6');
    expect(maskAccountNumber(null)).toBeNull();
  });
});
