import { getPool } from '#shared/db/pool';
import { createOutboxRelay, type OutboxRelay } from '#shared/events/outbox';
import { snsTransport, type EventTransport } from '#shared/events/sns-transport';

/** Composition root of the scheduled outbox sweep (functions/events/sweep-outbox.ts). */
let relay: OutboxRelay | undefined;
let transport: EventTransport | undefined;

/** The outbox relay over the writer pool and the event topic (`EVENT_TOPIC_ARN`, the SNS client made on first publish). */
export function outboxRelay(): OutboxRelay {
  return (relay ??= createOutboxRelay({ pool: getPool, transport: () => (transport ??= snsTransport()) }));
}
