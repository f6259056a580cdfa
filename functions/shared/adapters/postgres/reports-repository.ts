import type { OrganizationScope } from '#shared/auth/tenant';
import type { Queryable } from '#shared/db/pool';
import { STATEMENT_TIME_ZONE, type LedgerEntryRow, type LocalBalanceRow, type ReportStore } from '#shared/use-cases/ports/report-store';

/**
 * Read models over the ledger for reports (the ReportStore port). The ledger is append-only; the balance effect of an
 * entry is its amount, except repayments, which always lower the balance (whatever sign the writer used).
 */
const EFFECT = `CASE WHEN kind = 'repayment' THEN -abs(amount) ELSE amount END`;

export async function statementPeriod(db: Queryable, year: number, month: number): Promise<{ start: Date; end: Date }> {
  const { rows } = await db.query<{ start: Date; end: Date }>(
    `SELECT (make_timestamp($1, $2, 1, 0, 0, 0) AT TIME ZONE $3) AS start,
            ((make_timestamp($1, $2, 1, 0, 0, 0) + interval '1 month') AT TIME ZONE $3) AS "end"`,
    [year, month, STATEMENT_TIME_ZONE],
  );
  return rows[0]!;
}

export async function ledgerBalanceBefore(db: Queryable, employeeId: string, before: Date): Promise<string> {
  const { rows } = await db.query<{ balance: string }>(
    `SELECT COALESCE(sum(${EFFECT}), 0)::text AS balance FROM ledger_entries WHERE employee_id = $1 AND occurred_at < $2`,
    [employeeId, before],
  );
  return rows[0]!.balance;
}

export async function ledgerEntriesBetween(db: Queryable, employeeId: string, start: Date, end: Date): Promise<LedgerEntryRow[]> {
  const { rows } = await db.query<LedgerEntryRow>(
    `SELECT id::text AS id, kind, (${EFFECT})::text AS effect, occurred_at,
            COALESCE(abhi_reference, advance_request_id::text, repayment_id::text) AS reference
     FROM ledger_entries WHERE employee_id = $1 AND occurred_at >= $2 AND occurred_at < $3
     ORDER BY occurred_at, id`,
    [employeeId, start, end],
  );
  return rows;
}

/** Ledger outstanding and pending (not yet disbursed) advance amounts per employee. */
export async function localBalances(db: Queryable, employeeIds: readonly string[]): Promise<Map<string, LocalBalanceRow>> {
  if (employeeIds.length === 0) return new Map();
  const { rows } = await db.query<LocalBalanceRow>(
    `SELECT e.id AS employee_id,
            COALESCE((SELECT sum(${EFFECT}) FROM ledger_entries l WHERE l.employee_id = e.id), 0)::text AS ledger_outstanding,
            COALESCE((SELECT sum(amount) FROM advance_requests a WHERE a.employee_id = e.id
                       AND a.status IN ('PENDING_VALIDATION', 'PENDING_APPROVAL', 'PROCESSING')), 0)::text AS pending_amount
     FROM employees e WHERE e.id = ANY($1::text[])`,
    [[...employeeIds]],
  );
  return new Map(rows.map((row) => [row.employee_id, row]));
}

/** Employees of the scope whose local ledger shows a balance or who have requests in flight. */
export async function owingEmployeeIds(db: Queryable, scope: OrganizationScope, organizationId?: string): Promise<string[]> {
  const params: unknown[] = [];
  const clauses = [`e.status <> 'deleted'`];
  if (scope.kind === 'only') {
    params.push([...scope.organizationIds]);
    clauses.push(`e.organization_id = ANY($${params.length}::text[])`);
  }
  if (organizationId) {
    params.push(organizationId);
    clauses.push(`e.organization_id = $${params.length}`);
  }
  const { rows } = await db.query<{ id: string }>(
    `SELECT e.id FROM employees e WHERE ${clauses.join(' AND ')} AND (
       EXISTS (SELECT 1 FROM ledger_entries l WHERE l.employee_id = e.id)
       OR EXISTS (SELECT 1 FROM advance_requests a WHERE a.employee_id = e.id AND a.status IN ('PENDING_VALIDATION', 'PENDING_APPROVAL', 'PROCESSING')))`,
    params,
  );
  return rows.map((r) => r.id);
}

export const postgresReports: ReportStore = {
  statementPeriod,
  balanceBefore: ledgerBalanceBefore,
  entriesBetween: ledgerEntriesBetween,
  localBalances,
  owingEmployeeIds,
};
