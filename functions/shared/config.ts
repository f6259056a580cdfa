import * as z from '#shared/zod';

/**
 * Configuration is read from the environment once, at module scope, and validated with zod. A missing or malformed
 * value stops the function (or the local stack) at start with one sentence naming the variable and the fix.
 */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

export function loadConfig<S extends z.core.$ZodShape>(
  shape: S,
  source: Record<string, string | undefined> = process.env,
): z.infer<z.ZodMiniObject<S>> {
  const result = z.object(shape).safeParse(source);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const variable = String(issue?.path[0] ?? 'configuration');
  const found = source[variable];
  const problem = found === undefined || found === '' ? 'is not set' : `is invalid (${issue?.message})`;
  throw new ConfigurationError(
    `Environment variable ${variable} ${problem}: set it in the function's environment (CDK sets it for deployed functions; the local stack sets it for you).`,
  );
}

/** Reusable field schemas for environment variables. */
export const envVar = {
  text: () => z.string().check(z.minLength(1)),
  url: () => z.url(),
  port: () => z.coerce.number().check(z.int(), z.minimum(1), z.maximum(65535)),
  positiveInt: () => z.coerce.number().check(z.int(), z.positive()),
  positiveNumber: () => z.coerce.number().check(z.positive()),
  flag: () =>
    z.pipe(
      z._default(z.enum(['true', 'false', '1', '0']), 'false'),
      z.transform((v) => v === 'true' || v === '1'),
    ),
  list: () =>
    z.pipe(
      z._default(z.string(), ''),
      z.transform((v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      ),
    ),
};
