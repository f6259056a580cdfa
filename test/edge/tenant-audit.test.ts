import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { audit, auditContext, PostgresAuditSink, registerAuditDatabase } from '#shared/auth/audit';
import { TenantAccessDeniedError } from '#shared/auth/errors';
import { assertMfaFor } from '#shared/auth/mfa';
import type { Principal } from '#shared/auth/principal';
import {
  assertCanAccessEmployee,
  assertCanAccessOrganization,
  assertSelfOrNotSelfOnly,
  scopeEmployeeId,
  scopeOrganizationIds,
} from '#shared/auth/tenant';
import { getPool, withTransaction } from '#shared/db/pool';
import { MfaRequiredError, NotFoundError } from '#shared/domain/errors';
import { toFils } from '#shared/domain/money';
import { apiHandler } from '#shared/http/api-handler';
import { ROUTES } from '#shared/routes';
import { authorizerContext, lambdaContext, proxyEvent } from './helpers';

const p = (roles: Principal['roles'], org?: string, employeeId?: string): Principal => ({
  subject: `s-${randomUUID()}`,
  roles,
  mfa: false,
  ...(org ? { organizationId: org } : {}),
  ...(employeeId ? { employeeId } : {}),
});
// org tree: parent → child → grandchild
const tree: Record<string, string | undefined> = { child: 'parent', grandchild: 'child', parent: undefined, other: undefined };
const isDescendant = (org: string, ancestor: string): boolean => {
  for (let current = tree[org]; current; current = tree[current]) if (current === ancestor) return true;
  return false;
};
const children = (org: string) => Object.keys(tree).filter((candidate) => isDescendant(candidate, org));

describe('tenant isolation helpers', () => {
  it('a platform admin reaches any organization; others only their own (404, never the data)', async () => {
    await expect(assertCanAccessOrganization(p(['admin']), 'other')).resolves.toBeUndefined();
    await expect(assertCanAccessOrganization(p(['hr_manager'], 'parent'), 'parent')).resolves.toBeUndefined();
    const refusal = assertCanAccessOrganization(p(['hr_manager'], 'parent'), 'other');
    await expect(refusal).rejects.toBeInstanceOf(TenantAccessDeniedError);
    await expect(refusal).rejects.toBeInstanceOf(NotFoundError);
    await expect(refusal).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  it('an organization_admin of a parent also reaches its descendants; other roles do not', async () => {
    await expect(assertCanAccessOrganization(p(['organization_admin'], 'parent'), 'grandchild', isDescendant)).resolves.toBeUndefined();
    await expect(assertCanAccessOrganization(p(['organization_admin'], 'child'), 'parent', isDescendant)).rejects.toBeInstanceOf(NotFoundError);
    await expect(assertCanAccessOrganization(p(['hr_manager'], 'parent'), 'child', isDescendant)).rejects.toBeInstanceOf(NotFoundError);
    await expect(assertCanAccessOrganization(p(['organization_admin'], 'parent'), 'child')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('a principal without an organization reaches nothing', async () => {
    await expect(assertCanAccessOrganization(p(['hr_manager']), 'parent')).rejects.toBeInstanceOf(NotFoundError);
    expect(await scopeOrganizationIds(p(['hr_manager']))).toEqual({ kind: 'only', organizationIds: [] });
  });

  it('an employee reaches only their own records', async () => {
    const me = p(['employee'], 'parent', 'emp-1');
    await expect(assertCanAccessEmployee(me, { id: 'emp-1', organizationId: 'parent' })).resolves.toBeUndefined();
    await expect(assertCanAccessEmployee(me, { id: 'emp-2', organizationId: 'parent' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(assertCanAccessEmployee(me, { id: 'emp-1', organizationId: 'other' })).rejects.toBeInstanceOf(NotFoundError);
    expect(() => assertSelfOrNotSelfOnly(me, 'emp-2')).toThrow(NotFoundError);
    expect(scopeEmployeeId(me)).toBe('emp-1');
    expect(() => scopeEmployeeId(p(['employee'], 'parent'))).toThrow(NotFoundError);
  });

  it('HR of the organization reaches its employees, not other tenants’', async () => {
    const hr = p(['hr_manager'], 'parent');
    await expect(assertCanAccessEmployee(hr, { id: 'emp-2', organizationId: 'parent' })).resolves.toBeUndefined();
    await expect(assertCanAccessEmployee(hr, { id: 'emp-3', organizationId: 'other' })).rejects.toBeInstanceOf(NotFoundError);
    expect(scopeEmployeeId(hr)).toBeUndefined();
  });

  it('effective roles: employee + hr_manager on an employee-only route acts as an employee there', async () => {
    const both = p(['employee', 'hr_manager'], 'parent', 'emp-1');
    const myProfileLike = { roles: ['employee'] as const };
    await expect(assertCanAccessEmployee(both, { id: 'emp-2', organizationId: 'parent' }, undefined, myProfileLike)).rejects.toBeInstanceOf(NotFoundError);
    await expect(assertCanAccessEmployee(both, { id: 'emp-2', organizationId: 'parent' })).resolves.toBeUndefined();
  });

  it('scopeOrganizationIds: all for admin, own (+ descendants for organization_admin) otherwise', async () => {
    expect(await scopeOrganizationIds(p(['admin']))).toEqual({ kind: 'all' });
    expect(await scopeOrganizationIds(p(['auditor'], 'parent'), children)).toEqual({ kind: 'only', organizationIds: ['parent'] });
    const scope = await scopeOrganizationIds(p(['organization_admin'], 'parent'), children);
    expect(scope.kind === 'only' && [...scope.organizationIds].sort()).toEqual(['child', 'grandchild', 'parent']);
  });

  it('MFA step-up above a threshold (fils, exact)', () => {
    const threshold = toFils(5000);
    expect(() => assertMfaFor({ mfa: false }, toFils('5000.00'), threshold)).not.toThrow();
    expect(() => assertMfaFor({ mfa: false }, toFils('5000.01'), threshold)).toThrow(MfaRequiredError);
    expect(() => assertMfaFor({ mfa: true }, toFils(999_999.99), threshold)).not.toThrow();
  });
});

describe('audit trail in PostgreSQL (audit_log)', () => {
  // What the wiring of every function with a database does at module scope.
  registerAuditDatabase(getPool);
  const byRequest = async (requestId: string) =>
    (await getPool().query('SELECT * FROM audit_log WHERE request_id = $1', [requestId])).rows as Record<string, unknown>[];

  it("the API handler's denials are written to audit_log (DATABASE_URL configured): who, what, when, where, request id", async () => {
    const route = ROUTES.find((r) => r.id === 'createRepayment')!;
    const handler = apiHandler(route.id, {}, async () => ({ status: 201 }));
    const event = proxyEvent(route, {
      authorizer: authorizerContext({ subject: 'auditor-7', roles: ['auditor'], org: 'org-audit' }),
      headers: { 'Idempotency-Key': `k-${randomUUID()}` },
      sourceIp: '203.0.113.77',
    });
    const response = await handler(event, lambdaContext());
    expect(response.statusCode).toBe(403);
    const rows = await byRequest(event.requestContext.requestId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      actor: 'auditor-7',
      roles: ['auditor'],
      organization_id: 'org-audit',
      action: 'route.invoke',
      resource: 'route/createRepayment',
      outcome: 'denied',
      source_ip: '203.0.113.77',
    });
    expect(rows[0]!.reason).toMatch(/not allowed/);
    expect(rows[0]!.occurred_at).toBeInstanceOf(Date);
  });

  it('audit() records a money-moving change; with { db } it commits or rolls back with the caller’s transaction', async () => {
    const requestId = `req-${randomUUID()}`;
    const request = { principal: p(['finance_manager'], 'org-a'), requestId, sourceIp: '10.0.0.1' };
    await audit({ ...auditContext(request), action: 'repayment.create', resource: 'employee/emp-1', outcome: 'succeeded', details: { amount: 150.25 } });
    expect((await byRequest(requestId))[0]).toMatchObject({ action: 'repayment.create', details: { amount: 150.25 }, outcome: 'succeeded' });

    const rolledBack = `req-${randomUUID()}`;
    await expect(
      withTransaction(async (client) => {
        await audit({ ...auditContext({ ...request, requestId: rolledBack }), action: 'advance.request', resource: 'employee/emp-1', outcome: 'succeeded' }, { db: client });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await byRequest(rolledBack)).toHaveLength(0);
  });

  it('audit rows are append-only', async () => {
    const requestId = `req-${randomUUID()}`;
    await new PostgresAuditSink(() => getPool()).record({ actor: 'a', roles: [], action: 'x', resource: 'y', outcome: 'allowed', requestId, sourceIp: 'z' });
    await expect(getPool().query('DELETE FROM audit_log WHERE request_id = $1', [requestId])).rejects.toThrow(/append-only/);
  });
});
