import { onceEventId, recordEventOnce } from '#shared/events/record';
import { jobStatus } from '#shared/use-cases/jobs/get-job';
import type { BusinessDeps } from './context';

/**
 * `employee.import.completed`: a bulk import's last row has its result. Whoever records a row (the request for rows
 * refused up front, the queue consumer for the rest) calls this afterwards; the job store knows when the counters
 * reach the total, and the event's id comes from the job id, so the first caller to see the job complete records it
 * and every later look (a redelivered row, a concurrent batch) adds nothing. HR is told the counts and why rows
 * failed (error codes and the rows' employee codes, never their data).
 */
export const IMPORT_COMPLETED_EVENT = 'employee.import.completed';

/** Failed rows named in the event (by index and employee code); the job itself lists them all. */
const NAMED_FAILURES = 10;

export async function announceImportIfFinished(deps: Pick<BusinessDeps, 'db' | 'jobs' | 'publishEvents' | 'recordedEvents'>, jobId: string): Promise<string | undefined> {
  const id = onceEventId(IMPORT_COMPLETED_EVENT, jobId);
  if (await deps.recordedEvents.has(deps.db, id)) return undefined;
  const job = await deps.jobs.get(jobId);
  if (!job || !job.organizationId || job.succeeded + job.failed < job.total) return undefined;

  const failures: Record<string, number> = {};
  const failedRows: { index: number; reference: string | null; code: string }[] = [];
  if (job.failed > 0) {
    for (const item of await deps.jobs.listItems(jobId)) {
      if (item.status !== 'failed') continue;
      const code = item.error?.code ?? 'FAILED';
      failures[code] = (failures[code] ?? 0) + 1;
      if (failedRows.length < NAMED_FAILURES) failedRows.push({ index: item.index, reference: item.reference, code });
    }
  }
  const recorded = await recordEventOnce(
    deps.db,
    {
      type: IMPORT_COMPLETED_EVENT,
      organizationId: job.organizationId,
      correlationId: jobId,
      payload: {
        jobId,
        organizationId: job.organizationId,
        status: jobStatus(job),
        total: job.total,
        succeeded: job.succeeded,
        failed: job.failed,
        failures: Object.fromEntries(Object.entries(failures).sort(([a], [b]) => a.localeCompare(b))),
        failedRows,
      },
    },
    jobId,
  );
  await deps.publishEvents([recorded.id]);
  return recorded.id;
}
