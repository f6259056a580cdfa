import { randomUUID } from 'node:crypto';
import type { ScheduledEvent } from 'aws-lambda';
import { envVar, loadConfig } from '#shared/config';
import { logger, metrics } from '#shared/observability';
import { erasePersonalData, type ErasureResult } from '#shared/use-cases/employees/erase-personal-data';
import { personalDataErasureDeps } from '#shared/wiring/personal-data';

/**
 * Daily (topology `personal-data-erasure`): erases the personal data of employees deleted more than
 * PERSONAL_DATA_RETENTION_DAYS ago (the stage's `personalDataRetentionDays`), in batches, with one audit row each.
 * Idempotent: erased rows are marked and never picked again; a backlog larger than one run continues the next day.
 */
const config = loadConfig({
  PERSONAL_DATA_RETENTION_DAYS: envVar.positiveInt(),
  ERASURE_BATCH_SIZE: envVar.positiveInt().max(500).default(50),
  ERASURE_MAX_BATCHES: envVar.positiveInt().default(20),
});

const deps = personalDataErasureDeps();

export const handler = async (_event: ScheduledEvent): Promise<ErasureResult> => {
  const runId = `personal-data-erasure-${randomUUID()}`;
  const result = await erasePersonalData(
    deps,
    { retentionDays: config.PERSONAL_DATA_RETENTION_DAYS, batchSize: config.ERASURE_BATCH_SIZE, maxBatches: config.ERASURE_MAX_BATCHES, runId },
  );
  logger.info('Personal data erasure finished', { runId, ...result });
  metrics.addMetric('PersonalDataErased', 'Count', result.erased);
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  return result;
};
