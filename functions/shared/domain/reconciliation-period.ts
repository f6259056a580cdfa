import { uaeToday } from './advance-policy';
import type { FieldError } from './errors';

/**
 * The period a reconciliation run compares: inclusive UAE calendar dates. One rule set for every way a run is asked
 * for (the schedule, `npm run invoke`, POST /reconciliation/runs), so they cannot disagree about what a period is.
 */
export interface PeriodRequest {
  /** `YYYY-MM-DD`; default: `days` days before `endDate`. */
  startDate?: string;
  /** `YYYY-MM-DD`; default: today in the UAE. */
  endDate?: string;
  /** Length of the period ending on `endDate`, when `startDate` is not given. */
  days?: number;
}

export interface Period {
  startDate: string;
  endDate: string;
}

/** Abhi's lists are paged per call: a quarter is the most one run asks for. */
export const MAX_RECONCILIATION_DAYS = 92;
/** The nightly run looks three days back: late webhooks and dates straddling midnight are covered twice. */
export const DEFAULT_RECONCILIATION_DAYS = 3;

const DAY_MS = 86_400_000;

export function reconciliationPeriod(input: PeriodRequest, now: Date): Period {
  const endDate = input.endDate ?? uaeToday(now);
  const startDate = input.startDate ?? addDays(endDate, -((input.days ?? DEFAULT_RECONCILIATION_DAYS) - 1));
  return { startDate, endDate };
}

/** Days from `startDate` to `endDate`, both included. */
export function periodDays(period: Period): number {
  return Math.round((Date.parse(`${period.endDate}T00:00:00Z`) - Date.parse(`${period.startDate}T00:00:00Z`)) / DAY_MS) + 1;
}

/**
 * What is wrong with a requested period (empty when nothing is): the dates must not lie in the future (UAE), the end
 * must not precede the start, the period is at most MAX_RECONCILIATION_DAYS long, and `startDate` and `days` exclude
 * each other. Assumes the dates are well-formed `YYYY-MM-DD`.
 */
export function periodProblems(input: PeriodRequest, now: Date): FieldError[] {
  const problems: FieldError[] = [];
  if (input.startDate !== undefined && input.days !== undefined) {
    problems.push({ field: 'days', message: 'Give either startDate or days, not both.' });
    return problems;
  }
  const today = uaeToday(now);
  if (input.startDate !== undefined && input.startDate > today) problems.push({ field: 'startDate', message: `startDate cannot be in the future (today in the UAE is ${today}).` });
  if (input.endDate !== undefined && input.endDate > today) problems.push({ field: 'endDate', message: `endDate cannot be in the future (today in the UAE is ${today}).` });
  if (problems.length > 0) return problems;
  const period = reconciliationPeriod(input, now);
  if (period.endDate < period.startDate) {
    problems.push({ field: 'endDate', message: `endDate must be on or after startDate (${period.startDate}).` });
  } else if (periodDays(period) > MAX_RECONCILIATION_DAYS) {
    problems.push({ field: 'startDate', message: `The period is at most ${MAX_RECONCILIATION_DAYS} days (${period.startDate} to ${period.endDate} is ${periodDays(period)}).` });
  }
  return problems;
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}
