import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { oidcProviderRevocation } from '#shared/adapters/oidc/provider-revocation';
import { startTestIssuer } from './helpers';

/**
 * RFC 7009 refresh-token revocation at the identity provider, found by OIDC discovery: against the local issuer (which
 * implements the endpoint) and small HTTP servers playing providers that publish none, refuse, or point elsewhere.
 */
const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function provider(discovery: Record<string, unknown> | number, revokeStatus = 200): Promise<string> {
  const server = http.createServer((req, res) => {
    if (req.url === '/.well-known/openid-configuration') {
      if (typeof discovery === 'number') return void res.writeHead(discovery).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(discovery));
      return;
    }
    res.writeHead(revokeStatus, { 'content-type': 'application/json' }).end(revokeStatus === 200 ? '{}' : '{"error":"unsupported_token_type"}');
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return `http://127.0.0.1:${port}`;
}

describe('oidcProviderRevocation', () => {
  it('revokes at the local issuer’s published endpoint, naming the public client', async () => {
    const issuer = await startTestIssuer();
    try {
      expect(await oidcProviderRevocation(issuer.issuer).revokeRefreshToken('rt-1', 'abhi-mobile-app')).toBe('revoked');
      expect(issuer.revocations()).toEqual([{ token: 'rt-1', tokenTypeHint: 'refresh_token', clientId: 'abhi-mobile-app' }]);
    } finally {
      await issuer.close();
    }
  });

  it('not_supported without a revocation_endpoint (or with a non-https one off loopback); failed when the provider refuses or is down', async () => {
    expect(await oidcProviderRevocation(await provider({ issuer: 'x' })).revokeRefreshToken('rt', 'c')).toBe('not_supported');
    expect(await oidcProviderRevocation(await provider({ revocation_endpoint: 'http://sso.example.ae/revoke' })).revokeRefreshToken('rt', 'c')).toBe('not_supported');
    const refusing = await provider({}, 400);
    expect(await oidcProviderRevocation(await provider({ revocation_endpoint: `${refusing}/revoke` }, 400)).revokeRefreshToken('rt', 'c')).toBe('failed');
    expect(await oidcProviderRevocation(await provider(500)).revokeRefreshToken('rt', 'c')).toBe('failed');
    expect(await oidcProviderRevocation('http://127.0.0.1:1').revokeRefreshToken('rt', 'c')).toBe('failed');
  });
});
