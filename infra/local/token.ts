/**
 * `npm run -s token -- --role <role> [--org <orgId>] [--employee <id>] [--mfa] [--ttl 3600] [--sub <subject>]
 *   [--preset generic|keycloak|cognito]`
 * `npm run -s token -- --user <email> [--mfa] [--ttl 3600] [--preset ...]`
 *
 * Prints ONLY an access token of the local issuer on stdout (so `TOKEN=$(npm run -s token -- ...)` works). Uses the
 * same key files as the running local stack (`.local/issuer/`, created if absent) and its issuer URL
 * (`http://127.0.0.1:$ISSUER_PORT`, default 3001) and audience. `--preset` (default: `$OIDC_PRESET`, else `generic`)
 * shapes the token like that provider does; it must match the running stack's OIDC_PRESET or the API refuses it.
 * `--user` mints for a user that provisioning put in the issuer's directory (roles, organization and employee from
 * there); a disabled user (employee deleted or deactivated) gets no token.
 * Errors: one sentence on stderr, exit code 2.
 */
import { parseArgs } from 'node:util';
import type { Role } from '#shared/routes';
import { CLAIM_PRESETS, isClaimPreset } from '#shared/auth/claim-mapping';
import { assertMintable, LOCAL_AUDIENCE, LOCAL_ISSUER_DIR, LOCAL_ISSUER_URL, loadOrCreateSigningKey, mintToken, userMintInput, type MintInput } from './issuer';

async function main(argv: string[]): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        role: { type: 'string', multiple: true },
        user: { type: 'string' },
        org: { type: 'string' },
        employee: { type: 'string' },
        mfa: { type: 'boolean', default: false },
        ttl: { type: 'string', default: '3600' },
        sub: { type: 'string' },
        preset: { type: 'string', default: process.env.OIDC_PRESET || 'generic' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return fail(`${error instanceof Error ? error.message : String(error)}; usage: npm run -s token -- --role <role> [--org <orgId>] [--employee <id>] [--mfa] [--ttl 3600].`);
  }
  if (!isClaimPreset(values.preset)) return fail(`Unknown preset "${values.preset}": use --preset ${CLAIM_PRESETS.join(', ')}.`);
  const ttl = Number(values.ttl);
  // The API refuses tokens living longer than OIDC_MAX_TOKEN_LIFETIME_SECONDS (default 24 h).
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > 24 * 3600) return fail(`--ttl must be a whole number of seconds between 1 and ${24 * 3600}.`);
  if (values.user) {
    if (values.role || values.org || values.employee || values.sub) return fail('--user takes roles, organization and employee from the local directory: leave out --role, --org, --employee and --sub.');
    let user: MintInput;
    try {
      user = await userMintInput(values.user);
    } catch (error) {
      return fail((error as Error).message);
    }
    const key = await loadOrCreateSigningKey(LOCAL_ISSUER_DIR);
    process.stdout.write(`${await mintToken(key, LOCAL_ISSUER_URL, LOCAL_AUDIENCE, { ...user, mfa: values.mfa === true, ttlSeconds: ttl, preset: values.preset })}\n`);
    return;
  }
  const roles = (values.role ?? []).flatMap((r) => r.split(',')).map((r) => r.trim()).filter(Boolean);
  const input: MintInput = {
    roles,
    ...(values.org ? { org: values.org } : {}),
    ...(values.employee ? { employee: values.employee } : {}),
    mfa: values.mfa === true,
    ttlSeconds: ttl,
    preset: values.preset,
    ...(values.sub ? { subject: values.sub } : {}),
  };
  try {
    assertMintable(input);
  } catch (error) {
    return fail((error as Error).message);
  }
  const key = await loadOrCreateSigningKey(LOCAL_ISSUER_DIR);
  const token = await mintToken(key, LOCAL_ISSUER_URL, LOCAL_AUDIENCE, { ...input, role: roles as Role[], roles: [] });
  process.stdout.write(`${token}\n`);
}

function fail(sentence: string): void {
  process.stderr.write(`${sentence}\n`);
  process.exitCode = 2;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`Could not mint a token: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
