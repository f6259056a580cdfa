import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeleteMessageCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { getPool, withTransaction } from '#shared/db/pool';
import { publishEvents, recordEvent } from '#shared/events/outbox';
import { queueByName } from '#shared/topology';
import { redriveDlq, type SqsSender } from '../../infra/local/redrive';
import { LOCAL_AWS } from '../../infra/local/services/aws-local';
import type { LocalQueue } from '../../infra/local/services/sqs-local';
import { startTestApi, type TestApi } from '../support/api';
import { testEnv } from '../support/env';

/**
 * DLQ redrive (issue #8) on the real platform: the notifications consumer fails on two poisoned events until their
 * messages reach the dead-letter queue; the cause is fixed; `npm run -s redrive` (infra/local/redrive.ts) brings them
 * back one at a time, and the consumer then does its work exactly once per event — including when a redrive dies
 * between sending the copy and deleting the original, which delivers the event twice.
 *
 * The "cause" is a fault in the consumer's own database: a trigger on the mailbox table (`notifications`, this
 * platform's private database) refuses the poisoned events' rows while they are listed in `proof_poison`; removing
 * them is the fix. The same trigger counts every row the consumer tries to insert (`proof_attempts`: a BEFORE INSERT
 * trigger sees rows that ON CONFLICT then skips), so a consumer that ran its work twice would show.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const NOTIFICATIONS = queueByName('notifications');

let api: TestApi;
let sqs: SQSClient;
let queue: LocalQueue;
let stage: string;
let organizationId: string;
const employees: { id: string; email: string; phone: string; eventId?: string }[] = [];

beforeAll(async () => {
  api = await startTestApi({ extraEnv: { RATE_LIMIT_ENABLED: 'false', POWERTOOLS_LOG_LEVEL: 'ERROR' } });
  sqs = new SQSClient({ endpoint: testEnv().sqsEndpoint, ...LOCAL_AWS });
  queue = api.platform.messaging.queues['notifications']!;
  stage = decodeURIComponent(queue.url.split('/').at(-1)!).replace(/-notifications$/, '');

  const db = getPool();
  organizationId = `org-${randomUUID()}`;
  await db.query(`INSERT INTO organizations (id, name, industry, city, payroll_start_day, active) VALUES ($1, 'Proof LLC', 'Technology', 'Dubai', 25, true)`, [organizationId]);
  for (let i = 0; i < 2; i++) {
    const employee = { id: randomUUID(), email: `proof.${i}.${randomUUID().slice(0, 8)}@example.com`, phone: `+9715012345${String(i).padStart(2, '0')}` };
    await db.query(
      `INSERT INTO employees (id, organization_id, employee_code, first_name, last_name, email, phone, status) VALUES ($1, $2, $3, 'Proof', 'Employee', $4, $5, 'active')`,
      [employee.id, organizationId, `PRF-${i}-${randomUUID().slice(0, 6)}`, employee.email, employee.phone],
    );
    employees.push(employee);
  }
  await db.query(`
    CREATE TABLE proof_poison (event_id uuid PRIMARY KEY);
    CREATE TABLE proof_attempts (event_id uuid NOT NULL, channel text NOT NULL, recipient text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp());
    CREATE FUNCTION proof_mailbox_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM proof_poison WHERE event_id = NEW.event_id) THEN
        RAISE EXCEPTION 'mailbox refuses event %', NEW.event_id;
      END IF;
      INSERT INTO proof_attempts (event_id, channel, recipient) VALUES (NEW.event_id, NEW.channel, NEW.recipient);
      RETURN NEW;
    END $$;
    CREATE TRIGGER proof_mailbox_guard BEFORE INSERT ON notifications FOR EACH ROW EXECUTE FUNCTION proof_mailbox_guard();
  `);
}, 120_000);

afterAll(async () => {
  sqs?.destroy();
  await api?.stop();
});

async function depth(url: string): Promise<{ visible: number; inFlight: number }> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return { visible: Number(Attributes?.ApproximateNumberOfMessages ?? 0), inFlight: Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0) };
}

async function waitUntil<T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(last)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    last = await probe();
  }
  return last;
}

/** Rows in the mailbox and rows the consumer tried to insert, per event. */
async function effects(eventId: string): Promise<{ mailbox: string[]; attempts: number }> {
  const db = getPool();
  const mailbox = (await db.query(`SELECT channel || ':' || recipient AS r FROM notifications WHERE event_id = $1 ORDER BY 1`, [eventId])).rows.map((r) => r.r as string);
  const attempts = Number((await db.query(`SELECT count(*) AS n FROM proof_attempts WHERE event_id = $1`, [eventId])).rows[0].n);
  return { mailbox, attempts };
}

const expectedMailbox = (e: (typeof employees)[number]) => [`email:${e.email}`, `sms:${e.phone}`];

/**
 * The command as an operator runs it, in its own process. The queues are found by stage name (`--stage`); with
 * `byEnv` from QUEUE_URL_NOTIFICATIONS / DLQ_URL_NOTIFICATIONS (the functions' environment, which this process
 * holds); with `local` from nothing but the stack-env file the local stack writes (`--local`, a bare environment).
 */
function redriveCli(args: string[], options: { byEnv?: boolean; local?: boolean } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let where = ['--stage', stage];
  let env: NodeJS.ProcessEnv = process.env;
  let dir: string | undefined;
  if (options.byEnv) where = [];
  if (options.local) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'proof-stack-env-'));
    fs.writeFileSync(path.join(dir, 'stack-env.json'), JSON.stringify(api.platform.env), { mode: 0o600 });
    where = ['--local'];
    env = { PATH: process.env.PATH, HOME: process.env.HOME, LOCAL_STACK_ENV_FILE: path.join(dir, 'stack-env.json') };
  }
  return new Promise((resolve) => {
    execFile('npm', ['run', '-s', 'redrive', '--', '--queue', 'notifications', ...where, ...args], { cwd: ROOT, env, timeout: 30_000 }, (error, stdout, stderr) => {
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('DLQ redrive', () => {
  it('poisoned events fail until maxReceiveCount and land in the DLQ; nothing is delivered', async () => {
    const db = getPool();
    for (const employee of employees) {
      const event = await withTransaction((client) =>
        recordEvent(client, { type: 'employee.created', organizationId, payload: { employeeId: employee.id, organizationId, source: 'proof' } }),
      );
      employee.eventId = event.id;
      await db.query(`INSERT INTO proof_poison (event_id) VALUES ($1)`, [event.id]);
    }
    expect(await publishEvents(employees.map((e) => e.eventId!))).toBe(2);

    await waitUntil('dead-letter queue', () => depth(queue.dlqUrl), (d) => d.visible === 2);
    expect(await depth(queue.url)).toEqual({ visible: 0, inFlight: 0 });
    for (const employee of employees) expect(await effects(employee.eventId!)).toEqual({ mailbox: [], attempts: 0 });
  }, 60_000);

  it('--dry-run lists them and changes nothing', async () => {
    const run = await redriveCli(['--dry-run'], { byEnv: true });
    console.info(run.stdout);
    expect(run.code, run.stderr).toBe(0);
    const listed = run.stdout.split('\n').filter((line) => line.startsWith('would move '));
    expect(listed).toHaveLength(2);
    for (const line of listed) {
      // Received maxReceiveCount times by the consumer, once more when moved, once by the listing.
      const receives = Number(/receives=(\d+)/.exec(line)?.[1]);
      expect(receives).toBeGreaterThan(NOTIFICATIONS.maxReceiveCount);
    }
    expect(run.stdout).toMatch(/dry run: 2 message\(s\) would move .* nothing was changed/);
    // Released at once: both still wait in the DLQ, nothing went to the source queue or the mailbox.
    expect(await waitUntil('released DLQ messages', () => depth(queue.dlqUrl), (d) => d.visible === 2, 5_000)).toEqual({ visible: 2, inFlight: 0 });
    expect(await depth(queue.url)).toEqual({ visible: 0, inFlight: 0 });
    for (const employee of employees) expect(await effects(employee.eventId!)).toEqual({ mailbox: [], attempts: 0 });
  }, 60_000);

  it('after the fix, a redrive (--max 1) moves one message and the consumer acts on it exactly once', async () => {
    await getPool().query(`DELETE FROM proof_poison`);
    const run = await redriveCli(['--max', '1']);
    console.info(run.stdout);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.split('\n').filter((line) => line.startsWith('moved ') && line.includes(' -> '))).toHaveLength(1);
    expect(run.stdout).toMatch(/moved 1 message\(s\) from /);
    expect(run.stdout).toMatch(/dead-letter queue now: 1 waiting/);

    await api.drainQueues();
    const done = await Promise.all(employees.map((e) => effects(e.eventId!)));
    const delivered = employees.filter((_, i) => done[i]!.mailbox.length > 0);
    expect(delivered).toHaveLength(1);
    expect(await effects(delivered[0]!.eventId!)).toEqual({ mailbox: expectedMailbox(delivered[0]!), attempts: 2 });
    expect(await depth(queue.dlqUrl)).toEqual({ visible: 1, inFlight: 0 });
  }, 60_000);

  it('a redrive that dies between send and delete duplicates the message; the consumer still acts once', async () => {
    const states = await Promise.all(employees.map(async (employee) => ({ employee, fx: await effects(employee.eventId!) })));
    const pending = states.find((state) => state.fx.mailbox.length === 0)!.employee;
    // The redrive process is killed right after SQS accepted the copy: the delete from the DLQ never happens.
    const dying: SqsSender = {
      send: (async (command: { constructor: unknown }) => {
        if (command instanceof DeleteMessageCommand) throw new Error('redrive process killed');
        return sqs.send(command as never);
      }) as SqsSender['send'],
    };
    await expect(
      redriveDlq({ queue: 'notifications', sourceUrl: queue.url, dlqUrl: queue.dlqUrl, sqs: dying, visibilityTimeoutSeconds: 2 }),
    ).rejects.toThrow('redrive process killed');
    const crashedAt = Date.now();

    // The copy is delivered and handled...
    await waitUntil('delivery of the copy', () => effects(pending.eventId!), (fx) => fx.mailbox.length === 2, 30_000);
    // ...while the original is still in the DLQ (hidden for the dying redrive's 2 s): the event now exists twice.
    const left = await depth(queue.dlqUrl);
    expect(left.visible + left.inFlight).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, crashedAt + 2_500 - Date.now())));
    const run = await redriveCli([]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/moved 1 message\(s\) from /);
    await api.drainQueues();

    // Both events: each message sent once, the consumer's insert ran once per message (the duplicate was skipped).
    for (const employee of employees) expect(await effects(employee.eventId!)).toEqual({ mailbox: expectedMailbox(employee), attempts: 2 });
    expect(await depth(queue.dlqUrl)).toEqual({ visible: 0, inFlight: 0 });
    expect(await depth(queue.url)).toEqual({ visible: 0, inFlight: 0 });
  }, 60_000);

  it('a redrive of an empty DLQ is a no-op', async () => {
    const run = await redriveCli([], { local: true });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toMatch(/^moved 0 message\(s\) from \S+ to \S+$/);
    expect(await depth(queue.dlqUrl)).toEqual({ visible: 0, inFlight: 0 });
    expect(await depth(queue.url)).toEqual({ visible: 0, inFlight: 0 });
    for (const employee of employees) expect(await effects(employee.eventId!)).toEqual({ mailbox: expectedMailbox(employee), attempts: 2 });
  }, 30_000);
});
