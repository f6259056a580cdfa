import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CognitoDirectory } from '#shared/adapters/identity/cognito-directory';
import { KeycloakDirectory } from '#shared/adapters/identity/keycloak-directory';
import type { DirectoryUser } from '#shared/use-cases/identity/provisioning';

/**
 * The Keycloak and Cognito adapters of user provisioning against RECORDED request/response shapes of each API, served
 * by a small local HTTP server (neither provider runs here): Keycloak's Admin REST API (token endpoint, users,
 * realm roles, role mappings; status codes, Location header, 409 on a duplicate) and Cognito's JSON 1.1 protocol
 * (X-Amz-Target, `__type` errors). The servers keep state, so idempotency is checked on real create-then-update runs.
 */
interface Recorded {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: any;
}

async function serve(answer: (request: Recorded, res: http.ServerResponse) => void): Promise<{ url: string; requests: Recorded[]; stop(): Promise<void> }> {
  const requests: Recorded[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const type = req.headers['content-type'] ?? '';
      const body = !text ? undefined : type.includes('json') ? JSON.parse(text) : Object.fromEntries(new URLSearchParams(text));
      const recorded = { method: req.method!, path: req.url!, headers: req.headers, body };
      requests.push(recorded);
      answer(recorded, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, requests, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const EMPLOYEE: DirectoryUser = {
  email: 'fatima.ali@example.ae',
  firstName: 'Fatima',
  lastName: 'Ali',
  roles: ['employee'],
  organizationId: 'org-acme',
  employeeId: '5d9f2c1e-8a4b-4c3d-9e2f-1a2b3c4d5e6f',
};

describe('Keycloak Admin REST API adapter (recorded shapes)', () => {
  const REALM = 'abhi-microservices';
  const ROLE_IDS: Record<string, string> = { employee: '0b7f2a1c-2c44-4a7e-9a0e-3f1e9d5c7b21', organization_admin: '6a1d3e9f-7b52-4c18-8f0a-2e4b6c8d0f13' };
  let keycloak: Awaited<ReturnType<typeof serve>>;
  const users = new Map<string, any>();
  const mappings = new Map<string, any[]>();

  beforeAll(async () => {
    keycloak = await serve((request, res) => {
      const json = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers });
        res.end(body === undefined ? undefined : JSON.stringify(body));
      };
      const url = new URL(request.path, keycloak.url);
      if (request.method === 'POST' && url.pathname === `/realms/${REALM}/protocol/openid-connect/token`) {
        return json(200, { access_token: 'eyJhbGciOiJSUzI1NiJ9.recorded.signature', expires_in: 300, refresh_expires_in: 0, token_type: 'Bearer', 'not-before-policy': 0, scope: 'profile email' });
      }
      if (request.headers.authorization !== 'Bearer eyJhbGciOiJSUzI1NiJ9.recorded.signature') return json(401, { error: 'HTTP 401 Unauthorized' });
      const admin = `/admin/realms/${REALM}`;
      if (request.method === 'GET' && url.pathname === `${admin}/users`) {
        const username = url.searchParams.get('username')!;
        return json(200, [...users.values()].filter((u) => u.username === username));
      }
      if (request.method === 'POST' && url.pathname === `${admin}/users`) {
        if ([...users.values()].some((u) => u.username === request.body.username)) return json(409, { errorMessage: 'User exists with same username' });
        const id = randomUUID();
        users.set(id, { id, createdTimestamp: Date.now(), totp: false, emailVerified: false, disableableCredentialTypes: [], notBefore: 0, ...request.body });
        return json(201, undefined, { location: `${keycloak.url}${admin}/users/${id}` });
      }
      const user = url.pathname.match(new RegExp(`^${admin}/users/([^/]+)$`));
      if (request.method === 'PUT' && user) {
        if (!users.has(user[1]!)) return json(404, { error: 'User not found' });
        users.set(user[1]!, { ...users.get(user[1]!), ...request.body });
        return json(204);
      }
      const role = url.pathname.match(new RegExp(`^${admin}/roles/([^/]+)$`));
      if (request.method === 'GET' && role) {
        const name = decodeURIComponent(role[1]!);
        if (!ROLE_IDS[name]) return json(404, { error: 'Could not find role' });
        return json(200, { id: ROLE_IDS[name], name, description: `Platform role ${name}`, composite: false, clientRole: false, containerId: 'b3f1c2d4-realm' });
      }
      const mapping = url.pathname.match(new RegExp(`^${admin}/users/([^/]+)/role-mappings/realm$`));
      if (request.method === 'POST' && mapping) {
        const current = mappings.get(mapping[1]!) ?? [];
        mappings.set(mapping[1]!, [...current, ...request.body.filter((r: any) => !current.some((c) => c.id === r.id))]);
        return json(204);
      }
      return json(404, { error: 'RESTEASY003210: Could not find resource' });
    });
  });
  afterEach(() => {
    keycloak.requests.length = 0;
  });
  afterAll(async () => {
    await keycloak.stop();
  });

  const directory = () => new KeycloakDirectory({ baseUrl: keycloak.url, realm: REALM, clientId: 'abhi-provisioning', clientSecret: 'recorded-client-secret' });

  it('creates the user with attributes, required actions and the realm role (one client-credentials token)', async () => {
    await directory().createOrUpdateUser(EMPLOYEE);
    expect(keycloak.requests.map((r) => `${r.method} ${r.path.split('?')[0]}`)).toEqual([
      `POST /realms/${REALM}/protocol/openid-connect/token`,
      `GET /admin/realms/${REALM}/roles/employee`,
      `GET /admin/realms/${REALM}/users`,
      `POST /admin/realms/${REALM}/users`,
      expect.stringMatching(new RegExp(`^POST /admin/realms/${REALM}/users/[0-9a-f-]{36}/role-mappings/realm$`)),
    ]);
    expect(keycloak.requests[0]!.body).toEqual({ grant_type: 'client_credentials', client_id: 'abhi-provisioning', client_secret: 'recorded-client-secret' });
    expect(keycloak.requests[2]!.path).toBe(`/admin/realms/${REALM}/users?username=fatima.ali%40example.ae&exact=true`);
    expect(keycloak.requests[3]!.body).toEqual({
      username: EMPLOYEE.email,
      email: EMPLOYEE.email,
      firstName: 'Fatima',
      lastName: 'Ali',
      enabled: true,
      attributes: { organization_id: ['org-acme'], employee_id: [EMPLOYEE.employeeId] },
      requiredActions: ['UPDATE_PASSWORD', 'CONFIGURE_TOTP'],
    });
    expect(keycloak.requests[4]!.body).toEqual([{ id: ROLE_IDS.employee, name: 'employee' }]);
    const [stored] = [...users.values()];
    expect(mappings.get(stored.id)).toEqual([{ id: ROLE_IDS.employee, name: 'employee' }]);
  });

  it('is idempotent: the same user again updates it in place (PUT, no second user), keeping attributes it does not own', async () => {
    const [before] = [...users.values()];
    users.set(before.id, { ...before, attributes: { ...before.attributes, locale: ['ar'] } });
    await directory().createOrUpdateUser({ ...EMPLOYEE, firstName: 'Mariam' });
    expect(users.size).toBe(1);
    const put = keycloak.requests.find((r) => r.method === 'PUT')!;
    expect(put.path).toBe(`/admin/realms/${REALM}/users/${before.id}`);
    expect(put.body).toMatchObject({ firstName: 'Mariam', enabled: true, attributes: { organization_id: ['org-acme'], employee_id: [EMPLOYEE.employeeId], locale: ['ar'] } });
    expect(put.body).not.toHaveProperty('requiredActions');
    expect(mappings.get(before.id)).toHaveLength(1);
  });

  it('disables the user (enabled: false); disabling again or an unknown user sends no change', async () => {
    const adapter = directory();
    await adapter.disableUser(EMPLOYEE.email);
    const [stored] = [...users.values()];
    expect(stored.enabled).toBe(false);
    expect(keycloak.requests.filter((r) => r.method === 'PUT').map((r) => r.body)).toEqual([{ enabled: false }]);
    keycloak.requests.length = 0;
    await adapter.disableUser(EMPLOYEE.email);
    await adapter.disableUser('nobody@example.ae');
    expect(keycloak.requests.map((r) => r.method)).toEqual(['GET', 'GET']);
  });

  it('an unexpected answer fails the call (SQS retries it) before creating anything, without the personal data in the message', async () => {
    const error = await directory()
      .createOrUpdateUser({ ...EMPLOYEE, email: 'new.user@example.ae', roles: ['auditor'] })
      .catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('Keycloak GET /roles/auditor answered 404.');
    expect(keycloak.requests.filter((r) => r.path.startsWith('/admin/')).map((r) => `${r.method} ${r.path}`)).toEqual([`GET /admin/realms/${REALM}/roles/auditor`]);
    expect(users.size).toBe(1);
  });
});

describe('Cognito admin API adapter (recorded shapes, JSON 1.1 X-Amz-Target)', () => {
  const POOL = 'me-central-1_AbCdEf123';
  let cognito: Awaited<ReturnType<typeof serve>>;
  const users = new Map<string, { attributes: Record<string, string>; enabled: boolean; groups: Set<string> }>();
  const target = (r: Recorded) => String(r.headers['x-amz-target']).replace('AWSCognitoIdentityProviderService.', '');

  beforeAll(async () => {
    cognito = await serve((request, res) => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() });
        res.end(JSON.stringify(body));
      };
      const fault = (type: string, message: string) => send(400, { __type: type, message });
      const { Username, UserPoolId } = request.body ?? {};
      if (UserPoolId !== POOL) return fault('ResourceNotFoundException', `User pool ${UserPoolId} does not exist.`);
      const user = users.get(Username);
      switch (target(request)) {
        case 'AdminCreateUser': {
          if (user) return fault('UsernameExistsException', 'An account with the given email already exists.');
          const attributes = Object.fromEntries(request.body.UserAttributes.map((a: { Name: string; Value: string }) => [a.Name, a.Value]));
          users.set(Username, { attributes: { sub: randomUUID(), ...attributes }, enabled: true, groups: new Set() });
          return send(200, {
            User: {
              Username: users.get(Username)!.attributes.sub,
              Attributes: Object.entries(users.get(Username)!.attributes).map(([Name, Value]) => ({ Name, Value })),
              UserCreateDate: 1.7333e9,
              UserLastModifiedDate: 1.7333e9,
              Enabled: true,
              UserStatus: 'FORCE_CHANGE_PASSWORD',
            },
          });
        }
        case 'AdminUpdateUserAttributes':
          if (!user) return fault('UserNotFoundException', 'User does not exist.');
          for (const a of request.body.UserAttributes) user.attributes[a.Name] = a.Value;
          return send(200, {});
        case 'AdminEnableUser':
        case 'AdminDisableUser':
          if (!user) return fault('UserNotFoundException', 'User does not exist.');
          user.enabled = target(request) === 'AdminEnableUser';
          return send(200, {});
        case 'AdminAddUserToGroup':
          if (!user) return fault('UserNotFoundException', 'User does not exist.');
          user.groups.add(request.body.GroupName);
          return send(200, {});
        default:
          return fault('UnknownOperationException', 'Unknown operation');
      }
    });
  });
  afterEach(() => {
    cognito.requests.length = 0;
  });
  afterAll(async () => {
    await cognito.stop();
  });

  const directory = () =>
    new CognitoDirectory(POOL, new CognitoIdentityProviderClient({ endpoint: cognito.url, region: 'me-central-1', credentials: { accessKeyId: 'AKIDRECORDED', secretAccessKey: 'recorded' }, maxAttempts: 1 }));

  it('creates the user (e-mail as username, custom attributes, invitation by e-mail) and adds it to its role group', async () => {
    await directory().createOrUpdateUser(EMPLOYEE);
    expect(cognito.requests.map(target)).toEqual(['AdminCreateUser', 'AdminAddUserToGroup']);
    for (const r of cognito.requests) {
      expect(r.method).toBe('POST');
      expect(r.headers['content-type']).toBe('application/x-amz-json-1.1');
      expect(r.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDRECORDED\/\d{8}\/me-central-1\/cognito-idp\/aws4_request/);
    }
    expect(cognito.requests[0]!.body).toEqual({
      UserPoolId: POOL,
      Username: EMPLOYEE.email,
      DesiredDeliveryMediums: ['EMAIL'],
      UserAttributes: [
        { Name: 'email', Value: EMPLOYEE.email },
        { Name: 'email_verified', Value: 'true' },
        { Name: 'given_name', Value: 'Fatima' },
        { Name: 'family_name', Value: 'Ali' },
        { Name: 'custom:organization_id', Value: 'org-acme' },
        { Name: 'custom:employee_id', Value: EMPLOYEE.employeeId },
      ],
    });
    expect(cognito.requests[1]!.body).toEqual({ UserPoolId: POOL, Username: EMPLOYEE.email, GroupName: 'employee' });
  });

  it('disables the user; disabling again or an unknown user is fine', async () => {
    const adapter = directory();
    await adapter.disableUser(EMPLOYEE.email);
    await adapter.disableUser(EMPLOYEE.email);
    await adapter.disableUser('nobody@example.ae');
    expect(cognito.requests.map(target)).toEqual(['AdminDisableUser', 'AdminDisableUser', 'AdminDisableUser']);
    expect(users.get(EMPLOYEE.email)!.enabled).toBe(false);
  });

  it('is idempotent: an existing user (UsernameExistsException) is updated and enabled again, no second user', async () => {
    await directory().createOrUpdateUser({ ...EMPLOYEE, firstName: 'Mariam' });
    expect(cognito.requests.map(target)).toEqual(['AdminCreateUser', 'AdminUpdateUserAttributes', 'AdminEnableUser', 'AdminAddUserToGroup']);
    expect(cognito.requests[1]!.body.UserAttributes).not.toContainEqual(expect.objectContaining({ Name: 'email_verified' }));
    expect(users.size).toBe(1);
    expect(users.get(EMPLOYEE.email)).toMatchObject({ enabled: true, attributes: expect.objectContaining({ given_name: 'Mariam', 'custom:employee_id': EMPLOYEE.employeeId }) });
    expect([...users.get(EMPLOYEE.email)!.groups]).toEqual(['employee']);
  });

  it('other errors fail the call, for SQS to retry', async () => {
    const wrongPool = new CognitoDirectory('me-central-1_Missing', new CognitoIdentityProviderClient({ endpoint: cognito.url, region: 'me-central-1', credentials: { accessKeyId: 'AKIDRECORDED', secretAccessKey: 'recorded' }, maxAttempts: 1 }));
    await expect(wrongPool.createOrUpdateUser(EMPLOYEE)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
