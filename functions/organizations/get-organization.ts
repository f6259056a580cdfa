import { apiHandler } from '#shared/http/api-handler';
import { businessDeps, requestContext } from '#shared/adapters/postgres/business-deps';
import { ORGANIZATION_REQUESTS } from '#shared/schemas/organizations';
import { getOrganization } from '#shared/use-cases/organizations/organizations';

/** GET /organizations/{id}: Abhi's organization (cached) with the local configuration. */
export const handler = apiHandler('getOrganization', ORGANIZATION_REQUESTS, async (req) => ({
  status: 200,
  body: await getOrganization(businessDeps(), requestContext(req), req.params.id),
}));
