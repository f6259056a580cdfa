import { apiHandler } from '#shared/http/api-handler';
import { envVar, loadConfig } from '#shared/config';
import { revokeSubject, revokeToken } from '#shared/auth/revocation';
import { oidcProviderRevocation } from '#shared/adapters/oidc/provider-revocation';
import { IDENTITY_REQUESTS } from '#shared/schemas/identity';
import { logout } from '#shared/use-cases/identity/sessions';

const { OIDC_ISSUER } = loadConfig({ OIDC_ISSUER: envVar.url() });
const ports = { revocations: { revokeToken, revokeSubject }, provider: oidcProviderRevocation(OIDC_ISSUER) };

/** POST /auth/logout: revokes the caller's access token until it expires, and its refresh token at the provider. */
export const handler = apiHandler('logout', IDENTITY_REQUESTS, async (req) => ({
  status: 200,
  body: await logout(ports, req.principal, req.body),
}));
