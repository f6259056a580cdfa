import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { SQSRecord } from 'aws-lambda';
import * as z from '#shared/zod';
import { UnprocessableError } from '#shared/domain/errors';
import { apiHandler } from '#shared/http/api-handler';
import { idempotentRecordProcessor } from '#shared/http/idempotency';
import { amount, uuid } from '#shared/schemas/common';
import { ROUTES } from '#shared/routes';
import { authorizerContext, header, json, lambdaContext, proxyEvent } from './helpers';

/** Idempotency against the real Powertools persistence layer on DynamoDB Local (IDEMPOTENCY_TABLE_NAME). */
const repayment = ROUTES.find((r) => r.id === 'createRepayment')!; // idempotency: required
const createEmployee = ROUTES.find((r) => r.id === 'createEmployee')!; // idempotency: optional
const bodySchema = z.strictObject({ employeeId: uuid(), amount: amount() });

function countingHandler(options: { delayMs?: number; failAbove?: number } = {}) {
  const calls: unknown[] = [];
  const handler = apiHandler(repayment.id, { body: bodySchema }, async (request) => {
    calls.push(request.body);
    if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
    if (options.failAbove !== undefined && request.body.amount > options.failAbove) {
      throw new UnprocessableError('The amount exceeds the outstanding balance.');
    }
    return { status: 201, body: { id: randomUUID(), amount: request.body.amount, at: new Date() }, headers: { Location: '/x' } };
  });
  return { handler, calls };
}

function call(handler: ReturnType<typeof apiHandler>, opts: { key?: string; body: unknown; subject: string }) {
  return handler(
    proxyEvent(repayment, {
      body: opts.body,
      headers: opts.key === undefined ? {} : { 'Idempotency-Key': opts.key },
      authorizer: authorizerContext({ subject: opts.subject, roles: ['finance_manager'], org: 'org-idem' }),
    }),
    lambdaContext(),
  );
}

const body = (n = 150.25) => ({ employeeId: '3f0c6a52-8d7e-4a4e-9d0a-6f1b2c3d4e5f', amount: n });

describe('Idempotency-Key on API routes (Powertools Idempotency, DynamoDB Local)', () => {
  it('same key + same body → the first response is replayed (status, body, Idempotent-Replayed), work runs once', async () => {
    const { handler, calls } = countingHandler();
    const key = `k-${randomUUID()}`;
    const subject = `fin-${randomUUID()}`;
    const first = await call(handler, { key, body: body(), subject });
    const second = await call(handler, { key, body: body(), subject });
    expect(first.statusCode).toBe(201);
    expect(header(first, 'idempotent-replayed')).toBeUndefined();
    expect(second.statusCode).toBe(201);
    expect(header(second, 'idempotent-replayed')).toBe('true');
    expect(json(second)).toEqual(json(first));
    expect(header(second, 'location')).toBe('/x');
    expect(calls).toHaveLength(1);
    // The replay still carries its own request id and the security headers.
    expect(header(second, 'x-request-id')).not.toBe(header(first, 'x-request-id'));
    expect(header(second, 'strict-transport-security')).toMatch(/max-age/);
  });

  it('key order and whitespace in the JSON do not make a "different" body', async () => {
    const { handler, calls } = countingHandler();
    const key = `k-${randomUUID()}`;
    const subject = `fin-${randomUUID()}`;
    const first = await handler(
      proxyEvent(repayment, {
        rawBody: '{"employeeId":"3f0c6a52-8d7e-4a4e-9d0a-6f1b2c3d4e5f","amount":10}',
        headers: { 'content-type': 'application/json', 'idempotency-key': key },
        authorizer: authorizerContext({ subject, roles: ['finance_manager'], org: 'o' }),
      }),
      lambdaContext(),
    );
    const second = await handler(
      proxyEvent(repayment, {
        rawBody: '{ "amount": 10.00,\n "employeeId": "3f0c6a52-8d7e-4a4e-9d0a-6f1b2c3d4e5f" }',
        headers: { 'content-type': 'application/json', 'idempotency-key': key },
        authorizer: authorizerContext({ subject, roles: ['finance_manager'], org: 'o' }),
      }),
      lambdaContext(),
    );
    expect([first.statusCode, second.statusCode]).toEqual([201, 201]);
    expect(header(second, 'idempotent-replayed')).toBe('true');
    expect(calls).toHaveLength(1);
  });

  it('same key + different body → 422 IDEMPOTENCY_KEY_REUSED, work not run again', async () => {
    const { handler, calls } = countingHandler();
    const key = `k-${randomUUID()}`;
    const subject = `fin-${randomUUID()}`;
    expect((await call(handler, { key, body: body(100), subject })).statusCode).toBe(201);
    const reused = await call(handler, { key, body: body(999), subject });
    expect(reused.statusCode).toBe(422);
    expect(header(reused, 'content-type')).toBe('application/problem+json');
    expect(json(reused)).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', status: 422 });
    expect(calls).toHaveLength(1);
  });

  it('20 concurrent calls with the same key → exactly one execution; the others 409 REQUEST_IN_PROGRESS or a replay', async () => {
    const { handler, calls } = countingHandler({ delayMs: 800 });
    const key = `k-${randomUUID()}`;
    const subject = `fin-${randomUUID()}`;
    const started = Date.now();
    const responses = await Promise.all(Array.from({ length: 20 }, () => call(handler, { key, body: body(), subject })));
    const elapsed = Date.now() - started;
    expect(calls).toHaveLength(1);
    const statuses = responses.map((r) => r.statusCode);
    const executed = responses.filter((r) => r.statusCode === 201 && header(r, 'idempotent-replayed') === undefined);
    expect(executed).toHaveLength(1);
    for (const response of responses) {
      if (response === executed[0]) continue;
      if (response.statusCode === 409) {
        expect(json(response)).toMatchObject({ code: 'REQUEST_IN_PROGRESS' });
        expect(header(response, 'retry-after')).toBe('1');
      } else {
        expect(response.statusCode).toBe(201);
        expect(header(response, 'idempotent-replayed')).toBe('true');
      }
    }
    console.log(`20 concurrent same-key calls: statuses ${JSON.stringify(countBy(statuses))}, ${elapsed} ms`);
    // After completion, the same key replays.
    const later = await call(handler, { key, body: body(), subject });
    expect(header(later, 'idempotent-replayed')).toBe('true');
    expect(json(later)).toEqual(json(executed[0]!));
  });

  it('only 2xx are stored: a refused request is not replayed, and a retry with a fixed body runs', async () => {
    const { handler, calls } = countingHandler({ failAbove: 500 });
    const key = `k-${randomUUID()}`;
    const subject = `fin-${randomUUID()}`;
    const refused = await call(handler, { key, body: body(900), subject });
    expect(refused.statusCode).toBe(422);
    expect(json(refused)).toMatchObject({ code: 'VALIDATION_ERROR' });
    const again = await call(handler, { key, body: body(900), subject });
    expect(again.statusCode).toBe(422);
    expect(header(again, 'idempotent-replayed')).toBeUndefined();
    const fixed = await call(handler, { key, body: body(200), subject });
    expect(fixed.statusCode).toBe(201);
    expect(calls).toHaveLength(3);
    const replay = await call(handler, { key, body: body(200), subject });
    expect(header(replay, 'idempotent-replayed')).toBe('true');
    expect(calls).toHaveLength(3);
  });

  it('a non-2xx result returned (not thrown) is not stored either', async () => {
    let n = 0;
    const handler = apiHandler(repayment.id, { body: bodySchema }, async () => (++n === 1 ? { status: 409, body: { code: 'CONFLICT' } } : { status: 201, body: { n } }));
    const key = `k-${randomUUID()}`;
    const subject = `fin-${randomUUID()}`;
    expect((await call(handler, { key, body: body(), subject })).statusCode).toBe(409);
    const second = await call(handler, { key, body: body(), subject });
    expect(second.statusCode).toBe(201);
    expect(json(second)).toEqual({ n: 2 });
  });

  it('the key is scoped by principal: another subject with the same key gets its own execution', async () => {
    const { handler, calls } = countingHandler();
    const key = `k-${randomUUID()}`;
    await call(handler, { key, body: body(), subject: `fin-a-${randomUUID()}` });
    const other = await call(handler, { key, body: body(), subject: `fin-b-${randomUUID()}` });
    expect(other.statusCode).toBe(201);
    expect(header(other, 'idempotent-replayed')).toBeUndefined();
    expect(calls).toHaveLength(2);
  });

  it('required: a missing or malformed Idempotency-Key → 400 IDEMPOTENCY_KEY_REQUIRED (nothing runs)', async () => {
    const { handler, calls } = countingHandler();
    const subject = `fin-${randomUUID()}`;
    for (const key of [undefined, '', 'short', 'has spaces in it', 'x'.repeat(129), 'ünïcode-key-123']) {
      const response = await call(handler, { key, body: body(), subject });
      expect(response.statusCode, String(key)).toBe(400);
      expect(json(response)).toMatchObject({ code: 'IDEMPOTENCY_KEY_REQUIRED' });
    }
    expect(calls).toHaveLength(0);
  });

  it('optional: without a key every call runs; with a key it is honoured', async () => {
    let n = 0;
    const handler = apiHandler(createEmployee.id, { body: z.strictObject({ name: z.string() }) }, async () => ({ status: 201, body: { n: ++n } }));
    const subject = `hr-${randomUUID()}`;
    const send = (key?: string) =>
      handler(
        proxyEvent(createEmployee, {
          body: { name: 'Fatima' },
          headers: key ? { 'Idempotency-Key': key } : {},
          authorizer: authorizerContext({ subject, roles: ['hr_manager'], org: 'o' }),
        }),
        lambdaContext(),
      );
    expect(json(await send())).toEqual({ n: 1 });
    expect(json(await send())).toEqual({ n: 2 });
    const key = `k-${randomUUID()}`;
    expect(json(await send(key))).toEqual({ n: 3 });
    const replay = await send(key);
    expect(json(replay)).toEqual({ n: 3 });
    expect(header(replay, 'idempotent-replayed')).toBe('true');
  });
});

describe('idempotentRecordProcessor: SQS consumers idempotent by message id', () => {
  const record = (messageId: string, body: unknown): SQSRecord =>
    ({
      messageId,
      receiptHandle: randomUUID(),
      body: JSON.stringify(body),
      attributes: {} as SQSRecord['attributes'],
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q',
      awsRegion: 'us-east-1',
    }) as SQSRecord;

  it('a redelivered message is processed once; a failed one is retried', async () => {
    let runs = 0;
    let fail = true;
    const process = idempotentRecordProcessor(async (r: SQSRecord) => {
      runs++;
      if (JSON.parse(r.body).flaky && fail) {
        fail = false;
        throw new Error('transient');
      }
      return { processed: r.messageId };
    }, `edge-test-${randomUUID()}`);
    const id = randomUUID();
    expect(await process(record(id, { a: 1 }), lambdaContext())).toEqual({ processed: id });
    expect(await process(record(id, { a: 1 }), lambdaContext())).toEqual({ processed: id });
    expect(runs).toBe(1);

    const flaky = randomUUID();
    await expect(process(record(flaky, { flaky: true }), lambdaContext())).rejects.toThrow('transient');
    expect(await process(record(flaky, { flaky: true }), lambdaContext())).toEqual({ processed: flaky });
    expect(runs).toBe(3);
  });
});

function countBy(values: number[]): Record<string, number> {
  return values.reduce<Record<string, number>>((acc, v) => ({ ...acc, [v]: (acc[v] ?? 0) + 1 }), {});
}
