import { apiHandler } from '#shared/http/api-handler';
import { IDENTITY_REQUESTS } from '#shared/schemas/identity';
import { revokeSessions } from '#shared/use-cases/identity/sessions';
import { revocationDeps } from '#shared/wiring/sessions';

/** POST /auth/revocations: every token of a subject or an employee issued before now is refused from now on. */
export const handler = apiHandler('revokeSessions', IDENTITY_REQUESTS, async (req) => {
  const revocation = await revokeSessions(revocationDeps(req), req.principal, req.body);
  return { status: 201, body: revocation };
});
