import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import * as z from '#shared/zod';
import { createTokenVerifier } from '#shared/auth/verify';
import { amount, email, emiratesId, isoDate, luhnCheckDigit, paginationQuery, phoneE164, uuid } from '#shared/schemas/common';
import { startLocalIssuer, LOCAL_AUDIENCE } from '../../infra/local/issuer';

const ok = (schema: z.core.$ZodType, value: unknown) => z.safeParse(schema, value).success;

describe('validation helpers', () => {
  it('Emirates ID: format 784-YYYY-NNNNNNN-C and Luhn check digit over the 14 digits before it', () => {
    const body = '78419901234567';
    const valid = `784-1990-1234567-${luhnCheckDigit(body)}`;
    expect(valid).toBe('784-1990-1234567-6');
    expect(ok(emiratesId(), valid)).toBe(true);
    for (let wrong = 0; wrong <= 9; wrong++) if (wrong !== 6) expect(ok(emiratesId(), `784-1990-1234567-${wrong}`)).toBe(false);
    for (const bad of ['784199012345676', '785-1990-1234567-6', '784-199-12345678-6', '784-1990-1234567-66', '']) expect(ok(emiratesId(), bad)).toBe(false);
  });

  it('ISO dates are real calendar dates', () => {
    expect(ok(isoDate(), '2024-02-29')).toBe(true);
    for (const bad of ['2023-02-29', '2024-13-01', '2024-1-01', '2024-01-01T00:00:00Z', '31/01/2024']) expect(ok(isoDate(), bad)).toBe(false);
  });

  it('E.164 phone, e-mail, UUID', () => {
    expect(ok(phoneE164(), '+971501234567')).toBe(true);
    for (const bad of ['0501234567', '+0501234567', '+97150 123 4567', '+1234567890123456']) expect(ok(phoneE164(), bad)).toBe(false);
    expect(ok(email(), 'a@b.ae')).toBe(true);
    expect(ok(email(), 'not-an-email')).toBe(false);
    expect(ok(uuid(), '3f0c6a52-8d7e-4a4e-9d0a-6f1b2c3d4e5f')).toBe(true);
    expect(ok(uuid(), '3f0c6a52')).toBe(false);
  });

  it('amounts: > 0, at most 2 decimals, at most 1,000,000, numbers only', () => {
    for (const good of [0.01, 1, 12.5, 1500.25, 1_000_000]) expect(ok(amount(), good), String(good)).toBe(true);
    for (const bad of [0, -1, 0.001, 0.1 + 0.2, 1_000_000.01, Number.NaN, Number.POSITIVE_INFINITY, '10', 1e21]) expect(ok(amount(), bad), String(bad)).toBe(false);
  });

  it('pagination: coerced, defaulted, bounded, strict', () => {
    expect(paginationQuery().parse({})).toEqual({ page: 1, limit: 20 });
    expect(paginationQuery().parse({ page: '2', limit: '50' })).toEqual({ page: 2, limit: 50 });
    for (const bad of [{ page: '0' }, { limit: '101' }, { limit: 'x' }, { other: '1' }]) expect(ok(paginationQuery(), bad)).toBe(false);
  });

  it('the schemas generate JSON Schema with their descriptions and examples (for the OpenAPI document)', () => {
    const schema = z.toJSONSchema(z.strictObject({ amount: amount(), dateOfJoining: isoDate(), emiratesId: emiratesId() }), { unrepresentable: 'any' }) as {
      properties: Record<string, { description?: string; examples?: unknown[]; example?: unknown }>;
      additionalProperties: boolean;
    };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.amount!.description).toMatch(/AED/);
    expect(schema.properties.emiratesId!.description).toMatch(/Emirates ID/);
  });
});

describe('local issuer and the token CLI', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edge-token-'));
    dirs.push(dir);
    return path.join(dir, 'issuer');
  };
  afterAll(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

  const cli = (args: string[], env: Record<string, string>) =>
    spawnSync(path.resolve('node_modules/.bin/tsx'), ['infra/local/token.ts', ...args], {
      cwd: path.resolve('.'),
      env: { ...process.env, ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });

  it('creates its key at first use (mode 0600), serves JWKS + discovery, and its tokens verify by JWKS URL', async () => {
    const dir = tempDir();
    const issuer = await startLocalIssuer({ port: 0, dir });
    try {
      const keyFile = path.join(dir, 'signing-key.jwk.json');
      expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
      const discovery = (await (await fetch(`${issuer.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
      expect(discovery).toMatchObject({ issuer: issuer.issuer, jwks_uri: issuer.jwksUrl });
      const jwks = (await (await fetch(issuer.jwksUrl)).json()) as { keys: Record<string, unknown>[] };
      expect(jwks.keys).toHaveLength(1);
      expect(jwks.keys[0]).not.toHaveProperty('d'); // never the private part
      const verify = createTokenVerifier({ issuer: issuer.issuer, audiences: [issuer.audience], jwksUrl: issuer.jwksUrl });
      expect(await verify(await issuer.mint({ role: 'hr_manager', org: 'org-1', employee: 'e-1', mfa: true, subject: 'u-1' }))).toEqual({
        subject: 'u-1',
        roles: ['hr_manager'],
        organizationId: 'org-1',
        employeeId: 'e-1',
        mfa: true,
        tokenId: expect.any(String),
        issuedAt: expect.any(Number),
        expiresAt: expect.any(Number),
      });
    } finally {
      await issuer.stop();
    }
  });

  it('a restart reuses the same key (tokens minted before stay valid)', async () => {
    const dir = tempDir();
    const first = await startLocalIssuer({ port: 0, dir });
    await first.stop();
    const second = await startLocalIssuer({ port: 0, dir });
    await second.stop();
    expect(second.key.kid).toBe(first.key.kid);
  });

  it('`npm run -s token` prints only the token, signed with the same key files the stack uses', async () => {
    const dir = tempDir();
    // The CLI runs first and creates the key; the issuer then starts from the same files.
    const probe = await startLocalIssuer({ port: 0, dir: tempDir() });
    const port = probe.port;
    await probe.stop();
    const result = cli(['--role', 'employee', '--org', 'org-9', '--employee', 'emp-9', '--mfa', '--ttl', '600'], { ISSUER_KEY_DIR: dir, ISSUER_PORT: String(port) });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n$/);
    const token = result.stdout.trim();
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ iss: `http://127.0.0.1:${port}`, aud: LOCAL_AUDIENCE, roles: ['employee'], org_id: 'org-9', employee_id: 'emp-9', amr: ['pwd', 'mfa'] });
    expect(claims.exp! - claims.iat!).toBe(600);
    const issuer = await startLocalIssuer({ port, dir });
    try {
      expect(decodeProtectedHeader(token).kid).toBe(issuer.key.kid);
      const verify = createTokenVerifier({ issuer: issuer.issuer, audiences: [issuer.audience], jwksUrl: issuer.jwksUrl });
      expect((await verify(token)).employeeId).toBe('emp-9');
    } finally {
      await issuer.stop();
    }
  });

  it('a platform admin needs no organization; other roles without --org fail with one sentence, exit 2', () => {
    const dir = tempDir();
    const admin = cli(['--role', 'admin'], { ISSUER_KEY_DIR: dir });
    expect(admin.status).toBe(0);
    expect(decodeJwt(admin.stdout.trim()).roles).toEqual(['admin']);

    const hr = cli(['--role', 'hr_manager'], { ISSUER_KEY_DIR: dir });
    expect(hr.status).toBe(2);
    expect(hr.stdout).toBe('');
    expect(hr.stderr.trim().split('\n')).toHaveLength(1);
    expect(hr.stderr).toMatch(/--org/);

    const unknown = cli(['--role', 'root', '--org', 'o'], { ISSUER_KEY_DIR: dir });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown role "root"/);
  });
});
