import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CUSTOM_METRICS } from '../../infra/config/metrics';

/**
 * The alarms and the dashboard read custom metrics by name with the single `service` dimension. A metric nobody
 * publishes, or one published with extra dimensions, leaves its alarm silent forever: check both against the code.
 */
const FUNCTIONS = path.resolve(import.meta.dirname, '../../functions');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(path.join(dir, entry.name)) : entry.name.endsWith('.ts') ? [readFileSync(path.join(dir, entry.name), 'utf8')] : [],
  );
}

const code = sources(FUNCTIONS).join('\n');

describe('custom metrics the alarms read are published by the functions', () => {
  it.each(Object.values(CUSTOM_METRICS))('%s is published somewhere in functions/', (name) => {
    expect(code.includes(`'${name}'`), `no function publishes ${name}`).toBe(true);
  });

  it('metrics.count(...) is never given extra dimensions (alarms match on `service` only)', () => {
    const withDimensions = [...code.matchAll(/metrics\.count\(\s*'(\w+)'\s*,[^,)]*,\s*\{/g)].map((m) => m[1]);
    expect(withDimensions).toEqual([]);
  });
});
