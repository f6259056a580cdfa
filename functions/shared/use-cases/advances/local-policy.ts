import { uaeMonthStart, uaeToday, type PolicyFacts } from '#shared/domain/advance-policy';
import type { Fils } from '#shared/domain/money';
import type { EmployeeAdvanceContext } from '../ports/advance-request-store';
import type { TransactionDeps } from './ports';

/**
 * What the local advance policy judges about one request, from the employee's context: one definition for the
 * synchronous checks at the edge, the validate route and the workflow's policy step, so they cannot disagree.
 * `excludeRequestId` leaves the request itself out of this month's count (the workflow judges a recorded request).
 */
export async function localPolicyFacts(
  deps: Pick<TransactionDeps, 'db' | 'advanceRequests'>,
  employee: EmployeeAdvanceContext,
  amountFils: Fils,
  now: Date,
  excludeRequestId: string | null = null,
): Promise<PolicyFacts> {
  return {
    amountFils,
    advancesThisMonth: await deps.advanceRequests.countSince(deps.db, employee.employee_id, uaeMonthStart(now), excludeRequestId),
    dateOfJoining: employee.date_of_joining,
    payrollDay: employee.employee_payroll_day ?? employee.organization_payroll_day,
    today: uaeToday(now),
  };
}
