import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import * as z from '#shared/zod';
import type { AbhiCredentials, CredentialsProvider } from './ports';

/**
 * Where the fleet's Abhi credentials come from. Production: Secrets Manager, secret JSON
 * `{ "username": "...", "password": "...", "signingSecret"?: "..." }`, cached in memory for `maxAgeSeconds` by
 * Powertools Parameters. Tests and scripts pass credentials directly with `StaticCredentialsProvider`.
 * Credentials never appear in code, logs or error messages.
 */
const SecretSchema = z.object({
  username: z.string().check(z.minLength(1)),
  password: z.string().check(z.minLength(1)),
  signingSecret: z.optional(z.string().check(z.minLength(1))),
});

export class CredentialsUnavailableError extends Error {
  override readonly name = 'CredentialsUnavailableError';
}

export class SecretsManagerCredentialsProvider implements CredentialsProvider {
  constructor(
    private readonly secretId: string,
    private readonly options: { maxAgeSeconds?: number } = {},
  ) {}

  async get(): Promise<AbhiCredentials> {
    let value: unknown;
    try {
      value = await getSecret(this.secretId, { maxAge: this.options.maxAgeSeconds ?? 300, transform: 'json' });
    } catch (error) {
      throw new CredentialsUnavailableError(`The Abhi credentials secret '${this.secretId}' could not be read: ${(error as Error).name}.`, { cause: error });
    }
    const parsed = SecretSchema.safeParse(value);
    if (!parsed.success) {
      // Names the missing/invalid keys only, never the values.
      const keys = parsed.error.issues.map((issue) => issue.path.join('.') || '(root)').join(', ');
      throw new CredentialsUnavailableError(`The Abhi credentials secret '${this.secretId}' must be JSON {username, password, signingSecret?}; check: ${keys}.`);
    }
    return parsed.data;
  }
}

export class StaticCredentialsProvider implements CredentialsProvider {
  private readonly credentials: AbhiCredentials;
  constructor(credentials: AbhiCredentials) {
    this.credentials = SecretSchema.parse(credentials);
  }
  async get(): Promise<AbhiCredentials> {
    return this.credentials;
  }
}
