import type { CallOptions } from '#shared/abhi/client';

/**
 * What one invocation (an API request, a workflow task, a queued message) allows the work it starts downstream.
 * The handler builds it (#shared/wiring/invocation) and passes it to the use case, which passes it on to every Abhi
 * call: nothing reads it from ambient state.
 */
export interface Invocation {
  /** Request id (or job, run or advance request id): the events' correlation id and Abhi's X-Correlation-Id. */
  readonly correlationId: string;
  /** Epoch ms after which calls to Abhi give up (see `deadlineFrom`). */
  readonly deadline: number;
  /**
   * How the invocation's Abhi calls wait for the fleet's rate (ADR 0018): `interactive` (a caller is waiting: a short
   * wait, then 503), `patient` (a workflow task: queues for a slot for most of its run instead of failing and sleeping
   * in a Step Functions retry), `bulk` (queued background work: leaves the interactive reserve alone).
   */
  readonly patience: 'interactive' | 'patient' | 'bulk';
}

/**
 * The one deadline policy: the Lambda's remaining time less what the invocation keeps back to finish after its last
 * Abhi call, never less than one short attempt.
 */
export const DEADLINE_RESERVES_MS = {
  /** An API request: record the outcome and answer (API Gateway gives up at 29 s). */
  answer: 1_500,
  /** A workflow task: record its step and return its output to Step Functions. */
  task: 1_500,
  /** A queue batch: record each message's result and publish the batch's events before the visibility timeout. */
  batch: 2_000,
} as const;

/** However little time is left, an Abhi call gets this long (it may still be cut short by the Lambda timeout). */
export const MIN_ABHI_BUDGET_MS = 1_000;

export function deadlineFrom(remainingMs: number, reserve: keyof typeof DEADLINE_RESERVES_MS, now = Date.now()): number {
  return now + Math.max(MIN_ABHI_BUDGET_MS, remainingMs - DEADLINE_RESERVES_MS[reserve]);
}

/** What a patient invocation keeps back from its wait for a rate slot, beyond one Abhi attempt. */
const PATIENT_RESERVE_MS = 1_000;
/** A patient invocation waits at least this long for a rate slot (the client's own short wait). */
const MIN_PATIENT_WAIT_MS = 2_000;

/**
 * The Abhi client's CallOptions for a call made on behalf of `invocation`. `attemptMs` (the client's per-attempt
 * timeout) bounds a patient wait: the call still has one attempt and a reserve after its slot comes.
 */
export function abhiCallOptions(invocation: Invocation, extra: { bypassCache?: boolean; attemptMs?: number } = {}): CallOptions {
  const { attemptMs = 0, ...rest } = extra;
  return {
    deadline: invocation.deadline,
    correlationId: invocation.correlationId,
    ...(invocation.patience === 'bulk' ? { priority: 'bulk' as const } : {}),
    ...(invocation.patience === 'patient'
      ? { maxRateLimitWaitMs: Math.max(MIN_PATIENT_WAIT_MS, invocation.deadline - Date.now() - attemptMs - PATIENT_RESERVE_MS) }
      : {}),
    ...rest,
  };
}
