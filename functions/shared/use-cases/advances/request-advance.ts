import { randomUUID } from 'node:crypto';
import type { Principal } from '#shared/auth/principal';
import { assertCanAccessEmployee } from '#shared/auth/tenant';
import { AdvanceRefusedError, AppError, MfaRequiredError, NotFoundError, UpstreamError, type FieldError } from '#shared/domain/errors';
import {
  evaluateLocalPolicy,
  requiresMfa,
  resolveAdvancePolicy,
  uaeMonth,
  type AdvancePolicy,
  type Reason,
} from '#shared/domain/advance-policy';
import { FINAL_STATUSES } from '#shared/domain/advance-status';
import { filsToDecimalString, filsToNumber, toFils, type Fils } from '#shared/domain/money';
import type { Route } from '#shared/routes';
import type { AdvanceView, RequestAdvanceBody } from '#shared/schemas/transactions';
import type { EmployeeAdvanceContext } from '../ports/advance-request-store';
import { balanceCacheKey, netOfRequests, type CachedBalance } from './balance-cache';
import type { TransactionDeps } from './ports';
import { localPolicyFacts } from './local-policy';
import { loadAdvanceView } from './view';
import { advanceReference } from './workflow-contract';

export interface RequestAdvanceCommand {
  principal: Principal;
  route: Pick<Route, 'roles'>;
  body: RequestAdvanceBody;
  idempotencyKey: string;
  correlationId: string;
  /** Counts the advance against the employee's hourly quota (throws 429 when used up); called once recorded. */
  chargeQuota: (employeeId: string) => Promise<void>;
}

/**
 * Refuses, before anything is recorded or started, what can be decided here (ADR 0018): an inactive employee or
 * organization, the organization's policy (maximum amount, monthly count, employment period, payroll window) and an
 * amount above the balance we already know (Abhi's figure cached by the balance route, net of open requests). Abhi
 * is not called: what needs Abhi stays in the workflow, which re-checks everything under the employee's lock.
 */
async function refuseWhatIsDecidable(deps: TransactionDeps, employee: EmployeeAdvanceContext, policy: AdvancePolicy, amountFils: Fils): Promise<void> {
  const reasons: Reason[] = [];
  if (employee.employee_status.toLowerCase() !== 'active' || !employee.organization_active) {
    reasons.push({ code: 'EMPLOYEE_INACTIVE', source: 'employee', message: `The employee is ${employee.employee_status}${employee.organization_active ? '' : ' (organization inactive)'}.` });
  }
  const now = deps.now();
  reasons.push(...evaluateLocalPolicy(policy, await localPolicyFacts(deps, employee, amountFils, now)));
  const { year, month } = uaeMonth(now);
  // A cache that cannot be read is no reason to refuse: the workflow asks Abhi anyway.
  const cached = await deps.cache.get<CachedBalance>(balanceCacheKey(employee.employee_id, year, month)).catch(() => undefined);
  if (cached) {
    // The same figure the balance route shows, so what it calls available is never refused here.
    const { availableFils: available, openCount } = await netOfRequests(deps, employee.employee_id, cached, true);
    if (amountFils > available) {
      reasons.push({
        code: 'INSUFFICIENT_AVAILABLE_AMOUNT',
        source: 'balance',
        message: `Only AED ${filsToNumber(available).toFixed(2)} is available${openCount ? ' after the requests already made' : ''}.`,
      });
    }
  }
  if (reasons.length > 0) throw refusal('The advance cannot be granted.', reasons);
}

/** Which request field a refusal reason is about (the problem's `errors[].field`). */
function reasonField(code: string): string {
  switch (code) {
    case 'AMOUNT_ABOVE_POLICY_MAXIMUM':
    case 'AMOUNT_ABOVE_ABHI_MAXIMUM':
    case 'INSUFFICIENT_AVAILABLE_AMOUNT':
    case 'ABHI_REJECTED':
      return 'body.amount';
    default:
      return 'body.employeeId';
  }
}

function refusal(message: string, reasons: readonly { code: string; message: string }[]): AdvanceRefusedError {
  const errors: FieldError[] = reasons.map((r) => ({ field: reasonField(r.code), message: `${r.code}: ${r.message}` }));
  return new AdvanceRefusedError(message, errors);
}

/**
 * Records the advance request (PENDING_VALIDATION, history row, `transaction.advance.requested` in the outbox, in
 * one transaction) and starts the workflow named after the request. Repeating the call with the same
 * Idempotency-Key returns the same request and starts nothing new.
 */
export async function requestAdvance(deps: TransactionDeps, command: RequestAdvanceCommand): Promise<AdvanceView> {
  const { principal, body } = command;
  const employee = await deps.advanceRequests.employeeContext(deps.db, body.employeeId);
  if (!employee) {
    // An employee-only caller asking for someone else learns nothing either way.
    throw new NotFoundError('Employee');
  }
  await assertCanAccessEmployee(principal, { id: employee.employee_id, organizationId: employee.organization_id }, undefined, command.route);
  if (employee.deleted) throw new NotFoundError('Employee');

  const amountFils = toFils(body.amount);
  const policy = resolveAdvancePolicy(employee.advance_policy);
  if (requiresMfa(policy, amountFils) && !principal.mfa) {
    throw new MfaRequiredError(`Advances above AED ${policy.mfaThreshold} require a token obtained with multi-factor authentication.`);
  }

  // A retry of a request already recorded answers with that request (whatever its checks say now).
  if (!(await deps.advanceRequests.findByIdempotencyKey(deps.db, principal.subject, command.idempotencyKey))) {
    await refuseWhatIsDecidable(deps, employee, policy, amountFils);
  }

  const id = randomUUID();
  const { row, created, eventIds } = await deps.transaction(async (db) => {
    const result = await deps.advanceRequests.insert(db, {
      id,
      organizationId: employee.organization_id,
      employeeId: employee.employee_id,
      requestedBy: principal.subject,
      idempotencyKey: command.idempotencyKey,
      amount: filsToDecimalString(amountFils),
      description: body.description ?? null,
      abhiReference: advanceReference(id),
    });
    if (!result.created) return { ...result, eventIds: [] as string[] };
    // Only a request accepted and recorded counts (a 429 here rolls the insert back): refusals cannot lock the
    // employee out, and a retry of a recorded request (same key) is not counted twice.
    await command.chargeQuota(employee.employee_id);
    await deps.advanceRequests.addHistory(db, result.row.id, 'PENDING_VALIDATION', principal.subject, 'requested');
    const event = await deps.events.record(db, {
      type: 'transaction.advance.requested',
      organizationId: employee.organization_id,
      correlationId: command.correlationId,
      payload: {
        requestId: result.row.id,
        employeeId: employee.employee_id,
        amount: body.amount,
        requestedBy: principal.subject,
      },
    });
    return { ...result, eventIds: [event.id] };
  });
  if (!created && (row.employee_id !== employee.employee_id || toFils(row.amount) !== amountFils)) {
    throw new AppError(422, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used for a different advance request.');
  }
  await deps.events.publish(eventIds);

  let current = row;
  if (row.status === 'PENDING_VALIDATION') {
    let executionArn: string;
    try {
      ({ executionArn } = await deps.workflow.start(row.id));
    } catch (error) {
      // The request is safe in the database: a retry with the same key (or reconciliation) starts the workflow.
      throw new UpstreamError(503, 'EXTERNAL_API_ERROR', 'The advance was recorded but its processing could not be started; retry with the same Idempotency-Key.', 2, error);
    }
    if (row.execution_arn !== executionArn) current = (await deps.advanceRequests.update(deps.db, row.id, { execution_arn: executionArn })) ?? row;
  }
  // The workflow may have moved on already; answer with what is true now.
  current = (await deps.advanceRequests.findByIdOrAbhiId(deps.db, current.id)) ?? current;
  return loadAdvanceView(deps, current);
}

/** Where a `Prefer: wait` client stops waiting: the request ended, or it waits for a person (approval). */
function settled(status: string): boolean {
  return status === 'PENDING_APPROVAL' || (FINAL_STATUSES as readonly string[]).includes(status);
}

/**
 * Waits up to `waitMs` for the workflow to settle the request (`Prefer: wait`, ADR 0018), reading the request row:
 * the row is the source of truth the workflow writes, and a read every `pollMs` costs one indexed query.
 */
export async function awaitAdvanceOutcome(deps: TransactionDeps, requestId: string, waitMs: number, pollMs = 200): Promise<AdvanceView> {
  const deadline = Date.now() + Math.max(0, waitMs);
  for (;;) {
    const row = await deps.advanceRequests.findById(deps.db, requestId);
    if (!row) throw new NotFoundError('Advance request');
    const left = deadline - Date.now();
    if (settled(row.status) || left <= 0) return loadAdvanceView(deps, row);
    await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, left)));
  }
}

/**
 * The refusal a settled request stands for, as the seed answers it (400 VALIDATION_FAILED with Abhi's or the
 * policy's reason): REJECTED, or FAILED because Abhi refused the advance. Undefined for anything else.
 */
export function refusalOf(view: AdvanceView): AdvanceRefusedError | undefined {
  const refusedByAbhi = view.status === 'FAILED' && view.reasons.some((r) => r.code === 'ABHI_REJECTED');
  if (view.status !== 'REJECTED' && !refusedByAbhi) return undefined;
  const reasons = view.reasons.length > 0 ? view.reasons : [{ code: 'REJECTED', message: 'The advance was refused.' }];
  return refusal(`The advance request ${view.id} was refused.`, reasons);
}
