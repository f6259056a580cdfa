import { describe, expect, it } from 'vitest';
import { MemoryResponseCache } from '#shared/abhi/memory-adapters';
import type { DomainEvent } from '#shared/events/types';
import { invalidateStaleReads } from '#shared/use-cases/events/invalidate-cache';
import { checkReadiness } from '#shared/use-cases/system/readiness';

/** Use cases behind the non-API entries (ADR 0027), against in-memory ports: cache invalidation and readiness. */
const event = (type: string, payload: Record<string, unknown>): DomainEvent =>
  ({ id: '00000000-0000-4000-8000-000000000001', type, version: 1, time: '2026-12-03T00:00:00Z', payload }) as DomainEvent;

async function cacheWith(...entries: [kind: string, key: string][]) {
  const cache = new MemoryResponseCache();
  for (const [kind, key] of entries) await cache.set(kind, key, { cached: `${kind}/${key}` }, 60_000);
  const present = async () => {
    const left: string[] = [];
    for (const [kind, key] of entries) if ((await cache.get(kind, key)) !== undefined) left.push(`${kind}/${key}`);
    return left;
  };
  return { cache, present };
}

describe('invalidating the cached Abhi reads an event made stale', () => {
  it('an updated employee drops that employee’s record only', async () => {
    const { cache, present } = await cacheWith(['employee', 'emp-1'], ['employee', 'emp-2'], ['balance', 'emp-1#2026-12']);
    expect(await invalidateStaleReads(cache, event('employee.updated', { employeeId: 'emp-1' }))).toBe(1);
    expect(await present()).toEqual(['employee/emp-2', 'balance/emp-1#2026-12']);
  });

  it('money moving drops the employee’s balance and outstanding reads and the organization-wide outstanding ones', async () => {
    const { cache, present } = await cacheWith(
      ['balance', 'emp-1#2026-12'],
      ['balance', 'emp-2#2026-12'],
      ['outstanding', 'emp-1#page=1'],
      ['outstanding', '*#org-a'],
      ['employee', 'emp-1'],
    );
    expect(await invalidateStaleReads(cache, event('transaction.advance.created', { employeeId: 'emp-1' }))).toBe(3);
    expect(await present()).toEqual(['balance/emp-2#2026-12', 'employee/emp-1']);
  });

  it('an event nothing cached depends on drops nothing', async () => {
    const { cache, present } = await cacheWith(['employee', 'emp-1'], ['organizations', 'list']);
    expect(await invalidateStaleReads(cache, event('employee.created', { employeeId: 'emp-1' }))).toBe(0);
    expect(await present()).toEqual(['employee/emp-1', 'organizations/list']);
  });
});

describe('readiness', () => {
  it('is ready only when every probe answers; a failure is reported without its internals', async () => {
    const result = await checkReadiness({
      postgres: async () => undefined,
      sqs: async () => {
        throw new Error('connect ECONNREFUSED 10.0.0.7:4566 (internal detail)');
      },
    });
    expect(result.ready).toBe(false);
    expect(result.checks.postgres).toMatchObject({ ok: true });
    expect(result.checks.sqs).toMatchObject({ ok: false, error: 'unavailable' });
    expect(JSON.stringify(result)).not.toContain('ECONNREFUSED');
    expect((await checkReadiness({ postgres: async () => undefined })).ready).toBe(true);
  });
});
