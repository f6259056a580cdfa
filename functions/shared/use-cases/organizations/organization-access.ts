import type { Organization } from '#shared/abhi/schemas';
import { isPlatformPrincipal, type Principal } from '#shared/auth/principal';
import { assertCanAccessOrganization, scopeOrganizationIds, type IsDescendant, type OrganizationScope } from '#shared/auth/tenant';
import { ForbiddenError, NotFoundError, ValidationError } from '#shared/domain/errors';
import { toFils, filsToDecimalString } from '#shared/domain/money';
import type { OrganizationRecord, OrganizationRow } from '#shared/use-cases/ports/organization-store';
import { callAbhi } from '../abhi-errors';
import type { BusinessDeps, MirrorStores, TenantDeps, UseCaseContext } from '../employees/context';
import { abhiCallOptions, type Invocation } from '#shared/use-cases/invocation';

/** The tenant tree's descendant lookup, in the shape the edge's tenant helpers take. */
export function isDescendantIn(deps: TenantDeps): IsDescendant {
  return (organizationId, ancestorId) => deps.organizations.isDescendant(deps.db, organizationId, ancestorId);
}

export function organizationScope(deps: TenantDeps, principal: Principal): Promise<OrganizationScope> {
  return scopeOrganizationIds(principal, (organizationId) => deps.organizations.childIds(deps.db, organizationId));
}

export function assertOrganizationAccess(deps: TenantDeps, principal: Principal, organizationId: string): Promise<void> {
  return assertCanAccessOrganization(principal, organizationId, isDescendantIn(deps));
}

/** Abhi's organization → the columns this platform mirrors. */
export function organizationRecordFromAbhi(organization: Organization): OrganizationRecord {
  return {
    id: organization.id,
    parentId: organization.parentOrganizationId ?? organization.parentOrganizations?.parentOrganizationId ?? null,
    name: organization.name,
    industry: organization.industry ?? null,
    businessTypeId: organization.businessTypeId ?? organization.businessType?.id ?? null,
    address: organization.address ?? null,
    city: organization.city ?? null,
    managementAlias: organization.managementAlias ?? null,
    creditLimit: organization.creditLimit === undefined ? null : filsToDecimalString(toFilsRounded(organization.creditLimit)),
    phone: organization.phone ?? null,
    email: organization.email ?? null,
    payrollStartDay: organization.payrollStartDay ?? null,
    active: organization.deletedDate ? false : (organization.active ?? true),
  };
}

/** Abhi's float amounts can carry float noise (e.g. 0.30000000000000004): round to fils on the decimal text. */
function toFilsRounded(amount: number): bigint {
  return toFils(Number(amount.toFixed(2)));
}

/**
 * The organization row, mirrored from Abhi on first sight. Callers check tenant access BEFORE calling this, so an
 * outsider cannot learn whether an organization exists.
 */
export async function ensureOrganizationMirrored(
  deps: Pick<BusinessDeps, 'abhi' | 'db'> & Pick<MirrorStores, 'organizations'>,
  ctx: Invocation,
  organizationId: string,
): Promise<OrganizationRow> {
  const db = deps.db;
  const local = await deps.organizations.findById(db, organizationId);
  if (local) return local;
  const remote = await callAbhi('Organization', () => deps.abhi.organizations.get(organizationId, abhiCallOptions(ctx)));
  await deps.organizations.upsertFromAbhi(db, organizationRecordFromAbhi(remote));
  const mirrored = await deps.organizations.findById(db, organizationId);
  if (!mirrored) throw new NotFoundError('Organization');
  return mirrored;
}

/**
 * The organization a new employee (or import) belongs to: a platform administrator names it; anyone else gets their
 * own organization, or names one they may manage (an organization admin's child organizations).
 */
export async function resolveTargetOrganization(
  deps: Pick<BusinessDeps, 'abhi' | 'db'> & Pick<MirrorStores, 'organizations'>,
  ctx: UseCaseContext,
  requested: string | undefined,
  field = 'body.organizationId',
): Promise<OrganizationRow> {
  const { principal } = ctx;
  let organizationId = requested;
  if (!organizationId) {
    if (isPlatformPrincipal(principal)) {
      throw new ValidationError('Platform administrators must say which organization the employee belongs to.', [
        { field, message: 'Required for platform administrators.' },
      ]);
    }
    if (!principal.organizationId) throw new ForbiddenError('Your token names no organization.');
    organizationId = principal.organizationId;
  }
  await assertOrganizationAccess(deps, principal, organizationId);
  return ensureOrganizationMirrored(deps, ctx, organizationId);
}
