import { audit, auditContext, registerAuditDatabase } from '#shared/auth/audit';
import { findEmployeeById } from '#shared/adapters/postgres/employees-repository';
import { revokeSubject, revokeToken } from '#shared/auth/revocation';
import { getPool } from '#shared/db/pool';
import type { RevocationPorts } from '#shared/use-cases/identity/sessions';
import { isDescendant } from './tenant-tree';

// Explicit wiring: this function has a database, so its audit events go to audit_log (see auth/audit.ts).
registerAuditDatabase(getPool);

/** Composition root of POST /auth/revocations: revocations in the state table, the employee mirror, the tenant tree. */
const revocationPorts: Omit<RevocationPorts, 'audit'> = {
  revocations: { revokeToken, revokeSubject },
  async findEmployee(employeeId: string) {
    const row = await findEmployeeById(getPool(), employeeId);
    return row ? { id: row.id, organizationId: row.organization_id } : undefined;
  },
  isDescendant,
};

/** The ports for one request: its audit rows name the caller, the request id and the source address. */
export function revocationDeps(request: Parameters<typeof auditContext>[0]): RevocationPorts {
  return { ...revocationPorts, audit: (entry) => audit({ ...auditContext(request), ...entry }) };
}
