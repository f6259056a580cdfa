import type { EmployeeRow } from '#shared/use-cases/ports/employee-store';
import type { OrganizationRow } from '#shared/use-cases/ports/organization-store';
import type { DomainEvent } from '#shared/events/types';
import type { Role } from '#shared/routes';

/**
 * User provisioning (the seed's CreateUser / UpdateUserAttributes): the identity provider's user follows the
 * employee or organization admin it stands for. The port knows nothing of Keycloak, Cognito or the local issuer.
 */
export interface DirectoryUser {
  /** Sign-in name: the e-mail address, lower-cased (Cognito's pool signs in by e-mail; Keycloak's username). */
  readonly email: string;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly roles: readonly Role[];
  readonly organizationId: string;
  readonly employeeId?: string;
}

export interface IdentityDirectory {
  /** Creates the user, or brings an existing one (same e-mail) up to these attributes and roles, and enables it. */
  createOrUpdateUser(user: DirectoryUser): Promise<void>;
  /** Disables the user; an unknown or already disabled user is fine. */
  disableUser(email: string): Promise<void>;
}

export type ProvisioningAction = { kind: 'upsert'; user: DirectoryUser } | { kind: 'disable'; email: string } | { kind: 'none'; reason: string };

export interface ProvisioningReads {
  findEmployee(id: string): Promise<EmployeeRow | undefined>;
  findOrganization(id: string): Promise<OrganizationRow | undefined>;
}

export const PROVISIONING_EVENT_TYPES = ['employee.created', 'employee.synced', 'employee.updated', 'employee.deleted', 'organization.created'] as const;

/**
 * What the directory should hold after this event. The event only names the record (payloads carry no e-mail): the
 * current row decides, so redeliveries and out-of-order events converge on the same state.
 */
export async function provisioningAction(event: DomainEvent, reads: ProvisioningReads): Promise<ProvisioningAction> {
  const payload = event.payload;
  if (event.type === 'organization.created') {
    const organizationId = typeof payload.organizationId === 'string' ? payload.organizationId : undefined;
    const organization = organizationId ? await reads.findOrganization(organizationId) : undefined;
    if (!organization) return { kind: 'none', reason: 'organization not found' };
    if (!organization.email) return { kind: 'none', reason: 'organization has no e-mail for its admin' };
    return { kind: 'upsert', user: { email: organization.email.toLowerCase(), roles: ['organization_admin'], organizationId: organization.id } };
  }
  const employeeId = typeof payload.employeeId === 'string' ? payload.employeeId : undefined;
  if (!employeeId) return { kind: 'none', reason: 'event names no employee' };
  const employee = await reads.findEmployee(employeeId);
  if (!employee) return { kind: 'none', reason: 'employee not found' };
  if (!employee.email) return { kind: 'none', reason: 'employee has no e-mail to sign in with' };
  const email = employee.email.toLowerCase();
  if (employee.status !== 'active') return { kind: 'disable', email };
  return {
    kind: 'upsert',
    user: { email, firstName: employee.first_name, lastName: employee.last_name, roles: ['employee'], organizationId: employee.organization_id, employeeId: employee.id },
  };
}

export async function provisionUser(event: DomainEvent, reads: ProvisioningReads, directory: IdentityDirectory): Promise<ProvisioningAction> {
  const action = await provisioningAction(event, reads);
  if (action.kind === 'upsert') await directory.createOrUpdateUser(action.user);
  else if (action.kind === 'disable') await directory.disableUser(action.email);
  return action;
}
