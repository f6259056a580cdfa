import { postgresOrganizations } from '#shared/adapters/postgres/organizations-repository';
import type { OrganizationDeps } from '#shared/use-cases/employees/context';
import { withMirrorPorts } from './mirror';

/** Composition root of functions/organizations: the mirror's ports (Abhi, cipher, outbox, PostgreSQL) and the organization store. */
let deps: OrganizationDeps | undefined;

export function organizationDeps(): OrganizationDeps {
  return (deps ??= withMirrorPorts({ organizations: postgresOrganizations }));
}
