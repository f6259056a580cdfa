import * as z from '#shared/zod';
import { envVar, loadConfig } from '#shared/config';

/** HTTP edge settings from the environment, read once on first use (so the local stack / tests can set them first). */
const shape = {
  CORS_ALLOWED_ORIGINS: envVar.list(),
  MAX_BODY_BYTES: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(10 * 1024 * 1024)), 256 * 1024),
  IDEMPOTENCY_EXPIRES_SECONDS: z._default(z.coerce.number().check(z.int(), z.minimum(60), z.maximum(7 * 24 * 3600)), 24 * 3600),
  RATE_LIMIT_READ_RPS: z._default(z.coerce.number().check(z.positive()), 100),
  RATE_LIMIT_READ_BURST: z._default(z.coerce.number().check(z.int(), z.minimum(1)), 200),
  RATE_LIMIT_WRITE_RPS: z._default(z.coerce.number().check(z.positive()), 20),
  RATE_LIMIT_WRITE_BURST: z._default(z.coerce.number().check(z.int(), z.minimum(1)), 40),
  RATE_LIMIT_ADVANCES_PER_HOUR: z._default(z.coerce.number().check(z.int(), z.minimum(1)), 5),
  /** Per-IP buckets are this many times the per-principal limits (many users can share one NAT address). */
  RATE_LIMIT_IP_FACTOR: z._default(z.coerce.number().check(z.positive()), 5),
  RATE_LIMIT_ENABLED: z.pipe(z._default(z.enum(['true', 'false']), 'true'), z.transform((v) => v === 'true')),
};

export type HttpSettings = z.infer<z.ZodMiniObject<typeof shape>>;

let cached: { signature: string; settings: HttpSettings } | undefined;

export function httpSettings(): HttpSettings {
  const signature = Object.keys(shape).map((name) => process.env[name] ?? '').join('\u0001');
  if (cached?.signature !== signature) cached = { signature, settings: loadConfig(shape) };
  return cached.settings;
}

/** Forget the cached settings (tests that change the environment). */
export function resetHttpSettings(): void {
  cached = undefined;
}
