import { postgresEmployeeMirror } from '#shared/adapters/postgres/employees-repository';
import { postgresOrganizationMirror } from '#shared/adapters/postgres/organizations-repository';
import { postgresRecordedEvents } from '#shared/adapters/postgres/recorded-events';
import { revokeSubject } from '#shared/auth/revocation';
import { dynamoJobStore } from '#shared/adapters/sqs/jobs';
import type { EmployeeDeps, ImportDeps } from '#shared/use-cases/employees/context';
import { withMirrorPorts } from './mirror';

/**
 * Composition root of functions/employees: the mirror's ports (the Abhi client, the AES-GCM field cipher with its key
 * from Secrets Manager, the outbox relay to SNS, PostgreSQL) and session revocation (state table); the bulk import's
 * consumer adds the job store. Built on first use, once per process; a route bundles only the adapters
 * its root names.
 */
let employees: EmployeeDeps | undefined;

export function employeeDeps(): EmployeeDeps {
  return (employees ??= withMirrorPorts({
    employees: postgresEmployeeMirror,
    organizations: postgresOrganizationMirror,
    async revokeEmployeeSessions(employeeId: string) {
      await revokeSubject('employee', employeeId);
    },
  }));
}

let imports: ImportDeps | undefined;

/** The `employee-import` consumer (the route adds its queue: #shared/wiring/bulk-import). */
export function employeeImportDeps(): ImportDeps {
  return (imports ??= importPorts({}));
}

/** The import's ports with `extra` added (built on first use, as every root here). */
export function importPorts<T extends object>(extra: T): ImportDeps & T {
  let jobs: ImportDeps['jobs'] | undefined;
  return withMirrorPorts({
    employees: postgresEmployeeMirror,
    organizations: postgresOrganizationMirror,
    get jobs() {
      return (jobs ??= dynamoJobStore());
    },
    recordedEvents: postgresRecordedEvents,
    ...extra,
  });
}
