import { apiHandler, apiLocation } from '#shared/http/api-handler';
import { organizationDeps } from '#shared/wiring/organizations';
import { requestContext } from '#shared/wiring/invocation';
import { ORGANIZATION_REQUESTS } from '#shared/schemas/organizations';
import { createOrganization } from '#shared/use-cases/organizations/organizations';

/** POST /organizations: creates a (child) organization at Abhi and locally with its configuration. */
export const handler = apiHandler('createOrganization', ORGANIZATION_REQUESTS, async (req) => {
  const organization = await createOrganization(organizationDeps(), requestContext(req), req.body);
  return { status: 201, body: organization, headers: { Location: apiLocation(`/organizations/${organization.id}`) } };
});
