import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Import lines that decide bundle size (BENCHMARKS.md, cold start). zod reaches functions/ only through
 * `#shared/zod` (zod/mini with the English locale, ADR 0031): zod "classic" costs ~60 KB more in every bundle even
 * tree-shaken, and its named `z` export keeps all of it (~380 KB).
 * The Powertools Tracer (the X-Ray SDK, ~120 KB) is in no function: Lambda's active tracing records the invocation
 * segment (ADR 0019).
 */
const FUNCTIONS = path.resolve(import.meta.dirname, '../../functions');

function sources(dir: string): { file: string; text: string }[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return entry.name.endsWith('.ts') ? [{ file: path.relative(FUNCTIONS, full), text: readFileSync(full, 'utf8') }] : [];
  });
}

describe('bundle-size guards on import lines in functions/', () => {
  const files = sources(FUNCTIONS);

  it('zod is imported only as `#shared/zod` (zod/mini), which alone imports the package', () => {
    expect(files.length).toBeGreaterThan(50);
    const importers = files.filter((f) => /from\s*['"]zod(\/[^'"]*)?['"]/.test(f.text)).map((f) => f.file);
    expect(importers).toEqual(['shared/zod.ts']);
    expect(files.find((f) => f.file === 'shared/zod.ts')!.text).toMatch(/from 'zod\/mini'/);
  });

  it('no function bundles the X-Ray SDK through the Powertools Tracer', () => {
    const importers = files.filter((f) => /from\s*['"]@aws-lambda-powertools\/tracer/.test(f.text)).map((f) => f.file);
    expect(importers).toEqual([]);
  });
});
