import { apiHandler } from '#shared/http/api-handler';
import { businessDeps, requestContext } from '#shared/adapters/postgres/business-deps';
import { ORGANIZATION_SCHEMAS } from '#shared/schemas/organizations';
import { updateOrganization } from '#shared/use-cases/organizations/organizations';

/** PUT /organizations/{id}: changes the local configuration (advance policy, notification settings). */
export const handler = apiHandler('updateOrganization', ORGANIZATION_SCHEMAS, async (req) => ({
  status: 200,
  body: await updateOrganization(businessDeps(), requestContext(req), req.params.id, req.body),
}));
