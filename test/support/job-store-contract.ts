import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { JobItemResult, JobStore } from '#shared/use-cases/jobs/job-store';

/**
 * What every JobStore does, run against the in-memory store (unit tier) and the DynamoDB one (engine tier), so the
 * fake the use-case tests lean on keeps the real adapter's rules. `pass(ms)` lets that much time go by: the test
 * clock moves, or the test waits (DynamoDB Local's clock is the machine's).
 */
export function jobStoreContract(name: string, setup: () => { store: JobStore; pass: (ms: number) => Promise<void> }): void {
  const ok = (index: number): JobItemResult => ({ index, status: 'succeeded', reference: `R-${index}`, resourceId: `id-${index}`, error: null });
  const failed = (index: number): JobItemResult => ({ index, status: 'failed', reference: null, resourceId: null, error: { code: 'VALIDATION_ERROR', message: 'Bad row.' } });
  const newJob = (total: number, rejected: JobItemResult[] = []) => ({
    id: randomUUID(),
    type: 'employee-import',
    organizationId: 'org-contract',
    createdBy: 'contract',
    total,
    references: Array.from({ length: total }, (_, i) => `R-${i}`),
    rejected,
  });

  describe(`JobStore contract: ${name}`, () => {
    it('records each row once, counts it once, and completes the job with its last row', async () => {
      const { store } = setup();
      const job = newJob(3, [failed(1)]);
      await store.create(job);
      expect(await store.get(job.id)).toMatchObject({ total: 3, succeeded: 0, failed: 1, completedAt: null, references: ['R-0', 'R-1', 'R-2'] });
      expect(await store.recordItem(job.id, ok(0))).toBe('recorded');
      expect(await store.recordItem(job.id, ok(0))).toBe('duplicate');
      expect(await store.recordItem(job.id, ok(1))).toBe('duplicate');
      expect(await store.hasItem(job.id, 0)).toBe(true);
      expect(await store.hasItem(job.id, 2)).toBe(false);
      expect(await store.recordItem(job.id, failed(2))).toBe('recorded');
      expect(await store.get(job.id)).toMatchObject({ succeeded: 1, failed: 2, completedAt: expect.any(String) });
      expect((await store.listItems(job.id)).map((i) => [i.index, i.status])).toEqual([
        [0, 'succeeded'],
        [1, 'failed'],
        [2, 'failed'],
      ]);
      expect((await store.listItems(job.id, { from: 1, to: 1 })).map((i) => i.index)).toEqual([1]);
      expect(await store.recordItem(randomUUID(), ok(0))).toBe('no-job');
      expect(await store.get(randomUUID())).toBeUndefined();
    });

    it('claims a row for one worker at a time; the holder may claim again; a recorded row is done; only the holder releases', async () => {
      const { store } = setup();
      const job = newJob(4);
      await store.create(job);
      expect(Object.fromEntries(await store.claimItems(job.id, [0, 1, 1], 'worker-a', 60))).toEqual({ 0: 'claimed', 1: 'claimed' });
      expect(await store.claimItem(job.id, 0, 'worker-b', 60)).toBe('busy');
      expect(await store.claimItem(job.id, 0, 'worker-a', 60)).toBe('claimed');
      expect(Object.fromEntries(await store.claimItems(job.id, [0, 2], 'worker-b', 60))).toEqual({ 0: 'busy', 2: 'claimed' });
      await store.recordItem(job.id, ok(1));
      expect(await store.claimItem(job.id, 1, 'worker-a', 60)).toBe('done');
      await store.releaseItem(job.id, 0, 'worker-b');
      expect(await store.claimItem(job.id, 0, 'worker-b', 60)).toBe('busy');
      await store.releaseItem(job.id, 0, 'worker-a');
      expect(await store.claimItem(job.id, 0, 'worker-b', 60)).toBe('claimed');
    });

    it('a claim whose lease ran out (its worker died) is taken over by another worker', async () => {
      const { store, pass } = setup();
      const job = newJob(1);
      await store.create(job);
      // A 3 s lease: long enough that the second claim comes within it, on a loaded machine too.
      expect(await store.claimItem(job.id, 0, 'worker-a', 3)).toBe('claimed');
      expect(await store.claimItem(job.id, 0, 'worker-b', 3)).toBe('busy');
      await pass(4_100);
      expect(await store.claimItem(job.id, 0, 'worker-b', 60)).toBe('claimed');
    });
  });
}
