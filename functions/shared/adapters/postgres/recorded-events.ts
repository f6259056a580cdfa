import type { Queryable } from '#shared/db/pool';
import type { RecordedEventStore } from '#shared/use-cases/ports/recorded-event-store';

/** Reads of the outbox table: the RecordedEventStore port. */
export const postgresRecordedEvents: RecordedEventStore = {
  async has(db: Queryable, id: string): Promise<boolean> {
    const { rowCount } = await db.query('SELECT 1 FROM outbox WHERE id = $1', [id]);
    return (rowCount ?? 0) > 0;
  },
  async hasEmployeeCreated(db: Queryable, correlationId: string, employeeId: string): Promise<boolean> {
    const { rowCount } = await db.query(
      `SELECT 1 FROM outbox WHERE correlation_id = $1 AND type = 'employee.created' AND payload->>'employeeId' = $2 LIMIT 1`,
      [correlationId, employeeId],
    );
    return (rowCount ?? 0) > 0;
  },
};
