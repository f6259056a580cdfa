import type { ScheduledEvent } from 'aws-lambda';
import { loadEntry } from './api-server';
import { fakeLambdaContext } from './lambda-context';
import type { Platform } from './stack';

/**
 * Local seed data: the Abhi sandbox holds the seed organizations and employees; the platform's own scheduled sync
 * mirrors them into PostgreSQL, exactly as in AWS. Returns lines for the start banner naming ids to try.
 */
export async function seedLocalData(_platform: Platform): Promise<string> {
  const startSync = await loadEntry<(event: ScheduledEvent, context: ReturnType<typeof fakeLambdaContext>) => Promise<unknown>>('sync/start-abhi-sync');
  await startSync(scheduledEvent('abhi-sync'), fakeLambdaContext('sync-start-abhi-sync'));
  const { getPool } = await import('#shared/db/pool');
  const deadline = Date.now() + 20_000;
  let rows: { organization_id: string; id: string; employee_code: string }[] = [];
  while (Date.now() < deadline) {
    rows = (await getPool().query('SELECT organization_id, id, employee_code FROM employees ORDER BY organization_id, employee_code LIMIT 1')).rows;
    if (rows.length > 0) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const counts = (await getPool().query<{ organizations: number; employees: number }>(
    'SELECT (SELECT count(*) FROM organizations)::int AS organizations, (SELECT count(*) FROM employees)::int AS employees',
  )).rows[0]!;
  const example = rows[0];
  return `
  Seeded from the sandbox: ${counts.organizations} organizations, ${counts.employees} employees${
    example ? ` (e.g. organization ${example.organization_id}, employee ${example.id})` : ''
  }`;
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
