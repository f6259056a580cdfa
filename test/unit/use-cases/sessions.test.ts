import { describe, expect, it } from 'vitest';
import { TenantAccessDeniedError } from '#shared/auth/errors';
import type { Principal } from '#shared/auth/principal';
import { ForbiddenError, UnprocessableError } from '#shared/domain/errors';
import { logout, revokeSessions } from '#shared/use-cases/identity/sessions';
import { MemoryOrganizationTree, MemoryRecords, MemoryRevocationStore, MemoryTokenProvider, TestClock } from '../../support/memory-ports';

/** Logout and revocation (use-cases/identity/sessions.ts) against in-memory revocations, directory rows and the organization tree. */
function world() {
  const clock = new TestClock();
  const store = new MemoryRevocationStore(clock);
  const tree = new MemoryOrganizationTree().add('org-parent').add('org-child', 'org-parent').add('org-other');
  const records = new MemoryRecords();
  records.employee({ id: 'emp-child', organization_id: 'org-child' });
  records.employee({ id: 'emp-other', organization_id: 'org-other' });
  const provider = new MemoryTokenProvider();
  const audited: { action: string; resource: string; outcome: string }[] = [];
  const ports = {
    revocations: store.asSessionRevocations(),
    provider,
    isDescendant: tree.isDescendant,
    findEmployee: async (id: string) => {
      const row = await records.findEmployee(id);
      return row && { id: row.id, organizationId: row.organization_id };
    },
    audit: async (entry: { action: string; resource: string; outcome: 'succeeded' }) => {
      audited.push(entry);
    },
  };
  return { clock, store, provider, ports, audited };
}

const admin = (organizationId: string, roles: Principal['roles'] = ['organization_admin']): Principal => ({ subject: `admin-of-${organizationId}`, roles, organizationId, mfa: false });

describe('logout', () => {
  it('revokes this access token until its own expiry and the refresh token at the provider; other tokens stay valid', async () => {
    const { clock, store, provider, ports } = world();
    const exp = clock.seconds() + 600;
    const principal: Principal = { subject: 'u-1', roles: ['employee'], mfa: false, tokenId: 'jti-1', expiresAt: exp, clientId: 'portal' };
    const result = await logout(ports, principal, { refreshToken: 'refresh-1' });
    expect(result).toEqual({ accessTokenRevokedUntil: new Date(exp * 1000).toISOString(), refreshToken: 'revoked' });
    expect(provider.revoked).toEqual([{ refreshToken: 'refresh-1', clientId: 'portal' }]);
    expect(await store.isRevoked({ subject: 'u-1', tokenId: 'jti-1', issuedAt: clock.seconds() - 60 })).toBe(true);
    expect(await store.isRevoked({ subject: 'u-1', tokenId: 'jti-2', issuedAt: clock.seconds() - 60 })).toBe(false);
    clock.advance(601_000);
    expect(await store.isRevoked({ subject: 'u-1', tokenId: 'jti-1', issuedAt: clock.seconds() - 700 })).toBe(false);
  });

  it('a token without jti or exp cannot be revoked alone (422), and nothing is revoked', async () => {
    const { store, provider, ports } = world();
    await expect(logout(ports, { subject: 'u-1', roles: ['employee'], mfa: false, expiresAt: 1 }, { refreshToken: 'r' })).rejects.toBeInstanceOf(UnprocessableError);
    expect(provider.revoked).toEqual([]);
    expect(await store.isRevoked({ subject: 'u-1', issuedAt: 0 })).toBe(false);
  });

  it('without a refresh token only the access token is revoked', async () => {
    const { clock, provider, ports } = world();
    const result = await logout(ports, { subject: 'u-1', roles: ['employee'], mfa: false, tokenId: 'j', expiresAt: clock.seconds() + 5 }, undefined);
    expect(result.refreshToken).toBe('not_given');
    expect(provider.revoked).toEqual([]);
  });
});

describe('revoking sessions (offboarding)', () => {
  it('an organization admin revokes an employee of a child organization: tokens issued up to now are refused, later ones are not', async () => {
    const { clock, store, ports, audited } = world();
    const view = await revokeSessions(ports, admin('org-parent'), { employeeId: 'emp-child' });
    expect(view).toEqual({ kind: 'employee', id: 'emp-child', revokedBefore: new Date(Math.ceil(clock.now() / 1000) * 1000).toISOString() });
    expect(audited).toEqual([{ action: 'session.revoke', resource: 'employee/emp-child', outcome: 'succeeded' }]);
    expect(await store.isRevoked({ subject: 'whoever', employeeId: 'emp-child', issuedAt: clock.seconds() - 1 })).toBe(true);
    clock.advance(2_000);
    expect(await store.isRevoked({ subject: 'whoever', employeeId: 'emp-child', issuedAt: clock.seconds() })).toBe(false);
    // Kept only as long as any token can live (24 h): then every token it refused has expired anyway.
    clock.advance(24 * 3600 * 1000);
    expect(await store.isRevoked({ subject: 'whoever', employeeId: 'emp-child', issuedAt: 0 })).toBe(false);
  });

  it('another tenant’s employee, or one that does not exist, is 404 and nothing is revoked', async () => {
    const { clock, store, ports, audited } = world();
    await expect(revokeSessions(ports, admin('org-parent'), { employeeId: 'emp-other' })).rejects.toBeInstanceOf(TenantAccessDeniedError);
    await expect(revokeSessions(ports, admin('org-child'), { employeeId: 'emp-nobody' })).rejects.toMatchObject({ status: 404 });
    // A child's admin does not reach up to the parent's tree either.
    await expect(revokeSessions(ports, admin('org-other'), { employeeId: 'emp-child' })).rejects.toBeInstanceOf(TenantAccessDeniedError);
    expect(await store.isRevoked({ subject: 's', employeeId: 'emp-other', issuedAt: clock.seconds() - 10 })).toBe(false);
    expect(audited).toEqual([]);
  });

  it('a bare subject is revoked by a platform admin only', async () => {
    const { clock, store, ports, audited } = world();
    await expect(revokeSessions(ports, admin('org-parent'), { subject: 'idp-user-7' })).rejects.toBeInstanceOf(ForbiddenError);
    expect(await store.isRevoked({ subject: 'idp-user-7', issuedAt: clock.seconds() - 10 })).toBe(false);
    const view = await revokeSessions(ports, { subject: 'root', roles: ['admin'], mfa: true }, { subject: 'idp-user-7' });
    expect(view.kind).toBe('subject');
    expect(audited).toEqual([{ action: 'session.revoke', resource: 'subject/idp-user-7', outcome: 'succeeded' }]);
    expect(await store.isRevoked({ subject: 'idp-user-7', issuedAt: clock.seconds() - 10 })).toBe(true);
  });
});
