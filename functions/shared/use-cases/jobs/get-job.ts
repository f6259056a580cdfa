import { TenantAccessDeniedError } from '#shared/auth/errors';
import { canAccessOrganization, type IsDescendant } from '#shared/auth/tenant';
import type { Principal } from '#shared/auth/principal';
import { isPlatformPrincipal } from '#shared/auth/principal';
import { NotFoundError } from '#shared/domain/errors';
import { paginate, type Page } from '#shared/schemas/common';
import type { GetJobQuery, JobItemView, JobStatus, JobView } from '#shared/schemas/jobs';
import type { JobRecord, JobStore } from './job-store';

/** Status is derived from the counters, so it can never disagree with them. */
export function jobStatus(job: Pick<JobRecord, 'total' | 'succeeded' | 'failed'>): JobStatus {
  const processed = job.succeeded + job.failed;
  if (processed === 0) return 'queued';
  if (processed < job.total) return 'processing';
  if (job.failed === 0) return 'completed';
  return job.succeeded === 0 ? 'failed' : 'completed_with_errors';
}

export async function getJob(
  deps: { jobs: JobStore; isDescendant: IsDescendant },
  principal: Principal,
  jobId: string,
  query: GetJobQuery,
): Promise<JobView> {
  const job = await deps.jobs.get(jobId);
  if (!job) throw new NotFoundError('Job');
  const visible = job.organizationId
    ? await canAccessOrganization(principal, job.organizationId, deps.isDescendant)
    : isPlatformPrincipal(principal) || job.createdBy === principal.subject;
  if (!visible) throw new TenantAccessDeniedError('Job', `job ${jobId} belongs to another organization`);

  // Without a status filter only the requested rows are read; a filter needs every recorded result.
  const start = (query.page - 1) * query.limit;
  const end = Math.min(job.total, start + query.limit) - 1;
  const range = query.itemStatus ? undefined : end >= start ? { from: start, to: end } : undefined;
  const recorded = new Map(
    (query.itemStatus || range ? await deps.jobs.listItems(jobId, range) : []).map((item) => [item.index, item]),
  );
  const view = (index: number): JobItemView => {
    const item = recorded.get(index);
    return item
      ? { index, status: item.status, reference: item.reference, resourceId: item.resourceId, error: item.error, updatedAt: item.updatedAt ?? null }
      : { index, status: 'pending', reference: job.references[index] ?? null, resourceId: null, error: null, updatedAt: null };
  };
  let items: Page<JobItemView>;
  if (query.itemStatus) {
    const all = Array.from({ length: job.total }, (_, index) => view(index)).filter((item) => item.status === query.itemStatus);
    items = paginate(all, query.page, query.limit);
  } else {
    const rows: JobItemView[] = [];
    for (let index = start; index <= end; index++) rows.push(view(index));
    items = { items: rows, page: query.page, limit: query.limit, total: job.total };
  }
  return {
    id: job.id,
    type: job.type,
    status: jobStatus(job),
    organizationId: job.organizationId,
    total: job.total,
    succeeded: job.succeeded,
    failed: job.failed,
    pending: job.total - job.succeeded - job.failed,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
    completedAt: job.completedAt,
    expiresAt: job.expiresAt,
    items,
  };
}
