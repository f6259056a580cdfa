import { postgresEmployeeMirror, postgresEmployees } from '#shared/adapters/postgres/employees-repository';
import { postgresOrganizationMirror, postgresOrganizations } from '#shared/adapters/postgres/organizations-repository';
import { postgresReports } from '#shared/adapters/postgres/reports-repository';
import type { EmployeeListDeps, OrganizationListDeps, StatementDeps } from '#shared/use-cases/employees/context';
import { withReader } from './postgres';

/**
 * Composition roots of the read-only list and statement routes: PostgreSQL only (the reader for their rows, the
 * writer for the tenant tree), each with just the stores its use case reads, so a list route bundles no other queries.
 */
export function employeeListDeps(): EmployeeListDeps {
  return withReader({ employees: postgresEmployees, organizations: postgresOrganizationMirror });
}

export function organizationListDeps(): OrganizationListDeps {
  return withReader({ organizations: postgresOrganizations });
}

export function statementDeps(): StatementDeps {
  return withReader({ employees: postgresEmployeeMirror, organizations: postgresOrganizationMirror, reports: postgresReports });
}
