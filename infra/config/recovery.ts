/**
 * Disaster-recovery settings per stage (docs/operations.md "Recovery objectives", ADR 0017). Kept apart from
 * stages.ts so the backup design reads in one place. The copy of backups to a second region is opt-in per stage with
 * `--context backupCopyRegion=<region>`: me-central-1 is the only AWS region in the UAE, so any copy leaves the
 * country, which the data controller must approve first (UAE PDPL, the employer contracts).
 */
import { StageConfigError, type ContextReader, type StageConfig } from './stages';

export const RECOVERY_CONTEXT_KEYS = { copyRegion: 'backupCopyRegion' } as const;

export interface RecoveryConfig {
  /** Daily AWS Backup snapshots of the Aurora cluster and every DynamoDB table, kept this many days. */
  readonly snapshotRetentionDays: number;
  /** Region the daily snapshots are copied to (a vault with its own KMS key there), or none. */
  readonly copyRegion?: string;
  /** Days the copies are kept in the second region. */
  readonly copyRetentionDays: number;
  /** A weekly job restores the cluster into a throwaway cluster and reports (prod). */
  readonly weeklyRestoreCheck: boolean;
  /** Objectives stated in docs/operations.md; the template tests hold the design to them. */
  readonly rpoMinutes: number;
  readonly rtoMinutes: number;
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

export function resolveRecoveryConfig(config: StageConfig, read: ContextReader): RecoveryConfig {
  const raw = read(RECOVERY_CONTEXT_KEYS.copyRegion);
  const copyRegion = raw === undefined || raw === null || String(raw).trim() === '' ? undefined : String(raw).trim();
  if (copyRegion !== undefined && !REGION.test(copyRegion)) {
    throw new StageConfigError(`backupCopyRegion "${copyRegion}" is not a region name: pass e.g. --context backupCopyRegion=eu-central-1, or leave it out.`);
  }
  if (copyRegion !== undefined && copyRegion === config.env.region) {
    throw new StageConfigError(`backupCopyRegion must differ from the stage's region ${config.env.region}: a copy in the same region does not survive a regional outage.`);
  }
  const production = config.stage === 'prod';
  return {
    snapshotRetentionDays: production ? 35 : config.stage === 'uat' ? 14 : 7,
    ...(copyRegion ? { copyRegion } : {}),
    copyRetentionDays: production ? 35 : 7,
    weeklyRestoreCheck: production,
    rpoMinutes: production ? 5 : config.stage === 'uat' ? 60 : 24 * 60,
    rtoMinutes: production ? 15 : config.stage === 'uat' ? 4 * 60 : 24 * 60,
  };
}
