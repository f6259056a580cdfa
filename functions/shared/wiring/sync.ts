import { postgresEmployees } from '#shared/adapters/postgres/employees-repository';
import { postgresOrganizations } from '#shared/adapters/postgres/organizations-repository';
import { fieldCipher } from '#shared/crypto/field-encryption';
import { sqsWorkQueue } from '#shared/adapters/sqs/queues';
import { publishEvents } from '#shared/events/outbox';
import type { SyncDeps } from '#shared/use-cases/employees/context';
import { abhiClient } from './abhi';
import { withPostgres } from './postgres';

/** Composition root of functions/sync: the Abhi client, the field cipher, the outbox relay and the `abhi-sync` queue. */
let deps: SyncDeps | undefined;

export function syncDeps(): SyncDeps {
  return (deps ??= withPostgres({
    get abhi() {
      return abhiClient();
    },
    get cipher() {
      return fieldCipher();
    },
    publishEvents,
    employees: postgresEmployees,
    organizations: postgresOrganizations,
    syncQueue: sqsWorkQueue('abhi-sync'),
  }));
}
