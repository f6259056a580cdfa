/**
 * The custom metrics the alarms and the dashboard read. Functions publish them as CloudWatch EMF through
 * Powertools Metrics (`#shared/observability`), namespace `AbhiEwa`, with the single default dimension
 * `service` = POWERTOOLS_SERVICE_NAME (set per stage by the CDK app). A metric published under another name or with
 * extra dimensions is invisible to these alarms: change both sides together.
 */
export const CUSTOM_METRICS = {
  /** 1 each time a call is refused because the breaker of an Abhi operation group is open (Count). */
  abhiCircuitOpen: 'AbhiCircuitOpen',
  /** Abhi itself answered 429 (Count): upstream pressure, alarmed. */
  abhiRateLimited: 'AbhiRateLimited',
  /** The platform's own fleet limiter refused a call before it reached Abhi (Count): back-pressure, not an Abhi fault. */
  abhiLocalLimiterRefused: 'AbhiLocalLimiterRefused',
  /** Abhi answered 5xx or the call timed out (Count). */
  abhiServerErrors: 'AbhiServerErrors',
  /** The fleet's login to Abhi failed (Count). Five consecutive failures lock the Abhi user. */
  abhiLoginFailures: 'AbhiLoginFailures',
  /** Ledger rows that disagree with Abhi after a reconciliation run (Count). */
  reconciliationMismatches: 'ReconciliationMismatches',
  /** Advances created at Abhi but not recorded locally after the workflow's deadline (Count). */
  advanceRecordingStuck: 'AdvanceRecordingStuck',
  /** An advance create whose outcome at Abhi could not be established; it is retried by reference (Count). */
  advanceOutcomeUnknown: 'AdvanceOutcomeUnknown',
  /** An advance in flight stopped waiting for Abhi after its ~30 minutes of AbhiUnavailable retries and FAILED (Count). */
  advanceAbhiWaitExhausted: 'AdvanceAbhiWaitExhausted',
  /** An advance Abhi still reports as not final after the last status poll (Count; docs/operations.md). */
  advanceStatusPollExhausted: 'AdvanceStatusPollExhausted',
  /** Approve/reject/cancel was saved but resuming the waiting workflow failed; reconciliation resumes it (Count). */
  advanceWorkflowSignalFailed: 'AdvanceWorkflowSignalFailed',
  /** Every HTTP call to Abhi (Count) and its duration (Milliseconds). */
  abhiCalls: 'AbhiCalls',
  abhiLatency: 'AbhiLatency',
  /** Abhi read cache hits and misses (Count). */
  cacheHits: 'CacheHits',
  cacheMisses: 'CacheMisses',
  /** Abhi's record under a mirrored employee id names another employee; the mirror row was not overwritten (Count). */
  mirrorIdentityMismatch: 'MirrorIdentityMismatch',
  /** Salary advances created at Abhi (Count). */
  advancesCreated: 'AdvancesCreated',
} as const;

export type CustomMetricName = (typeof CUSTOM_METRICS)[keyof typeof CUSTOM_METRICS];
