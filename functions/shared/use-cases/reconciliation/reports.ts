import type { Queryable } from '#shared/db/pool';
import { NotFoundError } from '#shared/domain/errors';
import type { Page } from '#shared/schemas/common';
import type { ListReportsQuery, ReconciliationStatus, ReportSummaryView, ReportView } from '#shared/schemas/reconciliation';
import type { Finding } from './reconcile';

/**
 * Reading reconciliation reports (GET /reconciliation/reports, GET /reconciliation/reports/{id}): what the nightly
 * and on-demand runs found, for platform operators and finance. Reports span organizations: admin only (route table).
 */
interface ReportRow {
  id: string;
  status: ReconciliationStatus;
  trigger: 'schedule' | 'on_demand';
  period_start: string;
  period_end: string;
  requested_by: string | null;
  started_at: Date;
  finished_at: Date | null;
  abhi_advances: number;
  abhi_repayments: number;
  local_advances: number;
  local_repayments: number;
  fixed: number;
  mismatches: number;
  error: string | null;
}

const SUMMARY_COLUMNS = `id, status, trigger, to_char(period_start, 'YYYY-MM-DD') AS period_start, to_char(period_end, 'YYYY-MM-DD') AS period_end,
  requested_by, started_at, finished_at, abhi_advances, abhi_repayments, local_advances, local_repayments, fixed, mismatches, error`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function listReconciliationReports(db: Queryable, query: ListReportsQuery): Promise<Page<ReportSummaryView>> {
  const status = query.status ?? null;
  const [rows, total] = await Promise.all([
    db.query<ReportRow>(
      `SELECT ${SUMMARY_COLUMNS} FROM reconciliation_reports WHERE ($1::text IS NULL OR status = $1)
        ORDER BY started_at DESC, id DESC LIMIT $2 OFFSET $3`,
      [status, query.limit, (query.page - 1) * query.limit],
    ),
    db.query<{ n: number }>(`SELECT count(*)::int AS n FROM reconciliation_reports WHERE ($1::text IS NULL OR status = $1)`, [status]),
  ]);
  return { items: rows.rows.map(summaryView), page: query.page, limit: query.limit, total: total.rows[0]?.n ?? 0 };
}

export async function getReconciliationReport(db: Queryable, id: string): Promise<ReportView> {
  if (!UUID.test(id)) throw new NotFoundError('Reconciliation report');
  const { rows } = await db.query<ReportRow & { details: { fixed?: Finding[]; mismatches?: Finding[] }; summary: string }>(
    `SELECT ${SUMMARY_COLUMNS}, details, summary FROM reconciliation_reports WHERE id = $1`,
    [id],
  );
  const row = rows[0];
  if (!row) throw new NotFoundError('Reconciliation report');
  return {
    ...summaryView(row),
    fixed: (row.details?.fixed ?? []).map(findingView),
    mismatches: (row.details?.mismatches ?? []).map(findingView),
    summary: row.summary,
  };
}

function summaryView(row: ReportRow): ReportSummaryView {
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
