import { apiHandler } from '#shared/http/api-handler';
import { organizationDeps } from '#shared/wiring/organizations';
import { requestContext } from '#shared/wiring/invocation';
import { ORGANIZATION_REQUESTS } from '#shared/schemas/organizations';
import { updateOrganization } from '#shared/use-cases/organizations/organizations';

/** PUT /organizations/{id}: changes the local configuration (advance policy, notification settings). */
export const handler = apiHandler('updateOrganization', ORGANIZATION_REQUESTS, async (req) => ({
  status: 200,
  body: await updateOrganization(organizationDeps(), requestContext(req), req.params.id, req.body),
}));
