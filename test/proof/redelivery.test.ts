import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { getPool, withTransaction } from '#shared/db/pool';
import { publishEvents, recordEvent } from '#shared/events/outbox';
import { queueByName } from '#shared/topology';
import { loadEntry } from '../../infra/local/api-server';
import { fakeLambdaContext } from '../../infra/local/lambda-context';
import { LOCAL_AWS } from '../../infra/local/services/aws-local';
import { startPoller } from '../../infra/local/services/sqs-poller';
import { startTestApi, type TestApi } from '../support/api';
import { testEnv } from '../support/env';
import { masterDataIds, sandboxIds, tokenFor, validEmployee } from '../business/helpers';

/**
 * Redelivered messages on the real queues and consumers (issue #8, chaos): a consumer that fails AFTER its side
 * effect, or is killed before its message was deleted, gets the message again — and must not do the work twice.
 *
 * - employee-import: Abhi creates the employee, then the mirror insert fails once (a one-shot fault in this
 *   platform's private database: a trigger raises on the first insert of the marked row; sequences ignore rollbacks,
 *   so it fires exactly once). The row is redelivered; the retry must find Abhi's record instead of a second one.
 * - notifications: the consumer runs to the end on a message it received, and "dies" before the event source mapping
 *   deletes the message; the message comes back after its visibility timeout and must send nothing again.
 */
let api: TestApi;
let sqs: SQSClient;
let orgA: string;
let bankId: string;
let hr: string;

beforeAll(async () => {
  api = await startTestApi({ extraEnv: { RATE_LIMIT_ENABLED: 'false', POWERTOOLS_LOG_LEVEL: 'ERROR' } });
  sqs = new SQSClient({ endpoint: testEnv().sqsEndpoint, ...LOCAL_AWS });
  orgA = sandboxIds(api).orgA;
  bankId = (await masterDataIds(api)).bankId;
  hr = await tokenFor(api, 'hr_manager', orgA);
  await getPool().query(`
    CREATE SEQUENCE proof_mirror_failures;
    CREATE FUNCTION proof_fail_first_mirror() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.employee_code LIKE 'PRF-ONCE-%' AND nextval('proof_mirror_failures') = 1 THEN
        RAISE EXCEPTION 'mirror insert of % failed (injected, once)', NEW.employee_code;
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER proof_fail_first_mirror BEFORE INSERT ON employees FOR EACH ROW EXECUTE FUNCTION proof_fail_first_mirror();
    CREATE TABLE proof_attempts (event_id uuid NOT NULL, channel text NOT NULL, recipient text NOT NULL);
    CREATE FUNCTION proof_count_attempt() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO proof_attempts (event_id, channel, recipient) VALUES (NEW.event_id, NEW.channel, NEW.recipient);
      RETURN NEW;
    END $$;
    CREATE TRIGGER proof_count_attempt BEFORE INSERT ON notifications FOR EACH ROW EXECUTE FUNCTION proof_count_attempt();
  `);
}, 120_000);

afterAll(async () => {
  sqs?.destroy();
  await api?.stop();
});

/** Rows in the mailbox and rows the consumer tried to insert (a BEFORE INSERT trigger also sees skipped conflicts). */
async function mailboxOf(eventId: string): Promise<{ rows: number; attempts: number }> {
  const db = getPool();
  const rows = Number((await db.query(`SELECT count(*) AS n FROM notifications WHERE event_id = $1`, [eventId])).rows[0].n);
  const attempts = Number((await db.query(`SELECT count(*) AS n FROM proof_attempts WHERE event_id = $1`, [eventId])).rows[0].n);
  return { rows, attempts };
}

describe('redelivered messages do not double the effect', () => {
  it('employee-import: a row that failed after Abhi created it is redelivered and completes with one employee', async () => {
    const rows = [
      validEmployee(bankId, { department: 'Proof', employeeCode: `PRF-ONCE-${randomUUID().slice(0, 8).toUpperCase()}` }),
      validEmployee(bankId, { department: 'Proof' }),
      validEmployee(bankId, { department: 'Proof' }),
    ];
    const codes = rows.map((r) => r.employeeCode as string);
    const employeesBefore = api.sandbox.state().employees;
    const accepted = await api.request('POST', '/api/v1/employees/bulk', { token: hr, body: { employees: rows } });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);

    let job: any;
    const deadline = Date.now() + 40_000;
    do {
      await new Promise((resolve) => setTimeout(resolve, 250));
      job = (await api.request('GET', `/api/v1/jobs/${accepted.body.id}`, { token: hr })).body;
    } while (job.pending > 0 && Date.now() < deadline);
    expect(job).toMatchObject({ status: 'completed', total: 3, succeeded: 3, failed: 0, pending: 0 });

    const db = getPool();
    // The fault fired, and the marked row's mirror insert ran again on a later delivery.
    expect(Number((await db.query(`SELECT last_value FROM proof_mirror_failures`)).rows[0].last_value)).toBeGreaterThanOrEqual(2);
    // Abhi holds each employee once, and three new ones in all.
    const atAbhi = (api.sandbox.state().records.employees as { employeeCode: string }[]).filter((e) => codes.includes(e.employeeCode));
    expect(atAbhi.map((e) => e.employeeCode).sort()).toEqual([...codes].sort());
    expect(api.sandbox.state().employees - employeesBefore).toBe(3);
    // The mirror holds each once, each with one employee.created event.
    const mirrored = (await db.query(`SELECT id, employee_code FROM employees WHERE organization_id = $1 AND employee_code = ANY($2::text[])`, [orgA, codes])).rows;
    expect(mirrored.map((r) => r.employee_code).sort()).toEqual([...codes].sort());
    const events = (await db.query(`SELECT id, payload->>'employeeId' AS employee FROM outbox WHERE type = 'employee.created' AND payload->>'employeeId' = ANY($1::text[])`, [mirrored.map((r) => r.id)])).rows;
    expect(events.map((e) => e.employee).sort()).toEqual(mirrored.map((r) => r.id).sort());
    // And each welcome message went out once.
    await api.drainQueues();
    for (const event of events) expect(await mailboxOf(event.id)).toEqual({ rows: 2, attempts: 2 });
  }, 60_000);

  it('notifications: a consumer killed after its work, before the message was deleted, sends nothing on redelivery', async () => {
    const queue = api.platform.messaging.queues['notifications']!;
    // Take the queue from the platform's poller, so this test is the "Lambda" that receives the message first.
    await api.platform.pollers['notifications']!.stop();

    const db = getPool();
    const employee = { id: randomUUID(), email: `killed.${randomUUID().slice(0, 8)}@example.com`, phone: '+971501112233' };
    await db.query(
      `INSERT INTO employees (id, organization_id, employee_code, first_name, last_name, email, phone, status) VALUES ($1, $2, $3, 'Killed', 'Consumer', $4, $5, 'active')`,
      [employee.id, orgA, `PRF-KILL-${randomUUID().slice(0, 8)}`, employee.email, employee.phone],
    );
    const event = await withTransaction((client) =>
      recordEvent(client, { type: 'employee.created', organizationId: orgA, payload: { employeeId: employee.id, organizationId: orgA, source: 'proof' } }),
    );
    expect(await publishEvents([event.id])).toBe(1);

    // Receive it as the event source mapping would, with the queue's (test) visibility timeout.
    let received: SQSEvent['Records'] = [];
    for (let i = 0; i < 20 && received.length === 0; i++) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['All'] }),
      );
      received = Messages.filter((m) => JSON.parse(m.Body!).id === event.id).map((m) => ({
        messageId: m.MessageId!,
        receiptHandle: m.ReceiptHandle!,
        body: m.Body!,
        attributes: {
          ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1',
          SentTimestamp: m.Attributes?.SentTimestamp ?? '0',
          SenderId: 'sns',
          ApproximateFirstReceiveTimestamp: m.Attributes?.ApproximateFirstReceiveTimestamp ?? '0',
        },
        messageAttributes: {},
        md5OfBody: m.MD5OfBody ?? '',
        eventSource: 'aws:sqs',
        eventSourceARN: queue.arn,
        awsRegion: LOCAL_AWS.region,
      }));
    }
    expect(received).toHaveLength(1);
    const handler = await loadEntry<(event: SQSEvent, context: Context) => Promise<SQSBatchResponse>>(queueByName('notifications').consumer);
    const result = await handler({ Records: received }, fakeLambdaContext('events-send-notification', 30_000));
    expect(result.batchItemFailures).toEqual([]);
    expect(await mailboxOf(event.id)).toEqual({ rows: 2, attempts: 2 });
    // ...and the instance dies here: the message is never deleted.

    // A fresh poller (the next Lambda instance) gets it again after the visibility timeout.
    const redelivered: string[] = [];
    const poller = startPoller({
      endpoint: testEnv().sqsEndpoint,
      queue,
      loadHandler: async () => {
        const real = await loadEntry<(event: SQSEvent, context: Context) => Promise<SQSBatchResponse>>(queueByName('notifications').consumer);
        return async (batch, context) => {
          for (const record of batch.Records) if (record.messageId === received[0]!.messageId) redelivered.push(record.attributes.ApproximateReceiveCount);
          return real(batch, context);
        };
      },
    });
    api.platform.pollers['notifications'] = poller; // stopped with the platform
    const deadline = Date.now() + 20_000;
    while (redelivered.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(redelivered.length).toBeGreaterThanOrEqual(1);
    expect(Number(redelivered[0])).toBeGreaterThanOrEqual(2);
    await api.drainQueues();
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    expect(Number(Attributes?.ApproximateNumberOfMessages) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible)).toBe(0);
    // Handled (deleted) the second time, with no second message and no second insert attempt.
    expect(await mailboxOf(event.id)).toEqual({ rows: 2, attempts: 2 });
  }, 60_000);
});
