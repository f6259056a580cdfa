import { registerAuditDatabase } from '#shared/auth/audit';
import { getPool, getReaderPool, withTransaction, type Queryable } from '#shared/db/pool';
import type { BusinessDeps, ReaderDeps } from '#shared/use-cases/employees/context';

// Explicit wiring: this function has a database, so its audit events go to audit_log (see auth/audit.ts).
registerAuditDatabase(getPool);

type PostgresPorts = Pick<BusinessDeps, 'db' | 'reader' | 'transaction'>;

/**
 * Adds PostgreSQL as ports to a root's object. `db` and `reader` are read on each use, not kept: a pool that was
 * closed (the local stack's restart) is replaced by the next `getPool()`.
 */
export function withPostgres<T extends object>(ports: T): T & PostgresPorts {
  return Object.defineProperties(ports, {
    db: { get: (): Queryable => getPool(), enumerable: true },
    reader: { get: (): Queryable => getReaderPool(), enumerable: true },
    transaction: { value: <R>(work: (db: Queryable) => Promise<R>) => withTransaction(work), enumerable: true },
  }) as T & PostgresPorts;
}

/**
 * Adds the read-only routes' PostgreSQL to a root's object: their rows from the reader endpoint, the tenant tree from
 * the writer (as every tenant check). Read on each use, as in withPostgres.
 */
export function withReader<T extends object>(ports: T): T & ReaderDeps {
  return Object.defineProperties(ports, {
    db: { get: (): Queryable => getPool(), enumerable: true },
    reader: { get: (): Queryable => getReaderPool(), enumerable: true },
  }) as T & ReaderDeps;
}
