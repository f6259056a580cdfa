import { sweepOutbox, type OutboxRelay } from '#shared/events/outbox';

/** Composition root of the scheduled outbox sweep (functions/events/sweep-outbox.ts): the relay over the writer pool and the event topic. */
export function outboxSweep(): Pick<OutboxRelay, 'sweepOutbox'> {
  return { sweepOutbox };
}
