import { isPlatformPrincipal } from '#shared/auth/principal';
import { ForbiddenError, NotFoundError, UpstreamError, ValidationError } from '#shared/domain/errors';
import { filsToDecimalString, filsToNumber, toFils } from '#shared/domain/money';
import { recordEvent } from '#shared/events/record';
import type { Page } from '#shared/schemas/common';
import {
  advancePolicyProblems,
  resolveAdvancePolicy,
  resolveNotificationSettings,
  type CreatedOrganizationView,
  type CreateOrganizationInput,
  type ListOrganizationsQuery,
  type OrganizationStatisticsView,
  type OrganizationView,
  type UpdateOrganizationInput,
} from '#shared/schemas/organizations';
import { AbhiNotFoundError } from '#shared/abhi/errors';
import { callAbhi } from '../abhi-errors';
import type { OrganizationDeps, OrganizationListDeps, UseCaseContext } from '../employees/context';
import { assertOrganizationAccess, ensureOrganizationMirrored, organizationRecordFromAbhi, organizationScope } from './organization-access';
import { abhiCallOptions } from '#shared/use-cases/invocation';
import type { OrganizationRow } from '#shared/use-cases/ports/organization-store';

/** Organizations: Abhi owns the organization, this platform its tenant tree and local configuration. */

export async function listOrganizations(deps: OrganizationListDeps, ctx: UseCaseContext, query: ListOrganizationsQuery): Promise<Page<OrganizationView>> {
  const scope = await organizationScope(deps, ctx.principal);
  const { rows, total } = await deps.organizations.list(deps.reader, { scope, search: query.search, active: query.active }, query.page, query.limit);
  return { items: rows.map(toOrganizationView), page: query.page, limit: query.limit, total };
}

export async function createOrganization(
  deps: OrganizationDeps,
  ctx: UseCaseContext,
  input: CreateOrganizationInput,
): Promise<CreatedOrganizationView> {
  const { principal } = ctx;
  // The new organization hangs under the caller's own (organization admins) or where a platform admin says.
  let parentId = input.parentOrganizationId ?? null;
  if (!isPlatformPrincipal(principal)) {
    if (!principal.organizationId) throw new ForbiddenError('Your token names no organization.');
    parentId ??= principal.organizationId;
  }
  if (parentId) {
    await assertOrganizationAccess(deps, principal, parentId);
    await ensureOrganizationMirrored(deps, ctx, parentId).catch((error: unknown) => {
      throw error instanceof NotFoundError ? new NotFoundError('Parent organization') : error;
    });
  }

  const advancePolicy = resolveAdvancePolicy(input.advancePolicy ?? {});
  const problems = advancePolicyProblems(advancePolicy);
  if (problems.length) throw new ValidationError('The advance policy is not consistent.', problems);
  const notificationSettings = resolveNotificationSettings(input.notificationSettings ?? {});

  const created = await callAbhi('Organization', () =>
    deps.abhi.organizations.create(
      {
        name: input.name,
        industry: input.industry,
        businessTypeId: input.businessTypeId,
        address: input.address,
        city: input.city,
        managementAlias: input.managementAlias,
        creditLimit: filsToNumber(toFils(input.creditLimit)),
        ...(input.phone ? { phone: input.phone } : {}),
        ...(input.email ? { email: input.email } : {}),
        ...(input.payrollStartDay ? { payrollStartDay: input.payrollStartDay } : {}),
      },
      abhiCallOptions(ctx),
    ),
  );
  const organizationId = created.data.organizationId;
  if (!organizationId) throw new UpstreamError(502, 'EXTERNAL_API_ERROR', 'Abhi created the organization but returned no id.');

  // Abhi's generated portal credentials exist only in this answer: keep them sealed (never returned, never logged).
  const portalUsers = await Promise.all(
    Object.entries(created.data.users).flatMap(([role, user]) =>
      user
        ? [
            deps.cipher
              .encrypt('portal_credentials', JSON.stringify({ password: user.password, ...(user.MFAsecret ? { mfaSecret: user.MFAsecret } : {}) }))
              .then((credentialsEnc) => ({ role, username: user.username, credentialsEnc })),
          ]
        : [],
    ),
  );

  const { row, eventId } = await deps.transaction(async (db) => {
    const row = await deps.organizations.insert(
      db,
      {
        id: organizationId,
        parentId,
        name: input.name,
        industry: input.industry,
        businessTypeId: input.businessTypeId,
        address: input.address,
        city: input.city,
        managementAlias: input.managementAlias,
        creditLimit: filsToDecimalString(toFils(input.creditLimit)),
        phone: input.phone ?? null,
        email: input.email ?? null,
        payrollStartDay: input.payrollStartDay ?? null,
        active: true,
      },
      { advancePolicy, notificationSettings },
      { synced: true },
    );
    await deps.organizations.insertPortalUsers(db, organizationId, portalUsers);
    const event = await recordEvent(db, {
      type: 'organization.created',
      organizationId,
      correlationId: ctx.correlationId,
      payload: { organizationId, parentOrganizationId: parentId, name: input.name, managementAlias: input.managementAlias },
    });
    return { row, eventId: event.id };
  });
  await deps.publishEvents([eventId]);

  // The passwords and MFA secrets are not passed on: they would land in idempotency records and client logs.
  const users = Object.fromEntries(portalUsers.map((user) => [user.role, { username: user.username }]));
  return { ...toOrganizationView(row), users };
}

/** Abhi's organization merged with the local configuration; the mirror is refreshed on the way. */
export async function getOrganization(deps: OrganizationDeps, ctx: UseCaseContext, organizationId: string): Promise<OrganizationView> {
  await assertOrganizationAccess(deps, ctx.principal, organizationId);
  const db = deps.db;
  let remote;
  try {
    remote = await deps.abhi.organizations.get(organizationId, abhiCallOptions(ctx));
  } catch (error) {
    if (error instanceof AbhiNotFoundError) throw new NotFoundError('Organization');
    throw error;
  }
  await deps.organizations.upsertFromAbhi(db, organizationRecordFromAbhi(remote));
  const row = await deps.organizations.findById(db, organizationId);
  if (!row) throw new NotFoundError('Organization');
  return toOrganizationView(row);
}

export async function updateOrganization(
  deps: OrganizationDeps,
  ctx: UseCaseContext,
  organizationId: string,
  input: UpdateOrganizationInput,
): Promise<OrganizationView> {
  await assertOrganizationAccess(deps, ctx.principal, organizationId);
  // Configuration can be set before anyone read the organization: mirror it from Abhi first.
  await ensureOrganizationMirrored(deps, ctx, organizationId);
  const { row, eventId } = await deps.transaction(async (db) => {
    const current = await deps.organizations.findById(db, organizationId, { forUpdate: true });
    if (!current) throw new NotFoundError('Organization');
    const before = { advancePolicy: resolveAdvancePolicy(current.advance_policy), notificationSettings: resolveNotificationSettings(current.notification_settings) };
    const advancePolicy = resolveAdvancePolicy({ ...before.advancePolicy, ...stripUndefined(input.advancePolicy ?? {}) });
    const problems = advancePolicyProblems(advancePolicy);
    if (problems.length) throw new ValidationError('The advance policy is not consistent.', problems);
    const settingsInput = input.notificationSettings ?? {};
    const notificationSettings = resolveNotificationSettings({
      channels: { ...before.notificationSettings.channels, ...stripUndefined(settingsInput.channels ?? {}) },
      hrEmail: settingsInput.hrEmail === undefined ? before.notificationSettings.hrEmail : settingsInput.hrEmail,
      approverEmail: settingsInput.approverEmail === undefined ? before.notificationSettings.approverEmail : settingsInput.approverEmail,
      mutedEvents: settingsInput.mutedEvents ?? before.notificationSettings.mutedEvents,
      locale: settingsInput.locale ?? before.notificationSettings.locale,
      recipientLocales: settingsInput.recipientLocales ?? before.notificationSettings.recipientLocales,
    });
    const updated = await deps.organizations.updateConfig(db, organizationId, { advancePolicy, notificationSettings });
    const changed = [
      ...(JSON.stringify(before.advancePolicy) !== JSON.stringify(advancePolicy) ? ['advancePolicy'] : []),
      ...(JSON.stringify(before.notificationSettings) !== JSON.stringify(notificationSettings) ? ['notificationSettings'] : []),
    ];
    const event = await recordEvent(db, {
      type: 'organization.updated',
      organizationId,
      correlationId: ctx.correlationId,
      payload: { organizationId, changed, advancePolicy, notificationSettings },
    });
    return { row: updated!, eventId: event.id };
  });
  await deps.publishEvents([eventId]);
  return toOrganizationView(row);
}

export async function getOrganizationStatistics(
  deps: OrganizationDeps,
  ctx: UseCaseContext,
  organizationId: string,
): Promise<OrganizationStatisticsView> {
  await assertOrganizationAccess(deps, ctx.principal, organizationId);
  await ensureOrganizationMirrored(deps, ctx, organizationId);
  const stats = await deps.organizations.statistics(deps.reader, organizationId);
  const byStatus = Object.fromEntries(stats.advancesByStatus.map((s) => [s.status, s.count]));
  const sumWhere = (statuses: string[]) =>
    stats.advancesByStatus.filter((s) => statuses.includes(s.status)).reduce((sum, s) => sum + toFils(s.amount), 0n);
  return {
    organizationId,
    employees: { ...stats.employees, byDepartment: stats.departments },
    advances: {
      total: stats.advancesByStatus.reduce((n, s) => n + s.count, 0),
      byStatus,
      completedAmount: filsToNumber(sumWhere(['COMPLETED'])),
      pendingAmount: filsToNumber(sumWhere(['PENDING_VALIDATION', 'PENDING_APPROVAL', 'PROCESSING'])),
      last30Days: { count: stats.last30Days.count, amount: filsToNumber(toFils(stats.last30Days.amount)) },
    },
    repayments: { total: stats.repayments.count, amount: filsToNumber(toFils(stats.repayments.amount)) },
    outstanding: filsToNumber(toFils(stats.ledgerOutstanding)),
    generatedAt: new Date().toISOString(),
  };
}

function stripUndefined<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The stored row as the API shows it, its configuration resolved against the defaults. */
export function toOrganizationView(row: OrganizationRow): OrganizationView {
  return {
    id: row.id,
    parentOrganizationId: row.parent_id,
    name: row.name,
    industry: row.industry,
    businessTypeId: row.business_type_id,
    address: row.address,
    city: row.city,
    managementAlias: row.management_alias,
    creditLimit: row.credit_limit === null ? null : Number(row.credit_limit),
    phone: row.phone,
    email: row.email,
    payrollStartDay: row.payroll_start_day,
    active: row.active,
    advancePolicy: resolveAdvancePolicy(row.advance_policy),
    notificationSettings: resolveNotificationSettings(row.notification_settings),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    syncedAt: row.synced_at ? row.synced_at.toISOString() : null,
  };
}
