import { apiHandler } from '#shared/http/api-handler';
import { NO_REQUESTS } from '#shared/schemas/catalog';
import collection from './postman-collection.json' with { type: 'json' };

/** The Postman collection generated from the OpenAPI document (infra/docs/postman-collection.ts, `npm run docs:postman`; ADR 0026), beside it. */
export const handler = apiHandler('getPostmanCollection', NO_REQUESTS, async () => ({ status: 200, body: collection }));
