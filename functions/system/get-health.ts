import { apiHandler } from '#shared/http/api-handler';
import { NO_REQUESTS } from '#shared/schemas/catalog';

/** Liveness: the function runs. Dependencies are /ready's business. */
export const handler = apiHandler('getHealth', NO_REQUESTS, async () => ({ status: 200, body: { status: 'ok' } }));
