import { randomUUID } from 'node:crypto';
import type { ScheduledEvent } from 'aws-lambda';
import { syncStartDeps } from '#shared/wiring/sync-start';
import { logger } from '#shared/observability';
import { startAbhiSync } from '#shared/use-cases/employees/abhi-sync';

/** Scheduled (every 6 hours): starts a refresh of organizations and employees from Abhi by enqueuing page 1 of each. */
export const handler = async (event: ScheduledEvent): Promise<{ runId: string; enqueued: number }> => {
  const runId = event.id || randomUUID();
  const result = await startAbhiSync(syncStartDeps(), runId);
  logger.info('Abhi sync started', { ...result });
  return result;
};
