import { apiHandler } from '#shared/http/api-handler';
import { organizationDeps } from '#shared/wiring/organizations';
import { requestContext } from '#shared/wiring/invocation';
import { ORGANIZATION_REQUESTS } from '#shared/schemas/organizations';
import { getOrganization } from '#shared/use-cases/organizations/organizations';

/** GET /organizations/{id}: Abhi's organization (cached) with the local configuration. */
export const handler = apiHandler('getOrganization', ORGANIZATION_REQUESTS, async (req) => ({
  status: 200,
  body: await getOrganization(organizationDeps(), requestContext(req), req.params.id),
}));
