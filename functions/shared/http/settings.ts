import * as z from 'zod';
import { envVar, loadConfig } from '#shared/config';

/** HTTP edge settings from the environment, read once on first use (so the local stack / tests can set them first). */
const shape = {
  CORS_ALLOWED_ORIGINS: envVar.list(),
  MAX_BODY_BYTES: z.coerce.number().int().min(1).max(10 * 1024 * 1024).default(256 * 1024),
  IDEMPOTENCY_EXPIRES_SECONDS: z.coerce.number().int().min(60).max(7 * 24 * 3600).default(24 * 3600),
  RATE_LIMIT_READ_RPS: z.coerce.number().positive().default(100),
  RATE_LIMIT_READ_BURST: z.coerce.number().int().min(1).default(200),
  RATE_LIMIT_WRITE_RPS: z.coerce.number().positive().default(20),
  RATE_LIMIT_WRITE_BURST: z.coerce.number().int().min(1).default(40),
  RATE_LIMIT_ADVANCES_PER_HOUR: z.coerce.number().int().min(1).default(5),
  /** Per-IP buckets are this many times the per-principal limits (many users can share one NAT address). */
  RATE_LIMIT_IP_FACTOR: z.coerce.number().positive().default(5),
  RATE_LIMIT_ENABLED: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
};

export type HttpSettings = z.infer<z.ZodObject<typeof shape>>;

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
