import { logger } from '#shared/observability';
import { eventConsumer } from '#shared/triggers/event-consumer';
import { invalidateStaleReads } from '#shared/use-cases/events/invalidate-cache';
import { abhiResponseCache } from '#shared/wiring/abhi-cache';

/**
 * Consumer of the `cache-invalidation` queue: drops the cached Abhi reads a change made stale, for every instance of
 * the fleet (the Abhi client's cache lives in the state table; see use-cases/events/invalidate-cache.ts).
 */
// Dropping a cache entry twice is harmless, so redeliveries need no dedupe record.
export const handler = eventConsumer(
  'invalidate-cache',
  async (event) => {
    const dropped = await invalidateStaleReads(abhiResponseCache(), event);
    if (dropped === 0) logger.debug('Nothing cached depends on this event', { type: event.type });
  },
  { dedupe: false },
);
