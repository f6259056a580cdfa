import { apiHandler } from '#shared/http/api-handler';
import { NO_REQUESTS } from '#shared/schemas/catalog';
import { buildOpenApiDocument } from '#shared/openapi/document';

const document = buildOpenApiDocument();

export const handler = apiHandler('getOpenApi', NO_REQUESTS, async () => ({ status: 200, body: document }));
