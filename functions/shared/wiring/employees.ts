import { postgresEmployeeMirror } from '#shared/adapters/postgres/employees-repository';
import { postgresOrganizationMirror } from '#shared/adapters/postgres/organizations-repository';
import { postgresRecordedEvents } from '#shared/adapters/postgres/recorded-events';
import { revokeSubject } from '#shared/auth/revocation';
import { dynamoJobStore } from '#shared/adapters/sqs/jobs';
import { sqsWorkQueue } from '#shared/adapters/sqs/queues';
import type { EmployeeDeps, ImportDeps } from '#shared/use-cases/employees/context';
import { withMirrorPorts } from './mirror';

/**
 * Composition root of functions/employees: the mirror's ports (the Abhi client, the AES-GCM field cipher with its key
 * from Secrets Manager, the outbox relay to SNS, PostgreSQL) and session revocation (state table); the bulk import
 * adds the job store and the import queue. Built on first use, once per process; a route bundles only the adapters
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

/** The bulk import (POST /employees/bulk and the `employee-import` consumer). */
export function employeeImportDeps(): ImportDeps {
  if (imports) return imports;
  let jobs: ImportDeps['jobs'] | undefined;
  imports = withMirrorPorts({
    employees: postgresEmployeeMirror,
    organizations: postgresOrganizationMirror,
    get jobs() {
      return (jobs ??= dynamoJobStore());
    },
    importQueue: sqsWorkQueue('employee-import'),
    recordedEvents: postgresRecordedEvents,
  });
  return imports;
}
