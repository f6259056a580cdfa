import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getPool } from '#shared/db/pool';
import { startApiServer } from '../../infra/local/api-server';
import { docsRoutes } from '../../infra/local/docs-page';
import { assertPortsFree } from '../../infra/local/ports';
import { seedLocalData } from '../../infra/local/seed';
import { startTestApi, type TestApi } from '../support/api';

/** The first hour of a new user (issue #17): what `npm start` prints and serves before anyone reads the code. */

describe('start-up: every configured port is checked at once', () => {
  it('two ports in use → one sentence naming both and the variables to change', async () => {
    const holders = await Promise.all(
      [0, 0].map(
        () =>
          new Promise<net.Server>((resolve) => {
            const server = net.createServer();
            server.listen(0, '127.0.0.1', () => resolve(server));
          }),
      ),
    );
    const [a, b] = holders.map((server) => (server.address() as AddressInfo).port) as [number, number];
    try {
      const error = await assertPortsFree({ PORT: a, ABHI_SANDBOX_PORT: b }).catch((e: Error) => e);
      expect(error).toBeInstanceOf(Error);
      const message = (error as Error).message;
      expect(message).toContain(`${a} (PORT)`);
      expect(message).toContain(`${b} (ABHI_SANDBOX_PORT)`);
      expect(message).toMatch(/another `npm start`/);
      expect(message.split('\n')).toHaveLength(1);
      await expect(assertPortsFree({ PORT: a })).rejects.toThrow(/Port \d+ is already in use: .*PORT=<port>/);
    } finally {
      await Promise.all(holders.map((server) => new Promise((resolve) => server.close(resolve))));
    }
    await expect(assertPortsFree({ PORT: a, ABHI_SANDBOX_PORT: b })).resolves.toBeUndefined();
  });
});

describe('docs: / leads to /docs, which is readable before any script loads and says how to get a token', () => {
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    const routes = docsRoutes();
    server = http.createServer((req, res) => {
      const handler = routes[new URL(req.url ?? '/', 'http://x').pathname];
      if (handler) return handler(req, res);
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('GET / and GET /docs/ redirect to /docs', async () => {
    for (const path of ['/', '/docs/']) {
      const response = await fetch(`${base}${path}`, { redirect: 'manual' });
      expect(response.status, path).toBe(302);
      expect(response.headers.get('location')).toBe('/docs');
    }
  });

  it('the page carries the token command and the route table in its HTML; the explorer bundle is deferred', async () => {
    const html = await (await fetch(`${base}/docs`)).text();
    const firstScript = html.indexOf('<script');
    const before = html.slice(0, firstScript);
    expect(before).toContain('npm run -s token -- --role admin');
    expect(before).toContain('<code>/api/v1/employees</code>');
    expect(before).toContain('<code>/api/v1/transactions/advance</code>');
    expect([...html.matchAll(/<script[^>]*>/g)].every((m) => m[0].includes('defer'))).toBe(true);
  });
});

describe('banner: counts what the whole sync mirrored', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ extraEnv: { RATE_LIMIT_ENABLED: 'false' } });
  }, 120_000);
  afterAll(async () => {
    await api?.stop();
  });

  it('the counts printed are the counts once every sync page is done', async () => {
    const banner = await seedLocalData(api.platform);
    const printed = /Mirrored from the sandbox: (\d+) organizations, (\d+) employees/.exec(banner);
    expect(printed, banner).not.toBeNull();
    await api.drainQueues();
    const { rows } = await getPool().query<{ organizations: number; employees: number }>(
      'SELECT (SELECT count(*) FROM organizations)::int AS organizations, (SELECT count(*) FROM employees)::int AS employees',
    );
    expect([Number(printed![1]), Number(printed![2])]).toEqual([rows[0]!.organizations, rows[0]!.employees]);
    expect(rows[0]!.employees).toBe(api.sandbox.state().employees);
  });
});

describe('local logs: one short line per request unless LOG_FORMAT=json', () => {
  it('the local gateway writes `time METHOD path status duration` once per request', async () => {
    const lines: string[] = [];
    const server = await startApiServer({ port: 0, accessLog: (line) => lines.push(line) });
    try {
      expect((await fetch(`${server.url}/api/v1/health`)).status).toBe(200);
      expect((await fetch(`${server.url}/api/v1/nowhere`)).status).toBe(404);
    } finally {
      await server.stop();
    }
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\d{2}:\d{2}:\d{2} GET \/api\/v1\/health 200 \d+ ms$/);
    expect(lines[1]).toMatch(/^\d{2}:\d{2}:\d{2} GET \/api\/v1\/nowhere 404 \d+ ms$/);
  });
});
