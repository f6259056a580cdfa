import { postgresPersonalDataStore } from '#shared/adapters/postgres/personal-data-erasure';
import { envVar, loadConfig } from '#shared/config';
import { withTransaction } from '#shared/db/pool';
import type { ErasureDeps, ErasureSettings } from '#shared/use-cases/employees/erase-personal-data';
import * as z from '#shared/zod';

/** The scheduled personal-data erasure: PostgreSQL only. */
export function personalDataErasureDeps(): ErasureDeps {
  return { store: postgresPersonalDataStore((work) => withTransaction(work)), now: () => new Date() };
}

/**
 * The erasure's terms: PERSONAL_DATA_RETENTION_DAYS (the stage's `personalDataRetentionDays`, required),
 * ERASURE_BATCH_SIZE (employees per transaction, default 50, at most 500), ERASURE_MAX_BATCHES (per run, default 20).
 */
export function personalDataErasureSettings(): Omit<ErasureSettings, 'runId'> {
  const config = loadConfig({
    PERSONAL_DATA_RETENTION_DAYS: envVar.positiveInt(),
    ERASURE_BATCH_SIZE: z._default(envVar.positiveInt().check(z.maximum(500)), 50),
    ERASURE_MAX_BATCHES: z._default(envVar.positiveInt(), 20),
  });
  return { retentionDays: config.PERSONAL_DATA_RETENTION_DAYS, batchSize: config.ERASURE_BATCH_SIZE, maxBatches: config.ERASURE_MAX_BATCHES };
}
