import type { Queryable } from '#shared/db/pool';
import { NotFoundError } from '#shared/domain/errors';
import type { Page } from '#shared/schemas/common';
import type { ListReportsQuery, ReportSummaryView, ReportView } from '#shared/schemas/reconciliation';
import type { ReconciliationReportReads, ReportRow, ReportSummaryRow } from '../ports/reconciliation-report-store';
import type { Finding } from './reconcile';

/**
 * Reading reconciliation reports (GET /reconciliation/reports, GET /reconciliation/reports/{id}): what the nightly
 * and on-demand runs found, for platform operators and finance. Reports span organizations: admin only (route table).
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The reports' store and the connection it reads on (the reader endpoint for the list, the writer for one report). */
export interface ReportReadDeps {
  readonly db: Queryable;
  readonly reconciliationReports: ReconciliationReportReads;
}

export async function listReconciliationReports(deps: ReportReadDeps, query: ListReportsQuery): Promise<Page<ReportSummaryView>> {
  const { rows, total } = await deps.reconciliationReports.list(deps.db, query.status ?? null, query.page, query.limit);
  return { items: rows.map(summaryView), page: query.page, limit: query.limit, total };
}

export async function getReconciliationReport(deps: ReportReadDeps, id: string): Promise<ReportView> {
  if (!UUID.test(id)) throw new NotFoundError('Reconciliation report');
  const row = (await deps.reconciliationReports.get(deps.db, id)) as ReportRow<Finding> | undefined;
  if (!row) throw new NotFoundError('Reconciliation report');
  return {
    ...summaryView(row),
    fixed: (row.details?.fixed ?? []).map(findingView),
    mismatches: (row.details?.mismatches ?? []).map(findingView),
    summary: row.summary,
  };
}

function summaryView(row: ReportSummaryRow): ReportSummaryView {
  return {
    id: row.id,
    status: row.status,
    trigger: row.trigger,
    periodStart: row.period_start,
    periodEnd: row.period_end,
    requestedBy: row.requested_by,
    startedAt: new Date(row.started_at).toISOString(),
    finishedAt: row.finished_at ? new Date(row.finished_at).toISOString() : null,
    counts: {
      abhiAdvances: row.abhi_advances,
      abhiRepayments: row.abhi_repayments,
      localAdvances: row.local_advances,
      localRepayments: row.local_repayments,
      fixed: row.fixed,
      mismatches: row.mismatches,
    },
    error: row.error,
  };
}

function findingView(finding: Finding): Finding {
  return {
    kind: finding.kind,
    id: finding.id,
    issue: finding.issue,
    detail: finding.detail,
    ...(finding.action !== undefined ? { action: finding.action } : {}),
  };
}
