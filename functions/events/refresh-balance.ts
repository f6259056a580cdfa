import { logger } from '#shared/observability';
import { eventConsumer } from '#shared/triggers/event-consumer';
import { refreshBalance } from '#shared/use-cases/events/refresh-balance';
import { balanceRefreshDeps } from '#shared/wiring/events';
import { lambdaInvocation } from '#shared/wiring/invocation';

/**
 * Consumer of the `balance-refresh` queue: after money moved, reads the employee's balance for the current UAE month
 * from Abhi past the cache, which stores the fresh answer — the next balance read is both fast and current.
 */
const deps = balanceRefreshDeps();

export const handler = eventConsumer('refresh-balance', async (event, record, context) => {
  const ctx = lambdaInvocation(context, event.correlationId ?? event.id, { reserve: 'batch', patience: 'interactive' });
  const outcome = await refreshBalance(deps, ctx, event);
  if (outcome.kind === 'unknown-at-abhi') {
    logger.warn('Abhi does not know the employee of a balance event', { employeeId: outcome.employeeId, messageId: record.messageId });
  }
});
