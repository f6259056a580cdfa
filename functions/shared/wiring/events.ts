import { findEmployeeById } from '#shared/adapters/postgres/employees-repository';
import { getPool } from '#shared/db/pool';
import type { BalanceRefreshDeps } from '#shared/use-cases/events/refresh-balance';
import { abhiClient } from './abhi';

/**
 * Composition root of the balance-refresh consumer in functions/events: the employee mirror and the Abhi port. (The
 * notification consumer's is wiring/notifications.ts, the outbox sweep’s wiring/outbox.ts: each bundle carries only
 * the adapters its function uses.)
 */
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
