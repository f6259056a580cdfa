/**
 * `npm run -s redrive -- --queue <name> [--max N] [--dry-run] [--stage <stage>] [--local]`
 *
 * Moves messages from a queue's dead-letter queue back to the queue, after the cause of their failure was fixed.
 * `<name>` is a queue of functions/shared/topology.ts (`employee-import`, `notifications`, ...). The queues are found
 * by name, `<stage>-<name>` and `<stage>-<name>-dlq` (`--stage`, else the `STAGE` variable), or taken from
 * `QUEUE_URL_<NAME>` / `DLQ_URL_<NAME>` when those are set (the functions' own environment). `--local` first loads the
 * environment the running local stack wrote (`.local/stack-env.json`, from `npm start`). The SQS endpoint is the
 * SDK's standard one: `AWS_ENDPOINT_URL_SQS` when set (local stand-in), else AWS with the usual credential chain.
 *
 *   npm run -s redrive -- --queue notifications --local --dry-run     # list what would move, change nothing
 *   npm run -s redrive -- --queue notifications --local               # move everything
 *   AWS_PROFILE=prod npm run -s redrive -- --queue employee-import --stage prod --max 10
 *
 * One message at a time: receive it from the DLQ, send a copy (body and message attributes) to the source queue,
 * then delete it from the DLQ. A crash between the send and the delete leaves the message in both queues — it is
 * delivered twice, never lost — and every consumer is idempotent (event consumers dedupe by event id, the import
 * claims its rows). Messages that come back to the DLQ during the run (still failing) are left there and end the run.
 *
 * Why not SQS `StartMessageMoveTask` (AWS's own DLQ redrive): the local SQS emulator (fauxqs 1.9.2) does not
 * implement it, so the same tool could not be tested here or used against the local stack; and this tool's
 * per-message report (id, receive count, reason) is what an operator wants before and after a redrive anyway.
 *
 * `--dry-run` receives the messages to list them and makes them visible again at once: nothing moves and nothing is
 * deleted (SQS has no peek, so each listed message's receive count in the DLQ goes up by one, which is harmless: a
 * DLQ has no redrive policy of its own).
 *
 * Prints one line per message and a total on stdout. Usage errors: one sentence on stderr, exit code 2; failures
 * while moving: exit code 1 (what was moved so far stays moved, the rest stays in the DLQ).
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  type Message,
  type MessageAttributeValue,
} from '@aws-sdk/client-sqs';
import { QUEUES, queueByName, queueUrlVariable } from '#shared/topology';
import { loadStackEnv } from './stack-env';

/** Anything with the SQS client's `send` (tests wrap it to simulate a crash). */
export type SqsSender = Pick<SQSClient, 'send'>;

export interface RedriveOptions {
  /** Logical queue name from topology.ts (for the report). */
  readonly queue: string;
  readonly sourceUrl: string;
  readonly dlqUrl: string;
  readonly sqs: SqsSender;
  /** At most this many messages (default: all). */
  readonly max?: number;
  readonly dryRun?: boolean;
  /** How long a DLQ message stays hidden while it is being moved. Default 60 s (a crash releases it after that). */
  readonly visibilityTimeoutSeconds?: number;
  /** Long poll of each receive from the DLQ; an empty answer ends the run. Default 1 s. */
  readonly waitTimeSeconds?: number;
  readonly log?: (line: string) => void;
}

export interface RedrivenMessage {
  /** Id of the message in the DLQ (the id it had in the source queue before it failed). */
  readonly messageId: string;
  /** ApproximateReceiveCount as the DLQ reports it. */
  readonly receiveCount: number | undefined;
  readonly sentAt: string | undefined;
  /** A failure reason, when a message attribute carries one (error / reason / failure in its name). */
  readonly reason: string | undefined;
  /** Id of the copy in the source queue (not in a dry run). */
  readonly newMessageId?: string;
}

export interface RedriveResult {
  readonly queue: string;
  readonly dryRun: boolean;
  readonly messages: readonly RedrivenMessage[];
  /** Messages that came back to the DLQ during this run (still failing); left in the DLQ. */
  readonly returned: number;
}

export async function redriveDlq(options: RedriveOptions): Promise<RedriveResult> {
  const { sqs, sourceUrl, dlqUrl } = options;
  const max = options.max ?? Number.POSITIVE_INFINITY;
  const log = options.log ?? (() => undefined);
  const visibility = options.visibilityTimeoutSeconds ?? 60;
  const wait = options.waitTimeSeconds ?? 1;
  const messages: RedrivenMessage[] = [];
  const receive = (count: number, visibilityTimeout: number) =>
    sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: dlqUrl,
        MaxNumberOfMessages: Math.max(1, Math.min(10, count)),
        WaitTimeSeconds: wait,
        VisibilityTimeout: visibilityTimeout,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );

  if (options.dryRun) {
    // Keep what was listed hidden while listing (so nothing is listed twice), then release all of it at once.
    const held: Message[] = [];
    try {
      while (messages.length < max) {
        const { Messages = [] } = await receive(max - messages.length, Math.max(visibility, 30));
        const fresh = Messages.filter((m) => !held.some((h) => h.MessageId === m.MessageId));
        if (fresh.length === 0) break;
        for (const message of fresh) {
          held.push(message);
          const summary = summarize(message);
          messages.push(summary);
          log(`would move ${describeMessage(summary)}`);
        }
      }
    } finally {
      for (const message of held) {
        // If this fails (a listing slower than the hold), the message shows again when its hold ends anyway.
        await sqs
          .send(new ChangeMessageVisibilityCommand({ QueueUrl: dlqUrl, ReceiptHandle: message.ReceiptHandle!, VisibilityTimeout: 0 }))
          .catch(() => log(`note: ${message.MessageId} stays hidden until its ${Math.max(visibility, 30)} s hold ends`));
      }
    }
    return { queue: options.queue, dryRun: true, messages, returned: 0 };
  }

  const copies = new Set<string>();
  let returned = 0;
  while (messages.length < max) {
    const { Messages = [] } = await receive(1, visibility);
    const message = Messages[0];
    if (!message) break;
    if (copies.has(message.MessageId!)) {
      // A copy this run sent failed again and is back: leave it (and whatever follows it) for after the next fix.
      returned++;
      await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: dlqUrl, ReceiptHandle: message.ReceiptHandle!, VisibilityTimeout: 0 }));
      log(`stopped: ${message.MessageId} failed again after it was moved and is back in the dead-letter queue`);
      break;
    }
    const summary = summarize(message);
    // Send first, delete second: a crash in between duplicates the message instead of losing it.
    const sent = await sqs.send(
      new SendMessageCommand({ QueueUrl: sourceUrl, MessageBody: message.Body ?? '', MessageAttributes: copyAttributes(message.MessageAttributes) }),
    );
    await sqs.send(new DeleteMessageCommand({ QueueUrl: dlqUrl, ReceiptHandle: message.ReceiptHandle! }));
    copies.add(sent.MessageId!);
    const moved = { ...summary, newMessageId: sent.MessageId };
    messages.push(moved);
    log(`moved ${describeMessage(moved)} -> ${sent.MessageId}`);
  }
  return { queue: options.queue, dryRun: false, messages, returned };
}

function summarize(message: Message): RedrivenMessage {
  const attributes = message.Attributes ?? {};
  const count = Number(attributes.ApproximateReceiveCount);
  const sent = Number(attributes.SentTimestamp);
  const reasons = Object.entries(message.MessageAttributes ?? {})
    .filter(([name, value]) => /error|reason|fail/i.test(name) && value.StringValue)
    .map(([name, value]) => `${name}=${value.StringValue}`);
  return {
    messageId: message.MessageId!,
    receiveCount: Number.isFinite(count) ? count : undefined,
    sentAt: Number.isFinite(sent) && sent > 0 ? new Date(sent).toISOString() : undefined,
    reason: reasons.length > 0 ? reasons.join('; ') : undefined,
  };
}

function describeMessage(message: RedrivenMessage): string {
  return `${message.messageId}  receives=${message.receiveCount ?? '?'}  sent=${message.sentAt ?? '?'}  reason=${message.reason ?? '(none recorded)'}`;
}

/** The attributes SendMessage accepts (list values are reserved by SQS and never set). */
function copyAttributes(attributes: Record<string, MessageAttributeValue> | undefined): Record<string, MessageAttributeValue> | undefined {
  if (!attributes || Object.keys(attributes).length === 0) return undefined;
  return Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [
      name,
      { DataType: value.DataType, ...(value.StringValue !== undefined ? { StringValue: value.StringValue } : {}), ...(value.BinaryValue !== undefined ? { BinaryValue: value.BinaryValue } : {}) },
    ]),
  );
}

// ---------------------------------------------------------------- CLI


class UsageError extends Error {}

async function main(argv: string[]): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        queue: { type: 'string' },
        max: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        stage: { type: 'string' },
        local: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}; usage: npm run -s redrive -- --queue <name> [--max N] [--dry-run] [--stage <stage>] [--local].`);
  }
  if (!values.queue) throw new UsageError(`--queue is required: one of ${QUEUES.map((q) => q.name).join(', ')}.`);
  try {
    queueByName(values.queue);
  } catch {
    throw new UsageError(`Unknown queue "${values.queue}": use one of ${QUEUES.map((q) => q.name).join(', ')}.`);
  }
  const max = values.max === undefined ? undefined : Number(values.max);
  if (max !== undefined && (!Number.isInteger(max) || max < 1)) throw new UsageError('--max must be a whole number of messages, 1 or more.');

  if (values.local) {
    if (!loadStackEnv()) throw new UsageError('The local stack is not running: start it with `npm start`, then run the redrive again.');
  }
  const endpoint = process.env.AWS_ENDPOINT_URL_SQS;
  if (endpoint && /^https?:\/\/(127\.0\.0\.1|([a-z0-9-]+\.)*localhost)(:|\/|$)/.test(endpoint)) {
    // The emulator's queue URLs are `sqs.<region>.localhost`; only a local run needs them resolved to loopback.
    const { resolveLocalhostSubdomains } = await import('./services/sqs-local');
    resolveLocalhostSubdomains();
  }

  // Operators run this on whatever Node they have; the SDK's Node-version notice is not what they asked for.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const sqs = new SQSClient({});
  try {
    const urls = await resolveUrls(sqs, values.queue, values.stage);
    const result = await redriveDlq({
      queue: values.queue,
      ...urls,
      sqs,
      max,
      dryRun: values['dry-run'],
      log: (line) => process.stdout.write(`${line}\n`),
    });
    const count = result.messages.length;
    if (result.dryRun) {
      process.stdout.write(`dry run: ${count} message(s) would move from ${urls.dlqUrl} to ${urls.sourceUrl}; nothing was changed\n`);
    } else {
      process.stdout.write(`moved ${count} message(s) from ${urls.dlqUrl} to ${urls.sourceUrl}${result.returned ? `; ${result.returned} came back failing and stay in the DLQ` : ''}\n`);
    }
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: urls.dlqUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    const waiting = Number(Attributes?.ApproximateNumberOfMessages ?? 0);
    const inFlight = Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
    if (waiting + inFlight > 0) process.stdout.write(`dead-letter queue now: ${waiting} waiting, ${inFlight} in flight\n`);
  } finally {
    sqs.destroy();
  }
}

async function resolveUrls(sqs: SQSClient, queue: string, stageOption: string | undefined): Promise<{ sourceUrl: string; dlqUrl: string }> {
  const fromEnv = { sourceUrl: process.env[queueUrlVariable(queue, 'QUEUE_URL')], dlqUrl: process.env[queueUrlVariable(queue, 'DLQ_URL')] };
  if (!stageOption && fromEnv.sourceUrl && fromEnv.dlqUrl) return { sourceUrl: fromEnv.sourceUrl, dlqUrl: fromEnv.dlqUrl };
  const stage = stageOption ?? process.env.STAGE;
  if (!stage) {
    throw new UsageError(`Say which stage's queues to use: --stage <stage>, or set ${queueUrlVariable(queue, 'QUEUE_URL')} and ${queueUrlVariable(queue, 'DLQ_URL')} (--local does that for the local stack).`);
  }
  const lookup = async (name: string) => {
    try {
      return (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl!;
    } catch (error) {
      if ((error as Error).name === 'QueueDoesNotExist' || (error as Error).name === 'AWS.SimpleQueueService.NonExistentQueue') {
        throw new UsageError(`Queue ${name} does not exist at this endpoint: check --stage and the SQS endpoint (AWS_ENDPOINT_URL_SQS).`);
      }
      throw error;
    }
  };
  const [sourceUrl, dlqUrl] = await Promise.all([lookup(`${stage}-${queue}`), lookup(`${stage}-${queue}-dlq`)]);
  return { sourceUrl, dlqUrl };
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (invokedDirectly) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    const hint = /region is missing/i.test(message) ? ' (set AWS_REGION, or use --local for the local stack)' : '';
    process.stderr.write(`Redrive failed: ${message}${hint}\n`);
    process.exitCode = 1;
  });
}
