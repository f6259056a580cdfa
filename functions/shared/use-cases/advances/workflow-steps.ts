import type { Queryable } from '#shared/db/pool';
import { FINAL_STATUSES, OPEN_ADVANCE_STATUSES } from '#shared/domain/advance-status';
import {
  decideAdvance,
  evaluateAbhiEligibility,
  evaluateLocalPolicy,
  resolveAdvancePolicy,
  uaeMonth,
  uaeMonthStart,
  type Reason,
} from '#shared/domain/advance-policy';
import { filsToDecimalString, toFils, type Fils } from '#shared/domain/money';
import { logger } from '#shared/observability';
import { AbhiCallError } from '../abhi-errors';
import type { Invocation } from '../invocation';
import type { AdvanceRequestRow } from '../ports/advance-request-store';
import { abhiFor } from './abhi-advances';
import { AbhiOutcomeUnknown, RequestNotPending, describeWorkflowError, toWorkflowError } from './errors';
import type { AbhiAdvance, WorkflowTaskDeps, WorkflowTaskDepsWithoutAbhi } from './ports';
import { recordCompletedAdvance } from './record-advance';
import { deserializeStoredAdvance, serializeAdvanceForStorage } from './serialization';
import { localPolicyFacts } from './local-policy';
import { decimalToNumber } from './view';
import { WORKFLOW_ERRORS, advanceReference } from './workflow-contract';

/**
 * The steps of the advance state machine, one function per task (functions/workflow/*.ts are thin wrappers).
 * Inputs and outputs are JSON; amounts travel as decimal strings so nothing is lost to floating point. Every step
 * reads the request from the database and is safe to run twice (Step Functions retries; Lambda may redeliver).
 */
const ACTOR = 'workflow';

export interface RequestRef {
  requestId: string;
}

export interface LoadedRequest {
  requestId: string;
  organizationId: string;
  employeeId: string;
  /** Decimal text. */
  amount: string;
  status: string;
}

export interface CheckInput {
  requestId: string;
  organizationId: string;
  employeeId: string;
  amount: string;
}

export type CheckResult =
  | { check: 'abhi'; reasons: Reason[]; isValid: boolean; maxAmount: string | null; availableAmount: string | null; checkedAt: string }
  | { check: 'employee'; reasons: Reason[] }
  | { check: 'balance'; reasons: Reason[]; availableAmount: string; checkedAt: string }
  | { check: 'policy'; reasons: Reason[]; advancesThisMonth: number };

// ---- 1. load --------------------------------------------------------------------------------------------------

export async function loadRequest(deps: WorkflowTaskDepsWithoutAbhi, ctx: Invocation, input: RequestRef): Promise<LoadedRequest> {
  const row = await deps.advanceRequests.findById(deps.db, input.requestId);
  if (!row) throw new Error(`Advance request ${input.requestId} does not exist.`);
  if (row.status !== 'PENDING_VALIDATION') throw new RequestNotPending(`Advance request ${row.id} is ${row.status}.`);
  return { requestId: row.id, organizationId: row.organization_id, employeeId: row.employee_id, amount: row.amount, status: row.status };
}

// ---- 2. checks (run in parallel) ------------------------------------------------------------------------------

export async function checkAbhiEligibility(deps: WorkflowTaskDeps, ctx: Invocation, input: CheckInput): Promise<CheckResult> {
  const amountFils = toFils(input.amount);
  const checkedAt = deps.now().toISOString();
  try {
    const result = await abhiFor(deps, ctx).validateAdvance(input.employeeId, amountFils);
    const reasons = evaluateAbhiEligibility(amountFils, {
      isValid: result.isValid,
      maxAmountFils: result.maxAmountFils ?? amountFils,
      availableAmountFils: result.availableAmountFils ?? 0n,
      message: result.message ?? result.validationErrors.map((e) => e.message).join('; '),
    });
    return {
      check: 'abhi',
      reasons,
      isValid: result.isValid,
      maxAmount: result.maxAmountFils === undefined ? null : filsToDecimalString(result.maxAmountFils),
      availableAmount: result.availableAmountFils === undefined ? null : filsToDecimalString(result.availableAmountFils),
      checkedAt,
    };
  } catch (error) {
    // Abhi refusing the validation itself (e.g. it does not know the employee) is an answer, not an outage.
    if (error instanceof AbhiCallError && error.kind === 'rejected') {
      return {
        check: 'abhi',
        reasons: [{ code: 'ABHI_NOT_ELIGIBLE', source: 'abhi', message: error.details.abhiMessage || 'Abhi refused to validate this advance.' }],
        isValid: false,
        maxAmount: null,
        availableAmount: null,
        checkedAt,
      };
    }
    throw toWorkflowError(error);
  }
}

export async function checkEmployee(deps: WorkflowTaskDepsWithoutAbhi, ctx: Invocation, input: CheckInput): Promise<CheckResult> {
  const employee = await deps.advanceRequests.employeeContext(deps.db, input.employeeId);
  const reasons: Reason[] = [];
  if (!employee || employee.deleted) {
    reasons.push({ code: 'EMPLOYEE_NOT_FOUND', source: 'employee', message: 'The employee no longer exists.' });
  } else {
    if (employee.organization_id !== input.organizationId) {
      reasons.push({ code: 'EMPLOYEE_NOT_IN_ORGANIZATION', source: 'employee', message: 'The employee does not belong to the organization of the request.' });
    }
    if (employee.employee_status.toLowerCase() !== 'active' || !employee.organization_active) {
      reasons.push({ code: 'EMPLOYEE_INACTIVE', source: 'employee', message: `The employee is ${employee.employee_status}${employee.organization_active ? '' : ' (organization inactive)'}.` });
    }
  }
  return { check: 'employee', reasons };
}

export async function checkBalance(deps: WorkflowTaskDeps, ctx: Invocation, input: CheckInput): Promise<CheckResult> {
  const checkedAt = deps.now().toISOString();
  const { month, year } = uaeMonth(deps.now());
  try {
    const balance = await abhiFor(deps, ctx).monthlyBalance(input.employeeId, month, year);
    return { check: 'balance', reasons: [], availableAmount: filsToDecimalString(balance.availableFils), checkedAt };
  } catch (error) {
    if (error instanceof AbhiCallError && error.kind === 'rejected') {
      return {
        check: 'balance',
        reasons: [{ code: 'INSUFFICIENT_AVAILABLE_AMOUNT', source: 'balance', message: error.details.abhiMessage || 'Abhi has no balance for this employee.' }],
        availableAmount: '0.00',
        checkedAt,
      };
    }
    throw toWorkflowError(error);
  }
}

export async function checkPolicy(deps: WorkflowTaskDepsWithoutAbhi, ctx: Invocation, input: CheckInput): Promise<CheckResult> {
  const employee = await deps.advanceRequests.employeeContext(deps.db, input.employeeId);
  if (!employee) return { check: 'policy', reasons: [], advancesThisMonth: 0 };
  const policy = resolveAdvancePolicy(employee.advance_policy);
  const now = deps.now();
  const facts = await localPolicyFacts(deps, employee, toFils(input.amount), now, input.requestId);
  return { check: 'policy', reasons: evaluateLocalPolicy(policy, facts), advancesThisMonth: facts.advancesThisMonth };
}

// ---- 3. decide ------------------------------------------------------------------------------------------------

export type DecideOutput =
  | { outcome: 'REJECT'; reasons: Reason[] }
  | { outcome: 'APPROVAL_REQUIRED'; approvalTimeoutSeconds: number }
  | { outcome: 'AUTO_APPROVE' }
  | { outcome: 'STOP'; status: string };

/**
 * Takes the decision under the employee's advisory lock: the monthly count and the money other requests reserved
 * are read inside the lock, so two concurrent requests can never together exceed what Abhi says is available.
 * On success the request holds its reservation (`reserved_at`) until it ends.
 */
export async function decide(deps: WorkflowTaskDepsWithoutAbhi, ctx: Invocation, input: RequestRef & { checks: CheckResult[] }): Promise<DecideOutput> {
  const checks = input.checks ?? [];
  const abhi = checks.find((c) => c.check === 'abhi') as Extract<CheckResult, { check: 'abhi' }> | undefined;
  const balance = checks.find((c) => c.check === 'balance') as Extract<CheckResult, { check: 'balance' }> | undefined;
  if (!abhi || !balance) throw new Error('Decide needs the Abhi and balance check results.');

  const { output, eventIds } = await deps.transaction(async (db) => {
    const row = await deps.advanceRequests.findById(db, input.requestId, { forUpdate: true });
    if (!row) throw new Error(`Advance request ${input.requestId} does not exist.`);
    if (row.status !== 'PENDING_VALIDATION') return { output: { outcome: 'STOP', status: row.status } as DecideOutput, eventIds: [] };
    await deps.advanceRequests.lockEmployee(db, row.employee_id);

    const employee = await deps.advanceRequests.employeeContext(db, row.employee_id);
    const policy = resolveAdvancePolicy(employee?.advance_policy);
    const now = deps.now();
    const advancesThisMonth = await deps.advanceRequests.countSince(db, row.employee_id, uaeMonthStart(now), row.id);
    const reasons: Reason[] = checks.flatMap((c) => c.reasons).filter((r) => r.code !== 'MONTHLY_ADVANCE_LIMIT_REACHED');
    if (advancesThisMonth >= policy.maxAdvancesPerMonth) {
      reasons.push({
        code: 'MONTHLY_ADVANCE_LIMIT_REACHED',
        source: 'policy',
        message: `At most ${policy.maxAdvancesPerMonth} advance(s) per month are allowed and ${advancesThisMonth} already exist this month.`,
      });
    }
    const candidates: Fils[] = [toFils(balance.availableAmount)];
    if (abhi.availableAmount !== null) candidates.push(toFils(abhi.availableAmount));
    const availableFils = candidates.reduce((a, b) => (b < a ? b : a));
    const snapshotAt = new Date(Math.min(Date.parse(abhi.checkedAt), Date.parse(balance.checkedAt)));
    const reservedFils = toFils(await deps.advanceRequests.reservedAmount(db, row.employee_id, row.id, snapshotAt));
    const decision = decideAdvance({ policy, amountFils: toFils(row.amount), reasons, availableFils, reservedFils });

    if (decision.outcome === 'REJECT') {
      const updated = await deps.advanceRequests.transition(db, {
        id: row.id,
        from: ['PENDING_VALIDATION'],
        to: 'REJECTED',
        actor: ACTOR,
        reason: decision.reasons.map((r) => r.message).join(' '),
        changes: { reasons: decision.reasons },
      });
      const event = await deps.events.record(db, {
        type: 'transaction.advance.rejected',
        organizationId: row.organization_id,
        correlationId: row.id,
        payload: { requestId: row.id, employeeId: row.employee_id, amount: decimalToNumber(row.amount), reasons: decision.reasons.map((r) => r.message) },
      });
      return { output: { outcome: 'REJECT', reasons: [...decision.reasons] } as DecideOutput, eventIds: updated ? [event.id] : [] };
    }
    if (decision.outcome === 'APPROVAL_REQUIRED') {
      await deps.advanceRequests.update(db, row.id, { reserved_at: 'now()', approval_required: true }, ['PENDING_VALIDATION']);
      return { output: { outcome: 'APPROVAL_REQUIRED', approvalTimeoutSeconds: decision.approvalTimeoutSeconds } as DecideOutput, eventIds: [] };
    }
    await deps.advanceRequests.transition(db, {
      id: row.id,
      from: ['PENDING_VALIDATION'],
      to: 'PROCESSING',
      actor: ACTOR,
      reason: 'checks passed; approved automatically',
      changes: { reserved_at: 'now()', approval_required: false },
    });
    return { output: { outcome: 'AUTO_APPROVE' } as DecideOutput, eventIds: [] };
  });
  await deps.events.publish(eventIds);
  return output;
}

// ---- 4. approval ----------------------------------------------------------------------------------------------

/**
 * The `.waitForTaskToken` task: stores the token on the request (PENDING_APPROVAL, with its expiry) and asks the
 * finance managers through the outbox. A repeated invocation (Lambda retry) replaces the token with the new one.
 */
export async function requestApproval(
  deps: WorkflowTaskDepsWithoutAbhi,
  ctx: Invocation,
  input: RequestRef & { taskToken: string; approvalTimeoutSeconds: number },
): Promise<{ status: string }> {
  const seconds = Math.max(1, Math.floor(Number(input.approvalTimeoutSeconds) || 0));
  const { eventIds } = await deps.transaction(async (db) => {
    const row = await deps.advanceRequests.findById(db, input.requestId, { forUpdate: true });
    if (!row) throw new Error(`Advance request ${input.requestId} does not exist.`);
    if (row.status === 'PENDING_APPROVAL') {
      await deps.advanceRequests.update(db, row.id, { task_token: input.taskToken }, ['PENDING_APPROVAL']);
      return { eventIds: [] };
    }
    const updated = await deps.advanceRequests.transition(db, {
      id: row.id,
      from: ['PENDING_VALIDATION'],
      to: 'PENDING_APPROVAL',
      actor: ACTOR,
      reason: `above the approval threshold; waiting up to ${formatDuration(seconds)}`,
      changes: { task_token: input.taskToken, approval_expires_at: new Date(deps.now().getTime() + seconds * 1000) },
    });
    if (!updated) throw new RequestNotPending(`Advance request ${row.id} is ${row.status}; no approval needed.`);
    const event = await deps.events.record(db, {
      type: 'transaction.advance.approval_requested',
      organizationId: updated.organization_id,
      correlationId: updated.id,
      payload: {
        requestId: updated.id,
        employeeId: updated.employee_id,
        amount: decimalToNumber(updated.amount),
        requestedBy: updated.requested_by,
        expiresAt: updated.approval_expires_at ? new Date(updated.approval_expires_at).toISOString() : null,
        approverRoles: ['finance_manager', 'admin'],
      },
    });
    return { eventIds: [event.id] };
  });
  await deps.events.publish(eventIds);
  return { status: 'PENDING_APPROVAL' };
}

export type ResolveOutput = { outcome: 'PROCEED' } | { outcome: 'EXPIRED' } | { outcome: 'STOP'; status: string };

/**
 * Runs when the approval wait ends, however it ended (task success, SendTaskFailure, timeout, error): the request
 * row says what happened. Still pending after the timeout → EXPIRED (reservation released).
 */
export async function resolveApproval(deps: WorkflowTaskDepsWithoutAbhi, ctx: Invocation, input: RequestRef & { signal?: unknown }): Promise<ResolveOutput> {
  const signal = (input.signal ?? {}) as { Error?: unknown; Cause?: unknown };
  const timedOut = signal.Error === 'States.Timeout';
  const { output, eventIds } = await deps.transaction(async (db) => {
    const row = await deps.advanceRequests.findById(db, input.requestId, { forUpdate: true });
    if (!row) throw new Error(`Advance request ${input.requestId} does not exist.`);
    if (row.status === 'PROCESSING') {
      await deps.advanceRequests.update(db, row.id, { task_token: null });
      return { output: { outcome: 'PROCEED' } as ResolveOutput, eventIds: [] };
    }
    if (row.status !== 'PENDING_APPROVAL' && row.status !== 'PENDING_VALIDATION') {
      if (row.task_token) await deps.advanceRequests.update(db, row.id, { task_token: null });
      return { output: { outcome: 'STOP', status: row.status } as ResolveOutput, eventIds: [] };
    }
    const expired = row.status === 'PENDING_APPROVAL' && (timedOut || (row.approval_expires_at !== null && new Date(row.approval_expires_at) <= deps.now()));
    if (expired) {
      const updated = await deps.advanceRequests.transition(db, {
        id: row.id,
        from: ['PENDING_APPROVAL'],
        to: 'EXPIRED',
        actor: ACTOR,
        reason: 'no decision before the approval window closed',
        changes: { task_token: null, reasons: [{ code: 'APPROVAL_EXPIRED', source: 'approver', message: 'No approver decided before the approval window closed.' }] },
      });
      const event = await deps.events.record(db, {
        type: 'transaction.advance.expired',
        organizationId: row.organization_id,
        correlationId: row.id,
        payload: { requestId: row.id, employeeId: row.employee_id, amount: decimalToNumber(row.amount) },
      });
      return { output: { outcome: 'EXPIRED' } as ResolveOutput, eventIds: updated ? [event.id] : [] };
    }
    // The wait failed for another reason (the approval task itself broke): fail the request with that reason.
    const { error, message } = describeWorkflowError(signal);
    const failed = await failRequest(deps, db, row, [{ code: 'WORKFLOW_ERROR', source: 'system', message: `Approval step failed (${error}): ${message}` }]);
    return { output: { outcome: 'STOP', status: 'FAILED' } as ResolveOutput, eventIds: failed };
  });
  await deps.events.publish(eventIds);
  return output;
}

// ---- 5. create at Abhi exactly once ---------------------------------------------------------------------------

export interface CreateOutput {
  abhiTransactionId: string;
  /** How the advance was obtained: created now, found by reference after an unknown outcome, or already known. */
  via: 'created' | 'found' | 'known';
}

/**
 * Creates the advance at Abhi at most once. Every attempt after the first looks the advance up by our reference
 * before creating, so a timeout or a dropped response after Abhi committed never leads to a second advance.
 * The attempt counter is committed before the call is sent (once it has its rate slot, see below), so even a crash
 * mid-call makes the next attempt look first.
 */
export async function createAdvance(deps: WorkflowTaskDeps, ctx: Invocation, input: RequestRef): Promise<CreateOutput> {
  const row = await deps.advanceRequests.findById(deps.db, input.requestId);
  if (!row) throw new Error(`Advance request ${input.requestId} does not exist.`);
  if (row.abhi_transaction_id) return { abhiTransactionId: row.abhi_transaction_id, via: 'known' };
  if (row.status !== 'PROCESSING') throw new RequestNotPending(`Advance request ${row.id} is ${row.status}; nothing to create.`);
  const reference = row.abhi_reference ?? advanceReference(row.id);

  if (row.abhi_create_attempts > 0) {
    // A lookup right after a lost answer can miss a create Abhi is still committing: let it settle first.
    const settleUntil = (row.abhi_create_last_at ? new Date(row.abhi_create_last_at).getTime() : 0) + deps.settings.lookupSettleMs;
    const wait = settleUntil - deps.now().getTime();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    let found: AbhiAdvance | undefined;
    try {
      found = await abhiFor(deps, ctx).findAdvanceByReference({ employeeId: row.employee_id, reference });
    } catch (error) {
      // Without an answer we must not create: try again later (the lookup is the guard).
      if (error instanceof AbhiCallError && error.kind === 'unavailable') throw toWorkflowError(error);
      throw new AbhiOutcomeUnknown(`Looking up ${reference} at Abhi failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (found) {
      await storeAbhiAdvance(deps, row, found);
      deps.metrics.count('AdvanceOutcomeResolvedByLookup');
      logger.info('Advance found at Abhi by reference after an unknown outcome', { requestId: row.id, abhiTransactionId: found.id });
      return { abhiTransactionId: found.id, via: 'found' };
    }
  }

  // Counted when the create has its fleet rate slot, right before it is sent: the settle time above runs from about
  // the send, and a create refused for want of a slot (nothing sent) does not cost the next attempt a settle and a
  // lookup.
  const countAttempt = async () => {
    const counted = await deps.advanceRequests.update(
      deps.db,
      row.id,
      { abhi_create_attempts: row.abhi_create_attempts + 1, abhi_create_last_at: 'now()' },
      ['PROCESSING'],
    );
    if (!counted) throw new RequestNotPending(`Advance request ${row.id} left PROCESSING.`);
  };
  let created: AbhiAdvance;
  try {
    created = await abhiFor(deps, ctx).createAdvance({
      employeeId: row.employee_id,
      amountFils: toFils(row.amount),
      description: row.description ?? undefined,
      reference,
      beforeSend: countAttempt,
    });
  } catch (error) {
    throw toWorkflowError(error, { write: true });
  }
  await storeAbhiAdvance(deps, row, created);
  return { abhiTransactionId: created.id, via: 'created' };
}

async function storeAbhiAdvance(deps: Pick<WorkflowTaskDeps, 'db' | 'advanceRequests'>, row: AdvanceRequestRow, advance: AbhiAdvance): Promise<void> {
  try {
    await deps.advanceRequests.update(deps.db, row.id, {
      abhi_transaction_id: advance.id,
      abhi_transaction: serializeAdvanceForStorage(advance),
      abhi_status: advance.status ?? null,
      abhi_status_at: 'now()',
    });
  } catch (error) {
    // Abhi holds the advance but we could not note it: the next attempt finds it by reference.
    throw new AbhiOutcomeUnknown(`Abhi created ${advance.id} but storing its id failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

// ---- 6. record ------------------------------------------------------------------------------------------------

export async function recordAdvance(deps: WorkflowTaskDepsWithoutAbhi, ctx: Invocation, input: RequestRef): Promise<{ status: string; recorded: boolean }> {
  const row = await deps.advanceRequests.findById(deps.db, input.requestId);
  if (!row) throw new Error(`Advance request ${input.requestId} does not exist.`);
  if (row.status === 'COMPLETED') return { status: row.status, recorded: false };
  if (!row.abhi_transaction_id || !row.abhi_transaction) throw new Error(`Advance request ${row.id} has no Abhi transaction to record.`);
  const result = await recordCompletedAdvance(deps, { requestId: row.id, advance: deserializeStoredAdvance(row.abhi_transaction), actor: ACTOR });
  if (result.recorded) deps.metrics.count('AdvancesCreated');
  return { status: result.status, recorded: result.recorded };
}

// ---- 7. failure paths -----------------------------------------------------------------------------------------

export type FailureOutput = { outcome: 'FAILED' } | { outcome: 'RECORD' } | { outcome: 'NOOP'; status: string };

/**
 * The catch-all of the state machine: FAILED with the reason, unless Abhi already holds the advance (then the
 * state machine records it instead) or the request already ended (then nothing changes).
 */
export async function recordFailure(deps: WorkflowTaskDepsWithoutAbhi, ctx: Invocation, input: RequestRef & { error?: { Error?: unknown; Cause?: unknown } }): Promise<FailureOutput> {
  const { error, message } = describeWorkflowError(input.error);
  const { output, eventIds } = await deps.transaction(async (db) => {
    const row = await deps.advanceRequests.findById(db, input.requestId, { forUpdate: true });
    if (!row) throw new Error(`Advance request ${input.requestId} does not exist.`);
    if (row.abhi_transaction_id) return { output: (row.status === 'COMPLETED' ? { outcome: 'NOOP', status: row.status } : { outcome: 'RECORD' }) as FailureOutput, eventIds: [] };
    if ((FINAL_STATUSES as readonly string[]).includes(row.status)) return { output: { outcome: 'NOOP', status: row.status } as FailureOutput, eventIds: [] };
    if (error === WORKFLOW_ERRORS.requestNotPending) return { output: { outcome: 'NOOP', status: row.status } as FailureOutput, eventIds: [] };
    const reason = failureReason(error, message, row);
    if (reason.code === 'ABHI_OUTCOME_UNKNOWN') deps.metrics.count('AdvanceOutcomeUnknown');
    const ids = await failRequest(deps, db, row, [reason]);
    return { output: { outcome: 'FAILED' } as FailureOutput, eventIds: ids };
  });
  // AbhiUnavailable reaches this catch only once its retries (about 30 minutes of backoff) are used up: the workflow
  // stopped waiting for Abhi. Alarmed (docs/operations.md, "An advance gave up waiting for Abhi").
  if (output.outcome === 'FAILED' && error === WORKFLOW_ERRORS.abhiUnavailable) {
    deps.metrics.count('AdvanceAbhiWaitExhausted');
    logger.error('Advance gave up waiting for Abhi after its retries', { requestId: input.requestId });
  }
  await deps.events.publish(eventIds);
  return output;
}

function failureReason(error: string, message: string, row: AdvanceRequestRow): Reason | { code: string; source: string; message: string } {
  if (error === WORKFLOW_ERRORS.abhiRejected) return { code: 'ABHI_REJECTED', source: 'abhi', message: message || 'Abhi refused the advance.' };
  if (error === WORKFLOW_ERRORS.abhiOutcomeUnknown || (row.abhi_create_attempts > 0 && (error === WORKFLOW_ERRORS.transient || error === WORKFLOW_ERRORS.abhiUnavailable))) {
    return {
      code: 'ABHI_OUTCOME_UNKNOWN',
      source: 'abhi',
      message: 'Abhi could not confirm the advance after repeated attempts; reconciliation completes it if Abhi has it.',
    };
  }
  if (error === WORKFLOW_ERRORS.transient || error === WORKFLOW_ERRORS.abhiUnavailable || error === 'States.Timeout') {
    return { code: 'DEPENDENCY_UNAVAILABLE', source: 'system', message: `A dependency stayed unavailable: ${message}` };
  }
  return { code: 'WORKFLOW_ERROR', source: 'system', message: `${error}: ${message}` };
}

async function failRequest(
  deps: WorkflowTaskDepsWithoutAbhi,
  db: Queryable,
  row: AdvanceRequestRow,
  reasons: { code: string; source: string; message: string }[],
): Promise<string[]> {
  const updated = await deps.advanceRequests.transition(db, {
    id: row.id,
    from: OPEN_ADVANCE_STATUSES,
    to: 'FAILED',
    actor: ACTOR,
    reason: reasons.map((r) => r.message).join(' '),
    changes: { reasons, task_token: null },
    onlyIf: 'not-at-abhi',
  });
  if (!updated) return [];
  const event = await deps.events.record(db, {
    type: 'transaction.advance.failed',
    organizationId: row.organization_id,
    correlationId: row.id,
    payload: { requestId: row.id, employeeId: row.employee_id, amount: decimalToNumber(row.amount), reasons: reasons.map((r) => r.message) },
  });
  return [event.id];
}

/**
 * Recording kept failing although Abhi holds the advance: raise the alarm (EMF metric AdvanceRecordingStuck) and
 * mark the request, which stays PROCESSING with Abhi's id so reconciliation completes it. Never loses it.
 */
export async function raiseRecordingStuck(deps: WorkflowTaskDepsWithoutAbhi, ctx: Invocation, input: RequestRef & { error?: { Error?: unknown; Cause?: unknown } }): Promise<{ raised: true }> {
  deps.metrics.count('AdvanceRecordingStuck');
  const { error, message } = describeWorkflowError(input.error);
  logger.error('Advance created at Abhi but not recorded; reconciliation will complete it', { requestId: input.requestId, error, message });
  try {
    await deps.advanceRequests.update(deps.db, input.requestId, { recording_stuck_at: 'now()' });
  } catch (markError) {
    // The database is what failed; the metric and the log line are the alarm.
    logger.error('Could not mark the stuck advance', { requestId: input.requestId, error: markError as Error });
  }
  return { raised: true };
}

function formatDuration(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds >= 3600) return `${(seconds / 3600).toFixed(1)} h`;
  return `${seconds} s`;
}

