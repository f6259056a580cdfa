import { apiHandler } from '#shared/http/api-handler';
import { audit, auditContext } from '#shared/auth/audit';
import { revokeSubject, revokeToken } from '#shared/auth/revocation';
import { getPool } from '#shared/db/pool';
import { findEmployeeById } from '#shared/adapters/postgres/employees-repository';
import { isDescendant } from '#shared/use-cases/organizations/organization-access';
import { IDENTITY_REQUESTS } from '#shared/schemas/identity';
import { revokeSessions } from '#shared/use-cases/identity/sessions';
import { registerAuditDatabase } from '#shared/auth/audit';

// Explicit wiring: this function has a database, so its audit events go to audit_log (see auth/audit.ts).
registerAuditDatabase(getPool);

const ports = {
  revocations: { revokeToken, revokeSubject },
  async findEmployee(employeeId: string) {
    const row = await findEmployeeById(getPool(), employeeId);
    return row ? { id: row.id, organizationId: row.organization_id } : undefined;
  },
  isDescendant,
};

/** POST /auth/revocations: every token of a subject or an employee issued before now is refused from now on. */
export const handler = apiHandler('revokeSessions', IDENTITY_REQUESTS, async (req) => {
  const revocation = await revokeSessions(ports, req.principal, req.body);
  await audit({ ...auditContext(req), action: 'session.revoke', resource: `${revocation.kind}/${revocation.id}`, outcome: 'succeeded' });
  return { status: 201, body: revocation };
});
