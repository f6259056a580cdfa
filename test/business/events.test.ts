import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { ScheduledEvent, SQSEvent } from 'aws-lambda';
import { dynamoDocumentClient } from '#shared/adapters/dynamodb/client';
import { getPool, withTransaction } from '#shared/db/pool';
import { recordEvent, publishEvents } from '#shared/events/outbox';
import { snsTransport } from '#shared/events/sns-transport';
import { startTestApi, type TestApi } from '../support/api';
import { loadEntry } from '../../infra/local/api-server';
import { fakeLambdaContext } from '../../infra/local/lambda-context';
import { masterDataIds, sandboxCalls, sandboxIds, tokenFor, validEmployee, type SandboxIds } from './helpers';

/**
 * Domain events end to end: outbox → SNS topic (filter on `type`) → queues → consumers, with the local mailbox
 * (`notifications` table), cache invalidation, balance refresh, the outbox sweep, and the scheduled Abhi sync.
 */
let api: TestApi;
let ids: SandboxIds;
let hrA: string;

const EVENTS_DIR = path.resolve(import.meta.dirname, '../../events');
const scheduled = (name: string): ScheduledEvent => JSON.parse(fs.readFileSync(path.join(EVENTS_DIR, name), 'utf8'));
type Handler<E, R> = (event: E, context: ReturnType<typeof fakeLambdaContext>) => Promise<R>;

beforeAll(async () => {
  api = await startTestApi({
    extraEnv: { RATE_LIMIT_ENABLED: 'false', ABHI_RATE_LIMIT_RPS: '50', ABHI_RATE_LIMIT_BURST: '50' },
    sandbox: { rateLimit: { ratePerSecond: 100, burst: 100 } },
  });
  ids = { ...sandboxIds(api), ...(await masterDataIds(api)) };
  hrA = await tokenFor(api, 'hr_manager', ids.orgA);
});

afterAll(async () => {
  await api?.stop();
});

async function createEmployee(overrides: Record<string, unknown> = {}): Promise<{ id: string; email: string; phone: string }> {
  const body = validEmployee(ids.bankId, overrides);
  const res = await api.request('POST', '/api/v1/employees', { token: hrA, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { id: res.body.id, email: body.email as string, phone: body.phone as string };
}

async function notificationsFor(eventId: string) {
  const { rows } = await getPool().query('SELECT channel, recipient, subject, body, status FROM notifications WHERE event_id = $1 ORDER BY channel, recipient', [eventId]);
  return rows;
}

async function eventIdOf(employeeId: string, type: string): Promise<string> {
  const { rows } = await getPool().query("SELECT id FROM outbox WHERE type = $1 AND payload->>'employeeId' = $2 ORDER BY occurred_at DESC LIMIT 1", [type, employeeId]);
  return rows[0].id;
}

describe('notifications (local mailbox)', () => {
  it('employee.created sends a welcome e-mail and SMS, captured once in the notifications table', async () => {
    const employee = await createEmployee();
    await api.drainQueues();
    const eventId = await eventIdOf(employee.id, 'employee.created');
    const mail = await notificationsFor(eventId);
    expect(mail).toEqual([
      expect.objectContaining({ channel: 'email', recipient: employee.email, subject: 'Welcome to earned wage access', status: 'captured' }),
      expect.objectContaining({ channel: 'sms', recipient: employee.phone, status: 'captured' }),
    ]);
    expect(mail[0].body).toContain('Fatima');
    // The same mailbox as the local stack shows it.
    const page = await api.request('GET', `/__local/mailbox?recipient=${encodeURIComponent(employee.email)}&eventType=employee.created`);
    expect(page.status).toBe(200);
    expect(page.body.items).toEqual([expect.objectContaining({ channel: 'email', subject: 'Welcome to earned wage access', employeeId: employee.id })]);
  });

  it('honours the organization’s settings (muted events, channels, HR copy) for events of other services', async () => {
    const orgAdmin = await tokenFor(api, 'organization_admin', ids.orgA);
    const set = await api.request('PUT', `/api/v1/organizations/${ids.orgA}`, {
      token: orgAdmin,
      body: { notificationSettings: { mutedEvents: ['employee.created'], channels: { sms: false, push: true }, hrEmail: 'hr@orga.example' } },
    });
    expect(set.status).toBe(200);
    try {
      const employee = await createEmployee();
      // An advance event as the transactions service writes it (own outbox row, published by the relay).
      const event = await withTransaction((db) =>
        recordEvent(db, { type: 'transaction.advance.requested', organizationId: ids.orgA, correlationId: 'req-x', payload: { employeeId: employee.id, amount: 750.5 } }),
      );
      await publishEvents([event.id]);
      await api.drainQueues();
      expect(await notificationsFor(await eventIdOf(employee.id, 'employee.created'))).toEqual([]);
      const mail = await notificationsFor(event.id);
      expect(mail.map((m) => [m.channel, m.recipient])).toEqual([
        ['email', employee.email],
        ['email', 'hr@orga.example'],
        ['push', `employee:${employee.id}`],
      ]);
      expect(mail[0].body).toContain('AED 750.50');
    } finally {
      await api.request('PUT', `/api/v1/organizations/${ids.orgA}`, {
        token: orgAdmin,
        body: { notificationSettings: { mutedEvents: [], channels: { sms: true, push: false }, hrEmail: null } },
      });
    }
  });

  it('a relay killed between commit and publish loses nothing: the scheduled sweep publishes, consumers act once', async () => {
    const employee = await createEmployee();
    // The change and its event commit, then the process "dies" before publishEvents.
    const event = await withTransaction((db) =>
      recordEvent(db, { type: 'transaction.advance.approved', organizationId: ids.orgA, correlationId: 'req-killed', payload: { employeeId: employee.id, amount: 300 } }),
    );
    await api.drainQueues();
    expect(await notificationsFor(event.id)).toEqual([]);

    const sweep = await loadEntry<Handler<ScheduledEvent, { published: number }>>('events/sweep-outbox');
    const first = await sweep(scheduled('scheduled-outbox-sweep.json'), fakeLambdaContext('events-sweep-outbox'));
    expect(first.published).toBeGreaterThanOrEqual(1);
    const second = await sweep(scheduled('scheduled-outbox-sweep.json'), fakeLambdaContext('events-sweep-outbox'));
    expect(second.published).toBe(0);
    await api.drainQueues();
    expect(await notificationsFor(event.id)).toHaveLength(2);

    // At-least-once delivery: the same event published again (a relay that died after SNS accepted it) changes nothing.
    const { rows } = await getPool().query('SELECT id, type, version, organization_id, correlation_id, payload, occurred_at FROM outbox WHERE id = $1', [event.id]);
    const row = rows[0];
    await snsTransport().publish([
      { id: row.id, type: row.type, version: 1, time: new Date(row.occurred_at).toISOString(), organizationId: row.organization_id, correlationId: row.correlation_id, payload: row.payload },
    ]);
    await api.drainQueues();
    expect(await notificationsFor(event.id)).toHaveLength(2);
    const dedupe = await dynamoDocumentClient().send(
      new GetCommand({ TableName: api.platform.env.STATE_TABLE_NAME!, Key: { pk: `MSG#send-notification#${event.id}`, sk: 'DONE' } }),
    );
    expect(dedupe.Item?.status).toBe('DONE');
  });

  it('the consumer works on the sample SQS event shape and reports malformed records as handled', async () => {
    const handler = await loadEntry<Handler<SQSEvent, { batchItemFailures: unknown[] }>>('events/send-notification');
    const sample: SQSEvent = JSON.parse(fs.readFileSync(path.join(EVENTS_DIR, 'sqs-notifications.json'), 'utf8'));
    // The sample names an employee this database does not have: nothing to send, nothing failed.
    const result = await handler(sample, fakeLambdaContext('events-send-notification'));
    expect(result.batchItemFailures).toEqual([]);
    const malformed = { Records: [{ ...sample.Records[0]!, messageId: 'bad', body: '{"not":"an event"}' }] };
    expect((await handler(malformed, fakeLambdaContext('events-send-notification'))).batchItemFailures).toEqual([]);
  });
});

describe('cache invalidation and balance refresh', () => {
  it('employee.updated drops the cached Abhi record fleet-wide', async () => {
    const employee = await createEmployee();
    expect((await api.request('GET', `/api/v1/employees/${employee.id}`, { token: hrA })).status).toBe(200);
    const table = api.platform.env.STATE_TABLE_NAME!;
    const cached = () => dynamoDocumentClient().send(new GetCommand({ TableName: table, Key: { pk: 'CACHE#employee', sk: employee.id } }));
    expect((await cached()).Item).toBeDefined();
    const event = await withTransaction((db) =>
      recordEvent(db, { type: 'employee.updated', organizationId: ids.orgA, payload: { employeeId: employee.id, changed: ['designation'], source: 'test' } }),
    );
    await publishEvents([event.id]);
    await api.drainQueues();
    expect((await cached()).Item).toBeUndefined();
    const before = sandboxCalls(api, 'GET', `/employees/${employee.id}`);
    await api.request('GET', `/api/v1/employees/${employee.id}`, { token: hrA });
    expect(sandboxCalls(api, 'GET', `/employees/${employee.id}`)).toBe(before + 1);
  });

  it('transaction.advance.created refreshes the employee’s balance from Abhi past the cache', async () => {
    const employee = await createEmployee();
    const balancePath = new RegExp(`^/transactions/employee/${employee.id}/balance$`);
    const before = sandboxCalls(api, 'GET', balancePath);
    const event = await withTransaction((db) =>
      recordEvent(db, { type: 'transaction.advance.created', organizationId: ids.orgA, payload: { employeeId: employee.id, amount: 100 } }),
    );
    await publishEvents([event.id]);
    await api.drainQueues();
    expect(sandboxCalls(api, 'GET', balancePath)).toBe(before + 1);
  });
});

describe('scheduled Abhi sync', () => {
  it('mirrors every sandbox organization and employee through the abhi-sync queue, idempotently, within the rate limit', async () => {
    const start = await loadEntry<Handler<ScheduledEvent, { runId: string; enqueued: number }>>('sync/start-abhi-sync');
    const started = await start(scheduled('scheduled-abhi-sync.json'), fakeLambdaContext('sync-start-abhi-sync'));
    expect(started.enqueued).toBe(2);
    await api.drainQueues(60_000);
    const state = api.sandbox.state();
    const remoteEmployees = state.records.employees as { id: string; organizationId: string; employeeCode: string }[];
    const local = await getPool().query<{ id: string; organization_id: string; employee_code: string }>(
      'SELECT id, organization_id, employee_code FROM employees WHERE id = ANY($1::text[])',
      [remoteEmployees.map((e) => e.id)],
    );
    expect(local.rowCount).toBe(remoteEmployees.length);
    for (const row of local.rows) {
      const remote = remoteEmployees.find((e) => e.id === row.id)!;
      expect(row.employee_code).toBe(remote.employeeCode);
    }
    const orgs = await getPool().query('SELECT id FROM organizations WHERE id = ANY($1::text[])', [(state.records.organizations as { id: string }[]).map((o) => o.id)]);
    expect(orgs.rowCount).toBe(state.organizations);
    // Sensitive fields arrive encrypted.
    const sealed = await getPool().query('SELECT count(*)::int AS n FROM employees WHERE id = ANY($1::text[]) AND account_number_enc LIKE $2', [
      remoteEmployees.map((e) => e.id),
      'v1.%',
    ]);
    expect(sealed.rows[0].n).toBe(remoteEmployees.length);

    // A second run changes nothing.
    const eventsBefore = await getPool().query("SELECT count(*)::int AS n FROM outbox WHERE payload->>'source' = 'abhi-sync'");
    await start(scheduled('scheduled-abhi-sync.json'), fakeLambdaContext('sync-start-abhi-sync'));
    await api.drainQueues(60_000);
    const eventsAfter = await getPool().query("SELECT count(*)::int AS n FROM outbox WHERE payload->>'source' = 'abhi-sync'");
    expect(eventsAfter.rows[0].n).toBe(eventsBefore.rows[0].n);
    expect(api.sandbox.state().rateLimited).toBe(0);
  });

  it('every consumer handles its sample SQS event (events/sqs-*.json) without failing records', async () => {
    const samples: [file: string, entry: string][] = [
      ['sqs-notifications.json', 'events/send-notification'],
      ['sqs-cache-invalidation.json', 'events/invalidate-cache'],
      ['sqs-balance-refresh.json', 'events/refresh-balance'],
      // An employee this stack does not have: nothing to provision, not a failure.
      ['sqs-user-provisioning.json', 'events/provision-user'],
      ['sqs-abhi-sync.json', 'sync/process-sync-page'],
      // A row of a job that does not exist here, sealed with another key: dropped, not cycled to the DLQ.
      ['sqs-employee-import.json', 'employees/process-employee-import'],
    ];
    for (const [file, entry] of samples) {
      const handler = await loadEntry<Handler<SQSEvent, { batchItemFailures: unknown[] }>>(entry);
      const sample: SQSEvent = JSON.parse(fs.readFileSync(path.join(EVENTS_DIR, file), 'utf8'));
      const result = await handler(sample, fakeLambdaContext(entry.replace('/', '-'), 30_000));
      expect(result.batchItemFailures, file).toEqual([]);
    }
  });
});
