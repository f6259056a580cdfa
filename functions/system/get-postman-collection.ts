import { apiHandler } from '#shared/http/api-handler';
import { SYSTEM_SCHEMAS } from '#shared/schemas/system';
import collection from './postman-collection.json' with { type: 'json' };

/** The Postman collection generated from the OpenAPI document (infra/docs/postman-collection.ts, `npm run docs:postman`; ADR 0026), beside it. */
export const handler = apiHandler('getPostmanCollection', SYSTEM_SCHEMAS, async () => ({ status: 200, body: collection }));
