import type { OutstandingBalance } from '#shared/abhi/schemas';
import { fromAbhiMoney } from '#shared/abhi/money';
import { assertCanAccessEmployee } from '#shared/auth/tenant';
import type { OrganizationScope } from '#shared/auth/tenant';
import { NotFoundError } from '#shared/domain/errors';
import { filsToNumber, toFils } from '#shared/domain/money';
import type { EmployeeRow } from '#shared/use-cases/ports/employee-store';
import { STATEMENT_TIME_ZONE } from '#shared/use-cases/ports/report-store';
import type { OutstandingReportQuery, OutstandingReportView, OutstandingRow, StatementQuery, StatementView } from '#shared/schemas/reports';
import type { AbhiDeps, ReportDeps, StatementDeps, UseCaseContext } from '../employees/context';
import { assertOrganizationAccess, isDescendantIn, organizationScope } from '../organizations/organization-access';
import { abhiCallOptions } from '#shared/use-cases/invocation';

/**
 * Reports.
 * - Outstanding: Abhi's outstanding balances (all pages, cached ≤ 30 s by the client) restricted to the caller's
 *   employees and merged with the local ledger and pending requests; employees the ledger says owe money but Abhi
 *   does not list are included too, flagged as mismatches.
 * - Statement: one employee's month from the local ledger (append-only), cut in UAE time.
 */
const FETCH_LIMIT = 1000;
const MAX_PAGES = 20;

async function allOutstanding(deps: AbhiDeps, ctx: UseCaseContext, overdue: boolean): Promise<OutstandingBalance[]> {
  const all: OutstandingBalance[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const result = await deps.abhi.repayments.outstanding({ page, limit: FETCH_LIMIT, ...(overdue ? { overdue: true } : {}) }, abhiCallOptions(ctx));
    all.push(...result.results);
    if (result.results.length < FETCH_LIMIT || all.length >= result.total) break;
  }
  return all;
}

const fils = (amount: number | undefined): bigint => (amount === undefined ? 0n : fromAbhiMoney(amount));

function inScope(scope: OrganizationScope, organizationId: string): boolean {
  return scope.kind === 'all' || scope.organizationIds.includes(organizationId);
}

export async function getOutstandingReport(deps: ReportDeps, ctx: UseCaseContext, query: OutstandingReportQuery): Promise<OutstandingReportView> {
  if (query.organizationId) await assertOrganizationAccess(deps, ctx.principal, query.organizationId);
  const scope = await organizationScope(deps, ctx.principal);
  const remote = await allOutstanding(deps, ctx, query.overdue);
  const remoteById = new Map(remote.map((r) => [r.employeeId, r]));
  const localOwing = query.overdue ? [] : await deps.reports.owingEmployeeIds(deps.reader, scope, query.organizationId);
  const ids = [...new Set([...remoteById.keys(), ...localOwing])];
  const db = deps.reader;
  const employees = new Map((await deps.employees.findByIds(db, ids)).map((e) => [e.id, e]));
  const visible = ids.filter((id) => {
    const employee = employees.get(id);
    // Abhi's list spans every organization of the root: only employees of the caller's organizations are shown.
    return (
      employee !== undefined &&
      employee.status !== 'deleted' &&
      inScope(scope, employee.organization_id) &&
      (!query.organizationId || employee.organization_id === query.organizationId) &&
      (!query.department || (employee.department ?? '').toLowerCase() === query.department.toLowerCase())
    );
  });
  const balances = await deps.reports.localBalances(db, visible);

  const rows: (OutstandingRow & { _overdue: bigint; _total: bigint })[] = visible.map((id) => {
    const employee = employees.get(id)!;
    const r = remoteById.get(id);
    const local = balances.get(id);
    const ledger = toFils(local?.ledger_outstanding ?? '0');
    const pending = toFils(local?.pending_amount ?? '0');
    const total = fils(r?.totalOutstanding);
    const overdue = fils(r?.overdueAmount);
    return {
      employeeId: id,
      organizationId: employee.organization_id,
      employeeCode: employee.employee_code ?? r?.employeeCode ?? null,
      employeeName: nameOf(employee) ?? r?.employeeName ?? null,
      department: employee.department,
      totalOutstanding: filsToNumber(total),
      principalAmount: filsToNumber(fils(r?.principalAmount)),
      interestAmount: filsToNumber(fils(r?.interestAmount)),
      penaltyAmount: filsToNumber(fils(r?.penaltyAmount)),
      processingFee: filsToNumber(fils(r?.processingFee)),
      overdueAmount: filsToNumber(overdue),
      daysPastDue: r?.daysPastDue ?? 0,
      nextDueDate: r?.nextDueDate ?? null,
      lastPaymentDate: r?.lastPaymentDate ?? null,
      lastPaymentAmount: r?.lastPaymentAmount === undefined ? null : filsToNumber(fils(r.lastPaymentAmount)),
      ledgerOutstanding: filsToNumber(ledger),
      pendingAdvanceAmount: filsToNumber(pending),
      mismatch: ledger !== total,
      _overdue: overdue,
      _total: total,
    };
  });
  const filtered = query.overdue ? rows.filter((r) => r._overdue > 0n) : rows;
  // Most overdue first, then largest balance; the id breaks ties so pages are stable.
  filtered.sort((a, b) =>
    a._overdue !== b._overdue
      ? a._overdue > b._overdue ? -1 : 1
      : b.daysPastDue !== a.daysPastDue
        ? b.daysPastDue - a.daysPastDue
        : a._total !== b._total
          ? a._total > b._total ? -1 : 1
          : a.employeeId.localeCompare(b.employeeId),
  );
  const totalOutstanding = filtered.reduce((sum, r) => sum + r._total, 0n);
  const totalOverdue = filtered.reduce((sum, r) => sum + r._overdue, 0n);
  const start = (query.page - 1) * query.limit;
  const items = filtered.slice(start, start + query.limit).map(({ _overdue, _total, ...row }) => row);
  return {
    items,
    page: query.page,
    limit: query.limit,
    total: filtered.length,
    summary: {
      totalEmployees: filtered.length,
      totalOutstanding: filsToNumber(totalOutstanding),
      totalOverdue: filsToNumber(totalOverdue),
      averageOutstanding: filtered.length ? filsToNumber(totalOutstanding / BigInt(filtered.length)) : 0,
      employeesWithOverdue: filtered.filter((r) => r._overdue > 0n).length,
    },
    generatedAt: new Date().toISOString(),
  };
}

function nameOf(employee: EmployeeRow): string | null {
  const name = `${employee.first_name} ${employee.last_name}`.trim();
  return name || null;
}

export async function getStatement(deps: StatementDeps, ctx: UseCaseContext, employeeId: string, query: StatementQuery): Promise<StatementView> {
  const db = deps.reader;
  const employee = await deps.employees.findById(db, employeeId);
  if (!employee) throw new NotFoundError('Employee');
  await assertCanAccessEmployee(ctx.principal, { id: employee.id, organizationId: employee.organization_id }, isDescendantIn(deps));
  const { start, end } = await deps.reports.statementPeriod(db, query.year, query.month);
  const [opening, entries] = await Promise.all([deps.reports.balanceBefore(db, employeeId, start), deps.reports.entriesBetween(db, employeeId, start, end)]);
  let balance = toFils(opening);
  const totals = { advance: 0n, fee: 0n, repayment: 0n, adjustment: 0n };
  const lines = entries.map((entry) => {
    const effect = toFils(entry.effect);
    balance += effect;
    totals[entry.kind] += effect;
    return {
      id: entry.id,
      occurredAt: new Date(entry.occurred_at).toISOString(),
      kind: entry.kind,
      amount: filsToNumber(effect),
      balance: filsToNumber(balance),
      reference: entry.reference,
    };
  });
  return {
    employeeId,
    organizationId: employee.organization_id,
    employeeName: `${employee.first_name} ${employee.last_name}`.trim(),
    employeeCode: employee.employee_code,
    month: query.month,
    year: query.year,
    currency: 'AED',
    timeZone: STATEMENT_TIME_ZONE,
    periodStart: new Date(start).toISOString(),
    periodEnd: new Date(end).toISOString(),
    openingBalance: filsToNumber(toFils(opening)),
    closingBalance: filsToNumber(balance),
    totals: {
      advances: filsToNumber(totals.advance),
      fees: filsToNumber(totals.fee),
      // Shown as the positive amount repaid.
      repayments: filsToNumber(-totals.repayment),
      adjustments: filsToNumber(totals.adjustment),
    },
    entries: lines,
  };
}
