import { postgresEmployees } from '#shared/adapters/postgres/employees-repository';
import { postgresOrganizations } from '#shared/adapters/postgres/organizations-repository';
import { revokeSubject } from '#shared/auth/revocation';
import { fieldCipher } from '#shared/crypto/field-encryption';
import { dynamoJobStore } from '#shared/adapters/sqs/jobs';
import { sqsWorkQueue } from '#shared/adapters/sqs/queues';
import { publishEvents } from '#shared/events/outbox';
import type { EmployeeDeps, ImportDeps } from '#shared/use-cases/employees/context';
import { abhiClient } from './abhi';
import { withPostgres } from './postgres';

/**
 * Composition root of functions/employees: the Abhi client, the AES-GCM field cipher (key from Secrets Manager),
 * the outbox relay to SNS and session revocation (state table); the bulk import adds the job store and the import
 * queue. Built on first use, once per process; a route bundles only the adapters its root names.
 */
let employees: EmployeeDeps | undefined;

export function employeeDeps(): EmployeeDeps {
  return (employees ??= withPostgres({
    get abhi() {
      return abhiClient();
    },
    get cipher() {
      return fieldCipher();
    },
    publishEvents,
    employees: postgresEmployees,
    organizations: postgresOrganizations,
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
  imports = withPostgres({
    get abhi() {
      return abhiClient();
    },
    get cipher() {
      return fieldCipher();
    },
    publishEvents,
    employees: postgresEmployees,
    organizations: postgresOrganizations,
    get jobs() {
      return (jobs ??= dynamoJobStore());
    },
    importQueue: sqsWorkQueue('employee-import'),
  });
  return imports;
}
