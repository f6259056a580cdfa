import { describe, expect, it } from 'vitest';
import { TenantAccessDeniedError } from '#shared/auth/errors';
import type { Principal } from '#shared/auth/principal';
import type { Queryable } from '#shared/db/pool';
import type { TenantDeps } from '#shared/use-cases/employees/context';
import { assertOrganizationAccess, isDescendantIn, organizationScope } from '#shared/use-cases/organizations/organization-access';
import { MemoryOrganizationMirror } from '../../support/memory-ports';

/**
 * The tenant checks of the business use cases (use-cases/organizations/organization-access) against the in-memory
 * organization mirror: they read the tree through their deps' store and connection, never a pool of their own.
 */
const principal = (roles: Principal['roles'], organizationId?: string): Principal => ({ subject: `user-${organizationId ?? 'platform'}`, roles, organizationId, mfa: false });

async function world() {
  // A connection the use cases must hand to the store as it is (the memory store never queries it).
  const writer: Queryable = { query: () => Promise.reject(new Error('the memory store answers itself')) };
  const organizations = new MemoryOrganizationMirror();
  const add = (id: string, parentId: string | null = null) =>
    organizations.upsertFromAbhi(writer, {
      id,
      parentId,
      name: `Org ${id}`,
      industry: null,
      businessTypeId: null,
      address: null,
      city: null,
      managementAlias: null,
      creditLimit: null,
      phone: null,
      email: null,
      payrollStartDay: null,
      active: true,
    });
  await add('holding');
  await add('branch', 'holding');
  await add('desk', 'branch');
  await add('elsewhere');
  organizations.connections.length = 0;
  const deps: TenantDeps = { db: writer, organizations };
  return { writer, organizations, deps };
}

describe('tenant checks take their database from their deps', () => {
  it('scope: every organization for a platform admin, the subtree for an organization admin, the own organization otherwise', async () => {
    const { deps } = await world();
    expect(await organizationScope(deps, principal(['admin']))).toEqual({ kind: 'all' });
    const scope = await organizationScope(deps, principal(['organization_admin'], 'holding'));
    expect(scope.kind === 'only' && [...scope.organizationIds].sort()).toEqual(['branch', 'desk', 'holding']);
    expect(await organizationScope(deps, principal(['hr_manager'], 'branch'))).toEqual({ kind: 'only', organizationIds: ['branch'] });
  });

  it('access: an organization admin reaches its descendants, never its parent or another tree (404)', async () => {
    const { deps } = await world();
    await expect(assertOrganizationAccess(deps, principal(['organization_admin'], 'holding'), 'desk')).resolves.toBeUndefined();
    await expect(assertOrganizationAccess(deps, principal(['organization_admin'], 'branch'), 'holding')).rejects.toBeInstanceOf(TenantAccessDeniedError);
    await expect(assertOrganizationAccess(deps, principal(['organization_admin'], 'holding'), 'elsewhere')).rejects.toBeInstanceOf(TenantAccessDeniedError);
    await expect(assertOrganizationAccess(deps, principal(['hr_manager'], 'holding'), 'branch')).rejects.toBeInstanceOf(TenantAccessDeniedError);
    expect(await isDescendantIn(deps)('desk', 'holding')).toBe(true);
    expect(await isDescendantIn(deps)('holding', 'desk')).toBe(false);
  });

  it('every tree lookup went to the store with the connection the deps name', async () => {
    const { deps, organizations, writer } = await world();
    await organizationScope(deps, principal(['organization_admin'], 'holding'));
    await assertOrganizationAccess(deps, principal(['organization_admin'], 'holding'), 'desk');
    expect(organizations.connections.length).toBeGreaterThanOrEqual(2);
    expect(organizations.connections.every((db) => db === writer)).toBe(true);
  });
});
