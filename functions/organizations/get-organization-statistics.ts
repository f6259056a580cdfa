import { apiHandler } from '#shared/http/api-handler';
import { organizationDeps } from '#shared/wiring/organizations';
import { requestContext } from '#shared/wiring/invocation';
import { ORGANIZATION_REQUESTS } from '#shared/schemas/organizations';
import { getOrganizationStatistics } from '#shared/use-cases/organizations/organizations';

/** GET /organizations/{id}/statistics: headcount and advance statistics from the system of record. */
export const handler = apiHandler('getOrganizationStatistics', ORGANIZATION_REQUESTS, async (req) => ({
  status: 200,
  body: await getOrganizationStatistics(organizationDeps(), requestContext(req), req.params.id),
}));
