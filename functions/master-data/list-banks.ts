import { apiHandler } from '#shared/http/api-handler';
import { masterDataDeps } from '#shared/wiring/master-data';
import { requestContext } from '#shared/wiring/invocation';
import { MASTER_DATA_REQUESTS } from '#shared/schemas/master-data';
import { listBanks } from '#shared/use-cases/master-data/master-data';

/** GET /organizations/banks: Abhi's banks (one Abhi call per cache TTL), filtered and paged here. */
export const handler = apiHandler('listBanks', MASTER_DATA_REQUESTS, async (req) => ({
  status: 200,
  body: await listBanks(masterDataDeps(), requestContext(req), req.query),
}));
