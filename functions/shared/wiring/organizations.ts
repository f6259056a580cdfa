import { postgresOrganizations } from '#shared/adapters/postgres/organizations-repository';
import { postgresReports } from '#shared/adapters/postgres/reports-repository';
import { fieldCipher } from '#shared/crypto/field-encryption';
import { publishEvents } from '#shared/events/outbox';
import type { OrganizationDeps } from '#shared/use-cases/employees/context';
import { abhiClient } from './abhi';
import { withPostgres } from './postgres';

/** Composition root of functions/organizations: the Abhi client, the field cipher and the outbox relay to SNS. */
let deps: OrganizationDeps | undefined;

export function organizationDeps(): OrganizationDeps {
  return (deps ??= withPostgres({
    get abhi() {
      return abhiClient();
    },
    get cipher() {
      return fieldCipher();
    },
    publishEvents,
    organizations: postgresOrganizations,
    reports: postgresReports,
  }));
}
