import { apiHandler } from '#shared/http/api-handler';
import { SYSTEM_SCHEMAS } from '#shared/schemas/system';
import { buildOpenApiDocument } from '#shared/openapi/document';

const document = buildOpenApiDocument();

export const handler = apiHandler('getOpenApi', SYSTEM_SCHEMAS, async () => ({ status: 200, body: document }));
