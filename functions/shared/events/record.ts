import { createHash, randomUUID } from 'node:crypto';
import type { Queryable } from '#shared/db/pool';
import type { DomainEvent, NewDomainEvent } from './types';

/**
 * The write half of the outbox, without any AWS dependency, so use cases can import it: `recordEvent` puts a
 * domain event into the `outbox` table with the caller's connection, inside the transaction of the change.
 * Publishing is `./outbox` (relay and sweep).
 */
export interface OutboxRow {
  id: string;
  type: string;
  version: number;
  organization_id: string | null;
  correlation_id: string | null;
  payload: Record<string, unknown>;
  occurred_at: Date;
}

export const OUTBOX_COLUMNS = 'id, type, version, organization_id, correlation_id, payload, occurred_at';

/** Writes a domain event into the outbox with the caller's connection (call it inside the change's transaction). */
export async function recordEvent(db: Queryable, event: NewDomainEvent): Promise<DomainEvent> {
  const id = randomUUID();
  const { rows } = await db.query<{ occurred_at: Date }>(
    `INSERT INTO outbox (id, type, version, organization_id, correlation_id, payload)
     VALUES ($1, $2, 1, $3, $4, $5) RETURNING occurred_at`,
    [id, event.type, event.organizationId ?? null, event.correlationId ?? null, JSON.stringify(event.payload)],
  );
  return outboxRowToEvent({
    id,
    type: event.type,
    version: 1,
    organization_id: event.organizationId ?? null,
    correlation_id: event.correlationId ?? null,
    payload: event.payload,
    occurred_at: rows[0]!.occurred_at,
  });
}

/** An outbox row as the event consumers receive it. */
export function outboxRowToEvent(row: OutboxRow): DomainEvent {
  const event: DomainEvent = {
    id: row.id,
    type: row.type,
    version: row.version as 1,
    time: new Date(row.occurred_at).toISOString(),
    payload: row.payload,
  };
  if (row.organization_id) event.organizationId = row.organization_id;
  if (row.correlation_id) event.correlationId = row.correlation_id;
  return event;
}

/**
 * The id of the one event `key` may ever produce (a job's completion, a report's findings): a UUID (version 8,
 * name-based on SHA-256) of type and key. Whoever notices the fact first records it; later attempts find the id taken.
 */
export function onceEventId(type: string, key: string): string {
  const hex = createHash('sha256').update(`${type}\n${key}`).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * `recordEvent` for a fact that happens once but may be noticed more than once (a redelivered message, a concurrent
 * worker): the event id comes from `key`, and a second recording adds nothing. Returns the id either way, so the
 * caller can ask the relay to publish it (publishing skips rows already published).
 */
export async function recordEventOnce(db: Queryable, event: NewDomainEvent, key: string): Promise<{ id: string; recorded: boolean }> {
  const id = onceEventId(event.type, key);
  const { rowCount } = await db.query(
    `INSERT INTO outbox (id, type, version, organization_id, correlation_id, payload)
     VALUES ($1, $2, 1, $3, $4, $5) ON CONFLICT (id) DO NOTHING`,
    [id, event.type, event.organizationId ?? null, event.correlationId ?? null, JSON.stringify(event.payload)],
  );
  return { id, recorded: (rowCount ?? 0) > 0 };
}
