import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROUTES, ROLES } from '#shared/routes';
import { QUEUES, SCHEDULES } from '#shared/topology';
import { compileRoutes, matchRoute } from '../../infra/local/api-server';

const functionsDir = path.resolve(import.meta.dirname, '../../functions');

describe('the route table', () => {
  it('has unique ids and unique method + path pairs', () => {
    expect(new Set(ROUTES.map((r) => r.id)).size).toBe(ROUTES.length);
    expect(new Set(ROUTES.map((r) => `${r.method} ${r.path}`)).size).toBe(ROUTES.length);
  });

  it('every entry, consumer and schedule names a handler file that exists', () => {
    const entries = [...ROUTES.map((r) => r.entry), ...QUEUES.map((q) => q.consumer), ...SCHEDULES.map((s) => s.entry), 'auth/authorize'];
    const missing = entries.filter((entry) => !fs.existsSync(path.join(functionsDir, `${entry}.ts`)));
    expect(missing).toEqual([]);
  });

  it('default deny: every JWT route names at least one role, and only known roles', () => {
    for (const route of ROUTES.filter((r) => r.auth === 'jwt')) {
      expect(route.roles.length, route.id).toBeGreaterThan(0);
      for (const role of route.roles) expect(ROLES).toContain(role);
    }
  });

  it('money-moving POSTs require an Idempotency-Key', () => {
    const moneyMoving = ROUTES.filter((r) => ['requestAdvance', 'createRepayment'].includes(r.id));
    expect(moneyMoving.map((r) => r.idempotency)).toEqual(['required', 'required']);
  });
});

describe('local API routing matches API Gateway', () => {
  const compiled = compileRoutes();

  it('prefers static segments over parameters', () => {
    expect(matchRoute(compiled, 'GET', '/employees/search').route?.id).toBe('searchEmployees');
    expect(matchRoute(compiled, 'GET', '/employees/abc').route?.id).toBe('getEmployee');
    expect(matchRoute(compiled, 'GET', '/organizations/banks').route?.id).toBe('listBanks');
    expect(matchRoute(compiled, 'GET', '/transactions/balance/e-1').route?.id).toBe('getBalance');
    expect(matchRoute(compiled, 'GET', '/transactions/t-1').route?.id).toBe('getTransaction');
  });

  it('extracts and decodes path parameters', () => {
    const match = matchRoute(compiled, 'PUT', '/transactions/a%20b/status');
    expect(match.route?.id).toBe('updateTransactionStatus');
    expect(match.pathParameters).toEqual({ id: 'a b' });
  });

  it('finds nothing for unknown paths or methods', () => {
    expect(matchRoute(compiled, 'GET', '/nope').route).toBeUndefined();
    expect(matchRoute(compiled, 'PATCH', '/employees').route).toBeUndefined();
  });
});
