import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROLES } from '#shared/routes';
import { claimNamesFor } from '#shared/auth/claim-mapping';
import { LOCAL_CLIENT_IDS } from '../../infra/local/issuer';

/**
 * docs/identity/keycloak-realm.json, the seed's realm as a `kc.sh import` file (no Keycloak runs here: the file is
 * checked against what the platform's keycloak preset reads and what the seed configured).
 */
interface Mapper {
  name: string;
  protocolMapper: string;
  config: Record<string, string>;
}
interface Client {
  clientId: string;
  publicClient: boolean;
  directAccessGrantsEnabled: boolean;
  implicitFlowEnabled: boolean;
  serviceAccountsEnabled: boolean;
  standardFlowEnabled: boolean;
  attributes: Record<string, string>;
  protocolMappers?: Mapper[];
  secret?: string;
}

const file = path.resolve(import.meta.dirname, '../../docs/identity/keycloak-realm.json');
const text = fs.readFileSync(file, 'utf8');
const realm = JSON.parse(text) as Record<string, any>;
const clients = realm.clients as Client[];
const client = (id: string) => clients.find((c) => c.clientId === id)!;
const keycloak = claimNamesFor({ preset: 'keycloak' });

describe('docs/identity/keycloak-realm.json', () => {
  it('is the seed realm with exactly the platform’s seven roles and four clients', () => {
    expect(realm.realm).toBe('abhi-microservices');
    expect(realm.roles.realm.map((r: { name: string }) => r.name).sort()).toEqual([...ROLES].sort());
    expect(clients.map((c) => c.clientId).sort()).toEqual(['abhi-admin-cli', 'abhi-api-gateway', 'abhi-mobile-app', 'abhi-web-app']);
    // The clients the local issuer puts in azp (and the preset accepts) are realm clients.
    for (const id of LOCAL_CLIENT_IDS) expect(client(id)).toBeDefined();
  });

  it('user-facing clients map organization_id and employee_id into access tokens under the names the keycloak preset reads', () => {
    for (const id of ['abhi-web-app', 'abhi-mobile-app', 'abhi-admin-cli']) {
      const mappers = client(id).protocolMappers ?? [];
      for (const [attribute, claim] of [['organization_id', keycloak.organization], ['employee_id', keycloak.employee]] as const) {
        const mapper = mappers.find((m) => m.protocolMapper === 'oidc-usermodel-attribute-mapper' && m.config['user.attribute'] === attribute);
        expect(mapper, `${id}: ${attribute} mapper`).toBeDefined();
        expect(mapper!.config).toMatchObject({ 'claim.name': claim, 'access.token.claim': 'true', 'jsonType.label': 'String' });
      }
    }
  });

  it('every client’s access tokens name the API in aud (audience mapper), so aud is not only "account"', () => {
    for (const c of clients) {
      const audience = (c.protocolMappers ?? []).find((m) => m.protocolMapper === 'oidc-audience-mapper');
      expect(audience?.config, c.clientId).toMatchObject({ 'included.client.audience': 'abhi-api-gateway', 'access.token.claim': 'true' });
    }
  });

  it('brute-force protection and token lifespans as in the seed', () => {
    expect(realm).toMatchObject({
      bruteForceProtected: true,
      failureFactor: 30,
      maxFailureWaitSeconds: 900,
      waitIncrementSeconds: 60,
      minimumQuickLoginWaitSeconds: 60,
      quickLoginCheckMilliSeconds: 1000,
      maxDeltaTimeSeconds: 43200,
      accessTokenLifespan: 900,
      ssoSessionIdleTimeout: 1800,
      ssoSessionMaxLifespan: 36000,
      offlineSessionIdleTimeout: 2592000,
    });
    expect(client('abhi-web-app').attributes).toMatchObject({ 'access.token.lifespan': '900', 'client.session.idle.timeout': '1800', 'client.session.max.lifespan': '36000' });
  });

  it('login is authorization code + PKCE (ADR 0015): no direct-access or implicit grants, the API client uses client credentials', () => {
    for (const c of clients) {
      expect(c.directAccessGrantsEnabled, c.clientId).toBe(false);
      expect(c.implicitFlowEnabled, c.clientId).toBe(false);
    }
    for (const id of ['abhi-web-app', 'abhi-mobile-app']) {
      expect(client(id)).toMatchObject({ publicClient: true, standardFlowEnabled: true });
      expect(client(id).attributes['pkce.code.challenge.method']).toBe('S256');
    }
    expect(client('abhi-api-gateway')).toMatchObject({ publicClient: false, serviceAccountsEnabled: true, standardFlowEnabled: false });
    const serviceAccount = (realm.users as { serviceAccountClientId?: string; realmRoles: string[] }[]).find((u) => u.serviceAccountClientId === 'abhi-api-gateway');
    expect(serviceAccount?.realmRoles).toEqual(['service_account']);
  });

  it('users cannot edit their own organization_id or employee_id, and the file holds no secret', () => {
    const config = JSON.parse(realm.components['org.keycloak.userprofile.UserProfileProvider'][0].config['kc.user.profile.config'][0]);
    for (const name of ['organization_id', 'employee_id']) {
      const attribute = config.attributes.find((a: { name: string }) => a.name === name);
      expect(attribute.permissions.edit).toEqual(['admin']);
    }
    expect(clients.every((c) => c.secret === undefined)).toBe(true);
    expect(text).not.toMatch(/"(secret|clientSecret|bindCredential|password)"\s*:/i);
  });
});
