import type { Queryable } from '#shared/db/pool';
import type { OrganizationScope } from '#shared/auth/tenant';
import type {
  OrganizationConfig,
  OrganizationMirror,
  OrganizationRecord,
  OrganizationRow,
  OrganizationStatisticsRow,
  OrganizationStore,
} from '#shared/use-cases/ports/organization-store';
import { escapeLike } from './employees-repository';

/** Organizations in PostgreSQL: Abhi's fields mirrored, plus the local configuration (advance policy, notifications). */

const SELECT = `SELECT id, parent_id, name, industry, business_type_id, address, city, management_alias, credit_limit::text AS credit_limit,
  phone, email, payroll_start_day, active, advance_policy, notification_settings, synced_at, created_at, updated_at FROM organizations`;

export async function findOrganizationById(db: Queryable, id: string, options: { forUpdate?: boolean } = {}): Promise<OrganizationRow | undefined> {
  const { rows } = await db.query<OrganizationRow>(`${SELECT} WHERE id = $1${options.forUpdate ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0];
}

export async function listOrganizations(
  db: Queryable,
  filter: { scope: OrganizationScope; search?: string; active?: boolean },
  page: number,
  limit: number,
): Promise<{ rows: OrganizationRow[]; total: number }> {
  const clauses: string[] = [];
  const params: unknown[] = [];
  if (filter.scope.kind === 'only') {
    params.push([...filter.scope.organizationIds]);
    clauses.push(`id = ANY($${params.length}::text[])`);
  }
  if (filter.search) {
    params.push(`%${escapeLike(filter.search)}%`);
    clauses.push(`(name ILIKE $${params.length} OR management_alias ILIKE $${params.length})`);
  }
  if (filter.active !== undefined) {
    params.push(filter.active);
    clauses.push(`active = $${params.length}`);
  }
  const sql = clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
  const [list, count] = await Promise.all([
    db.query<OrganizationRow>(`${SELECT} ${sql} ORDER BY name, id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`, [
      ...params,
      limit,
      (page - 1) * limit,
    ]),
    db.query<{ total: number }>(`SELECT count(*)::int AS total FROM organizations ${sql}`, params),
  ]);
  return { rows: list.rows, total: count.rows[0]?.total ?? 0 };
}

/** All (transitive) children of an organization. */
export async function childOrganizationIds(db: Queryable, organizationId: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `WITH RECURSIVE tree AS (
       SELECT id FROM organizations WHERE parent_id = $1
       UNION SELECT o.id FROM organizations o JOIN tree t ON o.parent_id = t.id
     ) SELECT id FROM tree`,
    [organizationId],
  );
  return rows.map((row) => row.id);
}

/** True when `organizationId` sits (transitively) under `ancestorId`. */
export async function isDescendantOrganization(db: Queryable, organizationId: string, ancestorId: string): Promise<boolean> {
  const { rows } = await db.query<{ found: boolean }>(
    `WITH RECURSIVE up AS (
       SELECT id, parent_id, 0 AS depth FROM organizations WHERE id = $1
       UNION SELECT o.id, o.parent_id, up.depth + 1 FROM organizations o JOIN up ON o.id = up.parent_id WHERE up.depth < 50
     ) SELECT EXISTS (SELECT 1 FROM up WHERE parent_id = $2) AS found`,
    [organizationId, ancestorId],
  );
  return rows[0]?.found ?? false;
}

export async function insertOrganization(
  db: Queryable,
  record: OrganizationRecord,
  config: OrganizationConfig,
  options: { synced?: boolean } = {},
): Promise<OrganizationRow> {
  await db.query(
    `INSERT INTO organizations (id, parent_id, name, industry, business_type_id, address, city, management_alias, credit_limit, phone, email,
       payroll_start_day, active, advance_policy, notification_settings, synced_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, ${options.synced ? 'now()' : 'NULL'})`,
    [...recordValues(record), JSON.stringify(config.advancePolicy), JSON.stringify(config.notificationSettings)],
  );
  return (await findOrganizationById(db, record.id))!;
}

/**
 * Writes Abhi's view of an organization (sync or read-through). Local configuration is left alone, and so is a
 * parent already set here (the platform's tenant tree is authoritative once known); a parent that is not mirrored yet
 * is left unset rather than failing the foreign key. Returns whether the row was inserted, changed or not.
 */
export async function upsertOrganizationFromAbhi(db: Queryable, record: OrganizationRecord): Promise<'inserted' | 'updated' | 'unchanged'> {
  const { rows } = await db.query<{ inserted: boolean; changed: boolean }>(
    `INSERT INTO organizations AS o (id, parent_id, name, industry, business_type_id, address, city, management_alias, credit_limit, phone, email,
       payroll_start_day, active, synced_at)
     VALUES ($1, (SELECT id FROM organizations WHERE id = $2), $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, now())
     ON CONFLICT (id) DO UPDATE SET
       parent_id = COALESCE(o.parent_id, EXCLUDED.parent_id), name = EXCLUDED.name, industry = EXCLUDED.industry,
       business_type_id = EXCLUDED.business_type_id, address = EXCLUDED.address, city = EXCLUDED.city,
       management_alias = EXCLUDED.management_alias, credit_limit = EXCLUDED.credit_limit, phone = EXCLUDED.phone, email = EXCLUDED.email,
       payroll_start_day = EXCLUDED.payroll_start_day, active = EXCLUDED.active, synced_at = now(),
       updated_at = CASE WHEN (o.name, o.industry, o.business_type_id, o.address, o.city, o.management_alias, o.credit_limit, o.phone, o.email,
                                o.payroll_start_day, o.active)
                            IS DISTINCT FROM
                               (EXCLUDED.name, EXCLUDED.industry, EXCLUDED.business_type_id, EXCLUDED.address, EXCLUDED.city,
                                EXCLUDED.management_alias, EXCLUDED.credit_limit, EXCLUDED.phone, EXCLUDED.email, EXCLUDED.payroll_start_day,
                                EXCLUDED.active)
                         THEN now() ELSE o.updated_at END
     RETURNING (xmax = 0) AS inserted, (updated_at = now()) AS changed`,
    recordValues(record),
  );
  const row = rows[0]!;
  return row.inserted ? 'inserted' : row.changed ? 'updated' : 'unchanged';
}

/** The portal users Abhi provisioned, their credentials already sealed by the caller. */
export async function insertPortalUsers(
  db: Queryable,
  organizationId: string,
  users: readonly { role: string; username: string; credentialsEnc: string }[],
): Promise<void> {
  for (const user of users) {
    await db.query(
      `INSERT INTO organization_portal_users (organization_id, role, username, credentials_enc) VALUES ($1, $2, $3, $4)
       ON CONFLICT (organization_id, role) DO NOTHING`,
      [organizationId, user.role, user.username, user.credentialsEnc],
    );
  }
}

export async function updateOrganizationConfig(
  db: Queryable,
  id: string,
  config: OrganizationConfig,
): Promise<OrganizationRow | undefined> {
  await db.query(`UPDATE organizations SET advance_policy = $2, notification_settings = $3, updated_at = now() WHERE id = $1`, [
    id,
    JSON.stringify(config.advancePolicy),
    JSON.stringify(config.notificationSettings),
  ]);
  return findOrganizationById(db, id);
}

/** Employees, advances, repayments and the ledger's outstanding of one organization. */
export async function organizationStatistics(db: Queryable, organizationId: string): Promise<OrganizationStatisticsRow> {
  const [employees, departments, advances, recent, repayments, ledger] = await Promise.all([
    db.query<{ total: number; active: number; inactive: number }>(
      `SELECT count(*) FILTER (WHERE status <> 'deleted')::int AS total, count(*) FILTER (WHERE status = 'active')::int AS active,
              count(*) FILTER (WHERE status = 'inactive')::int AS inactive
       FROM employees WHERE organization_id = $1`,
      [organizationId],
    ),
    db.query<{ department: string; count: number }>(
      `SELECT COALESCE(department, '(none)') AS department, count(*)::int AS count FROM employees
       WHERE organization_id = $1 AND status <> 'deleted' GROUP BY 1 ORDER BY 2 DESC, 1`,
      [organizationId],
    ),
    db.query<{ status: string; count: number; amount: string }>(
      `SELECT status, count(*)::int AS count, COALESCE(sum(amount), 0)::text AS amount FROM advance_requests
       WHERE organization_id = $1 GROUP BY status ORDER BY status`,
      [organizationId],
    ),
    db.query<{ count: number; amount: string }>(
      `SELECT count(*)::int AS count, COALESCE(sum(amount), 0)::text AS amount FROM advance_requests
       WHERE organization_id = $1 AND created_at >= now() - interval '30 days'`,
      [organizationId],
    ),
    db.query<{ count: number; amount: string }>(
      // Repayments Abhi confirmed (pending and refused ones have not moved money).
      `SELECT count(*)::int AS count, COALESCE(sum(amount), 0)::text AS amount FROM repayments WHERE organization_id = $1 AND status = 'COMPLETED'`,
      [organizationId],
    ),
    db.query<{ outstanding: string }>(
      `SELECT COALESCE(sum(CASE WHEN kind = 'repayment' THEN -abs(amount) ELSE amount END), 0)::text AS outstanding
       FROM ledger_entries WHERE organization_id = $1`,
      [organizationId],
    ),
  ]);
  return {
    employees: employees.rows[0]!,
    departments: departments.rows,
    advancesByStatus: advances.rows,
    last30Days: recent.rows[0]!,
    repayments: repayments.rows[0]!,
    ledgerOutstanding: ledger.rows[0]!.outstanding,
  };
}

/** $1–$13 of both organization writes, in their column order (id, parent_id, name, …, payroll_start_day, active). */
function recordValues(record: OrganizationRecord): unknown[] {
  return [
    record.id,
    record.parentId,
    record.name,
    record.industry,
    record.businessTypeId,
    record.address,
    record.city,
    record.managementAlias,
    record.creditLimit,
    record.phone,
    record.email,
    record.payrollStartDay,
    record.active,
  ];
}

/** What the other domains use: the mirrored row and the tenant tree (their roots wire only this). */
export const postgresOrganizationMirror: OrganizationMirror = {
  findById: findOrganizationById,
  upsertFromAbhi: upsertOrganizationFromAbhi,
  childIds: childOrganizationIds,
  isDescendant: isDescendantOrganization,
};

// Listed again, not spread: a spread keeps both objects (and every query) in bundles that use neither.
export const postgresOrganizations: OrganizationStore = {
  findById: findOrganizationById,
  upsertFromAbhi: upsertOrganizationFromAbhi,
  childIds: childOrganizationIds,
  isDescendant: isDescendantOrganization,
  list: listOrganizations,
  insert: insertOrganization,
  insertPortalUsers,
  updateConfig: updateOrganizationConfig,
  statistics: organizationStatistics,
};
