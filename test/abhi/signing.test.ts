import { createHash, createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMPTY_BODY_SHA256, signRequest, stringToSign, verifySignature } from '#shared/abhi/signing';
import { startAbhiSandbox, type AbhiSandbox } from '../../infra/local/abhi-sandbox/server';
import { createAbhiClient, AbhiLoginRejectedError, RecordingMetricsSink } from '#shared/abhi/client';

const SECRET = 'test-signing-secret';

describe('request signing (reference §4)', () => {
  it('matches a hand-built GET vector (query sorted, three headers in fixed order, empty-body hash)', () => {
    const request = {
      method: 'GET',
      url: 'https://api-uat-v2.abhi.ae/uat-open-api/employees?page=1&limit=10',
      headers: { authorization: 'Bearer abc.def.ghi', 'content-type': 'application/json', accept: 'application/json' },
      body: '',
    };
    const expected = [
      'GET',
      '/uat-open-api/employees',
      'limit=10&page=1',
      'authorization:Bearer abc.def.ghi',
      'content-type:application/json',
      'x-timestamp:1700000000',
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      '1700000000',
    ].join('\n');
    expect(stringToSign(request, 1700000000)).toBe(expected);
    // Independently: node's HMAC over the hand-built string, and the value computed with Python's hmac module.
    const signature = createHmac('sha256', SECRET).update(expected).digest('hex');
    expect(signature).toBe('b52b3e21bb371402ef25c28147f2b7a7058ec0ae58957762860c3a8c97e85005');
    expect(signRequest(request, SECRET, 1700000000_999)).toEqual({ 'X-Timestamp': '1700000000', 'X-Signature': signature });
    expect(EMPTY_BODY_SHA256).toBe(createHash('sha256').update('').digest('hex'));
  });

  it('matches a hand-built login vector (no authorization header, body hashed)', () => {
    const body = '{"username":"platform","password":"pw"}';
    const request = { method: 'POST', url: 'http://127.0.0.1:4010/uat-open-api/auth/login', headers: { 'content-type': ' application/json ' }, body };
    const expected = [
      'POST',
      '/uat-open-api/auth/login',
      '',
      'content-type:application/json',
      'x-timestamp:1700000123',
      '70ac772cd32565bb2cc0e6cca68e92f4f3632ba957fdadc68ce2448143ab08d3',
      '1700000123',
    ].join('\n');
    expect(stringToSign(request, 1700000123)).toBe(expected);
    expect(signRequest(request, SECRET, 1700000123_000)['X-Signature']).toBe('1c7b49c11f6ae39dd2f7dc0c61e9dac382f47b5024586eda58599c398e34393b');
  });

  it('uses the decoded path, sorts still-encoded query parts, and rejects stale or altered requests', () => {
    const request = { method: 'GET', url: 'http://h/uat-open-api/employees/a%20b?search=Al+Mansoori&limit=5', headers: { 'content-type': 'application/json' }, body: '' };
    const lines = stringToSign(request, 10).split('\n');
    expect(lines[1]).toBe('/uat-open-api/employees/a b');
    expect(lines[2]).toBe('limit=5&search=Al+Mansoori');
    const headers = signRequest(request, SECRET, 1_000_000_000);
    const given = { timestamp: headers['X-Timestamp'], signature: headers['X-Signature'] };
    expect(verifySignature(request, SECRET, given, 1_000_000_000 + 299_000)).toBe(true);
    expect(verifySignature(request, SECRET, given, 1_000_000_000 + 301_000)).toBe(false);
    expect(verifySignature({ ...request, body: '{}' }, SECRET, given, 1_000_000_000)).toBe(false);
    expect(verifySignature(request, 'other-secret', given, 1_000_000_000)).toBe(false);
  });
});

describe('signing against the sandbox', () => {
  let sandbox: AbhiSandbox;
  const credentials = { username: 'signer', password: 'signer-password', signingSecret: SECRET };
  beforeAll(async () => {
    sandbox = await startAbhiSandbox({ port: 0, credentials, signingSecret: SECRET, rateLimit: false });
  });
  afterAll(() => sandbox.stop());

  it('signed calls (login included, base path included) pass; unsigned and wrongly signed ones get 401', async () => {
    const client = createAbhiClient({ baseUrl: sandbox.baseUrl, credentials, signing: { enabled: true }, metrics: new RecordingMetricsSink() });
    const employees = await client.employees.list({ limit: 2, search: 'Al Mansoori' });
    expect(employees.total).toBeGreaterThanOrEqual(0);
    expect(sandbox.state().signatureFailures).toBe(0);

    const unsigned = await fetch(`${sandbox.baseUrl}/banks`);
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toMatchObject({ statusCode: 401, message: 'Invalid request signature' });

    const wrongSecret = createAbhiClient({
      baseUrl: sandbox.baseUrl,
      credentials: { ...credentials, username: 'signer' },
      signing: { enabled: true, secret: 'not-the-secret' },
      metrics: new RecordingMetricsSink(),
    });
    await expect(wrongSecret.masterData.listBanks()).rejects.toBeInstanceOf(AbhiLoginRejectedError);
    expect(sandbox.state().signatureFailures).toBe(2);
    // A bad signature is not a failed password: the user is not closer to a lockout.
    expect(sandbox.state().lockedUsers).toEqual([]);
  });
});
