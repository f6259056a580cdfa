import { postgresEmployees } from '#shared/adapters/postgres/employees-repository';
import { postgresOrganizationMirror } from '#shared/adapters/postgres/organizations-repository';
import { postgresReports } from '#shared/adapters/postgres/reports-repository';
import type { ReportDeps } from '#shared/use-cases/employees/context';
import { abhiClient } from './abhi';
import { withReader } from './postgres';

/** Composition root of the outstanding report: Abhi's figures, the employee mirror, the ledger's read models, the reader. */
let reports: ReportDeps | undefined;

export function reportDeps(): ReportDeps {
  return (reports ??= withReader({
    employees: postgresEmployees,
    organizations: postgresOrganizationMirror,
    reports: postgresReports,
    get abhi() {
      return abhiClient();
    },
  }));
}
