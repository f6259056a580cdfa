import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { ScheduledEvent } from 'aws-lambda';
import { loadEntry } from './api-server';
import { fakeLambdaContext } from './lambda-context';
import { LOCAL_AWS } from './services/aws-local';
import type { Platform } from './stack';

/**
 * Local seed data: the Abhi sandbox holds the seed organizations and employees; the platform's own scheduled sync
 * mirrors them into PostgreSQL, exactly as in AWS. Returns lines for the start banner naming ids to try.
 */
export async function seedLocalData(platform: Platform): Promise<string> {
  const startSync = await loadEntry<(event: ScheduledEvent, context: ReturnType<typeof fakeLambdaContext>) => Promise<unknown>>('sync/start-abhi-sync');
  await startSync(scheduledEvent('abhi-sync'), fakeLambdaContext('sync-start-abhi-sync'));
  const { getPool } = await import('#shared/db/pool');
  // The banner counts what the whole sync mirrored: wait until its chain of pages has drained from the queue.
  const finished = await syncFinished(platform, 60_000);
  const rows = (await getPool().query<{ organization_id: string; id: string }>('SELECT organization_id, id FROM employees ORDER BY organization_id, employee_code LIMIT 1')).rows;
  const counts = (await getPool().query<{ organizations: number; employees: number }>(
    'SELECT (SELECT count(*) FROM organizations)::int AS organizations, (SELECT count(*) FROM employees)::int AS employees',
  )).rows[0]!;
  const example = rows[0];
  return `
  ${finished ? 'Mirrored' : 'Mirrored so far (the sync is still running)'} from the sandbox: ${counts.organizations} organizations, ${counts.employees} employees${
    example ? ` (e.g. organization ${example.organization_id}, employee ${example.id})` : ''
  }`;
}

/** True once the abhi-sync queue holds no message (visible, in flight or delayed) and its poller is idle, twice in a row. */
async function syncFinished(platform: Platform, timeoutMs: number): Promise<boolean> {
  const queue = platform.messaging.queues['abhi-sync'];
  const poller = platform.pollers['abhi-sync'];
  if (!queue || !poller) return false;
  const sqs = new SQSClient({ endpoint: platform.env.AWS_ENDPOINT_URL_SQS, ...LOCAL_AWS });
  const deadline = Date.now() + timeoutMs;
  let quiet = 0;
  try {
    while (Date.now() < deadline) {
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queue.url,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
        }),
      );
      const waiting = Object.values(Attributes).reduce((sum, value) => sum + Number(value ?? 0), 0);
      if (waiting === 0) {
        await poller.idle();
        if (++quiet >= 2) return true;
      } else {
        quiet = 0;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return false;
  } finally {
    sqs.destroy();
  }
}

function scheduledEvent(name: string): ScheduledEvent {
  return {
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.scheduler',
    account: '000000000000',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [`arn:aws:scheduler:us-east-1:000000000000:schedule/default/${name}`],
    detail: {},
  };
}
