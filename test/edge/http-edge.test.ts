import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as z from '#shared/zod';
import { MemoryAuditSink, setAuditSink } from '#shared/auth/audit';
import { assertCanAccessEmployee } from '#shared/auth/tenant';
import { assertMfaFor } from '#shared/auth/mfa';
import { ConflictError, NotFoundError, UpstreamError } from '#shared/domain/errors';
import { apiHandler, preflightResponse, problemResponse } from '#shared/http/api-handler';
import {
  AbhiNetworkError,
  AbhiNotFoundError,
  AbhiRateLimitedError,
  AbhiServerError,
  AbhiTimeoutError,
  AbhiValidationError,
  CircuitOpenError,
} from '#shared/abhi/errors';
import { amount, emiratesId, isoDate, paginationQuery, phoneE164, uuid } from '#shared/schemas/common';
import { ROUTES } from '#shared/routes';
import { authorizerContext, header, json, lambdaContext, proxyEvent } from './helpers';

/** The HTTP edge of apiHandler: parsing, validation, errors as problem+json, headers. Real DynamoDB Local behind it. */
const createEmployee = ROUTES.find((r) => r.id === 'createEmployee')!;
const listEmployees = ROUTES.find((r) => r.id === 'listEmployees')!;
const getEmployee = ROUTES.find((r) => r.id === 'getEmployee')!;
const hr = () => authorizerContext({ roles: ['hr_manager'], org: 'org-http' });
const audit = new MemoryAuditSink();

beforeAll(() => {
  process.env.CORS_ALLOWED_ORIGINS = 'https://app.example.ae';
  process.env.MAX_BODY_BYTES = String(16 * 1024);
  setAuditSink(audit);
});

const employeeBody = z.strictObject({
  firstName: z.string().check(z.minLength(1), z.maxLength(100)),
  email: z.email(),
  mobile: phoneE164(),
  emiratesId: z.optional(emiratesId()),
  dateOfJoining: isoDate(),
  netSalary: amount(),
});
const validEmployee = {
  firstName: 'Fatima',
  email: 'fatima@example.ae',
  mobile: '+971501234567',
  emiratesId: '784-1990-1234567-6',
  dateOfJoining: '2024-02-29',
  netSalary: 12000.5,
};
let received: unknown;
const create = apiHandler(createEmployee.id, { body: employeeBody }, async (request) => {
  received = request.body;
  return { status: 201, body: { ok: true } };
});
const list = apiHandler(listEmployees.id, { query: paginationQuery() }, async (request) => ({ status: 200, body: request.query }));
const get = apiHandler(getEmployee.id, { params: z.strictObject({ id: uuid() }) }, async (request) => ({ status: 200, body: { id: request.params.id } }));

const post = (options: Parameters<typeof proxyEvent>[1]) => create(proxyEvent(createEmployee, { authorizer: hr(), ...options }), lambdaContext());

function expectProblem(response: Awaited<ReturnType<typeof create>>, status: number, code: string) {
  expect(response.statusCode).toBe(status);
  expect(header(response, 'content-type')).toBe('application/problem+json');
  const problem = json(response);
  expect(problem).toMatchObject({ status, code, type: `https://errors.abhi-ewa.example/${code.toLowerCase().replace(/_/g, '-')}` });
  expect(typeof problem.title).toBe('string');
  expect(typeof problem.detail).toBe('string');
  expect(problem.requestId).toBe(header(response, 'x-request-id'));
  expect(problem.instance).toMatch(/^\/api\/v1\//);
  return problem;
}

describe('request bodies: malformed, oversized, wrongly typed, unknown fields → 4xx problem+json, never 5xx', () => {
  it('accepts a valid body (control) and hands the parsed, validated value to the use case', async () => {
    const response = await post({ body: validEmployee });
    expect(response.statusCode).toBe(201);
    expect(received).toEqual(validEmployee);
  });

  it('malformed JSON → 400 VALIDATION_ERROR', async () => {
    for (const rawBody of ['{', '{"firstName": }', "{'a':1}", 'null x', '\u0000']) {
      const problem = expectProblem(await post({ rawBody, headers: { 'Content-Type': 'application/json' } }), 400, 'VALIDATION_ERROR');
      expect(problem.errors).toEqual([{ field: 'body', message: 'Malformed JSON.' }]);
    }
  });

  it('oversized body → 413 PAYLOAD_TOO_LARGE (limit from MAX_BODY_BYTES)', async () => {
    expectProblem(await post({ body: { ...validEmployee, firstName: 'x'.repeat(20_000) } }), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('non-JSON Content-Type → 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'application/json; charset=latin1']) {
      expectProblem(await post({ rawBody: JSON.stringify(validEmployee), headers: { 'Content-Type': type } }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    }
    expectProblem(await post({ rawBody: JSON.stringify(validEmployee), headers: {} }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    // charset=utf-8 is fine
    expect((await post({ rawBody: JSON.stringify(validEmployee), headers: { 'content-type': 'application/json; charset=UTF-8' } })).statusCode).toBe(201);
  });

  it('wrong types and invalid values → 400 with field-level errors[]', async () => {
    const problem = expectProblem(
      await post({ body: { ...validEmployee, netSalary: '12000', mobile: '0501234567', dateOfJoining: '2023-02-29', emiratesId: '784-1990-1234567-5' } }),
      400,
      'VALIDATION_ERROR',
    );
    const fields = (problem.errors as { field: string }[]).map((e) => e.field).sort();
    expect(fields).toEqual(['body.dateOfJoining', 'body.emiratesId', 'body.mobile', 'body.netSalary']);
  });

  it('unknown fields are refused, each named', async () => {
    const problem = expectProblem(await post({ body: { ...validEmployee, isAdmin: true, __proto__x: 1 } }), 400, 'VALIDATION_ERROR');
    expect(problem.errors).toEqual(
      expect.arrayContaining([
        { field: 'body.isAdmin', message: 'Unknown field.' },
        { field: 'body.__proto__x', message: 'Unknown field.' },
      ]),
    );
  });

  it('a "__proto__" key is just an unknown field (no prototype pollution)', async () => {
    const problem = expectProblem(await post({ rawBody: `{"__proto__":{"polluted":true},"firstName":"a"}`, headers: { 'content-type': 'application/json' } }), 400, 'VALIDATION_ERROR');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(JSON.stringify(problem.errors)).toContain('__proto__');
  });

  it('missing body where one is required, arrays and scalars instead of an object → 400', async () => {
    for (const options of [{}, { body: [] }, { body: 42 }, { body: 'text' }, { body: null }]) {
      expectProblem(await post(options), 400, 'VALIDATION_ERROR');
    }
  });

  it('a body on an operation that takes none → 400', async () => {
    const response = await list(proxyEvent(listEmployees, { authorizer: hr(), body: { a: 1 } }), lambdaContext());
    expectProblem(response, 400, 'VALIDATION_ERROR');
  });

  it('base64-encoded bodies are decoded before the checks', async () => {
    const rawBody = Buffer.from(JSON.stringify(validEmployee)).toString('base64');
    const response = await post({ rawBody, isBase64Encoded: true, headers: { 'content-type': 'application/json' } });
    expect(response.statusCode).toBe(201);
  });

  it('property: any body, any content type → never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((v) => JSON.stringify(v)), fc.constant(JSON.stringify(validEmployee))),
        fc.constantFrom('application/json', 'text/plain', '', 'application/json; charset=utf-8', 'application/vnd.x+json'),
        async (rawBody, type) => {
          const response = await post({ rawBody, headers: type ? { 'content-type': type } : {} });
          expect(response.statusCode).toBeLessThan(500);
          if (response.statusCode >= 400) expect(header(response, 'content-type')).toBe('application/problem+json');
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('query and path parameters', () => {
  it('pagination is coerced from strings with defaults', async () => {
    const defaults = await list(proxyEvent(listEmployees, { authorizer: hr() }), lambdaContext());
    expect(json(defaults)).toEqual({ page: 1, limit: 20 });
    const given = await list(proxyEvent(listEmployees, { authorizer: hr(), query: { page: '3', limit: '100' } }), lambdaContext());
    expect(json(given)).toEqual({ page: 3, limit: 100 });
  });

  it('out-of-range, non-numeric and unknown query parameters → 400 with the field named', async () => {
    for (const [query, field] of [
      [{ limit: '101' }, 'query.limit'],
      [{ limit: '0' }, 'query.limit'],
      [{ page: 'abc' }, 'query.page'],
      [{ page: '1.5' }, 'query.page'],
      [{ debug: 'true' }, 'query.debug'],
    ] as const) {
      const problem = expectProblem(await list(proxyEvent(listEmployees, { authorizer: hr(), query }), lambdaContext()), 400, 'VALIDATION_ERROR');
      expect(problem.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
  });

  it('a path parameter that is not a UUID → 400', async () => {
    const response = await get(proxyEvent(getEmployee, { authorizer: hr(), params: { id: "1' OR '1'='1" } }), lambdaContext());
    expect(expectProblem(response, 400, 'VALIDATION_ERROR').errors[0].field).toBe('params.id');
  });
});

describe('errors map to RFC 9457 problems; nothing internal leaks', () => {
  const failing = (error: unknown) =>
    apiHandler(getEmployee.id, {}, async () => {
      throw error;
    });
  const run = (error: unknown) => failing(error)(proxyEvent(getEmployee, { authorizer: hr() }), lambdaContext());
  const ctx = { operation: 'transactions.createAdvance', endpoint: 'POST /transactions/employee' };
  const named = (name: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(`${name} at https://uat.abhi.example/internal`), { name, ...extra });

  it.each([
    ['NotFoundError', new NotFoundError('Employee'), 404, 'NOT_FOUND'],
    ['ConflictError', new ConflictError('Already exists.'), 409, 'CONFLICT'],
    ['UpstreamError', new UpstreamError(502, 'EXTERNAL_API_ERROR', 'Abhi failed.'), 502, 'EXTERNAL_API_ERROR'],
    ['AbhiCircuitOpenError', named('AbhiCircuitOpenError', { retryAfterMs: 15_000 }), 503, 'CIRCUIT_BREAKER_OPEN'],
    ['CircuitOpenError', named('CircuitOpenError'), 503, 'CIRCUIT_BREAKER_OPEN'],
    ['AbhiTimeoutError', named('AbhiTimeoutError'), 504, 'EXTERNAL_API_ERROR'],
    ['AbhiRateLimitedError', named('AbhiRateLimitedError', { retryAfterSeconds: 7 }), 503, 'EXTERNAL_API_ERROR'],
    ['AbhiApiError', named('AbhiApiError', { status: 500 }), 502, 'EXTERNAL_API_ERROR'],
    ['real CircuitOpenError', new CircuitOpenError('transactions', 20, ctx), 503, 'CIRCUIT_BREAKER_OPEN'],
    ['real AbhiTimeoutError', new AbhiTimeoutError('no answer in 8000 ms', true, ctx), 504, 'EXTERNAL_API_ERROR'],
    ['real AbhiRateLimitedError', new AbhiRateLimitedError(9, 'upstream', ctx), 503, 'EXTERNAL_API_ERROR'],
    ['real AbhiServerError', new AbhiServerError(500, 'Internal', 'db down at 10.0.3.4', ctx), 502, 'EXTERNAL_API_ERROR'],
    ['real AbhiValidationError (Abhi refused the input: the caller can fix it)', new AbhiValidationError(400, 'Bad request', 'iban', ctx), 422, 'VALIDATION_ERROR'],
    ['real AbhiNetworkError', new AbhiNetworkError('ECONNRESET', true, ctx), 502, 'EXTERNAL_API_ERROR'],
    ['real AbhiNotFoundError (escaped the use case)', new AbhiNotFoundError(404, 'Not found', undefined, ctx), 404, 'NOT_FOUND'],
    ['TypeError', new TypeError("Cannot read properties of undefined (reading 'password')"), 500, 'INTERNAL_ERROR'],
    ['pg error', Object.assign(new Error('relation "employees" does not exist'), { code: '42P01', query: 'SELECT * FROM employees' }), 500, 'INTERNAL_ERROR'],
    ['a thrown string', 'boom', 500, 'INTERNAL_ERROR'],
  ])('%s → %s %s', async (_name, error, status, code) => {
    const response = await run(error);
    const problem = expectProblem(response, status, code);
    expect(response.body).not.toMatch(/stack|at .*\.ts|SELECT|relation|password|uat\.abhi|https?:\/\/(?!errors\.abhi-ewa\.example)/);
    if (code === 'CIRCUIT_BREAKER_OPEN' || _name.includes('AbhiRateLimitedError')) expect(Number(header(response, 'retry-after'))).toBeGreaterThan(0);
    if (_name === 'AbhiCircuitOpenError') expect(header(response, 'retry-after')).toBe('15');
    if (_name === 'real CircuitOpenError') expect(header(response, 'retry-after')).toBe('20');
    if (_name === 'real AbhiRateLimitedError') expect(header(response, 'retry-after')).toBe('9');
    expect(response.body).not.toMatch(/10\.0\.3\.4|iban|transactions\.createAdvance|POST \/transactions/);
    if (status === 500) expect(problem.detail).toMatch(/unexpected error/i);
  });

  it('tenant refusal answers 404 like a missing record, but is audited as a denial', async () => {
    const handler = apiHandler(getEmployee.id, {}, async (request) => {
      await assertCanAccessEmployee(request.principal, { id: 'emp-other', organizationId: 'org-other' });
      return { status: 200, body: {} };
    });
    const event = proxyEvent(getEmployee, { authorizer: hr() });
    const response = await handler(event, lambdaContext());
    expect(expectProblem(response, 404, 'NOT_FOUND').detail).toBe('Employee was not found.');
    expect(audit.events.find((e) => e.requestId === event.requestContext.requestId)).toMatchObject({
      outcome: 'denied',
      reason: expect.stringContaining('another organization'),
    });
  });

  it('MFA step-up → 403 MFA_REQUIRED', async () => {
    const handler = apiHandler(getEmployee.id, {}, async (request) => {
      assertMfaFor(request.principal, 600_000n, 500_000n);
      return { status: 200, body: {} };
    });
    expectProblem(await handler(proxyEvent(getEmployee, { authorizer: hr() }), lambdaContext()), 403, 'MFA_REQUIRED');
    const withMfa = await handler(proxyEvent(getEmployee, { authorizer: authorizerContext({ roles: ['hr_manager'], org: 'o', mfa: true }) }), lambdaContext());
    expect(withMfa.statusCode).toBe(200);
  });

  it('running out of Lambda time answers 504 problem+json before the platform kills the function', async () => {
    const slow = apiHandler(getEmployee.id, {}, async () => {
      await new Promise((r) => setTimeout(r, 2_000));
      return { status: 200, body: {} };
    });
    const started = Date.now();
    const event = proxyEvent(getEmployee, { authorizer: hr(), headers: { 'X-Request-ID': 'timeout-req-1' } });
    const response = await slow(event, lambdaContext(600));
    expect(Date.now() - started).toBeLessThan(1_500);
    const problem = expectProblem(response, 504, 'INTERNAL_ERROR');
    expect(problem.requestId).toBe(event.requestContext.requestId);
    expect(header(response, 'x-client-request-id')).toBe('timeout-req-1');
  });

  it('a jwt route without authorizer context or token → 401', async () => {
    expectProblem(await get(proxyEvent(getEmployee, {}), lambdaContext()), 401, 'UNAUTHORIZED');
  });

  it('problemResponse for the authorizer / local API has the same shape', () => {
    const response = problemResponse({ status: 403, code: 'FORBIDDEN', detail: 'No.', instance: '/api/v1/x', requestId: 'req-12345678' });
    expect(response.headers?.['Content-Type']).toBe('application/problem+json');
    expect(response.headers?.['X-Request-ID']).toBe('req-12345678');
    expect(JSON.parse(response.body)).toEqual({
      type: 'https://errors.abhi-ewa.example/forbidden',
      title: 'Forbidden',
      status: 403,
      detail: 'No.',
      instance: '/api/v1/x',
      code: 'FORBIDDEN',
      requestId: 'req-12345678',
    });
  });
});

describe('headers on every response', () => {
  const security = {
    'strict-transport-security': /max-age=\d+/,
    'x-content-type-options': /^nosniff$/,
    'x-frame-options': /^DENY$/,
    'cache-control': /no-store/,
    'referrer-policy': /no-referrer/,
    'content-security-policy': /default-src 'none'/,
  };

  it('security headers and X-Request-ID on success and on errors', async () => {
    for (const response of [await post({ body: validEmployee }), await post({ rawBody: '{', headers: { 'content-type': 'application/json' } })]) {
      for (const [name, pattern] of Object.entries(security)) expect(header(response, name), name).toMatch(pattern);
      expect(header(response, 'x-request-id')).toBeTruthy();
    }
  });

  it("X-Request-ID is always the gateway's own; a sane client id is echoed beside it, an unsafe one dropped", async () => {
    const sane = await post({ body: validEmployee, headers: { 'X-Request-ID': 'client-req-0001' } });
    expect(header(sane, 'x-request-id')).not.toBe('client-req-0001');
    expect(header(sane, 'x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(header(sane, 'x-client-request-id')).toBe('client-req-0001');
    const unsafe = await post({ body: validEmployee, headers: { 'X-Request-ID': 'bad id\r\nSet-Cookie: x=1' } });
    expect(header(unsafe, 'x-request-id')).not.toContain('Set-Cookie');
    expect(header(unsafe, 'x-client-request-id')).toBeUndefined();
  });

  it('CORS: an allowed Origin is reflected, any other gets no grant', async () => {
    const allowed = await post({ body: validEmployee, headers: { Origin: 'https://app.example.ae' } });
    expect(header(allowed, 'access-control-allow-origin')).toBe('https://app.example.ae');
    expect(header(allowed, 'access-control-expose-headers')).toContain('X-Request-ID');
    expect(header(allowed, 'vary')).toBe('Origin');
    const other = await post({ body: validEmployee, headers: { Origin: 'https://evil.example' } });
    expect(header(other, 'access-control-allow-origin')).toBeUndefined();
  });

  it('preflight: 204 with methods/headers for an allowed Origin, no grant otherwise', () => {
    const ok = preflightResponse({ headers: { origin: 'https://app.example.ae' } });
    expect(ok.statusCode).toBe(204);
    expect(ok.headers?.['Access-Control-Allow-Headers']).toContain('Idempotency-Key');
    const no = preflightResponse({ headers: { origin: 'https://evil.example' } });
    expect(no.headers?.['Access-Control-Allow-Origin']).toBeUndefined();
  });
});
