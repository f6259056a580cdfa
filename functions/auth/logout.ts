import { apiHandler } from '#shared/http/api-handler';
import { IDENTITY_REQUESTS } from '#shared/schemas/identity';
import { logout } from '#shared/use-cases/identity/sessions';
import { logoutDeps } from '#shared/wiring/auth';

/** POST /auth/logout: revokes the caller's access token until it expires, and its refresh token at the provider. */
// Built at start: a missing OIDC_ISSUER fails the cold start with one sentence, not the first logout.
const ports = logoutDeps();

export const handler = apiHandler('logout', IDENTITY_REQUESTS, async (req) => ({
  status: 200,
  body: await logout(ports, req.principal, req.body),
}));
