import { apiHandler } from '#shared/http/api-handler';
import { SYSTEM_SCHEMAS } from '#shared/schemas/system';

/** Liveness: the function runs. Dependencies are /ready's business. */
export const handler = apiHandler('getHealth', SYSTEM_SCHEMAS, async () => ({ status: 200, body: { status: 'ok' } }));
