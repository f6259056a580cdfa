import { sqsWorkQueue } from '#shared/adapters/sqs/queues';
import type { BusinessDeps } from '#shared/use-cases/employees/context';

/**
 * Composition root of the sync's schedule: it only queues page 1 of each kind on `abhi-sync`; the pages are read from
 * Abhi and mirrored by the queue's consumer (#shared/wiring/sync). Apart from it, so the schedule bundles no Abhi
 * client, PostgreSQL or SNS, and is granted none of them.
 */
let deps: Pick<BusinessDeps, 'syncQueue'> | undefined;

export function syncStartDeps(): Pick<BusinessDeps, 'syncQueue'> {
  return (deps ??= { syncQueue: sqsWorkQueue('abhi-sync') });
}
