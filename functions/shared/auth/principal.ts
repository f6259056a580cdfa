import { isRole, PLATFORM_ROLES, type Role } from '#shared/routes';

/** Who is calling: derived from a verified access token (or anonymous on public / webhook routes). */
export interface Principal {
  subject: string;
  roles: Role[];
  organizationId?: string;
  employeeId?: string;
  mfa: boolean;
  tokenId?: string;
  /** The token's `iat` and `exp` (epoch seconds): subject revocation compares `iat`, logout revokes until `exp`. */
  issuedAt?: number;
  expiresAt?: number;
  /** The client the token was issued to (`azp`, Cognito's `client_id`): RFC 7009 revocation names it. */
  clientId?: string;
}

export const ANONYMOUS: Readonly<Principal> = Object.freeze({ subject: 'anonymous', roles: [], mfa: false });

export function anonymousPrincipal(): Principal {
  return { subject: 'anonymous', roles: [], mfa: false };
}

/** A platform principal (role `admin`) acts across organizations; every other principal is bound to one. */
export function isPlatformPrincipal(principal: Pick<Principal, 'roles'>): boolean {
  return principal.roles.some((role) => PLATFORM_ROLES.includes(role));
}

/** Known roles only, deduplicated, in table order; unknown role names are dropped (default deny). */
export function knownRoles(values: readonly unknown[]): Role[] {
  const seen = new Set<Role>();
  for (const value of values) {
    if (typeof value === 'string' && isRole(value.trim())) seen.add(value.trim() as Role);
  }
  return [...seen];
}

/**
 * The authorizer context API Gateway hands to the integration (`event.requestContext.authorizer`): values are
 * strings (API Gateway stringifies them), absent values are empty strings.
 */
export interface AuthorizerContext {
  principalId: string;
  roles: string;
  organizationId: string;
  employeeId: string;
  mfa: 'true' | 'false';
  tokenId: string;
  issuedAt: string;
  expiresAt: string;
  clientId: string;
}

export function toAuthorizerContext(principal: Principal): AuthorizerContext {
  return {
    principalId: principal.subject,
    roles: principal.roles.join(','),
    organizationId: principal.organizationId ?? '',
    employeeId: principal.employeeId ?? '',
    mfa: principal.mfa ? 'true' : 'false',
    tokenId: principal.tokenId ?? '',
    issuedAt: principal.issuedAt === undefined ? '' : String(principal.issuedAt),
    expiresAt: principal.expiresAt === undefined ? '' : String(principal.expiresAt),
    clientId: principal.clientId ?? '',
  };
}

/** Reads the authorizer context back into a Principal; undefined when there is none (no authorizer ran). */
export function principalFromAuthorizerContext(context: Record<string, unknown> | null | undefined): Principal | undefined {
  if (!context) return undefined;
  const text = (value: unknown): string | undefined => {
    if (value === undefined || value === null) return undefined;
    const s = String(value).trim();
    return s === '' ? undefined : s;
  };
  const subject = text(context.principalId);
  if (!subject) return undefined;
  const principal: Principal = {
    subject,
    roles: knownRoles(String(context.roles ?? '').split(',')),
    mfa: context.mfa === true || context.mfa === 'true',
  };
  const organizationId = text(context.organizationId);
  const employeeId = text(context.employeeId);
  const tokenId = text(context.tokenId);
  if (organizationId) principal.organizationId = organizationId;
  if (employeeId) principal.employeeId = employeeId;
  if (tokenId) principal.tokenId = tokenId;
  const issuedAt = Number(text(context.issuedAt));
  const expiresAt = Number(text(context.expiresAt));
  const clientId = text(context.clientId);
  if (Number.isInteger(issuedAt)) principal.issuedAt = issuedAt;
  if (Number.isInteger(expiresAt)) principal.expiresAt = expiresAt;
  if (clientId) principal.clientId = clientId;
  return principal;
}
