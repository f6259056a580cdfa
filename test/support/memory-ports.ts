import { randomUUID } from 'node:crypto';
import type { EmployeeRow } from '#shared/use-cases/ports/employee-store';
import type { Queryable } from '#shared/db/pool';
import type { OrganizationMirror, OrganizationRecord, OrganizationRow } from '#shared/use-cases/ports/organization-store';
import type { RevocationStore, RevokedToken, SubjectKind } from '#shared/auth/revocation';
import type { IsDescendant } from '#shared/auth/tenant';
import type { RefreshTokenOutcome } from '#shared/schemas/identity';
import type { DirectoryUser, IdentityDirectory, ProvisioningReads } from '#shared/use-cases/identity/provisioning';
import type { SessionRevocations } from '#shared/use-cases/identity/sessions';
import type { JobItemResult, JobRecord, JobStore, NewJob } from '#shared/use-cases/jobs/job-store';
import { filsToDecimalString, toFils } from '#shared/domain/money';
import type { NewDomainEvent } from '#shared/events/types';
import type { CoreAdvanceDeps, Database, EventsPort, MetricsPort } from '#shared/use-cases/advances/ports';
import { abhiReferenceFor } from '#shared/use-cases/repayments/create-repayment';
import type { LedgerEntryInput, LedgerEntryRow, LedgerKind, LedgerStore } from '#shared/use-cases/ports/ledger-store';
import type { NewRepayment, RepaymentChanges, RepaymentRow, RepaymentStatus, RepaymentStore } from '#shared/use-cases/ports/repayment-store';

/**
 * In-memory implementations of the use cases' ports for the unit tier (`npm run test:unit`): the same rules as the
 * adapters (the state table's revocations and claim-once, the organization tree, the identity directory), held in
 * maps, with a clock the test moves. No engine, no network. The engine tier proves the real adapters.
 */

/** A clock in epoch milliseconds that tests move by hand. */
export class TestClock {
  constructor(public ms = Date.parse('2025-06-01T08:00:00Z')) {}
  now = (): number => this.ms;
  seconds = (): number => Math.floor(this.ms / 1000);
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** Revocations as auth/revocation.ts keeps them: one token until its `exp`; a subject's tokens issued up to a moment. */
export class MemoryRevocationStore implements RevocationStore {
  private readonly tokens = new Map<string, number>();
  private readonly subjects = new Map<string, { revokedBefore: number; expiresAt: number }>();

  constructor(private readonly clock = new TestClock()) {}

  async isRevoked(token: RevokedToken): Promise<boolean> {
    const now = this.clock.seconds();
    const until = token.tokenId ? this.tokens.get(token.tokenId) : undefined;
    if (until !== undefined && until > now) return true;
    const records = [this.subjects.get(`subject#${token.subject}`), token.employeeId ? this.subjects.get(`employee#${token.employeeId}`) : undefined];
    // A token without `iat` cannot prove it came after the revocation: revoked (fail closed), as the adapter does.
    return records.some((record) => record && record.expiresAt > now && (token.issuedAt === undefined || token.issuedAt < record.revokedBefore));
  }

  async revokeToken(jti: string, expiresAtEpochSeconds: number): Promise<void> {
    this.tokens.set(jti, Math.ceil(expiresAtEpochSeconds));
  }

  async revokeSubject(kind: SubjectKind, id: string, keepSeconds: number): Promise<{ revokedBefore: number }> {
    const revokedBefore = Math.ceil(this.clock.now() / 1000);
    this.subjects.set(`${kind}#${id}`, { revokedBefore, expiresAt: revokedBefore + keepSeconds });
    return { revokedBefore };
  }

  /** The use cases' narrower port, with the verifier's default longest token lifetime (24 h). */
  asSessionRevocations(keepSeconds = 24 * 3600): SessionRevocations {
    return {
      revokeToken: (jti, exp) => this.revokeToken(jti, exp),
      revokeSubject: (kind, id) => this.revokeSubject(kind, id, keepSeconds),
    };
  }
}

/** The organization tree (`organizations.parent_id`): descendants at any depth, never the organization itself. */
export class MemoryOrganizationTree {
  private readonly parents = new Map<string, string | null>();

  add(id: string, parentId: string | null = null): this {
    this.parents.set(id, parentId);
    return this;
  }

  isDescendant: IsDescendant = (organizationId, ancestorOrganizationId) => {
    const seen = new Set<string>();
    let current = this.parents.get(organizationId) ?? null;
    while (current && !seen.has(current)) {
      if (current === ancestorOrganizationId) return true;
      seen.add(current);
      current = this.parents.get(current) ?? null;
    }
    return false;
  };
}

/**
 * The organization mirror (OrganizationMirror) as adapters/postgres/organizations-repository.ts keeps it: Abhi's
 * fields upserted with the local parent kept (a parent not mirrored yet is left unset), the tenant tree from
 * `parent_id`. Each call's connection is recorded, so a test can see which database the use case handed over.
 */
export class MemoryOrganizationMirror implements OrganizationMirror {
  readonly rows = new Map<string, OrganizationRow>();
  readonly connections: Queryable[] = [];

  async findById(db: Queryable, id: string): Promise<OrganizationRow | undefined> {
    this.connections.push(db);
    return this.rows.get(id);
  }

  async upsertFromAbhi(db: Queryable, record: OrganizationRecord): Promise<'inserted' | 'updated' | 'unchanged'> {
    this.connections.push(db);
    const current = this.rows.get(record.id);
    const abhi = {
      name: record.name,
      industry: record.industry,
      business_type_id: record.businessTypeId,
      address: record.address,
      city: record.city,
      management_alias: record.managementAlias,
      credit_limit: record.creditLimit,
      phone: record.phone,
      email: record.email,
      payroll_start_day: record.payrollStartDay,
      active: record.active,
    };
    const parentId = current?.parent_id ?? (record.parentId && this.rows.has(record.parentId) ? record.parentId : null);
    const now = new Date();
    const changed = !current || Object.entries(abhi).some(([key, value]) => current[key as keyof typeof abhi] !== value);
    this.rows.set(record.id, {
      ...(current ?? { id: record.id, advance_policy: {}, notification_settings: {}, created_at: now, updated_at: now }),
      ...abhi,
      parent_id: parentId,
      synced_at: now,
      ...(current && changed ? { updated_at: now } : {}),
    } as OrganizationRow);
    return !current ? 'inserted' : changed ? 'updated' : 'unchanged';
  }

  async childIds(db: Queryable, organizationId: string): Promise<string[]> {
    this.connections.push(db);
    const children: string[] = [];
    for (let i = -1; i < children.length; i++) {
      const parent = i < 0 ? organizationId : children[i]!;
      for (const row of this.rows.values()) if (row.parent_id === parent && !children.includes(row.id)) children.push(row.id);
    }
    return children;
  }

  async isDescendant(db: Queryable, organizationId: string, ancestorId: string): Promise<boolean> {
    this.connections.push(db);
    let current = this.rows.get(organizationId)?.parent_id ?? null;
    for (let depth = 0; current && depth < 50; depth++) {
      if (current === ancestorId) return true;
      current = this.rows.get(current)?.parent_id ?? null;
    }
    return false;
  }
}

/** The refresh-token side of logout: the provider forgets each refresh token once. */
export class MemoryTokenProvider {
  readonly revoked: { refreshToken: string; clientId: string | undefined }[] = [];
  constructor(private readonly supported = true) {}

  async revokeRefreshToken(refreshToken: string, clientId: string | undefined): Promise<RefreshTokenOutcome> {
    if (!this.supported) return 'not_supported';
    this.revoked.push({ refreshToken, clientId });
    return 'revoked';
  }
}

/** An identity provider's user directory: users by lower-cased e-mail, enabled or not. */
export class MemoryDirectory implements IdentityDirectory {
  readonly users = new Map<string, DirectoryUser & { enabled: boolean }>();

  async createOrUpdateUser(user: DirectoryUser): Promise<void> {
    this.users.set(user.email.toLowerCase(), { ...user, email: user.email.toLowerCase(), enabled: true });
  }

  async disableUser(email: string): Promise<void> {
    const user = this.users.get(email.toLowerCase());
    if (user) user.enabled = false;
  }
}

/** Employee and organization rows by id (what the provisioning consumer reads from PostgreSQL). */
export class MemoryRecords implements ProvisioningReads {
  readonly employees = new Map<string, EmployeeRow>();
  readonly organizations = new Map<string, OrganizationRow>();

  async findEmployee(id: string) {
    return this.employees.get(id);
  }

  async findOrganization(id: string) {
    return this.organizations.get(id);
  }

  employee(fields: Partial<EmployeeRow> & Pick<EmployeeRow, 'id' | 'organization_id'>): EmployeeRow {
    const now = new Date(0);
    const row: EmployeeRow = {
      employee_code: `EMP-${fields.id.slice(0, 6)}`,
      first_name: 'Fatima',
      last_name: 'Ali',
      department: null,
      designation: null,
      phone: null,
      email: null,
      dob: null,
      date_of_joining: null,
      account_title: null,
      account_number_enc: null,
      account_number_last4: null,
      emirates_id_enc: null,
      emirates_id_last4: null,
      net_salary: null,
      gender: null,
      bank_id: null,
      payroll_start_day: null,
      preferred_locale: null,
      status: 'active',
      synced_at: null,
      created_at: now,
      updated_at: now,
      deleted_at: null,
      ...fields,
    };
    this.employees.set(row.id, row);
    return row;
  }

  organization(fields: Partial<OrganizationRow> & Pick<OrganizationRow, 'id'>): OrganizationRow {
    const now = new Date(0);
    const row: OrganizationRow = {
      parent_id: null,
      name: 'Acme Trading LLC',
      industry: null,
      business_type_id: null,
      address: null,
      city: null,
      management_alias: null,
      credit_limit: null,
      phone: null,
      email: null,
      payroll_start_day: null,
      active: true,
      advance_policy: {},
      notification_settings: {},
      synced_at: null,
      created_at: now,
      updated_at: now,
      ...fields,
    };
    this.organizations.set(row.id, row);
    return row;
  }
}

type Claim = { owner: string; leaseUntil: number; done: boolean };

/**
 * Background jobs as adapters/sqs/jobs.ts keeps them: counters, one result per row written once, and row claims with
 * the state table's claim-once rules (a lease; the same owner may claim again; a row with its result is done).
 */
export class MemoryJobStore implements JobStore {
  private readonly jobs = new Map<string, JobRecord & { processed: number }>();
  private readonly items = new Map<string, Map<number, JobItemResult>>();
  private readonly claims = new Map<string, Claim>();

  constructor(private readonly clock = new TestClock()) {}

  async create(job: NewJob): Promise<void> {
    if (this.jobs.has(job.id)) throw new Error(`Job ${job.id} exists already.`);
    const now = new Date(this.clock.now()).toISOString();
    const failed = job.rejected.length;
    this.jobs.set(job.id, {
      id: job.id,
      type: job.type,
      organizationId: job.organizationId,
      createdBy: job.createdBy,
      total: job.total,
      succeeded: 0,
      failed,
      processed: failed,
      references: [...job.references],
      createdAt: now,
      updatedAt: now,
      completedAt: failed === job.total ? now : null,
      expiresAt: new Date(this.clock.now() + 30 * 24 * 3600 * 1000).toISOString(),
    });
    this.items.set(job.id, new Map(job.rejected.map((item) => [item.index, { ...item, updatedAt: now }])));
  }

  async recordItem(jobId: string, item: JobItemResult): Promise<'recorded' | 'duplicate' | 'no-job'> {
    const items = this.items.get(jobId);
    if (items?.has(item.index)) return 'duplicate';
    const job = this.jobs.get(jobId);
    if (!job || !items) return 'no-job';
    const now = new Date(this.clock.now()).toISOString();
    items.set(item.index, { ...item, updatedAt: now });
    this.claims.set(this.claimKey(jobId, item.index), { owner: '', leaseUntil: 0, done: true });
    if (item.status === 'succeeded') job.succeeded++;
    else job.failed++;
    job.processed++;
    job.updatedAt = now;
    if (job.processed >= job.total) job.completedAt = now;
    return 'recorded';
  }

  async hasItem(jobId: string, index: number): Promise<boolean> {
    return this.items.get(jobId)?.has(index) ?? false;
  }

  async claimItem(jobId: string, index: number, owner: string, leaseSeconds: number): Promise<'claimed' | 'done' | 'busy'> {
    const key = this.claimKey(jobId, index);
    const claim = this.claims.get(key);
    const now = this.clock.seconds();
    if (claim?.done) return 'done';
    if (claim && claim.leaseUntil >= now && claim.owner !== owner) return 'busy';
    this.claims.set(key, { owner, leaseUntil: now + leaseSeconds, done: false });
    return 'claimed';
  }

  async claimItems(jobId: string, indexes: readonly number[], owner: string, leaseSeconds: number) {
    const result = new Map<number, 'claimed' | 'done' | 'busy'>();
    for (const index of new Set(indexes)) result.set(index, await this.claimItem(jobId, index, owner, leaseSeconds));
    return result;
  }

  async releaseItem(jobId: string, index: number, owner: string): Promise<void> {
    const key = this.claimKey(jobId, index);
    if (this.claims.get(key)?.owner === owner) this.claims.delete(key);
  }

  async get(jobId: string): Promise<JobRecord | undefined> {
    const job = this.jobs.get(jobId);
    // Like DynamoDB's lazily deleted TTL items: a job past its expiry counts as gone.
    if (!job || Date.parse(job.expiresAt) < this.clock.now()) return undefined;
    const { processed: _processed, ...record } = job;
    return { ...record, references: [...record.references] };
  }

  async listItems(jobId: string, range?: { from: number; to: number }): Promise<JobItemResult[]> {
    return [...(this.items.get(jobId)?.values() ?? [])]
      .filter((item) => !range || (item.index >= range.from && item.index <= range.to))
      .sort((a, b) => a.index - b.index);
  }

  private claimKey(jobId: string, index: number): string {
    return `${jobId}#${index}`;
  }
}

/**
 * The money tables in memory: repayments, the ledger and the outbox, behind the RepaymentStore, LedgerStore and
 * EventsPort ports, with `transaction` committing or rolling back all three together (a snapshot restored when the
 * work throws), as PostgreSQL does. Kept faithfully: the organization's client reference is unique among repayments
 * that are not FAILED (a FAILED one releases it); `update` applies only in the `onlyIn` statuses and bumps
 * `updated_at`; amounts are exact (integer fils, decimal text with two places); `(kind, abhiReference)` is unique in
 * the ledger; `outstanding` sums the employee's entries ('0' when there are none, as COALESCE gives); events recorded
 * in a rolled-back transaction vanish. Not kept: row locks (`forUpdate`) and concurrent transactions (each test runs
 * one thing at a time), and the database clock (`created_at`/`updated_at` come from the test's clock).
 * The connection handed to the stores is a sentinel that refuses SQL: a use case that queries it fails the test.
 */
/** A port a use case must not touch: any use of it fails the test with the use case's and the port's names. */
function untouchedPort<T>(useCase: string, name: string): T {
  return new Proxy({}, {
    get: (_target, property) => {
      throw new Error(`${useCase} used ${name}.${String(property)}`);
    },
  }) as T;
}

export class MemoryMoneyTables implements Database {
  repaymentRows = new Map<string, RepaymentRow>();
  ledgerRows: LedgerEntryRow[] = [];
  outboxRows: { id: string; event: NewDomainEvent }[] = [];
  published: string[] = [];
  private nextEntryId = 1;
  private nextEventId = 1;

  readonly db: Queryable = {
    query: () => {
      throw new Error('A use case sent SQL to the in-memory tables: it must go through a store port.');
    },
  } as unknown as Queryable;

  constructor(private readonly clock = new TestClock()) {}

  /**
   * The core advance ports over these tables for the use case named `useCase`. Abhi and the advance requests (and
   * metrics, unless given) are not here: a use case that touches one fails the test, naming the port.
   */
  coreAdvanceDeps(useCase: string, metrics: MetricsPort = untouchedPort(useCase, 'metrics')): CoreAdvanceDeps {
    return {
      db: this.db,
      transaction: (work) => this.transaction(work),
      repayments: this.repayments,
      ledger: this.ledger,
      events: this.events,
      advanceRequests: untouchedPort(useCase, 'advanceRequests'),
      abhi: untouchedPort(useCase, 'abhi'),
      metrics,
      settings: { lookupSettleMs: 20_000, abhiAttemptMs: 10_000 },
      now: () => new Date(this.clock.now()),
    };
  }

  /** A PENDING repayment as create-repayment records it (its Abhi reference derived from its id). */
  pendingRepayment(input: { organizationId: string; employeeId: string; amount: string; clientReference: string }): Promise<{ row: RepaymentRow; created: boolean }> {
    const id = randomUUID();
    return this.repayments.insert(this.db, {
      ...input,
      id,
      transactionId: null,
      abhiReference: abhiReferenceFor(id),
      description: null,
      paymentMethod: null,
      recordedBy: 'hr-1',
    });
  }

  async transaction<T>(work: (db: Queryable) => Promise<T>): Promise<T> {
    const snapshot = {
      repayments: new Map([...this.repaymentRows].map(([id, row]) => [id, { ...row }])),
      ledger: this.ledgerRows.map((row) => ({ ...row })),
      outbox: [...this.outboxRows],
    };
    try {
      return await work(this.db);
    } catch (error) {
      this.repaymentRows = snapshot.repayments;
      this.ledgerRows = snapshot.ledger;
      this.outboxRows = snapshot.outbox;
      throw error;
    }
  }

  readonly repayments: RepaymentStore = {
    insert: async (_db, input: NewRepayment) => {
      const live = [...this.repaymentRows.values()].find(
        (r) => r.organization_id === input.organizationId && r.client_reference === input.clientReference && r.status !== 'FAILED',
      );
      if (live) return { row: { ...live }, created: false };
      if ([...this.repaymentRows.values()].some((r) => r.abhi_reference === input.abhiReference || r.id === input.id)) {
        throw new Error(`duplicate key: repayment ${input.id} / ${input.abhiReference}`);
      }
      const now = new Date(this.clock.now());
      const row: RepaymentRow = {
        id: input.id,
        organization_id: input.organizationId,
        employee_id: input.employeeId,
        transaction_id: input.transactionId,
        client_reference: input.clientReference,
        abhi_reference: input.abhiReference,
        amount: filsToDecimalString(toFils(input.amount)),
        description: input.description,
        payment_method: input.paymentMethod,
        abhi_repayment_id: null,
        status: 'PENDING',
        recorded_by: input.recordedBy,
        created_at: now,
        updated_at: now,
        abhi_status: null,
        failure_reason: null,
        abhi_create_attempts: 0,
      };
      this.repaymentRows.set(row.id, row);
      return { row: { ...row }, created: true };
    },
    // Like the adapter: an id that is not a UUID finds nothing (no cast error reaches the caller).
    findById: async (_db, id) => (/^[0-9a-f-]{36}$/i.test(id) ? this.copy(this.repaymentRows.get(id)) : undefined),
    findByAbhiReference: async (_db, abhiReference) => this.copy([...this.repaymentRows.values()].find((r) => r.abhi_reference === abhiReference)),
    findByAbhiId: async (_db, abhiRepaymentId) => this.copy([...this.repaymentRows.values()].find((r) => r.abhi_repayment_id === abhiRepaymentId)),
    listByClientReference: async (_db, clientReference) =>
      [...this.repaymentRows.values()]
        .filter((r) => r.client_reference === clientReference)
        .sort((a, b) => Number(a.status === 'FAILED') - Number(b.status === 'FAILED') || b.created_at.getTime() - a.created_at.getTime())
        .slice(0, 20)
        .map((r) => ({ ...r })),
    update: async (_db, id, changes: RepaymentChanges, onlyIn?: readonly RepaymentStatus[]) => {
      const row = this.repaymentRows.get(id);
      if (!row || (onlyIn && !onlyIn.includes(row.status))) return undefined;
      if (changes.status) row.status = changes.status;
      if (changes.abhiRepaymentId !== undefined) row.abhi_repayment_id = changes.abhiRepaymentId;
      if (changes.abhiStatus !== undefined) row.abhi_status = changes.abhiStatus;
      if (changes.failureReason !== undefined) row.failure_reason = changes.failureReason;
      if (changes.incrementAttempts) row.abhi_create_attempts += 1;
      row.updated_at = new Date(this.clock.now());
      return { ...row };
    },
    listForReconciliation: async (_db, from, to) =>
      [...this.repaymentRows.values()]
        .filter((r) => r.created_at >= from && r.created_at < to)
        .sort((a, b) => a.created_at.getTime() - b.created_at.getTime())
        .map((r) => ({ ...r })),
  };

  readonly ledger: LedgerStore = {
    append: async (_db, entry: LedgerEntryInput) => {
      if (this.ledgerRows.some((e) => e.kind === entry.kind && e.abhi_reference === entry.abhiReference)) return undefined;
      const id = this.nextEntryId++;
      this.ledgerRows.push({
        id,
        organization_id: entry.organizationId,
        employee_id: entry.employeeId,
        kind: entry.kind,
        amount: filsToDecimalString(toFils(entry.amount)),
        advance_request_id: entry.advanceRequestId ?? null,
        repayment_id: entry.repaymentId ?? null,
        abhi_reference: entry.abhiReference,
        occurred_at: new Date(this.clock.now()),
      });
      return id;
    },
    outstanding: async (_db, employeeId) => {
      const entries = this.ledgerRows.filter((e) => e.employee_id === employeeId);
      return entries.length === 0 ? '0' : filsToDecimalString(entries.reduce((sum, e) => sum + toFils(e.amount), 0n));
    },
    byReferences: async (_db, kind: LedgerKind, references) =>
      this.ledgerRows.filter((e) => e.kind === kind && e.abhi_reference !== null && references.includes(e.abhi_reference)).map((e) => ({ ...e })),
  };

  readonly events: EventsPort = {
    record: async (_db, event) => {
      const id = `event-${this.nextEventId++}`;
      this.outboxRows.push({ id, event });
      return { id };
    },
    publish: async (ids) => {
      this.published.push(...ids);
    },
  };

  private copy(row: RepaymentRow | undefined): RepaymentRow | undefined {
    return row ? { ...row } : undefined;
  }
}
