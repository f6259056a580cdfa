import { logger } from '#shared/logger';
import type { RefreshTokenOutcome } from '#shared/schemas/identity';

/**
 * RFC 7009 token revocation at the identity provider, found by OIDC discovery (`revocation_endpoint` of
 * `<issuer>/.well-known/openid-configuration`): Keycloak publishes `<iss>/protocol/openid-connect/revoke`, the local
 * issuer `/revoke`. The web and mobile apps are public clients (authorization code + PKCE), so the request names the
 * client and carries no secret.
 */
export interface ProviderRevocation {
  revokeRefreshToken(refreshToken: string, clientId: string | undefined): Promise<RefreshTokenOutcome>;
}

const DISCOVERY_TTL_MS = 10 * 60_000;
const TIMEOUT_MS = 3_000;

export function oidcProviderRevocation(issuer: string): ProviderRevocation {
  let discovered: { endpoint: string | undefined; at: number } | undefined;

  async function revocationEndpoint(): Promise<string | undefined> {
    if (discovered && Date.now() - discovered.at < DISCOVERY_TTL_MS) return discovered.endpoint;
    const response = await fetch(`${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (!response.ok) throw new Error(`discovery answered ${response.status}`);
    const document = (await response.json()) as { revocation_endpoint?: unknown };
    const endpoint = typeof document.revocation_endpoint === 'string' && isSafeEndpoint(document.revocation_endpoint) ? document.revocation_endpoint : undefined;
    discovered = { endpoint, at: Date.now() };
    return endpoint;
  }

  return {
    async revokeRefreshToken(refreshToken, clientId) {
      try {
        const endpoint = await revocationEndpoint();
        if (!endpoint) return 'not_supported';
        const form = new URLSearchParams({ token: refreshToken, token_type_hint: 'refresh_token', ...(clientId ? { client_id: clientId } : {}) });
        const response = await fetch(endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: form,
          signal: AbortSignal.timeout(TIMEOUT_MS),
        });
        if (response.ok) return 'revoked';
        logger.warn('refresh token revocation refused by the identity provider', { status: response.status });
        return 'failed';
      } catch (error) {
        logger.warn('refresh token revocation failed', { error: error instanceof Error ? error.message : String(error) });
        return 'failed';
      }
    },
  };
}

/** https, or plain http on the loopback interface (the local issuer). */
function isSafeEndpoint(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || (url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname));
  } catch {
    return false;
  }
}
