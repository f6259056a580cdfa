import { apiHandler } from '#shared/http/api-handler';
import { NO_REQUESTS } from '#shared/schemas/catalog';
import { openApiDocument } from '#shared/wiring/openapi';

const document = openApiDocument();

export const handler = apiHandler('getOpenApi', NO_REQUESTS, async () => ({ status: 200, body: document }));
