import { describe, expect, it } from 'vitest';
import { TenantAccessDeniedError } from '#shared/auth/errors';
import type { Principal } from '#shared/auth/principal';
import { NotFoundError } from '#shared/domain/errors';
import { getJobQuery } from '#shared/schemas/jobs';
import { getJob, jobStatus } from '#shared/use-cases/jobs/get-job';
import type { JobItemResult } from '#shared/use-cases/jobs/job-store';
import { MemoryJobStore, MemoryOrganizationTree, TestClock } from '../../support/memory-ports';

/** Bulk-import jobs (use-cases/jobs) against the in-memory job store: status from counters, pages, filters, tenancy. */
const hr = (organizationId: string): Principal => ({ subject: `hr-${organizationId}`, roles: ['hr_manager'], organizationId, mfa: false });
const ok = (index: number): JobItemResult => ({ index, status: 'succeeded', reference: `EMP-${index}`, resourceId: `id-${index}`, error: null });
const bad = (index: number): JobItemResult => ({ index, status: 'failed', reference: `EMP-${index}`, resourceId: null, error: { code: 'VALIDATION_ERROR', message: 'Invalid row.' } });

async function world(total = 5) {
  const clock = new TestClock();
  const jobs = new MemoryJobStore(clock);
  const tree = new MemoryOrganizationTree().add('org-a').add('org-a-branch', 'org-a').add('org-b');
  await jobs.create({ id: 'job-1', type: 'employee-import', organizationId: 'org-a-branch', createdBy: 'hr-org-a-branch', total, references: Array.from({ length: total }, (_, i) => `EMP-${i}`), rejected: [bad(1)] });
  return { clock, jobs, deps: { jobs, isDescendant: tree.isDescendant } };
}

describe('job status', () => {
  it('is derived from the counters, so it cannot disagree with them', () => {
    expect(jobStatus({ total: 3, succeeded: 0, failed: 0 })).toBe('queued');
    expect(jobStatus({ total: 3, succeeded: 1, failed: 1 })).toBe('processing');
    expect(jobStatus({ total: 3, succeeded: 3, failed: 0 })).toBe('completed');
    expect(jobStatus({ total: 3, succeeded: 2, failed: 1 })).toBe('completed_with_errors');
    expect(jobStatus({ total: 3, succeeded: 0, failed: 3 })).toBe('failed');
  });
});

describe('GET /jobs/{id}', () => {
  it('counts each row once however often it is recorded, and completes when the last row is in', async () => {
    const { deps, jobs } = await world(3);
    expect(await jobs.recordItem('job-1', ok(0))).toBe('recorded');
    expect(await jobs.recordItem('job-1', ok(0))).toBe('duplicate');
    expect(await jobs.recordItem('job-1', ok(1))).toBe('duplicate'); // rejected before queueing: final already
    let view = await getJob(deps, hr('org-a-branch'), 'job-1', getJobQuery.parse({}));
    expect(view).toMatchObject({ status: 'processing', total: 3, succeeded: 1, failed: 1, pending: 1, completedAt: null });
    expect(await jobs.recordItem('job-1', bad(2))).toBe('recorded');
    view = await getJob(deps, hr('org-a-branch'), 'job-1', getJobQuery.parse({}));
    expect(view).toMatchObject({ status: 'completed_with_errors', succeeded: 1, failed: 2, pending: 0, completedAt: expect.any(String) });
    expect(await jobs.recordItem('job-missing', ok(0))).toBe('no-job');
  });

  it('pages rows in order, pending ones with their reference, and filters by item status across pages', async () => {
    const { deps, jobs } = await world(5);
    await jobs.recordItem('job-1', ok(3));
    const page2 = await getJob(deps, hr('org-a-branch'), 'job-1', getJobQuery.parse({ page: '2', limit: '2' }));
    expect(page2.items).toMatchObject({ page: 2, limit: 2, total: 5 });
    expect(page2.items.items.map((i) => [i.index, i.status, i.reference])).toEqual([
      [2, 'pending', 'EMP-2'],
      [3, 'succeeded', 'EMP-3'],
    ]);
    const beyond = await getJob(deps, hr('org-a-branch'), 'job-1', getJobQuery.parse({ page: '4', limit: '2' }));
    expect(beyond.items).toMatchObject({ items: [], total: 5 });
    const pending = await getJob(deps, hr('org-a-branch'), 'job-1', getJobQuery.parse({ itemStatus: 'pending', limit: '2' }));
    expect(pending.items.total).toBe(3);
    expect(pending.items.items.map((i) => i.index)).toEqual([0, 2]);
    const failed = await getJob(deps, hr('org-a-branch'), 'job-1', getJobQuery.parse({ itemStatus: 'failed' }));
    expect(failed.items.items).toEqual([expect.objectContaining({ index: 1, status: 'failed', error: { code: 'VALIDATION_ERROR', message: 'Invalid row.' } })]);
  });

  it('is seen by its organization and its parent’s admin; another tenant and an expired job are 404', async () => {
    const { clock, deps } = await world();
    await expect(getJob(deps, hr('org-b'), 'job-1', getJobQuery.parse({}))).rejects.toBeInstanceOf(TenantAccessDeniedError);
    await expect(getJob(deps, hr('org-a'), 'job-1', getJobQuery.parse({}))).rejects.toBeInstanceOf(TenantAccessDeniedError);
    const parentAdmin: Principal = { subject: 'oa', roles: ['organization_admin'], organizationId: 'org-a', mfa: false };
    expect((await getJob(deps, parentAdmin, 'job-1', getJobQuery.parse({}))).id).toBe('job-1');
    clock.advance(31 * 24 * 3600 * 1000);
    await expect(getJob(deps, hr('org-a-branch'), 'job-1', getJobQuery.parse({}))).rejects.toBeInstanceOf(NotFoundError);
  });

  it('a job of no organization is its creator’s (and a platform admin’s) only', async () => {
    const { deps, jobs } = await world();
    await jobs.create({ id: 'job-platform', type: 'employee-import', organizationId: null, createdBy: 'alice', total: 1, references: [null], rejected: [] });
    const alice: Principal = { subject: 'alice', roles: ['hr_manager'], organizationId: 'org-a', mfa: false };
    expect((await getJob(deps, alice, 'job-platform', getJobQuery.parse({}))).status).toBe('queued');
    await expect(getJob(deps, { ...alice, subject: 'bob' }, 'job-platform', getJobQuery.parse({}))).rejects.toBeInstanceOf(TenantAccessDeniedError);
    expect((await getJob(deps, { subject: 'root', roles: ['admin'], mfa: true }, 'job-platform', getJobQuery.parse({}))).id).toBe('job-platform');
  });
});

describe('row claims (the claim-once rules of the state table)', () => {
  it('one worker at a time while the lease runs; the holder may claim again; a recorded row is done', async () => {
    const { clock, jobs } = await world(4);
    expect(Object.fromEntries(await jobs.claimItems('job-1', [0, 2, 2], 'worker-a', 60))).toEqual({ 0: 'claimed', 2: 'claimed' });
    expect(await jobs.claimItem('job-1', 0, 'worker-b', 60)).toBe('busy');
    expect(await jobs.claimItem('job-1', 0, 'worker-a', 60)).toBe('claimed');
    expect(await jobs.claimItem('job-1', 1, 'worker-b', 60)).toBe('claimed'); // a rejected row has no claim of its own
    await jobs.recordItem('job-1', ok(2));
    expect(await jobs.claimItem('job-1', 2, 'worker-a', 60)).toBe('done');
    clock.advance(61_000);
    expect(await jobs.claimItem('job-1', 0, 'worker-b', 60)).toBe('claimed');
    await jobs.releaseItem('job-1', 0, 'worker-a'); // not the holder any more: nothing happens
    expect(await jobs.claimItem('job-1', 0, 'worker-a', 60)).toBe('busy');
    await jobs.releaseItem('job-1', 0, 'worker-b');
    expect(await jobs.claimItem('job-1', 0, 'worker-a', 60)).toBe('claimed');
  });
});
