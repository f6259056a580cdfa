import { apiHandler } from '#shared/http/api-handler';
import { buildOpenApiDocument } from '#shared/openapi/document';

const document = buildOpenApiDocument();

export const handler = apiHandler('getOpenApi', {}, async () => ({ status: 200, body: document }));
