import { apiHandler } from '#shared/http/api-handler';
import { businessDeps, requestContext } from '#shared/adapters/postgres/business-deps';
import { ORGANIZATION_REQUESTS } from '#shared/schemas/organizations';
import { updateOrganization } from '#shared/use-cases/organizations/organizations';

/** PUT /organizations/{id}: changes the local configuration (advance policy, notification settings). */
export const handler = apiHandler('updateOrganization', ORGANIZATION_REQUESTS, async (req) => ({
  status: 200,
  body: await updateOrganization(businessDeps(), requestContext(req), req.params.id, req.body),
}));
