import { findEmployeeById } from '#shared/adapters/postgres/employees-repository';
import { getPool } from '#shared/db/pool';
import type { AbhiPort } from '#shared/use-cases/abhi-port';
import { abhiClient } from './abhi';

/** The balance-refresh consumer: the employee mirror (is the employee still here?) and the Abhi port. */
export interface BalanceRefreshDeps {
  readonly abhi: AbhiPort;
  findEmployeeStatus(employeeId: string): Promise<string | undefined>;
}

/** Composition root of the event consumers in functions/events that have ports of their own. */
export function balanceRefreshDeps(): BalanceRefreshDeps {
  return {
    get abhi() {
      return abhiClient();
    },
    async findEmployeeStatus(employeeId) {
      return (await findEmployeeById(getPool(), employeeId))?.status;
    },
  };
}
