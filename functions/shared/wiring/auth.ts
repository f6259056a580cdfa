import { oidcProviderRevocation } from '#shared/adapters/oidc/provider-revocation';
import { revokeSubject, revokeToken } from '#shared/auth/revocation';
import { envVar, loadConfig } from '#shared/config';
import type { LogoutPorts } from '#shared/use-cases/identity/sessions';

/** Composition root of POST /auth/logout: revocations in the state table and the identity provider's revocation. */
let logoutPorts: LogoutPorts | undefined;

export function logoutDeps(): LogoutPorts {
  return (logoutPorts ??= {
    revocations: { revokeToken, revokeSubject },
    provider: oidcProviderRevocation(loadConfig({ OIDC_ISSUER: envVar.url() }).OIDC_ISSUER),
  });
}
