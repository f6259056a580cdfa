import type { Role, Route } from '#shared/routes';
import { TenantAccessDeniedError } from './errors';
import { isPlatformPrincipal, type Principal } from './principal';

/**
 * Tenant isolation for use cases. Rules:
 * - a platform principal (`admin`) may act on any organization;
 * - every other principal carries an organization id and sees only its organization — an `organization_admin` also
 *   the descendants of its organization (the caller supplies the org-tree lookup);
 * - a principal whose only effective role is `employee` sees only its own employee records.
 * A refusal answers 404 (TenantAccessDeniedError is a NotFoundError), never another tenant's data, and is audited
 * by the API handler as a denial.
 */

/** True when `organizationId` is a (transitive) child of `ancestorOrganizationId`. */
export type IsDescendant = (organizationId: string, ancestorOrganizationId: string) => boolean | Promise<boolean>;
/** All (transitive) child organization ids of `organizationId`. */
export type ChildOrganizationIds = (organizationId: string) => readonly string[] | Promise<readonly string[]>;

type PrincipalLike = Pick<Principal, 'roles' | 'organizationId' | 'employeeId'>;

/**
 * The roles that count for this call: those the route grants, when a route is given (a principal with
 * `employee` + `hr_manager` calling an employee-only route acts as an employee there).
 */
export function effectiveRoles(principal: Pick<Principal, 'roles'>, route?: Pick<Route, 'roles'>): Role[] {
  return route ? principal.roles.filter((role) => route.roles.includes(role)) : [...principal.roles];
}

/** True when the principal may only see its own employee records (its only effective role is `employee`). */
export function isSelfOnly(principal: Pick<Principal, 'roles'>, route?: Pick<Route, 'roles'>): boolean {
  const roles = effectiveRoles(principal, route);
  return roles.length > 0 && roles.every((role) => role === 'employee');
}

export async function canAccessOrganization(
  principal: PrincipalLike,
  organizationId: string,
  isDescendant?: IsDescendant,
  route?: Pick<Route, 'roles'>,
): Promise<boolean> {
  if (isPlatformPrincipal({ roles: effectiveRoles(principal, route) })) return true;
  const own = principal.organizationId;
  if (!own || !organizationId) return false;
  if (organizationId === own) return true;
  if (isDescendant && effectiveRoles(principal, route).includes('organization_admin')) {
    return Boolean(await isDescendant(organizationId, own));
  }
  return false;
}

/** Throws 404 (audited) unless the principal may read/change data of `organizationId`. */
export async function assertCanAccessOrganization(
  principal: PrincipalLike,
  organizationId: string,
  isDescendant?: IsDescendant,
  route?: Pick<Route, 'roles'>,
): Promise<void> {
  if (!(await canAccessOrganization(principal, organizationId, isDescendant, route))) {
    throw new TenantAccessDeniedError('Organization', `organization ${organizationId} is outside the caller's tenant`);
  }
}

/** Throws 404 (audited) unless the principal may read/change this employee's records. */
export async function assertCanAccessEmployee(
  principal: PrincipalLike,
  employee: { id: string; organizationId: string },
  isDescendant?: IsDescendant,
  route?: Pick<Route, 'roles'>,
): Promise<void> {
  if (isSelfOnly(principal, route)) {
    if (principal.employeeId && principal.employeeId === employee.id && principal.organizationId === employee.organizationId) return;
    throw new TenantAccessDeniedError('Employee', `employee ${employee.id} is not the caller's own record`);
  }
  if (!(await canAccessOrganization(principal, employee.organizationId, isDescendant, route))) {
    throw new TenantAccessDeniedError('Employee', `employee ${employee.id} belongs to another organization`);
  }
}

/**
 * Throws 404 (audited) unless a self-only principal asks for its own employee id. For list/read use cases that take
 * an employee id from the path before loading the record.
 */
export function assertSelfOrNotSelfOnly(principal: PrincipalLike, employeeId: string, route?: Pick<Route, 'roles'>): void {
  if (isSelfOnly(principal, route) && principal.employeeId !== employeeId) {
    throw new TenantAccessDeniedError('Employee', `employee ${employeeId} is not the caller's own record`);
  }
}

export type OrganizationScope = { readonly kind: 'all' } | { readonly kind: 'only'; readonly organizationIds: readonly string[] };

/**
 * Which organizations a query may touch: `{ kind: 'all' }` for a platform principal, otherwise the own organization
 * (plus its descendants for an `organization_admin` when `childOrganizationIds` is given). Never unrestricted by
 * accident: a principal without an organization gets an empty list.
 */
export async function scopeOrganizationIds(
  principal: PrincipalLike,
  childOrganizationIds?: ChildOrganizationIds,
  route?: Pick<Route, 'roles'>,
): Promise<OrganizationScope> {
  if (isPlatformPrincipal({ roles: effectiveRoles(principal, route) })) return { kind: 'all' };
  const own = principal.organizationId;
  if (!own) return { kind: 'only', organizationIds: [] };
  if (childOrganizationIds && effectiveRoles(principal, route).includes('organization_admin')) {
    const children = await childOrganizationIds(own);
    return { kind: 'only', organizationIds: [...new Set([own, ...children])] };
  }
  return { kind: 'only', organizationIds: [own] };
}

/** The employee id a self-only principal is restricted to (undefined: not restricted to one employee). */
export function scopeEmployeeId(principal: PrincipalLike, route?: Pick<Route, 'roles'>): string | undefined {
  if (!isSelfOnly(principal, route)) return undefined;
  // A self-only principal without an employee id has no records: refuse rather than fall through to "everything".
  if (!principal.employeeId) throw new TenantAccessDeniedError('Employee', 'self-only principal carries no employee id');
  return principal.employeeId;
}
