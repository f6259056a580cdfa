import type { Principal } from '#shared/auth/principal';
import { TenantAccessDeniedError } from '#shared/auth/errors';
import { assertCanAccessEmployee, assertSelfOrNotSelfOnly, canAccessOrganization, isSelfOnly, scopeOrganizationIds } from '#shared/auth/tenant';
import { NotFoundError } from '#shared/domain/errors';
import {
  evaluateAbhiEligibility,
  evaluateLocalPolicy,
  requiresApproval,
  requiresMfa,
  resolveAdvancePolicy,
  uaeMonth,
  type Reason,
} from '#shared/domain/advance-policy';
import { filsToDecimalString, filsToNumber, toFils, type Fils } from '#shared/domain/money';
import type { Route } from '#shared/routes';
import type {
  AdvanceView,
  BalanceView,
  EmployeeTransactionsQuery,
  ListTransactionsQuery,
  RepaymentView,
  TransactionItem,
  ValidateAdvanceBody,
  ValidationResult,
} from '#shared/schemas/transactions';
import type { Page } from '#shared/schemas/common';
import { balanceCacheKey, netOfRequests, type CachedBalance } from '../advances/balance-cache';
import { translateAbhiError } from '../abhi-errors';
import { abhiFor } from '../advances/abhi-advances';
import type { Invocation } from '../invocation';
import type { CoreAdvanceDeps, TransactionDeps, TransactionReadDeps } from '../advances/ports';
import type { EmployeeAdvanceContext } from '../ports/advance-request-store';
import type { RepaymentRow } from '../ports/repayment-store';
import type { TransactionListRow } from '../ports/transaction-list-store';
import { localPolicyFacts } from '../advances/local-policy';
import { decimalToNumber, loadAdvanceView, nullableDecimal } from '../advances/view';
import { toRepaymentView } from '../repayments/view';

/**
 * Read side of the transaction API: the employer's list, an employee's history, one transaction, the monthly
 * balance (Abhi's figure cached at most 30 s, net of what the employee already asked for) and the eligibility check.
 */
interface Caller {
  principal: Principal;
  route: Pick<Route, 'roles'>;
}

function toItem(row: TransactionListRow): TransactionItem {
  return {
    type: row.type,
    id: row.id,
    organizationId: row.organization_id,
    employeeId: row.employee_id,
    employeeCode: row.employee_code,
    employeeName: row.employee_name,
    department: row.department,
    amount: decimalToNumber(row.amount),
    status: row.status,
    description: row.description,
    reference: row.reference,
    abhiId: row.abhi_id,
    processingFee: nullableDecimal(row.processing_fee),
    repaymentAmount: nullableDecimal(row.repayment_amount),
    dueDate: row.due_date,
    transactionId: row.transaction_id,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

export async function listTransactions(deps: Pick<TransactionReadDeps, 'db' | 'transactionList'>, caller: Caller, query: ListTransactionsQuery): Promise<Page<TransactionItem>> {
  const scope = await scopeOrganizationIds(caller.principal, undefined, caller.route);
  const { rows, total } = await deps.transactionList.list(deps.db, {
    ...(scope.kind === 'only' ? { organizationIds: scope.organizationIds } : {}),
    status: query.status,
    type: query.type,
    startDate: query.startDate,
    endDate: query.endDate,
    employeeCode: query.employeeCode,
    department: query.department,
    page: query.page,
    limit: query.limit,
  });
  return { items: rows.map(toItem), page: query.page, limit: query.limit, total };
}

async function employeeInScope(deps: Pick<TransactionReadDeps, 'db' | 'advanceRequests'>, caller: Caller, employeeId: string): Promise<EmployeeAdvanceContext> {
  assertSelfOrNotSelfOnly(caller.principal, employeeId, caller.route);
  const employee = await deps.advanceRequests.employeeContext(deps.db, employeeId);
  if (!employee) throw new NotFoundError('Employee');
  await assertCanAccessEmployee(caller.principal, { id: employee.employee_id, organizationId: employee.organization_id }, undefined, caller.route);
  return employee;
}

export async function employeeTransactions(
  deps: Pick<TransactionReadDeps, 'db' | 'advanceRequests' | 'transactionList'>,
  caller: Caller,
  employeeId: string,
  query: EmployeeTransactionsQuery,
): Promise<Page<TransactionItem>> {
  await employeeInScope(deps, caller, employeeId);
  const { rows, total } = await deps.transactionList.list(deps.db, { employeeId, status: query.status, type: query.type, page: query.page, limit: query.limit });
  return { items: rows.map(toItem), page: query.page, limit: query.limit, total };
}

/** One advance (by our id or Abhi's transaction id) or one repayment (by id, client reference or Abhi id). */
export async function getTransaction(
  deps: Pick<TransactionReadDeps, 'db' | 'advanceRequests' | 'ledger' | 'repayments'>,
  caller: Caller,
  id: string,
): Promise<AdvanceView | RepaymentView> {
  const advance = await deps.advanceRequests.findByIdOrAbhiId(deps.db, id);
  const target = advance
    ? { organizationId: advance.organization_id, employeeId: advance.employee_id }
    : await (async () => {
        const repayment =
          (await deps.repayments.findById(deps.db, id)) ??
          (await byClientReference(caller, await deps.repayments.listByClientReference(deps.db, id))) ??
          (await deps.repayments.findByAbhiId(deps.db, id));
        return repayment ? { organizationId: repayment.organization_id, employeeId: repayment.employee_id, repayment } : undefined;
      })();
  if (!target) throw new NotFoundError('Transaction');
  if (isSelfOnly(caller.principal, caller.route)) {
    if (caller.principal.employeeId !== target.employeeId || caller.principal.organizationId !== target.organizationId) {
      throw new TenantAccessDeniedError('Transaction', 'not the caller’s own transaction');
    }
  } else if (!(await canAccessOrganization(caller.principal, target.organizationId, undefined, caller.route))) {
    throw new TenantAccessDeniedError('Transaction', 'transaction of another organization');
  }
  if (advance) return loadAdvanceView(deps, advance);
  const repayment = (target as { repayment: Parameters<typeof toRepaymentView>[0] }).repayment;
  return toRepaymentView(repayment, await deps.ledger.outstanding(deps.db, repayment.employee_id));
}

/**
 * Client references are unique per organization only: the one the caller may see (live before FAILED), else any, so
 * that a reference of another tenant is refused like any foreign id (404, audited) below.
 */
async function byClientReference(caller: Caller, rows: RepaymentRow[]): Promise<RepaymentRow | undefined> {
  for (const row of rows) {
    const visible = isSelfOnly(caller.principal, caller.route)
      ? caller.principal.employeeId === row.employee_id && caller.principal.organizationId === row.organization_id
      : await canAccessOrganization(caller.principal, row.organization_id, undefined, caller.route);
    if (visible) return row;
  }
  return rows[0];
}

export const BALANCE_CACHE_SECONDS = 30;


/**
 * Abhi's monthly balance (cached at most 30 s) brought up to date with the requests made here (`netOfRequests`):
 * open requests are held back from the available amount, and an advance completed after Abhi's figure was read
 * counts as drawn at once, so money already requested never shows as available and a completed advance never
 * shows as still pending.
 */
export async function getBalance(deps: CoreAdvanceDeps & Pick<TransactionDeps, 'cache'>, ctx: Caller & Invocation, employeeId: string, period: { month?: number; year?: number }): Promise<BalanceView> {
  await employeeInScope(deps, ctx, employeeId);
  const now = deps.now();
  const current = uaeMonth(now);
  const month = period.month ?? current.month;
  const year = period.year ?? current.year;
  const key = balanceCacheKey(employeeId, year, month);
  let cached = await deps.cache.get<CachedBalance>(key).catch(() => undefined);
  if (!cached) {
    const fetchedAt = deps.now().toISOString();
    // Taken before Abhi is asked: what completes from here on may be missing from its answer.
    const snapshotAt = (await deps.advanceRequests.databaseNow(deps.db)).toISOString();
    const balance = await abhiFor(deps, ctx).monthlyBalance(employeeId, month, year).catch((error: unknown) => {
      throw translateAbhiError(error, 'Employee');
    });
    cached = {
      fetchedAt,
      snapshotAt,
      month,
      year,
      available: filsToDecimalString(balance.availableFils),
      used: balance.usedFils === undefined ? null : filsToDecimalString(balance.usedFils),
      pending: balance.pendingFils === undefined ? null : filsToDecimalString(balance.pendingFils),
      gross: balance.grossSalaryFils === undefined ? null : filsToDecimalString(balance.grossSalaryFils),
      net: balance.netSalaryFils === undefined ? null : filsToDecimalString(balance.netSalaryFils),
    };
    await deps.cache.set(key, cached, BALANCE_CACHE_SECONDS).catch(() => undefined);
  }
  const isCurrentMonth = month === current.month && year === current.year;
  const balance = await netOfRequests(deps, employeeId, cached, isCurrentMonth);
  return {
    employeeId,
    month,
    year,
    availableAmount: filsToNumber(balance.availableFils),
    abhiAvailableAmount: filsToNumber(toFils(cached.available)),
    pendingRequestsAmount: filsToNumber(balance.openFils),
    pendingRequests: balance.openCount,
    usedAmount: balance.usedFils === null ? null : filsToNumber(balance.usedFils),
    grossSalary: nullableDecimal(cached.gross),
    netSalary: nullableDecimal(cached.net),
    outstandingAmount: decimalToNumber(await deps.ledger.outstanding(deps.db, employeeId)),
    asOf: cached.fetchedAt,
  };
}

/**
 * Would an advance of this amount be accepted now? Abhi's validation, the organization's policy and what the
 * employee already asked for — the same rules the workflow applies (it re-checks them when the request is made).
 */
export async function validateAdvance(deps: CoreAdvanceDeps, ctx: Caller & Invocation, body: ValidateAdvanceBody): Promise<ValidationResult> {
  const employee = await employeeInScope(deps, ctx, body.employeeId);
  const amountFils = toFils(body.amount);
  const policy = resolveAdvancePolicy(employee.advance_policy);
  const now = deps.now();
  const snapshotAt = deps.now();
  const abhi = await abhiFor(deps, ctx).validateAdvance(body.employeeId, amountFils).catch((error: unknown) => {
    throw translateAbhiError(error, 'Employee');
  });
  const reasons: Reason[] = [];
  if (employee.deleted || employee.employee_status.toLowerCase() !== 'active' || !employee.organization_active) {
    reasons.push({ code: 'EMPLOYEE_INACTIVE', source: 'employee', message: `The employee is ${employee.deleted ? 'deleted' : employee.employee_status}.` });
  }
  reasons.push(
    ...evaluateAbhiEligibility(amountFils, {
      isValid: abhi.isValid,
      maxAmountFils: abhi.maxAmountFils ?? amountFils,
      availableAmountFils: abhi.availableAmountFils ?? 0n,
      message: abhi.message ?? abhi.validationErrors.map((e) => e.message).join('; '),
    }),
  );
  reasons.push(...evaluateLocalPolicy(policy, await localPolicyFacts(deps, employee, amountFils, now)));
  const pending = await deps.advanceRequests.pendingAmount(deps.db, body.employeeId, snapshotAt);
  const abhiAvailable: Fils = abhi.availableAmountFils ?? 0n;
  const net = abhiAvailable - toFils(pending.total);
  const available = net > 0n ? net : 0n;
  if (amountFils > available && !reasons.some((r) => r.source === 'abhi')) {
    reasons.push({
      code: 'INSUFFICIENT_AVAILABLE_AMOUNT',
      source: 'balance',
      message: `Only AED ${filsToNumber(available).toFixed(2)} is available${pending.count ? ' after the requests already made' : ''}.`,
    });
  }
  return {
    employeeId: body.employeeId,
    amount: body.amount,
    eligible: reasons.length === 0,
    reasons,
    availableAmount: filsToNumber(available),
    maxAmount: abhi.maxAmountFils === undefined ? null : filsToNumber(abhi.maxAmountFils),
    requiresApproval: requiresApproval(policy, amountFils),
    requiresMfa: requiresMfa(policy, amountFils),
  };
}
