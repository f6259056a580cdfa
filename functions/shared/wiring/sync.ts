import { postgresEmployeeMirror } from '#shared/adapters/postgres/employees-repository';
import { postgresOrganizationMirror } from '#shared/adapters/postgres/organizations-repository';
import { sqsWorkQueue } from '#shared/adapters/sqs/queues';
import type { SyncDeps } from '#shared/use-cases/employees/context';
import { withMirrorPorts } from './mirror';

/** Composition root of the sync's consumer: the mirror's ports (Abhi, cipher, outbox, PostgreSQL) and the `abhi-sync` queue (a page queues the next). */
let deps: SyncDeps | undefined;

export function syncDeps(): SyncDeps {
  return (deps ??= withMirrorPorts({ employees: postgresEmployeeMirror, organizations: postgresOrganizationMirror, syncQueue: sqsWorkQueue('abhi-sync') }));
}
