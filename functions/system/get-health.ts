import { apiHandler } from '#shared/http/api-handler';

/** Liveness: the function runs. Dependencies are /ready's business. */
export const handler = apiHandler('getHealth', {}, async () => ({ status: 200, body: { status: 'ok' } }));
