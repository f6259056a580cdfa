import pg from 'pg';
import { waitForQuiet, type BenchEnvironment } from './environment';
import { errorText } from './results';

/**
 * Data the load parts need on the running platform: the sandbox's seed mirrored into PostgreSQL (by the platform's
 * own scheduled sync, as `npm start` does it) and the mirrored employees to address.
 */
export interface MirroredEmployee {
  readonly id: string;
  readonly organizationId: string;
}

export async function seedFromSandbox(environment: BenchEnvironment): Promise<{ ok: boolean; note: string }> {
  if (!environment.sandbox) return { ok: false, note: environment.sandboxError ?? 'no Abhi sandbox' };
  try {
    const { seedLocalData } = await import('../../../infra/local/seed');
    await seedLocalData(environment.platform);
    // seedLocalData waits for the abhi-sync queue to drain; the other queues (events it raised) may still be busy.
    const busy = await waitForQuiet(environment, 60_000);
    const client = new pg.Client({ connectionString: environment.platform.env.DATABASE_URL });
    await client.connect();
    try {
      const { rows } = await client.query<{ organizations: number; employees: number; active: number }>(
        `SELECT (SELECT count(*) FROM organizations)::int AS organizations, (SELECT count(*) FROM employees)::int AS employees,
                (SELECT count(*) FROM employees e JOIN organizations o ON o.id = e.organization_id WHERE e.status = 'active' AND o.active)::int AS active`,
      );
      const c = rows[0]!;
      return { ok: true, note: `${c.organizations} organizations and ${c.employees} employees mirrored from the sandbox by the platform's sync (${c.active} active in active organizations)${busy ? `; the sync was still busy after 60 s: ${busy}` : ''}` };
    } finally {
      await client.end();
    }
  } catch (error) {
    return { ok: false, note: `the sandbox seed was not mirrored into PostgreSQL (${errorText(error)})` };
  }
}

export async function mirroredEmployees(environment: BenchEnvironment, limit: number): Promise<MirroredEmployee[]> {
  const client = new pg.Client({ connectionString: environment.platform.env.DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string; organization_id: string }>(
      // Active employees of active organizations: the ones an advance can be granted to.
      `SELECT e.id, e.organization_id FROM employees e JOIN organizations o ON o.id = e.organization_id
        WHERE e.status = 'active' AND o.active ORDER BY e.organization_id, e.employee_code LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({ id: r.id, organizationId: r.organization_id }));
  } finally {
    await client.end();
  }
}

/** One request over loopback; the body parsed when it is JSON. */
export async function call(
  url: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any; text: string; ms: number }> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const started = performance.now();
  const response = await fetch(`${url}${path}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  const text = await response.text();
  const ms = performance.now() - started;
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON
  }
  return { status: response.status, body, text, ms };
}

export function snippet(text: string, max = 160): string {
  return text.replace(/\s+/g, ' ').slice(0, max);
}
