import { isDescendantOrganization } from '#shared/adapters/postgres/organizations-repository';
import type { IsDescendant } from '#shared/auth/tenant';
import { getPool } from '#shared/db/pool';

/** The tenant tree on the writer, for the roots whose use cases take only this lookup (revocations, job status). */
export const isDescendant: IsDescendant = (organizationId, ancestorId) => isDescendantOrganization(getPool(), organizationId, ancestorId);
