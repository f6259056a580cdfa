import type { Queryable } from '#shared/db/pool';

/**
 * Port: what a use case may ask of events already recorded in the outbox (PostgreSQL's `outbox`, implemented in
 * `#shared/adapters/postgres/recorded-events`). Writing them stays `#shared/events/record`. Connection first, like
 * every store: a read inside a transaction sees that transaction's own events.
 */
export interface RecordedEventStore {
  /** True once the outbox holds the event with this id (a once-event, `onceEventId`, already recorded). */
  has(db: Queryable, id: string): Promise<boolean>;
  /** True when the work `correlationId` names (a bulk import job) recorded `employee.created` for this employee. */
  hasEmployeeCreated(db: Queryable, correlationId: string, employeeId: string): Promise<boolean>;
}
