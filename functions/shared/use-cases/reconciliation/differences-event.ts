import type { Queryable } from '#shared/db/pool';
import { recordEventOnce } from '#shared/events/record';
import type { ReconciliationReportStore } from '../ports/reconciliation-report-store';

/** What a notice needs of a reconciliation finding (reconcile.ts `Finding`, which calls this: no import back). */
interface Finding {
  readonly kind: string;
  readonly id: string;
  readonly issue: string;
}

/**
 * `reconciliation.differences.found`: one event per organization whose advances or repayments a run found to differ
 * from Abhi's (only mismatches a person must look at; drift the run fixed tells nobody). Finance (the organization's
 * approvers' mailbox, else HR's) learns the period, how many records differ, of which kinds, and the ids to look up —
 * never amounts' owners, account numbers or Emirates IDs. A difference no organization can be found for (money only
 * Abhi knows, for an employee not mirrored here) stays in the report and the `ReconciliationMismatches` alarm.
 * Recorded in the transaction that finishes the report, keyed by report and organization: one event each, ever.
 */
export const DIFFERENCES_EVENT = 'reconciliation.differences.found';

/** Record ids named per organization; the report holds them all. */
const NAMED_RECORDS = 10;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function recordDifferences(
  deps: { readonly reconciliationReports: Pick<ReconciliationReportStore, 'owners'> },
  db: Queryable,
  report: {
    id: string;
    periodStart: string;
    periodEnd: string;
    mismatches: readonly Finding[];
    /** The employee Abhi names for each of its advances and repayments, by Abhi id. */
    employeeOf: ReadonlyMap<string, string>;
  },
): Promise<string[]> {
  if (report.mismatches.length === 0) return [];
  const owners = await organizationsOf(deps, db, report.mismatches, report.employeeOf);
  const byOrganization = new Map<string, Finding[]>();
  for (const finding of report.mismatches) {
    const organizationId = owners.get(finding);
    if (organizationId) byOrganization.set(organizationId, [...(byOrganization.get(organizationId) ?? []), finding]);
  }
  const ids: string[] = [];
  for (const [organizationId, findings] of byOrganization) {
    const issues: Record<string, number> = {};
    for (const finding of findings) issues[finding.issue] = (issues[finding.issue] ?? 0) + 1;
    const { id } = await recordEventOnce(
      db,
      {
        type: DIFFERENCES_EVENT,
        organizationId,
        correlationId: report.id,
        payload: {
          reportId: report.id,
          organizationId,
          periodStart: report.periodStart,
          periodEnd: report.periodEnd,
          differences: findings.length,
          issues,
          records: findings.slice(0, NAMED_RECORDS).map((f) => ({ kind: f.kind, id: f.id, issue: f.issue })),
        },
      },
      `${report.id}:${organizationId}`,
    );
    ids.push(id);
  }
  return ids;
}

/** The organization of each finding: its local request or repayment, else the employee Abhi names. */
async function organizationsOf(
  deps: { readonly reconciliationReports: Pick<ReconciliationReportStore, 'owners'> },
  db: Queryable,
  findings: readonly Finding[], employeeOf: ReadonlyMap<string, string>): Promise<Map<Finding, string>> {
  const localIds = findings.map((f) => f.id).filter((id) => UUID.test(id));
  const employeeIds = findings.map((f) => employeeOf.get(f.id)).filter((id): id is string => typeof id === 'string');
  const rows = await deps.reconciliationReports.owners(db, localIds, employeeIds);
  const owner = (source: string, id: string | undefined) => rows.find((r) => r.source === source && r.id === id)?.organization_id;
  const result = new Map<Finding, string>();
  for (const finding of findings) {
    const organizationId = owner(finding.kind === 'repayment' ? 'repayment' : 'advance', finding.id) ?? owner('employee', employeeOf.get(finding.id));
    if (organizationId) result.set(finding, organizationId);
  }
  return result;
}
