import { apiHandler } from '#shared/http/api-handler';
import { businessDeps, requestContext } from '#shared/adapters/postgres/business-deps';
import { MASTER_DATA_REQUESTS } from '#shared/schemas/master-data';
import { listBanks } from '#shared/use-cases/master-data/master-data';

/** GET /organizations/banks: Abhi's banks (one Abhi call per cache TTL), filtered and paged here. */
export const handler = apiHandler('listBanks', MASTER_DATA_REQUESTS, async (req) => ({
  status: 200,
  body: await listBanks(businessDeps(), requestContext(req), req.query),
}));
