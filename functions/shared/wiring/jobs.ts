import { registerAuditDatabase } from '#shared/auth/audit';
import { getPool } from '#shared/db/pool';
import { dynamoJobStore } from '#shared/adapters/sqs/jobs';
import type { JobStore } from '#shared/use-cases/jobs/job-store';

// Explicit wiring: this function has a database, so its audit events go to audit_log (see auth/audit.ts).
registerAuditDatabase(getPool);

/** Composition root of functions/jobs: the job store in the state table. */
let jobs: JobStore | undefined;

export function jobStore(): JobStore {
  return (jobs ??= dynamoJobStore());
}
