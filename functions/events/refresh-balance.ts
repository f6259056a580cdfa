import { AbhiNotFoundError } from '#shared/abhi/errors';
import { uaeMonth } from '#shared/domain/advance-policy';
import { eventConsumer } from '#shared/events/consumer';
import { logger } from '#shared/observability';
import { abhiCallOptions } from '#shared/use-cases/invocation';
import { balanceRefreshDeps } from '#shared/wiring/events';
import { lambdaInvocation } from '#shared/wiring/invocation';

/**
 * Consumer of the `balance-refresh` queue: after money moved, reads the employee's balance for the current UAE month
 * from Abhi past the cache, which stores the fresh answer — the next balance read is both fast and current.
 */
const deps = balanceRefreshDeps();

export const handler = eventConsumer('refresh-balance', async (event, record, context) => {
  const employeeId = typeof event.payload.employeeId === 'string' ? event.payload.employeeId : undefined;
  if (!employeeId) return;
  const status = await deps.findEmployeeStatus(employeeId);
  if (!status || status === 'deleted') return;
  try {
    const ctx = lambdaInvocation(context, event.correlationId ?? event.id, { reserve: 'batch', patience: 'interactive' });
    await deps.abhi.transactions.monthlyBalance(employeeId, uaeMonth(), abhiCallOptions(ctx, { bypassCache: true }));
  } catch (error) {
    if (error instanceof AbhiNotFoundError) {
      logger.warn('Abhi does not know the employee of a balance event', { employeeId, messageId: record.messageId });
      return;
    }
    throw error;
  }
});
