import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLocalDirectory } from '#shared/adapters/identity/local-directory';
import { localDirectoryFile } from '../../infra/local/issuer';
import { startTestApi, type TestApi } from '../support/api';
import { masterDataIds, sandboxIds, validEmployee } from '../business/helpers';

/**
 * User provisioning end to end on the local stack, with Keycloak-shaped tokens: the API's change goes through the
 * outbox and the SNS fan-out to the `user-provisioning` queue, whose consumer keeps the local issuer's directory; the
 * `npm run token -- --user <email>` CLI then mints from that directory, and the API accepts what it mints.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
let api: TestApi;
let orgA: string;
let bankId: string;

beforeAll(async () => {
  api = await startTestApi({ preset: 'keycloak' });
  ({ orgA } = sandboxIds(api));
  ({ bankId } = await masterDataIds(api));
});
afterAll(async () => {
  await api?.stop();
});

const directory = () => readLocalDirectory(localDirectoryFile(api.issuer.dir));

/** The token CLI as an operator runs it, against this test's issuer (its key directory and port). */
async function tokenCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(path.join(ROOT, 'node_modules/.bin/tsx'), ['infra/local/token.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, ISSUER_KEY_DIR: api.issuer.dir, ISSUER_PORT: String(api.issuer.port), OIDC_PRESET: 'keycloak' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('user provisioning through the outbox, the queue and the local directory', () => {
  it('an employee created through the API becomes a directory user whose `token --user` token the API accepts; changes follow; deletion disables it', async () => {
    const hr = await api.token({ role: 'hr_manager', org: orgA });
    const body = validEmployee(bankId);
    const email = String(body.email);
    const created = await api.request('POST', '/api/v1/employees', { token: hr, body });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const employeeId = created.body.id as string;

    await api.drainQueues();
    expect((await directory())[email]).toMatchObject({ email, roles: ['employee'], organizationId: orgA, employeeId, firstName: 'Fatima', enabled: true });

    const minted = await tokenCli('--user', email);
    expect(minted.code, minted.stderr).toBe(0);
    const token = minted.stdout.trim();
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
    // The running preset's shape: Keycloak realm roles and user-attribute mappers.
    expect(claims).toMatchObject({ sub: email, realm_access: { roles: expect.arrayContaining(['employee']) }, organization_id: orgA, employee_id: employeeId });
    const me = await api.request('GET', '/api/v1/employee/me', { token });
    expect(me.status, JSON.stringify(me.body)).toBe(200);
    expect(me.body.id).toBe(employeeId);

    const renamed = await api.request('PUT', `/api/v1/employees/${employeeId}`, { token: hr, body: { firstName: 'Mariam' } });
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
    await api.drainQueues();
    expect((await directory())[email]).toMatchObject({ firstName: 'Mariam', enabled: true });

    const deleted = await api.request('DELETE', `/api/v1/employees/${employeeId}`, { token: hr });
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(200);
    await api.drainQueues();
    expect((await directory())[email]).toMatchObject({ employeeId, enabled: false });
    const refused = await tokenCli('--user', email);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/disabled/);
    expect(refused.stdout).toBe('');
  });

  it('deactivating an employee (status inactive) disables their user; reactivating enables it again', async () => {
    const hr = await api.token({ role: 'hr_manager', org: orgA });
    const body = validEmployee(bankId);
    const created = await api.request('POST', '/api/v1/employees', { token: hr, body });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await api.drainQueues();
    expect((await directory())[String(body.email)]).toMatchObject({ enabled: true });
    const deactivated = await api.request('PUT', `/api/v1/employees/${created.body.id}`, { token: hr, body: { status: 'inactive' } });
    expect(deactivated.status, JSON.stringify(deactivated.body)).toBe(200);
    await api.drainQueues();
    expect((await directory())[String(body.email)]).toMatchObject({ employeeId: created.body.id, enabled: false });
    const reactivated = await api.request('PUT', `/api/v1/employees/${created.body.id}`, { token: hr, body: { status: 'active' } });
    expect(reactivated.status, JSON.stringify(reactivated.body)).toBe(200);
    await api.drainQueues();
    expect((await directory())[String(body.email)]).toMatchObject({ employeeId: created.body.id, enabled: true });
  });

  it('an organization created with an e-mail gets an organization_admin user; `token --user` for an unknown e-mail is refused', async () => {
    const { businessTypeId } = await masterDataIds(api);
    const admin = await api.token({ role: 'organization_admin', org: orgA, mfa: true });
    const email = `admin-${Math.random().toString(36).slice(2, 10)}@example.ae`;
    const created = await api.request('POST', '/api/v1/organizations', {
      token: admin,
      body: { name: 'Provisioned LLC', industry: 'Logistics', businessTypeId, address: 'Plot 9', city: 'Dubai', managementAlias: `org_${Math.random().toString(36).slice(2, 10)}`, creditLimit: 1000, email },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await api.drainQueues();
    expect((await directory())[email]).toMatchObject({ roles: ['organization_admin'], organizationId: created.body.id, enabled: true });
    expect((await directory())[email]?.employeeId).toBeUndefined();

    const unknown = await tokenCli('--user', 'nobody@example.ae');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/No user nobody@example.ae/);
    expect(unknown.stdout).toBe('');
  });
});
