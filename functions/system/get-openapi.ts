import { apiHandler } from '#shared/http/api-handler';
import { NO_REQUESTS } from '#shared/schemas/catalog';
import document from './openapi.json' with { type: 'json' };

/**
 * The OpenAPI document, generated from the route table at build time (infra/docs/openapi-document.ts,
 * `npm run docs:openapi`; ADR 0026): building it at import took most of this function's INIT (ADR 0030).
 */
export const handler = apiHandler('getOpenApi', NO_REQUESTS, async () => ({ status: 200, body: document }));
