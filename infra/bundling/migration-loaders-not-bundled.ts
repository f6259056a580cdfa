/**
 * Bundled in place of jiti and glob in every function (infra/bundling/options.ts, ADR 0030). node-pg-migrate imports
 * both at module scope, but only uses jiti to load JavaScript/TypeScript migrations and glob for a `dir` pattern with
 * `*`; `system/run-migrations` runs the plain `.sql` files of one directory (functions/shared/db/migrate.ts), so
 * neither is ever called there (−259 KB). If one ever were, it fails loudly instead of skipping a migration.
 */
function notBundled(what: string): never {
  throw new Error(`${what} is not bundled: only .sql migrations from a plain directory are supported in a deployed function (infra/bundling/options.ts).`);
}

/** jiti's factory: node-pg-migrate calls it at module scope, so it must succeed; loading a file through it may not. */
export function createJiti(): { import(file: string): Promise<never> } {
  return { import: async (file: string) => notBundled(`jiti (to load ${file})`) };
}

export async function glob(): Promise<never> {
  return notBundled('glob (a migrations `dir` pattern)');
}
