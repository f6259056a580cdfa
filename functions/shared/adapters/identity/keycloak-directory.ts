import type { DirectoryUser, IdentityDirectory } from '#shared/use-cases/identity/provisioning';

/**
 * Keycloak's Admin REST API (`/admin/realms/{realm}/users`, role mappings) with a confidential client's
 * client-credentials token (the client's service account needs realm-management `manage-users` and `view-realm`).
 * Plain fetch rather than @keycloak/keycloak-admin-client: that package is ESM-only and brings its own HTTP stack for
 * the five calls used here (README, Dependencies).
 */
export interface KeycloakDirectoryOptions {
  /** Base URL of Keycloak, e.g. `https://id.example.com` (no `/realms/...`). */
  readonly baseUrl: string;
  readonly realm: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly fetch?: typeof fetch;
}

interface KeycloakUser {
  id: string;
  username: string;
  enabled?: boolean;
  attributes?: Record<string, string[]>;
}

export class KeycloakDirectory implements IdentityDirectory {
  private token?: { value: string; expiresAt: number };
  private readonly http: typeof fetch;

  constructor(private readonly options: KeycloakDirectoryOptions) {
    this.http = options.fetch ?? fetch;
  }

  async createOrUpdateUser(user: DirectoryUser): Promise<void> {
    // Roles first: a realm without the role fails the event before any user is created.
    const roles = await Promise.all(
      user.roles.map(async (role) => (await (await this.call('GET', `/roles/${encodeURIComponent(role)}`, undefined, [200])).json()) as { id: string; name: string }),
    );
    const existing = await this.findUser(user.email);
    const attributes = {
      ...(existing?.attributes ?? {}),
      organization_id: [user.organizationId],
      ...(user.employeeId ? { employee_id: [user.employeeId] } : {}),
    };
    const representation = {
      username: user.email,
      email: user.email,
      ...(user.firstName ? { firstName: user.firstName } : {}),
      ...(user.lastName ? { lastName: user.lastName } : {}),
      enabled: true,
      attributes,
    };
    let id = existing?.id;
    if (id) {
      await this.call('PUT', `/users/${encodeURIComponent(id)}`, representation, [204]);
    } else {
      // A new user sets a password and TOTP at first login (the realm requires MFA for these roles).
      const response = await this.call('POST', '/users', { ...representation, requiredActions: ['UPDATE_PASSWORD', 'CONFIGURE_TOTP'] }, [201, 409]);
      id = response.status === 201 ? response.headers.get('location')?.split('/').pop() : (await this.findUser(user.email))?.id;
      if (!id) throw new Error(`Keycloak did not return the id of user ${user.email}.`);
    }
    // Adding a mapping the user already has is a no-op in Keycloak.
    await this.call('POST', `/users/${encodeURIComponent(id)}/role-mappings/realm`, roles.map(({ id: roleId, name }) => ({ id: roleId, name })), [204]);
  }

  async disableUser(email: string): Promise<void> {
    const existing = await this.findUser(email);
    if (!existing || existing.enabled === false) return;
    await this.call('PUT', `/users/${encodeURIComponent(existing.id)}`, { enabled: false }, [204]);
  }

  private async findUser(email: string): Promise<KeycloakUser | undefined> {
    const response = await this.call('GET', `/users?${new URLSearchParams({ username: email, exact: 'true' })}`, undefined, [200]);
    const users = (await response.json()) as KeycloakUser[];
    return users.find((u) => u.username.toLowerCase() === email.toLowerCase());
  }

  private async call(method: string, resource: string, body: unknown, expected: number[]): Promise<Response> {
    const url = `${this.options.baseUrl.replace(/\/$/, '')}/admin/realms/${encodeURIComponent(this.options.realm)}${resource}`;
    const response = await this.http(url, {
      method,
      headers: { authorization: `Bearer ${await this.accessToken()}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    if (response.status === 401) this.token = undefined;
    if (!expected.includes(response.status)) {
      await response.body?.cancel();
      // The message names the call, never the payload (it holds personal data).
      throw new Error(`Keycloak ${method} ${resource.split('?')[0]} answered ${response.status}.`);
    }
    return response;
  }

  private async accessToken(): Promise<string> {
    if (this.token && this.token.expiresAt > Date.now() + 10_000) return this.token.value;
    const url = `${this.options.baseUrl.replace(/\/$/, '')}/realms/${encodeURIComponent(this.options.realm)}/protocol/openid-connect/token`;
    const response = await this.http(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: this.options.clientId, client_secret: this.options.clientSecret }),
      signal: AbortSignal.timeout(10_000),
    });
    if (response.status !== 200) throw new Error(`Keycloak refused the provisioning client's token request (${response.status}).`);
    const body = (await response.json()) as { access_token: string; expires_in: number };
    this.token = { value: body.access_token, expiresAt: Date.now() + body.expires_in * 1000 };
    return body.access_token;
  }
}
