/**
 * Port: where background jobs keep their status and per-item results (the DynamoDB state table in practice,
 * `#shared/adapters/sqs/jobs`).
 */
export interface JobItemError {
  code: string;
  message: string;
  fields?: { field: string; message: string }[];
}

export interface JobItemResult {
  index: number;
  status: 'succeeded' | 'failed';
  /** The row's business key (employee code) when it had one. */
  reference: string | null;
  resourceId: string | null;
  error: JobItemError | null;
  updatedAt?: string | null;
}

export interface NewJob {
  id: string;
  type: string;
  organizationId: string | null;
  createdBy: string;
  total: number;
  /** Business key of every row, by index (null when the row had none). */
  references: (string | null)[];
  /** Rows that failed before being queued (validation). */
  rejected: JobItemResult[];
}

export interface JobRecord {
  id: string;
  type: string;
  organizationId: string | null;
  createdBy: string;
  total: number;
  succeeded: number;
  failed: number;
  references: (string | null)[];
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
  expiresAt: string;
}

export interface JobStore {
  create(job: NewJob): Promise<void>;
  /**
   * Records the final result of one row; `duplicate` when that row already has one (redelivery), `no-job` when the
   * job does not exist (expired after 30 days, or a stray message).
   */
  recordItem(jobId: string, item: JobItemResult): Promise<'recorded' | 'duplicate' | 'no-job'>;
  hasItem(jobId: string, index: number): Promise<boolean>;
  /**
   * Claims a row for processing for `leaseSeconds` (an SQS redelivery of a row still being worked on must not run it
   * twice). `done`: the row has its result; `busy`: another worker holds an unexpired claim.
   */
  claimItem(jobId: string, index: number, owner: string, leaseSeconds: number): Promise<'claimed' | 'done' | 'busy'>;
  /** `claimItem` for several rows of one job in one request; keyed by row index. */
  claimItems(jobId: string, indexes: readonly number[], owner: string, leaseSeconds: number): Promise<Map<number, 'claimed' | 'done' | 'busy'>>;
  /** Gives a claim back early (the attempt failed and the row should be retried). */
  releaseItem(jobId: string, index: number, owner: string): Promise<void>;
  get(jobId: string): Promise<JobRecord | undefined>;
  /** Recorded item results in row order; `range` limits them to rows `from`..`to` (inclusive). */
  listItems(jobId: string, range?: { from: number; to: number }): Promise<JobItemResult[]>;
}
