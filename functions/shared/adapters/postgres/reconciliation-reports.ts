import type { Queryable } from '#shared/db/pool';
import type { ReconciliationStatus } from '#shared/schemas/reconciliation';
import type {
  FinishedReport,
  NewReport,
  ReconciliationReportReads,
  ReconciliationReportStore,
  RecordOwner,
  ReportRow,
  ReportSummaryRow,
} from '#shared/use-cases/ports/reconciliation-report-store';

/** The reconciliation reports in PostgreSQL: the ReconciliationReportStore port (a run) and the reads (the report routes). */

const START_LOCK = 'reconciliation_reports:start-run';

const SUMMARY_COLUMNS = `id, status, trigger, to_char(period_start, 'YYYY-MM-DD') AS period_start, to_char(period_end, 'YYYY-MM-DD') AS period_end,
  requested_by, started_at, finished_at, abhi_advances, abhi_repayments, local_advances, local_repayments, fixed, mismatches, error`;

/** What a run does to its report: the ReconciliationReportStore port. */
export const postgresReconciliationReports: ReconciliationReportStore = {
  async lockRunStarts(db: Queryable): Promise<void> {
    await db.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [START_LOCK]);
  },

  async abandonStale(db: Queryable, runTimeoutSeconds: number): Promise<void> {
    await db.query(
      `UPDATE reconciliation_reports SET status = 'FAILED', finished_at = now(), error = $2
        WHERE status = 'RUNNING' AND GREATEST(started_at, COALESCE(claimed_at, started_at)) < now() - make_interval(secs => $1)`,
      [runTimeoutSeconds, `Abandoned: not finished within ${runTimeoutSeconds} s (its function stopped before writing a result, or the request was never picked up).`],
    );
  },

  async latestRunning(db: Queryable): Promise<ReportSummaryRow | undefined> {
    const { rows } = await db.query<ReportSummaryRow>(`SELECT ${SUMMARY_COLUMNS} FROM reconciliation_reports WHERE status = 'RUNNING' ORDER BY started_at DESC LIMIT 1`);
    return rows[0];
  },

  async insertRunning(db: Queryable, report: NewReport): Promise<void> {
    await db.query(
      `INSERT INTO reconciliation_reports (id, period_start, period_end, trigger, status, requested_by) VALUES ($1, $2, $3, $4, 'RUNNING', $5)`,
      [report.id, report.periodStart, report.periodEnd, report.trigger, report.requestedBy ?? null],
    );
  },

  async claim(db: Queryable, id: string, leaseSeconds: number) {
    const { rows } = await db.query<{ period_start: string; period_end: string }>(
      `UPDATE reconciliation_reports SET claimed_at = now()
        WHERE id = $1 AND status = 'RUNNING' AND (claimed_at IS NULL OR claimed_at < now() - make_interval(secs => $2))
        RETURNING to_char(period_start, 'YYYY-MM-DD') AS period_start, to_char(period_end, 'YYYY-MM-DD') AS period_end`,
      [id, leaseSeconds],
    );
    return rows[0];
  },

  async status(db: Queryable, id: string): Promise<ReconciliationStatus | undefined> {
    const { rows } = await db.query<{ status: ReconciliationStatus }>(`SELECT status FROM reconciliation_reports WHERE id = $1`, [id]);
    return rows[0]?.status;
  },

  async finish(db: Queryable, id: string, result: FinishedReport): Promise<boolean> {
    const { rowCount } = await db.query(
      `UPDATE reconciliation_reports SET status = $2, finished_at = now(), abhi_advances = $3, abhi_repayments = $4,
         local_advances = $5, local_repayments = $6, fixed = $7, mismatches = $8, details = $9, summary = $10
       WHERE id = $1 AND status = 'RUNNING'`,
      [
        id,
        result.status,
        result.counts.abhiAdvances,
        result.counts.abhiRepayments,
        result.counts.localAdvances,
        result.counts.localRepayments,
        result.fixed,
        result.mismatches,
        JSON.stringify(result.details),
        result.summary,
      ],
    );
    return (rowCount ?? 0) > 0;
  },

  async fail(db: Queryable, id: string, error: string, details?: unknown): Promise<void> {
    if (details === undefined) {
      await db.query(`UPDATE reconciliation_reports SET status = 'FAILED', finished_at = now(), error = $2 WHERE id = $1 AND status = 'RUNNING'`, [id, error]);
    } else {
      await db.query(`UPDATE reconciliation_reports SET status = 'FAILED', finished_at = now(), error = $2, details = $3 WHERE id = $1 AND status = 'RUNNING'`, [
        id,
        error,
        JSON.stringify(details),
      ]);
    }
  },

  async owners(db: Queryable, localIds: readonly string[], employeeIds: readonly string[]): Promise<RecordOwner[]> {
    const { rows } = await db.query<RecordOwner>(
      `SELECT id::text, organization_id, 'advance' AS source FROM advance_requests WHERE id = ANY($1::uuid[])
       UNION ALL SELECT id::text, organization_id, 'repayment' FROM repayments WHERE id = ANY($1::uuid[])
       UNION ALL SELECT id, organization_id, 'employee' FROM employees WHERE id = ANY($2::text[])`,
      [[...localIds], [...employeeIds]],
    );
    return rows;
  },
};

/** The report routes' part (list and read): the ReconciliationReportReads port. */
export const postgresReconciliationReportReads: ReconciliationReportReads = {
  async list(db: Queryable, status: ReconciliationStatus | null, page: number, limit: number) {
    const [rows, total] = await Promise.all([
      db.query<ReportSummaryRow>(
        `SELECT ${SUMMARY_COLUMNS} FROM reconciliation_reports WHERE ($1::text IS NULL OR status = $1)
          ORDER BY started_at DESC, id DESC LIMIT $2 OFFSET $3`,
        [status, limit, (page - 1) * limit],
      ),
      db.query<{ n: number }>(`SELECT count(*)::int AS n FROM reconciliation_reports WHERE ($1::text IS NULL OR status = $1)`, [status]),
    ]);
    return { rows: rows.rows, total: total.rows[0]?.n ?? 0 };
  },

  async get(db: Queryable, id: string): Promise<ReportRow | undefined> {
    const { rows } = await db.query<ReportRow>(`SELECT ${SUMMARY_COLUMNS}, details, summary FROM reconciliation_reports WHERE id = $1`, [id]);
    return rows[0];
  },
};
