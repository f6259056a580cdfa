import { randomUUID } from 'node:crypto';
import type { ScheduledEvent } from 'aws-lambda';
import { logger, metrics } from '#shared/observability';
import { erasePersonalData, type ErasureResult } from '#shared/use-cases/employees/erase-personal-data';
import { personalDataErasureDeps, personalDataErasureSettings } from '#shared/wiring/personal-data';

/**
 * Daily (topology `personal-data-erasure`): erases the personal data of employees deleted more than
 * PERSONAL_DATA_RETENTION_DAYS ago (the stage's `personalDataRetentionDays`), in batches, with one audit row each.
 * Idempotent: erased rows are marked and never picked again; a backlog larger than one run continues the next day.
 */
// Read at start: a missing retention fails the cold start with one sentence, not the first run.
const settings = personalDataErasureSettings();

const deps = personalDataErasureDeps();

export const handler = async (_event: ScheduledEvent): Promise<ErasureResult> => {
  const runId = `personal-data-erasure-${randomUUID()}`;
  const result = await erasePersonalData(deps, { ...settings, runId });
  logger.info('Personal data erasure finished', { runId, ...result });
  metrics.addMetric('PersonalDataErased', 'Count', result.erased);
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  return result;
};
