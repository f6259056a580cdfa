import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ADVANCE_POLICY,
  MAX_APPROVAL_TTL_HOURS,
  approvalTimeoutSeconds,
  daysBetween,
  decideAdvance,
  evaluateAbhiEligibility,
  evaluateLocalPolicy,
  isInPayrollBlackout,
  nextPayrollDate,
  requiresApproval,
  requiresMfa,
  resolveAdvancePolicy,
  uaeMonthStart,
  uaeToday,
} from '#shared/domain/advance-policy';
import { toFils } from '#shared/domain/money';

const policy = resolveAdvancePolicy({
  approvalThreshold: 2000,
  mfaThreshold: 1000,
  maxAdvanceAmount: 5000,
  maxAdvancesPerMonth: 2,
  minDaysSinceJoining: 30,
  approvalTtlHours: 48,
  blackoutDaysBeforePayroll: 2,
});

describe('advance policy: resolution', () => {
  it('fills absent or invalid fields with defaults and keeps valid ones', () => {
    expect(resolveAdvancePolicy(undefined)).toEqual(DEFAULT_ADVANCE_POLICY);
    expect(resolveAdvancePolicy('nonsense')).toEqual(DEFAULT_ADVANCE_POLICY);
    const resolved = resolveAdvancePolicy({ approvalThreshold: 500, maxAdvancesPerMonth: -1, mfaThreshold: 'x' });
    expect(resolved.approvalThreshold).toBe(500);
    expect(resolved.maxAdvancesPerMonth).toBe(DEFAULT_ADVANCE_POLICY.maxAdvancesPerMonth);
    expect(resolved.mfaThreshold).toBe(DEFAULT_ADVANCE_POLICY.mfaThreshold);
  });

  it('shortens an approval window longer than the workflow can wait instead of ignoring it', () => {
    expect(resolveAdvancePolicy({ approvalTtlHours: 720 }).approvalTtlHours).toBe(MAX_APPROVAL_TTL_HOURS);
    expect(approvalTimeoutSeconds(resolveAdvancePolicy({ approvalTtlHours: 0.001 }))).toBe(4);
    expect(approvalTimeoutSeconds(policy)).toBe(48 * 3600);
  });

  it('thresholds are exclusive: exactly the threshold needs neither MFA nor approval', () => {
    expect(requiresMfa(policy, toFils(1000))).toBe(false);
    expect(requiresMfa(policy, toFils(1000.01))).toBe(true);
    expect(requiresApproval(policy, toFils(2000))).toBe(false);
    expect(requiresApproval(policy, toFils(2000.01))).toBe(true);
  });
});

describe('advance policy: local checks', () => {
  const facts = { amountFils: toFils(100), advancesThisMonth: 0, dateOfJoining: '2020-01-01', payrollDay: 28, today: '2025-03-10' };

  it('passes an ordinary request', () => {
    expect(evaluateLocalPolicy(policy, facts)).toEqual([]);
  });

  it('names every rule that fails', () => {
    const reasons = evaluateLocalPolicy(policy, { amountFils: toFils(5000.01), advancesThisMonth: 2, dateOfJoining: '2025-03-01', payrollDay: 11, today: '2025-03-10' });
    expect(reasons.map((r) => r.code).sort()).toEqual(['AMOUNT_ABOVE_POLICY_MAXIMUM', 'EMPLOYMENT_TOO_RECENT', 'MONTHLY_ADVANCE_LIMIT_REACHED', 'PAYROLL_BLACKOUT']);
    expect(reasons.every((r) => r.source === 'policy' && r.message.length > 10)).toBe(true);
  });

  it('an unknown date of joining cannot prove tenure', () => {
    expect(evaluateLocalPolicy(policy, { ...facts, dateOfJoining: null }).map((r) => r.code)).toEqual(['EMPLOYMENT_TOO_RECENT']);
    expect(evaluateLocalPolicy({ ...policy, minDaysSinceJoining: 0 }, { ...facts, dateOfJoining: null })).toEqual([]);
  });

  it('payroll blackout covers the N days before payroll and the day itself, across month ends', () => {
    expect(isInPayrollBlackout('2025-03-26', 28, 2)).toBe(true);
    expect(isInPayrollBlackout('2025-03-28', 28, 2)).toBe(true);
    expect(isInPayrollBlackout('2025-03-25', 28, 2)).toBe(false);
    expect(isInPayrollBlackout('2025-03-29', 28, 2)).toBe(false);
    // Payroll on the 31st falls on February's last day; the 1st is reached across the year end.
    expect(nextPayrollDate('2025-02-20', 31)).toBe('2025-02-28');
    expect(isInPayrollBlackout('2025-02-27', 31, 1)).toBe(true);
    expect(nextPayrollDate('2025-12-15', 1)).toBe('2026-01-01');
    expect(isInPayrollBlackout('2025-12-31', 1, 1)).toBe(true);
    expect(isInPayrollBlackout('2025-12-31', 1, 0)).toBe(false);
  });

  it('calendar helpers use the UAE date (UTC+4)', () => {
    expect(uaeToday(new Date('2025-03-31T20:30:00Z'))).toBe('2025-04-01');
    expect(uaeMonthStart(new Date('2025-03-31T20:30:00Z')).toISOString()).toBe('2025-03-31T20:00:00.000Z');
    expect(daysBetween('2024-02-28', '2024-03-01')).toBe(2);
  });
});

describe('advance policy: Abhi eligibility and the decision', () => {
  it("carries Abhi's own reason when it refuses", () => {
    const reasons = evaluateAbhiEligibility(toFils(900), { isValid: false, maxAmountFils: toFils(500), availableAmountFils: toFils(500), message: 'Requested amount 900.00 exceeds the available amount 500.00' });
    expect(reasons).toEqual([{ code: 'ABHI_NOT_ELIGIBLE', source: 'abhi', message: 'Requested amount 900.00 exceeds the available amount 500.00' }]);
    expect(evaluateAbhiEligibility(toFils(600), { isValid: true, maxAmountFils: toFils(500), availableAmountFils: toFils(900) }).map((r) => r.code)).toEqual(['AMOUNT_ABOVE_ABHI_MAXIMUM']);
  });

  it('reserved money of other requests counts against what is available', () => {
    const base = { policy, reasons: [], availableFils: toFils(1000) };
    expect(decideAdvance({ ...base, amountFils: toFils(600), reservedFils: 0n }).outcome).toBe('AUTO_APPROVE');
    const rejected = decideAdvance({ ...base, amountFils: toFils(600), reservedFils: toFils(500) });
    expect(rejected.outcome).toBe('REJECT');
    expect(rejected.outcome === 'REJECT' && rejected.reasons[0]!.code).toBe('INSUFFICIENT_AVAILABLE_AMOUNT');
    expect(decideAdvance({ ...base, amountFils: toFils(500), reservedFils: toFils(500) }).outcome).toBe('AUTO_APPROVE');
  });

  it('asks for approval above the threshold, rejects on any failed check', () => {
    const approval = decideAdvance({ policy, reasons: [], availableFils: toFils(9000), reservedFils: 0n, amountFils: toFils(2500) });
    expect(approval).toEqual({ outcome: 'APPROVAL_REQUIRED', approvalTimeoutSeconds: 48 * 3600 });
    const failed = decideAdvance({
      policy,
      reasons: [{ code: 'EMPLOYEE_INACTIVE', source: 'employee', message: 'inactive' }],
      availableFils: toFils(9000),
      reservedFils: 0n,
      amountFils: toFils(100),
    });
    expect(failed.outcome).toBe('REJECT');
  });
});
