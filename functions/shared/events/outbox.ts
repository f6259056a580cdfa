import type pg from 'pg';
import { getPool } from '#shared/db/pool';
import { logger } from '#shared/observability';
import { snsTransport, type EventTransport } from './sns-transport';
import { OUTBOX_COLUMNS as COLUMNS, outboxRowToEvent as toEvent, type OutboxRow } from './record';

export type { DomainEvent, NewDomainEvent } from './types';
export { recordEvent } from './record';

/**
 * Transactional outbox.
 *
 * A state change and its domain event are written in ONE database transaction (`recordEvent` inside the caller's
 * transaction), so an event exists exactly when the change does. After the commit the caller asks the relay to
 * publish the new ids at once (`publishEvents`); whatever the relay misses — the function was killed between commit
 * and publish, SNS failed — the scheduled sweep (`sweepOutbox`, every minute) publishes later.
 *
 * Rows are locked with `FOR UPDATE SKIP LOCKED` while they are published and marked, so the relay and a concurrent
 * sweep never publish the same row twice. A publish can still be repeated when a process dies after SNS accepted the
 * message but before `published_at` was committed: delivery is at-least-once and every consumer dedupes by event id.
 */
export interface OutboxRelay {
  /** Publishes the given events if they are still unpublished; returns how many this call published. Never throws. */
  publishEvents(ids: readonly string[]): Promise<number>;
  /** Publishes up to `limit` unpublished events, oldest first; returns how many. */
  sweepOutbox(limit?: number): Promise<number>;
}

export function createOutboxRelay(options: { pool: () => pg.Pool; transport: () => EventTransport }): OutboxRelay {
  async function publishLocked(select: string, params: unknown[]): Promise<number> {
    const client = await options.pool().connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<OutboxRow>(select, params);
      if (rows.length === 0) {
        await client.query('COMMIT');
        return 0;
      }
      const { published, failed } = await options.transport().publish(rows.map(toEvent));
      if (published.length > 0) {
        await client.query('UPDATE outbox SET published_at = now(), attempts = attempts + 1 WHERE id = ANY($1::uuid[])', [published]);
      }
      if (failed.length > 0) {
        await client.query('UPDATE outbox SET attempts = attempts + 1 WHERE id = ANY($1::uuid[])', [failed]);
        logger.warn('Some outbox events were not published; the sweep retries them', { failed });
      }
      await client.query('COMMIT');
      return published.length;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  return {
    async publishEvents(ids) {
      if (ids.length === 0) return 0;
      try {
        return await publishLocked(
          `SELECT ${COLUMNS} FROM outbox WHERE id = ANY($1::uuid[]) AND published_at IS NULL ORDER BY occurred_at, id FOR UPDATE SKIP LOCKED`,
          [[...ids]],
        );
      } catch (error) {
        // The change is committed; the event is safe in the outbox and the sweep will publish it.
        logger.warn('Immediate event relay failed; the outbox sweep will publish', { error: String(error), ids });
        return 0;
      }
    },
    async sweepOutbox(limit = 100) {
      let total = 0;
      // Batches of at most 50 keep each locking transaction short.
      while (total < limit) {
        const batch = Math.min(50, limit - total);
        const published = await publishLocked(
          `SELECT ${COLUMNS} FROM outbox WHERE published_at IS NULL ORDER BY occurred_at, id LIMIT $1 FOR UPDATE SKIP LOCKED`,
          [batch],
        );
        total += published;
        if (published < batch) break;
      }
      return total;
    },
  };
}

let defaultRelay: OutboxRelay | undefined;
let defaultTransport: EventTransport | undefined;

function relay(): OutboxRelay {
  defaultRelay ??= createOutboxRelay({
    pool: getPool,
    transport: () => (defaultTransport ??= snsTransport()),
  });
  return defaultRelay;
}

/** Relay after commit: publishes these events to the event topic (`EVENT_TOPIC_ARN`) and marks them. Safe to repeat. */
export function publishEvents(ids: readonly string[]): Promise<number> {
  return relay().publishEvents(ids);
}

/** Publishes whatever the immediate relay left behind (scheduled every minute). */
export function sweepOutbox(limit = 500): Promise<number> {
  return relay().sweepOutbox(limit);
}

