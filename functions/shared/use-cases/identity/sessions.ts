import type { Principal } from '#shared/auth/principal';
import { isPlatformPrincipal } from '#shared/auth/principal';
import { assertCanAccessEmployee, type IsDescendant } from '#shared/auth/tenant';
import { ForbiddenError, NotFoundError, UnprocessableError } from '#shared/domain/errors';
import type { CreateRevocationInput, LogoutInput, RefreshTokenOutcome, RevocationView } from '#shared/schemas/identity';

/**
 * Logout and revocation (the seed's LogoutUser). Login and refresh stay at the identity provider (ADR 0015): the
 * platform only refuses tokens it was told to forget. The authorizer checks every token against these revocations,
 * and its cache lives shorter than the 5 s within which a revocation must bite.
 */
export interface SessionRevocations {
  revokeToken(jti: string, expiresAtEpochSeconds: number): Promise<void>;
  revokeSubject(kind: 'subject' | 'employee', id: string): Promise<{ revokedBefore: number }>;
}

export interface LogoutPorts {
  readonly revocations: SessionRevocations;
  readonly provider: { revokeRefreshToken(refreshToken: string, clientId: string | undefined): Promise<RefreshTokenOutcome> };
}

export async function logout(ports: LogoutPorts, principal: Principal, input: LogoutInput | undefined): Promise<{ accessTokenRevokedUntil: string; refreshToken: RefreshTokenOutcome }> {
  if (!principal.tokenId || principal.expiresAt === undefined) {
    throw new UnprocessableError('This access token has no jti or exp, so it cannot be revoked alone: ask an administrator to revoke the subject.');
  }
  await ports.revocations.revokeToken(principal.tokenId, principal.expiresAt);
  const refreshToken = input?.refreshToken ? await ports.provider.revokeRefreshToken(input.refreshToken, principal.clientId) : 'not_given';
  return { accessTokenRevokedUntil: new Date(principal.expiresAt * 1000).toISOString(), refreshToken };
}

export interface RevocationPorts {
  readonly revocations: SessionRevocations;
  /** The employee's organization (deleted employees included: offboarding revokes them too). */
  findEmployee(employeeId: string): Promise<{ id: string; organizationId: string } | undefined>;
  readonly isDescendant: IsDescendant;
  /** Writes a row of the audit log on behalf of the request (who and from where are bound in by the wiring). */
  audit(entry: { action: string; resource: string; outcome: 'succeeded' }): Promise<void>;
}

/**
 * Revokes every token of a subject (platform admins: they see every tenant) or of an employee (admins, and
 * organization admins for employees of their organization or its children; another tenant's employee is 404).
 */
export async function revokeSessions(ports: RevocationPorts, principal: Principal, input: CreateRevocationInput): Promise<RevocationView> {
  if (input.subject !== undefined) {
    // A bare subject says nothing about its organization: only a platform admin may revoke one.
    if (!isPlatformPrincipal(principal)) throw new ForbiddenError('Organization admins revoke by employeeId; revoking a subject needs a platform admin.');
    const { revokedBefore } = await ports.revocations.revokeSubject('subject', input.subject);
    return audited(ports, { kind: 'subject', id: input.subject, revokedBefore: new Date(revokedBefore * 1000).toISOString() });
  }
  const employeeId = input.employeeId!;
  const employee = await ports.findEmployee(employeeId);
  if (!employee) throw new NotFoundError('Employee');
  await assertCanAccessEmployee(principal, employee, ports.isDescendant);
  const { revokedBefore } = await ports.revocations.revokeSubject('employee', employeeId);
  return audited(ports, { kind: 'employee', id: employeeId, revokedBefore: new Date(revokedBefore * 1000).toISOString() });
}

/** Every revocation leaves an audit row (`session.revoke`, resource `<kind>/<id>`). */
async function audited(ports: RevocationPorts, revocation: RevocationView): Promise<RevocationView> {
  await ports.audit({ action: 'session.revoke', resource: `${revocation.kind}/${revocation.id}`, outcome: 'succeeded' });
  return revocation;
}
