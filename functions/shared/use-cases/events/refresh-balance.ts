import { AbhiNotFoundError } from '#shared/abhi/errors';
import { uaeMonth } from '#shared/domain/advance-policy';
import type { DomainEvent } from '#shared/events/types';
import type { AbhiPort } from '../abhi-port';
import { abhiCallOptions, type Invocation } from '../invocation';

/** The balance refresh's ports: the employee mirror (is the employee still here?) and the Abhi port. */
export interface BalanceRefreshDeps {
  readonly abhi: AbhiPort;
  findEmployeeStatus(employeeId: string): Promise<string | undefined>;
}

export type BalanceRefresh = { kind: 'refreshed' | 'nothing-to-refresh' } | { kind: 'unknown-at-abhi'; employeeId: string };

/**
 * After money moved: reads the employee's balance for the current UAE month from Abhi past the cache, which stores the
 * fresh answer, so the next balance read is both fast and current. An event without a (still present) employee has
 * nothing to refresh; an employee Abhi does not know is reported, not retried.
 */
export async function refreshBalance(deps: BalanceRefreshDeps, ctx: Invocation, event: DomainEvent): Promise<BalanceRefresh> {
  const employeeId = typeof event.payload.employeeId === 'string' ? event.payload.employeeId : undefined;
  if (!employeeId) return { kind: 'nothing-to-refresh' };
  const status = await deps.findEmployeeStatus(employeeId);
  if (!status || status === 'deleted') return { kind: 'nothing-to-refresh' };
  try {
    await deps.abhi.transactions.monthlyBalance(employeeId, uaeMonth(), abhiCallOptions(ctx, { bypassCache: true }));
    return { kind: 'refreshed' };
  } catch (error) {
    if (error instanceof AbhiNotFoundError) return { kind: 'unknown-at-abhi', employeeId };
    throw error;
  }
}
