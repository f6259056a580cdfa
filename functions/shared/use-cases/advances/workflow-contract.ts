/**
 * The contract between the advance state machine (infra/constructs/advance-workflow.ts), its task functions
 * (functions/workflow/*.ts) and the API handlers that answer its task tokens. No runtime imports: the CDK app and
 * the local Step Functions runner load this file too.
 */

/** Each task of the state machine and the Lambda entry (relative to `functions/`) that implements it. */
export const ADVANCE_WORKFLOW_TASKS = {
  loadRequest: 'workflow/load-request',
  checkAbhiEligibility: 'workflow/check-abhi-eligibility',
  checkEmployee: 'workflow/check-employee',
  checkBalance: 'workflow/check-balance',
  checkPolicy: 'workflow/check-policy',
  decide: 'workflow/decide',
  requestApproval: 'workflow/request-approval',
  resolveApproval: 'workflow/resolve-approval',
  createAdvance: 'workflow/create-advance',
  recordAdvance: 'workflow/record-advance',
  recordFailure: 'workflow/record-failure',
  raiseRecordingStuck: 'workflow/raise-recording-stuck',
} as const;

export type AdvanceTaskName = keyof typeof ADVANCE_WORKFLOW_TASKS;
export const ADVANCE_TASK_NAMES = Object.keys(ADVANCE_WORKFLOW_TASKS) as AdvanceTaskName[];

/**
 * Error names the task functions throw (a Lambda error's `errorType` is the error's `name`) and the state machine's
 * Retry/Catch rules match, plus the errors the API sends with SendTaskFailure.
 */
export const WORKFLOW_ERRORS = {
  /** A dependency failed in a way that is safe to retry (database busy, Abhi 429/503 before anything happened). */
  transient: 'TransientError',
  /** Abhi refused to be called just now (circuit open, rate limited): nothing happened; back off longer. */
  abhiUnavailable: 'AbhiUnavailable',
  /** A call to create the advance may or may not have reached Abhi: look it up before trying again. */
  abhiOutcomeUnknown: 'AbhiOutcomeUnknown',
  /** Abhi refused the advance (4xx): final, never retried. */
  abhiRejected: 'AbhiRejected',
  /** The request left the state this step expects (cancelled meanwhile): end quietly. */
  requestNotPending: 'RequestNotPending',
  /** SendTaskFailure errors of the approval step. */
  approvalRejected: 'AdvanceRejected',
  approvalCancelled: 'AdvanceCancelled',
} as const;

/** The execution input: the request id is also the execution name, so a repeated start is a no-op. */
export interface AdvanceExecutionInput {
  readonly requestId: string;
}

/** What the approve/reject/cancel handlers send with SendTaskSuccess (the database row is the source of truth). */
export interface ApprovalSignal {
  readonly signal: 'approved';
  readonly actor: string;
}

/** Our reference for an advance at Abhi, derived from the request id (the exactly-once lookup key). */
export function advanceReference(requestId: string): string {
  return `ADV-${requestId}`;
}

/** The request id of an advance reference, or undefined when the reference is not one of ours. */
export function requestIdFromReference(reference: string | undefined | null): string | undefined {
  const match = /^ADV-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i.exec(reference?.trim() ?? '');
  return match?.[1]?.toLowerCase();
}
