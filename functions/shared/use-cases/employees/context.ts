import type { AbhiClient } from '#shared/abhi/client';
import type { Principal } from '#shared/auth/principal';
import type { FieldCipher } from '#shared/crypto/field-cipher';
import type { WorkQueue } from '#shared/adapters/sqs/queues';
import type { JobStore } from '#shared/use-cases/jobs/job-store';

/**
 * What the business use cases (employees, organizations, master data, reports, jobs, sync) need from the outside
 * world, as ports. Handlers pass `businessDeps()` (#shared/adapters/postgres/business-deps); tests may pass others.
 * Only types are imported here: the use cases load no AWS SDK themselves. PostgreSQL is used directly through the
 * repositories (`#shared/adapters/postgres/*`) and `withTransaction`.
 */
export interface BusinessDeps {
  readonly abhi: AbhiClient;
  readonly cipher: FieldCipher;
  /** The outbox relay: publishes committed events right away (the sweep catches what it misses). */
  readonly publishEvents: (ids: readonly string[]) => Promise<number>;
  readonly jobs: JobStore;
  readonly importQueue: WorkQueue;
  readonly syncQueue: WorkQueue;
  /** Offboarding: refuses every token carrying this employee id issued up to now (ADR 0015). */
  readonly revokeEmployeeSessions: (employeeId: string) => Promise<void>;
}

/** Who asks, on behalf of which request, and until when the answer is useful. */
export interface UseCaseContext {
  readonly principal: Principal;
  /** Request id (or job/run id): the events' correlation id and Abhi's X-Correlation-Id. */
  readonly correlationId: string;
  /** Epoch ms after which calls to Abhi give up (from the Lambda's remaining time). */
  readonly deadline: number;
  /** `bulk` for queued work (import, sync): its Abhi calls leave the interactive reserve of the fleet limit alone. */
  readonly abhiPriority?: 'bulk';
}

/** CallOptions for the Abhi client from a use-case context. */
export function abhiOptions(ctx: Pick<UseCaseContext, 'correlationId' | 'deadline' | 'abhiPriority'>, extra: { bypassCache?: boolean } = {}) {
  return { deadline: ctx.deadline, correlationId: ctx.correlationId, ...(ctx.abhiPriority ? { priority: ctx.abhiPriority } : {}), ...extra };
}
