import type { ScheduledEvent } from 'aws-lambda';
import { logger, metrics } from '#shared/observability';
import { outboxRelay } from '#shared/wiring/outbox';

/**
 * Scheduled every minute: publishes outbox events the immediate relay did not (the function died between commit and
 * publish, or SNS failed). Locked rows are skipped, so it never races the relay into a double publish.
 */
const outbox = outboxRelay();

export const handler = async (_event: ScheduledEvent): Promise<{ published: number }> => {
  const published = await outbox.sweepOutbox(1000);
  if (published > 0) logger.info('Outbox sweep published events the relay missed', { published });
  metrics.addMetric('OutboxSweepPublished', 'Count', published);
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  return { published };
};
