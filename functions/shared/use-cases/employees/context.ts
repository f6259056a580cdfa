import type { AbhiPort } from '#shared/use-cases/abhi-port';
import type { Principal } from '#shared/auth/principal';
import type { FieldCipher } from '#shared/crypto/field-cipher';
import type { Queryable } from '#shared/db/pool';
import type { WorkQueue } from '#shared/adapters/sqs/queues';
import type { JobStore } from '#shared/use-cases/jobs/job-store';
import type { Invocation } from '#shared/use-cases/invocation';
import type { EmployeeMirror, EmployeeStore } from '#shared/use-cases/ports/employee-store';
import type { OrganizationMirror, OrganizationStore } from '#shared/use-cases/ports/organization-store';
import type { RecordedEventStore } from '#shared/use-cases/ports/recorded-event-store';
import type { ReportStore } from '#shared/use-cases/ports/report-store';

/**
 * What the business use cases (employees, organizations, master data, reports, jobs, sync) need from the outside
 * world, as ports. Each domain's composition root in #shared/wiring builds the part its functions use; tests may pass others.
 * Only types are imported here: the use cases load no AWS SDK themselves. PostgreSQL is `db`/`reader`/`transaction`,
 * passed to the stores (`#shared/use-cases/ports/*`, implemented in `#shared/adapters/postgres/*`) so that writes
 * compose in one transaction: `deps.transaction((tx) => deps.employees.insert(tx, record))`.
 */
export interface BusinessDeps {
  /** PostgreSQL: autocommit queries on the writer. */
  readonly db: Queryable;
  /** The reader endpoint (the writer where there is none), for lists and reports. */
  readonly reader: Queryable;
  /** Runs `work` in one transaction on one connection: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (db: Queryable) => Promise<T>): Promise<T>;
  /** The employee mirror. */
  readonly employees: EmployeeStore;
  /** Organizations: the mirror, the tenant tree (read on `db`, see TenantDeps) and the local configuration. */
  readonly organizations: OrganizationStore;
  /** Read models over the ledger for reports. */
  readonly reports: ReportStore;
  readonly abhi: AbhiPort;
  readonly cipher: FieldCipher;
  /** The outbox relay: publishes committed events right away (the sweep catches what it misses). */
  readonly publishEvents: (ids: readonly string[]) => Promise<number>;
  readonly jobs: JobStore;
  /** Events already in the outbox (a job's completion announced, a row's creation recorded by its job). */
  readonly recordedEvents: RecordedEventStore;
  readonly importQueue: WorkQueue;
  readonly syncQueue: WorkQueue;
  /** Offboarding: refuses every token carrying this employee id issued up to now (ADR 0015). */
  readonly revokeEmployeeSessions: (employeeId: string) => Promise<void>;
}

/**
 * The stores as the mirror's writers (employee routes, import, sync) and the tenant checks use them: single rows and
 * writes, the tenant tree. Their roots wire only these parts (list and admin queries stay out of their bundles).
 */
export interface MirrorStores {
  readonly employees: EmployeeMirror;
  readonly organizations: OrganizationMirror;
}

/** What each business domain's functions use: its composition root (#shared/wiring) builds only these. */
export type AbhiDeps = Pick<BusinessDeps, 'abhi'>;
/** The tenant tree, read on the writer: a child organization created a moment ago counts at once. */
export type TenantDeps = Pick<BusinessDeps, 'db'> & Pick<MirrorStores, 'organizations'>;
/** The read-only list and report routes: their rows from the reader, the tenant tree from the writer. */
export type ReaderDeps = Pick<BusinessDeps, 'reader' | 'db'>;
export type EmployeeListDeps = ReaderDeps & Pick<BusinessDeps, 'employees'> & Pick<MirrorStores, 'organizations'>;
export type OrganizationListDeps = ReaderDeps & Pick<BusinessDeps, 'organizations'>;
export type StatementDeps = ReaderDeps & Pick<BusinessDeps, 'reports'> & MirrorStores;
export type ReportDeps = ReaderDeps & Pick<BusinessDeps, 'employees' | 'reports'> & Pick<MirrorStores, 'organizations'> & AbhiDeps;
export type EmployeeDeps = Pick<BusinessDeps, 'db' | 'transaction' | 'abhi' | 'cipher' | 'publishEvents' | 'revokeEmployeeSessions'> & MirrorStores;
export type OrganizationDeps = Pick<BusinessDeps, 'db' | 'reader' | 'transaction' | 'organizations' | 'abhi' | 'cipher' | 'publishEvents'>;
/** The `employee-import` consumer: creates each queued row at Abhi and in the mirror. */
export type ImportDeps = Pick<BusinessDeps, 'db' | 'transaction' | 'abhi' | 'cipher' | 'publishEvents' | 'jobs' | 'recordedEvents'> & MirrorStores;
/** POST /employees/bulk: what the consumer has, and the queue it fills. */
export type ImportStartDeps = ImportDeps & Pick<BusinessDeps, 'importQueue'>;
export type SyncDeps = Pick<BusinessDeps, 'db' | 'transaction' | 'abhi' | 'cipher' | 'publishEvents' | 'syncQueue'> & MirrorStores;

/** Who asks, on behalf of which invocation (#shared/use-cases/invocation: correlation id, deadline, patience). */
export interface UseCaseContext extends Invocation {
  readonly principal: Principal;
}
