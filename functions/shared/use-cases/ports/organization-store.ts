import type { OrganizationScope } from '#shared/auth/tenant';
import type { Queryable } from '#shared/db/pool';
import type { AdvancePolicy, NotificationSettings } from '#shared/schemas/organizations';

/**
 * Organizations (PostgreSQL's `organizations`): Abhi's fields mirrored, the platform's tenant tree (`parent_id`) and
 * the local configuration (advance policy, notifications). The connection comes first, as in every store.
 */
export interface OrganizationStore extends OrganizationMirror {
  list(
    db: Queryable,
    filter: { scope: OrganizationScope; search?: string; active?: boolean },
    page: number,
    limit: number,
  ): Promise<{ rows: OrganizationRow[]; total: number }>;
  insert(db: Queryable, record: OrganizationRecord, config: OrganizationConfig, options?: { synced?: boolean }): Promise<OrganizationRow>;
  /** The portal users Abhi provisioned, their credentials already sealed by the caller. */
  insertPortalUsers(db: Queryable, organizationId: string, users: readonly { role: string; username: string; credentialsEnc: string }[]): Promise<void>;
  updateConfig(db: Queryable, id: string, config: OrganizationConfig): Promise<OrganizationRow | undefined>;
  /** Employees, advances, repayments and the ledger's outstanding of one organization. */
  statistics(db: Queryable, organizationId: string): Promise<OrganizationStatisticsRow>;
}

/**
 * What the other domains (employees, import, sync, reports) need of organizations: the mirrored row and the tenant
 * tree. Their roots wire only this part, so their bundles leave out the organization routes' queries.
 */
export interface OrganizationMirror {
  findById(db: Queryable, id: string, options?: { forUpdate?: boolean }): Promise<OrganizationRow | undefined>;
  /**
   * Writes Abhi's view of an organization (sync or read-through). Local configuration is left alone, and so is a
   * parent already set here; a parent not mirrored yet is left unset. Says whether the row was inserted, changed or not.
   */
  upsertFromAbhi(db: Queryable, record: OrganizationRecord): Promise<'inserted' | 'updated' | 'unchanged'>;
  /** All (transitive) children of an organization. */
  childIds(db: Queryable, organizationId: string): Promise<string[]>;
  /** True when `organizationId` sits (transitively) under `ancestorId`. */
  isDescendant(db: Queryable, organizationId: string, ancestorId: string): Promise<boolean>;
}

export interface OrganizationConfig {
  advancePolicy: AdvancePolicy;
  notificationSettings: NotificationSettings;
}

/** A stored organization (amounts as decimal text; the configuration as stored JSON, resolved by the reader). */
export interface OrganizationRow {
  id: string;
  parent_id: string | null;
  name: string;
  industry: string | null;
  business_type_id: string | null;
  address: string | null;
  city: string | null;
  management_alias: string | null;
  credit_limit: string | null;
  phone: string | null;
  email: string | null;
  payroll_start_day: number | null;
  active: boolean;
  advance_policy: unknown;
  notification_settings: unknown;
  synced_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** Abhi-owned fields of an organization (what create and sync write). */
export interface OrganizationRecord {
  id: string;
  parentId: string | null;
  name: string;
  industry: string | null;
  businessTypeId: string | null;
  address: string | null;
  city: string | null;
  managementAlias: string | null;
  /** Decimal string. */
  creditLimit: string | null;
  phone: string | null;
  email: string | null;
  payrollStartDay: number | null;
  active: boolean;
}

export interface OrganizationStatisticsRow {
  employees: { total: number; active: number; inactive: number };
  departments: { department: string; count: number }[];
  advancesByStatus: { status: string; count: number; amount: string }[];
  last30Days: { count: number; amount: string };
  repayments: { count: number; amount: string };
  ledgerOutstanding: string;
}
