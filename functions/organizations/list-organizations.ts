import { apiHandler } from '#shared/http/api-handler';
import { requestContext } from '#shared/wiring/invocation';
import { organizationListDeps } from '#shared/wiring/readers';
import { ORGANIZATION_REQUESTS } from '#shared/schemas/organizations';
import { listOrganizations } from '#shared/use-cases/organizations/organizations';

/** GET /organizations: the organizations the caller may see (all for platform admins, own tree for org admins). */
export const handler = apiHandler('listOrganizations', ORGANIZATION_REQUESTS, async (req) => ({
  status: 200,
  body: await listOrganizations(organizationListDeps(), requestContext(req), req.query),
}));
