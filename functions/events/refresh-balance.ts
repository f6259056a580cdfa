import { abhiClientFromEnv } from '#shared/abhi/client';
import { AbhiNotFoundError } from '#shared/abhi/errors';
import { getPool } from '#shared/db/pool';
import { findEmployeeById } from '#shared/adapters/postgres/employees-repository';
import { uaeMonth } from '#shared/domain/advance-policy';
import { eventConsumer } from '#shared/events/consumer';
import { logger } from '#shared/observability';

/**
 * Consumer of the `balance-refresh` queue: after money moved, reads the employee's balance for the current UAE month
 * from Abhi past the cache, which stores the fresh answer — the next balance read is both fast and current.
 */
export const handler = eventConsumer('refresh-balance', async (event, record) => {
  const employeeId = typeof event.payload.employeeId === 'string' ? event.payload.employeeId : undefined;
  if (!employeeId) return;
  const employee = await findEmployeeById(getPool(), employeeId);
  if (!employee || employee.status === 'deleted') return;
  try {
    await abhiClientFromEnv().transactions.monthlyBalance(employeeId, uaeMonth(), {
      bypassCache: true,
      correlationId: event.correlationId ?? event.id,
      deadline: Date.now() + 20_000,
    });
  } catch (error) {
    if (error instanceof AbhiNotFoundError) {
      logger.warn('Abhi does not know the employee of a balance event', { employeeId, messageId: record.messageId });
      return;
    }
    throw error;
  }
});
