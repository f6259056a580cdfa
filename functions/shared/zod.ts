/**
 * The one import of zod in functions/: zod/mini, its functional API (`z.optional(s)`, `s.check(z.minLength(1))`),
 * with English messages (zod/mini loads no locale by itself; ours reach callers in problem+json). zod "classic"
 * carried ~60 KB more into every bundle and ~6 ms more import, for the same schemas and JSON Schema (ADR 0031).
 */
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

z.config(en());

export * from 'zod/mini';
