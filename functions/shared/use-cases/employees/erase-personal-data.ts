/**
 * Erasure of deleted employees' personal data once the stage's retention period has passed (UAE PDPL). The mirror row
 * stays, because the ledger, advances and repayments refer to it and their amounts must survive; its personal fields
 * are emptied or replaced by a pseudonym, and so is everything else that was addressed to or written about the
 * employee (the notification log, advance notes, event payloads). One audit row per erased employee says what was
 * erased, never the values.
 */

/** A deleted employee whose retention period has ended. */
export interface ErasureCandidate {
  readonly id: string;
  readonly organizationId: string;
  readonly deletedAt: Date;
}

/** What was erased for one employee: field names and row counts only. */
export interface ErasureRecord {
  readonly employeeId: string;
  readonly organizationId: string;
  readonly deletedAt: Date;
  /** Employee columns emptied or pseudonymised. */
  readonly employeeFields: readonly string[];
  /** Rows changed in related tables, by table. */
  readonly relatedRows: Readonly<Record<string, number>>;
}

/** Port: the store that holds the personal data. */
export interface PersonalDataStore {
  /**
   * Erases up to `limit` employees deleted before `deletedBefore` and not erased yet, oldest deletion first, each with
   * its audit row, in one transaction; rows another run holds are skipped. Returns what it erased.
   */
  eraseBatch(input: { deletedBefore: Date; limit: number; erasedAt: Date; runId: string; retentionDays: number }): Promise<ErasureRecord[]>;
}

export interface ErasureDeps {
  readonly store: PersonalDataStore;
  readonly now: () => Date;
}

export interface ErasureSettings {
  readonly retentionDays: number;
  /** Employees per transaction. */
  readonly batchSize: number;
  /** Batches per run: a backlog is worked off over several runs rather than in one long one. */
  readonly maxBatches: number;
  readonly runId: string;
}

export interface ErasureResult {
  readonly erased: number;
  /** True when the run stopped at `maxBatches` with more possibly due (the next run continues). */
  readonly more: boolean;
  readonly deletedBefore: string;
}

const DAY_MS = 86_400_000;

export async function erasePersonalData(deps: ErasureDeps, settings: ErasureSettings): Promise<ErasureResult> {
  const now = deps.now();
  const deletedBefore = new Date(now.getTime() - settings.retentionDays * DAY_MS);
  let erased = 0;
  for (let batch = 0; batch < settings.maxBatches; batch++) {
    const records = await deps.store.eraseBatch({
      deletedBefore,
      limit: settings.batchSize,
      erasedAt: now,
      runId: settings.runId,
      retentionDays: settings.retentionDays,
    });
    erased += records.length;
    if (records.length < settings.batchSize) return { erased, more: false, deletedBefore: deletedBefore.toISOString() };
  }
  return { erased, more: true, deletedBefore: deletedBefore.toISOString() };
}
