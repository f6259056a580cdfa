import { apiHandler } from '#shared/http/api-handler';
import { jobStore } from '#shared/wiring/jobs';
import { JOB_REQUESTS } from '#shared/schemas/jobs';
import { getJob } from '#shared/use-cases/jobs/get-job';
import { isDescendant } from '#shared/wiring/tenant-tree';

/** GET /jobs/{id}: a background job's status, counters and a page of per-item results. */
export const handler = apiHandler('getJob', JOB_REQUESTS, async (req) => ({
  status: 200,
  body: await getJob({ jobs: jobStore(), isDescendant }, req.principal, req.params.id, req.query),
}));
