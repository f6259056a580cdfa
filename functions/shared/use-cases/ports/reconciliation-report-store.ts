import type { Queryable } from '#shared/db/pool';
import type { ReconciliationStatus } from '#shared/schemas/reconciliation';

/**
 * Port: the reconciliation reports (PostgreSQL's `reconciliation_reports`, implemented in
 * `#shared/adapters/postgres/reconciliation-reports`). A report is RUNNING from its creation until one conditional
 * write closes it (finished or FAILED); every close is `WHERE status = 'RUNNING'`, so a late or second writer changes
 * nothing. Connection first, like every store, so a report's close and its events commit together.
 */
export interface ReconciliationReportStore {
  /** Holds the platform-wide "start a run" lock until the transaction ends (two operators: one run, one 409). */
  lockRunStarts(db: Queryable): Promise<void>;
  /** RUNNING reports older than a run can live (from the request, or from the consumer's claim) become FAILED. */
  abandonStale(db: Queryable, runTimeoutSeconds: number): Promise<void>;
  /** The newest RUNNING report, if any. */
  latestRunning(db: Queryable): Promise<ReportSummaryRow | undefined>;
  insertRunning(db: Queryable, report: NewReport): Promise<void>;
  /**
   * Claims a RUNNING report for one consumer: succeeds when unclaimed or when the claim is older than `leaseSeconds`
   * (its function died). Returns the period, or nothing when not claimable.
   */
  claim(db: Queryable, id: string, leaseSeconds: number): Promise<{ period_start: string; period_end: string } | undefined>;
  status(db: Queryable, id: string): Promise<ReconciliationStatus | undefined>;
  /** Closes a RUNNING report with its result; false when it was not RUNNING (nothing changed). */
  finish(db: Queryable, id: string, result: FinishedReport): Promise<boolean>;
  /** Closes a RUNNING report as FAILED with the reason (and what was found before the failure). */
  fail(db: Queryable, id: string, error: string, details?: unknown): Promise<void>;
  /**
   * Who owns the records a run names: local advance requests and repayments by id (`localIds`, UUIDs), employees by
   * id. One row per record found, with its source.
   */
  owners(db: Queryable, localIds: readonly string[], employeeIds: readonly string[]): Promise<RecordOwner[]>;
}

/**
 * What the report routes read (GET /reconciliation/reports and /{id}): their roots wire only this part, so their
 * bundles leave out the run's statements (ADR 0029's narrow ports).
 */
export interface ReconciliationReportReads {
  /** Newest first (started_at, then id), optionally one status. */
  list(db: Queryable, status: ReconciliationStatus | null, page: number, limit: number): Promise<{ rows: ReportSummaryRow[]; total: number }>;
  get(db: Queryable, id: string): Promise<ReportRow | undefined>;
}

export interface NewReport {
  id: string;
  /** YYYY-MM-DD, inclusive. */
  periodStart: string;
  periodEnd: string;
  trigger: 'schedule' | 'on_demand';
  requestedBy?: string | null;
}

export interface FinishedReport {
  status: 'CLEAN' | 'FIXED' | 'MISMATCHES';
  counts: { abhiAdvances: number; abhiRepayments: number; localAdvances: number; localRepayments: number };
  fixed: number;
  mismatches: number;
  details: unknown;
  summary: string;
}

export interface ReportSummaryRow {
  id: string;
  status: ReconciliationStatus;
  trigger: 'schedule' | 'on_demand';
  /** YYYY-MM-DD. */
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

export interface ReportRow<Finding = unknown> extends ReportSummaryRow {
  details: { fixed?: Finding[]; mismatches?: Finding[] } | null;
  summary: string;
}

export interface RecordOwner {
  id: string;
  organization_id: string;
  source: 'advance' | 'repayment' | 'employee';
}
