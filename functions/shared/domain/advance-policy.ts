import { filsToNumber, toFils, type Fils } from './money';

/**
 * An organization's advance policy (`organizations.advance_policy` jsonb) and the pure rules built on it: defaults
 * for absent fields, MFA step-up, the local eligibility checks and the final decision of the advance workflow.
 * No I/O here: the workflow's task functions gather the facts and call these functions.
 *
 * Amounts in the stored policy are AED numbers (like the API); every comparison runs on integer fils.
 */
export interface AdvancePolicy {
  /** An advance above this amount waits for a finance manager's approval. */
  readonly approvalThreshold: number;
  /** An advance above this amount needs a token obtained with MFA (403 MFA_REQUIRED otherwise). */
  readonly mfaThreshold: number;
  /** Largest single advance the organization allows (Abhi may allow less). */
  readonly maxAdvanceAmount: number;
  /** Advances per employee per calendar month (requests that were not rejected, expired, cancelled or failed). */
  readonly maxAdvancesPerMonth: number;
  /** Days an employee must have worked before the first advance. */
  readonly minDaysSinceJoining: number;
  /** How long an approval may wait before the request expires. Fractions are allowed (tests use seconds). */
  readonly approvalTtlHours: number;
  /** No advances this many days before the payroll day (and on it); 0 turns the blackout off. */
  readonly blackoutDaysBeforePayroll: number;
}

export const DEFAULT_ADVANCE_POLICY: AdvancePolicy = Object.freeze({
  approvalThreshold: 2000,
  mfaThreshold: 1000,
  maxAdvanceAmount: 5000,
  maxAdvancesPerMonth: 3,
  minDaysSinceJoining: 90,
  approvalTtlHours: 48,
  blackoutDaysBeforePayroll: 2,
});

/** The approval wait is capped below the state machine's own 8-day execution timeout. */
export const MAX_APPROVAL_TTL_HOURS = 7 * 24;

/** What a stored field must be to count; anything else falls back to the default (the API's schema refuses it on write). */
interface FieldRule {
  readonly min: number;
  readonly max: number;
  /** `min` itself is not allowed (the value must be above it). */
  readonly aboveMin?: boolean;
  readonly integer?: boolean;
}

const FIELD_RULES: Readonly<Record<keyof AdvancePolicy, FieldRule>> = {
  approvalThreshold: { min: 0, max: 1_000_000 },
  mfaThreshold: { min: 0, max: 1_000_000 },
  maxAdvanceAmount: { min: 0, max: 1_000_000, aboveMin: true },
  maxAdvancesPerMonth: { min: 1, max: 31, integer: true },
  minDaysSinceJoining: { min: 0, max: 3650, integer: true },
  approvalTtlHours: { min: 0, max: MAX_APPROVAL_TTL_HOURS, aboveMin: true },
  blackoutDaysBeforePayroll: { min: 0, max: 27, integer: true },
};

function obeys(value: unknown, rule: FieldRule): value is number {
  return (
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (rule.aboveMin ? value > rule.min : value >= rule.min) &&
    value <= rule.max &&
    (!rule.integer || Number.isSafeInteger(value))
  );
}

/**
 * The effective policy: every valid stored field, the default for every absent or invalid one. A broken field never
 * blocks advances for a whole organization; it falls back to the default (the API validates writes anyway).
 */
export function resolveAdvancePolicy(stored: unknown): AdvancePolicy {
  const source = stored && typeof stored === 'object' && !Array.isArray(stored) ? (stored as Record<string, unknown>) : {};
  const result: Record<string, number> = { ...DEFAULT_ADVANCE_POLICY };
  for (const [key, rule] of Object.entries(FIELD_RULES)) {
    const value = source[key];
    if (obeys(value, rule)) result[key] = value;
  }
  // A longer approval window than the workflow can wait is shortened to the longest it can, not ignored.
  const ttl = source.approvalTtlHours;
  if (typeof ttl === 'number' && Number.isFinite(ttl) && ttl > MAX_APPROVAL_TTL_HOURS) result.approvalTtlHours = MAX_APPROVAL_TTL_HOURS;
  return Object.freeze(result as unknown as AdvancePolicy);
}

export function requiresMfa(policy: AdvancePolicy, amountFils: Fils): boolean {
  return amountFils > toFils(policy.mfaThreshold);
}

export function requiresApproval(policy: AdvancePolicy, amountFils: Fils): boolean {
  return amountFils > toFils(policy.approvalThreshold);
}

/** Seconds the approval task waits (Step Functions TimeoutSecondsPath needs a positive integer). */
export function approvalTimeoutSeconds(policy: AdvancePolicy): number {
  return Math.max(1, Math.round(Math.min(policy.approvalTtlHours, MAX_APPROVAL_TTL_HOURS) * 3600));
}

/** Where a reason for refusing an advance came from. */
export type ReasonSource = 'policy' | 'abhi' | 'employee' | 'balance';

export type ReasonCode =
  | 'AMOUNT_ABOVE_POLICY_MAXIMUM'
  | 'MONTHLY_ADVANCE_LIMIT_REACHED'
  | 'EMPLOYMENT_TOO_RECENT'
  | 'PAYROLL_BLACKOUT'
  | 'ABHI_NOT_ELIGIBLE'
  | 'AMOUNT_ABOVE_ABHI_MAXIMUM'
  | 'INSUFFICIENT_AVAILABLE_AMOUNT'
  | 'EMPLOYEE_INACTIVE'
  | 'EMPLOYEE_NOT_IN_ORGANIZATION'
  | 'EMPLOYEE_NOT_FOUND';

export interface Reason {
  readonly code: ReasonCode;
  readonly source: ReasonSource;
  readonly message: string;
}

/** Facts the local policy check needs; dates are calendar dates (YYYY-MM-DD) in the UAE. */
export interface PolicyFacts {
  readonly amountFils: Fils;
  /** The employee's other advances this month that still count (not rejected/expired/cancelled/failed). */
  readonly advancesThisMonth: number;
  readonly dateOfJoining?: string | null;
  /** Payroll day of the month (1-31): the employee's, else the organization's. */
  readonly payrollDay?: number | null;
  readonly today: string;
}

export function evaluateLocalPolicy(policy: AdvancePolicy, facts: PolicyFacts): Reason[] {
  const reasons: Reason[] = [];
  if (facts.amountFils > toFils(policy.maxAdvanceAmount)) {
    reasons.push({
      code: 'AMOUNT_ABOVE_POLICY_MAXIMUM',
      source: 'policy',
      message: `The amount is above the organization's maximum of ${formatAed(toFils(policy.maxAdvanceAmount))} per advance.`,
    });
  }
  if (facts.advancesThisMonth >= policy.maxAdvancesPerMonth) {
    reasons.push({
      code: 'MONTHLY_ADVANCE_LIMIT_REACHED',
      source: 'policy',
      message: `At most ${policy.maxAdvancesPerMonth} advance(s) per month are allowed and ${facts.advancesThisMonth} already exist this month.`,
    });
  }
  if (policy.minDaysSinceJoining > 0) {
    const days = facts.dateOfJoining ? daysBetween(facts.dateOfJoining, facts.today) : undefined;
    if (days === undefined || days < policy.minDaysSinceJoining) {
      reasons.push({
        code: 'EMPLOYMENT_TOO_RECENT',
        source: 'policy',
        message:
          days === undefined
            ? 'The date of joining is unknown, so the minimum employment period cannot be confirmed.'
            : `Advances are available after ${policy.minDaysSinceJoining} days of employment (${days} so far).`,
      });
    }
  }
  if (facts.payrollDay && isInPayrollBlackout(facts.today, facts.payrollDay, policy.blackoutDaysBeforePayroll)) {
    reasons.push({
      code: 'PAYROLL_BLACKOUT',
      source: 'policy',
      message: `No advances in the ${policy.blackoutDaysBeforePayroll} day(s) before payroll day ${facts.payrollDay}.`,
    });
  }
  return reasons;
}

/** What Abhi's validation said (`POST /transactions/employee/validate`). */
export interface AbhiEligibility {
  readonly isValid: boolean;
  readonly maxAmountFils: Fils;
  readonly availableAmountFils: Fils;
  readonly message?: string;
}

export function evaluateAbhiEligibility(amountFils: Fils, abhi: AbhiEligibility): Reason[] {
  const reasons: Reason[] = [];
  if (!abhi.isValid) {
    reasons.push({ code: 'ABHI_NOT_ELIGIBLE', source: 'abhi', message: abhi.message?.trim() || 'Abhi did not accept this advance.' });
  } else if (amountFils > abhi.maxAmountFils) {
    reasons.push({
      code: 'AMOUNT_ABOVE_ABHI_MAXIMUM',
      source: 'abhi',
      message: `The amount is above the maximum of ${formatAed(abhi.maxAmountFils)} Abhi allows for this employee.`,
    });
  }
  return reasons;
}

export interface DecisionInput {
  readonly policy: AdvancePolicy;
  readonly amountFils: Fils;
  /** Reasons from every check (policy, Abhi, employee); empty when all passed. */
  readonly reasons: readonly Reason[];
  /** What Abhi says is available now (the smaller of its validation and monthly-balance figures). */
  readonly availableFils: Fils;
  /** Amounts of this employee's other requests reserved locally that Abhi's figure may not include yet. */
  readonly reservedFils: Fils;
}

export type Decision =
  | { readonly outcome: 'REJECT'; readonly reasons: readonly Reason[] }
  | { readonly outcome: 'APPROVAL_REQUIRED'; readonly approvalTimeoutSeconds: number }
  | { readonly outcome: 'AUTO_APPROVE' };

/**
 * The decision of the workflow, taken while the employee is locked (so two requests cannot both reserve the same
 * money): refuse on any failed check or when this amount plus what is already reserved exceeds what is available;
 * otherwise ask for approval above the threshold, else proceed.
 */
export function decideAdvance(input: DecisionInput): Decision {
  const reasons = [...input.reasons];
  const remaining = input.availableFils - input.reservedFils;
  if (input.amountFils > remaining) {
    reasons.push({
      code: 'INSUFFICIENT_AVAILABLE_AMOUNT',
      source: 'balance',
      message: `Only ${formatAed(remaining > 0n ? remaining : 0n)} is available${input.reservedFils > 0n ? ` after ${formatAed(input.reservedFils)} already requested` : ''}.`,
    });
  }
  if (reasons.length > 0) return { outcome: 'REJECT', reasons: dedupeReasons(reasons) };
  if (requiresApproval(input.policy, input.amountFils)) {
    return { outcome: 'APPROVAL_REQUIRED', approvalTimeoutSeconds: approvalTimeoutSeconds(input.policy) };
  }
  return { outcome: 'AUTO_APPROVE' };
}

function dedupeReasons(reasons: Reason[]): Reason[] {
  const seen = new Set<string>();
  return reasons.filter((r) => (seen.has(r.code) ? false : (seen.add(r.code), true)));
}

// ---- calendar helpers (UAE: UTC+4 all year, no daylight saving) ----

const UAE_OFFSET_MS = 4 * 3600 * 1000;

/** Today's calendar date in the UAE as YYYY-MM-DD. */
export function uaeToday(now: Date = new Date()): string {
  return new Date(now.getTime() + UAE_OFFSET_MS).toISOString().slice(0, 10);
}

/** The UAE calendar month of `now`: `{ year, month }` with month 1-12. */
export function uaeMonth(now: Date = new Date()): { year: number; month: number } {
  const [y, m] = uaeToday(now).split('-').map(Number) as [number, number];
  return { year: y, month: m };
}

/** The instant the UAE calendar month of `now` started (for "this month" queries). */
export function uaeMonthStart(now: Date = new Date()): Date {
  const { year, month } = uaeMonth(now);
  return new Date(Date.UTC(year, month - 1, 1) - UAE_OFFSET_MS);
}

function parseDate(date: string): number {
  const [y, m, d] = date.slice(0, 10).split('-').map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d);
}

/** Whole days from `from` to `to` (both YYYY-MM-DD); negative when `to` is earlier. */
export function daysBetween(from: string, to: string): number {
  return Math.round((parseDate(to) - parseDate(from)) / 86_400_000);
}

function daysInMonth(year: number, monthIndex: number): number {
  return new Date(Date.UTC(year, monthIndex + 1, 0)).getUTCDate();
}

/** The next payroll date on or after `today`; a payroll day past the month's end falls on its last day. */
export function nextPayrollDate(today: string, payrollDay: number): string {
  const [y, m, d] = today.split('-').map(Number) as [number, number, number];
  const thisMonth = Math.min(payrollDay, daysInMonth(y, m - 1));
  if (d <= thisMonth) return new Date(Date.UTC(y, m - 1, thisMonth)).toISOString().slice(0, 10);
  const nextYear = m === 12 ? y + 1 : y;
  const nextMonthIndex = m === 12 ? 0 : m;
  const day = Math.min(payrollDay, daysInMonth(nextYear, nextMonthIndex));
  return new Date(Date.UTC(nextYear, nextMonthIndex, day)).toISOString().slice(0, 10);
}

/** True on the payroll day and the `blackoutDays` days before it. */
export function isInPayrollBlackout(today: string, payrollDay: number, blackoutDays: number): boolean {
  if (blackoutDays <= 0 || payrollDay < 1 || payrollDay > 31) return false;
  const until = daysBetween(today, nextPayrollDate(today, payrollDay));
  return until >= 0 && until <= blackoutDays;
}

function formatAed(fils: Fils): string {
  return `AED ${filsToNumber(fils).toFixed(2)}`;
}
