import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Import lines that decide bundle size (BENCHMARKS.md, cold start). `import { z } from 'zod'` pulls zod's whole
 * classic API (~380 KB minified) into a function; `import * as z from 'zod'` lets esbuild keep what is used (~90 KB).
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

  it('zod is imported as a namespace, never through its named `z` export', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(files.filter((f) => /import\s*\{[^}]*\bz\b[^}]*\}\s*from\s*['"]zod['"]/.test(f.text)).map((f) => f.file)).toEqual([]);
  });

  it('no function bundles the X-Ray SDK through the Powertools Tracer', () => {
    const importers = files.filter((f) => /from\s*['"]@aws-lambda-powertools\/tracer/.test(f.text)).map((f) => f.file);
    expect(importers).toEqual([]);
  });
});
