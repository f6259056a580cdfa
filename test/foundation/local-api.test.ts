import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api';

describe('the local API serves the route table through real handlers', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(async () => {
    await api?.stop();
  });

  it('GET /api/v1/health answers 200 with security headers and a request id', async () => {
    const response = await api.request('GET', '/api/v1/health');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
    expect(response.headers.get('x-request-id')).toMatch(/.+/);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('GET /api/v1/ready answers 200 once PostgreSQL, DynamoDB, SQS and the Abhi sandbox answer', async () => {
    const response = await api.request('GET', '/api/v1/ready');
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('ready');
    expect(Object.keys(response.body.checks).sort()).toEqual(['abhi', 'dynamodb', 'postgres', 'sqs']);
  });

  it('an unknown route is a problem+json 404, a protected route without a token a problem+json 401', async () => {
    const missing = await api.request('GET', '/api/v1/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
    expect(missing.body.code).toBe('NOT_FOUND');
    const unauthenticated = await api.request('GET', '/api/v1/employees');
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.body.code).toBe('UNAUTHORIZED');
  });

  it('a token with a role the route does not allow is refused with 403 before the handler runs', async () => {
    const token = await api.token({ role: 'employee', org: 'org-x', employee: 'emp-x' });
    const response = await api.request('GET', '/api/v1/organizations', { token });
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('FORBIDDEN');
  });
});

describe('/ready reports a dependency that does not answer', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(async () => {
    await api?.stop();
  });

  it('answers 503 when the Abhi sandbox is down', async () => {
    await api.sandbox.stop();
    const response = await api.request('GET', '/api/v1/ready');
    expect(response.status).toBe(503);
    expect(response.body.status).toBe('not_ready');
    expect(response.body.checks.abhi.ok).toBe(false);
    expect(response.body.checks.postgres.ok).toBe(true);
  });
});
