import type { Principal } from '#shared/auth/principal';
import { TenantAccessDeniedError } from '#shared/auth/errors';
import { canAccessOrganization, effectiveRoles } from '#shared/auth/tenant';
import { ConflictError, ForbiddenError, NotFoundError } from '#shared/domain/errors';
import { logger } from '#shared/observability';
import type { Route } from '#shared/routes';
import type { AdvanceView, UpdateStatusBody } from '#shared/schemas/transactions';
import type { AdvanceRequestRow } from '../ports/advance-request-store';
import type { TransactionDeps } from './ports';
import { decimalToNumber, loadAdvanceView } from './view';
import { WORKFLOW_ERRORS, type ApprovalSignal } from './workflow-contract';

export interface UpdateStatusCommand {
  principal: Principal;
  route: Pick<Route, 'roles'>;
  id: string;
  body: UpdateStatusBody;
  correlationId: string;
}

/**
 * approve / reject (a finance manager or admin of the request's organization, never the requester) and cancel (the
 * requester, while the request is pending). The database decides, in one conditional UPDATE, which of concurrent
 * actions wins; the waiting workflow is then woken with its task token. If waking it fails, the workflow still
 * settles from the database when its approval wait ends.
 */
export async function updateAdvanceStatus(deps: TransactionDeps, command: UpdateStatusCommand): Promise<AdvanceView> {
  const { principal, body } = command;
  const found = await deps.advanceRequests.findByIdOrAbhiId(deps.db, command.id);
  if (!found) throw new NotFoundError('Transaction');
  const roles = effectiveRoles(principal, command.route);
  const isRequester = isRequesterOf(principal, found);
  const inTenant = await canAccessOrganization(principal, found.organization_id, undefined, command.route);

  if (body.action === 'cancel') {
    if (!isRequester) {
      if (!inTenant || roles.every((r) => r === 'employee')) throw new TenantAccessDeniedError('Transaction', 'not the requester of this advance');
      throw new ForbiddenError('Only the requester can cancel an advance request.');
    }
    return cancel(deps, command, found);
  }
  if (!inTenant) throw new TenantAccessDeniedError('Transaction', `advance ${found.id} belongs to another organization`);
  // A self-only caller learns nothing about other employees' requests: 404, as for reading them (not 403).
  if (!isRequester && roles.every((r) => r === 'employee')) throw new TenantAccessDeniedError('Transaction', 'not the caller’s own advance');
  if (!roles.some((r) => r === 'finance_manager' || r === 'admin')) {
    if (isRequester || roles.every((r) => r === 'employee')) {
      throw new ForbiddenError('Only a finance manager or an admin can approve or reject an advance request.');
    }
    throw new ForbiddenError();
  }
  if (isRequester) throw new ForbiddenError('The requester cannot approve or reject their own advance request.');
  return body.action === 'approve' ? approve(deps, command, found) : reject(deps, command, found);
}

function isRequesterOf(principal: Principal, row: AdvanceRequestRow): boolean {
  if (principal.subject === row.requested_by) return true;
  return Boolean(principal.employeeId && principal.employeeId === row.employee_id && principal.organizationId === row.organization_id);
}

async function approve(deps: TransactionDeps, command: UpdateStatusCommand, found: AdvanceRequestRow): Promise<AdvanceView> {
  const actor = command.principal.subject;
  // A repeated approve by the same approver (e.g. a retry after a lost answer) only wakes the workflow again.
  if (found.status === 'PROCESSING' && found.decided_by === actor) {
    if (found.task_token) await wake(deps, () => deps.workflow.sendSuccess(found.task_token!, signalFor(actor)), found.id);
    return loadAdvanceView(deps, found);
  }
  const { row, eventIds } = await deps.transaction(async (db) => {
    const updated = await deps.advanceRequests.transition(db, {
      id: found.id,
      from: ['PENDING_APPROVAL'],
      to: 'PROCESSING',
      actor,
      reason: command.body.reason ?? 'approved',
      changes: { decided_by: actor },
      onlyIf: 'approval-window-open',
    });
    if (!updated) return { row: undefined, eventIds: [] };
    const event = await deps.events.record(db, {
      type: 'transaction.advance.approved',
      organizationId: updated.organization_id,
      correlationId: command.correlationId,
      payload: { requestId: updated.id, employeeId: updated.employee_id, amount: decimalToNumber(updated.amount), approvedBy: actor },
    });
    return { row: updated, eventIds: [event.id] };
  });
  if (!row) throw await notPending(deps, found.id, 'approved');
  await deps.events.publish(eventIds);
  if (row.task_token) await wake(deps, () => deps.workflow.sendSuccess(row.task_token!, signalFor(actor)), row.id);
  return loadAdvanceView(deps, row);
}

async function reject(deps: TransactionDeps, command: UpdateStatusCommand, found: AdvanceRequestRow): Promise<AdvanceView> {
  const actor = command.principal.subject;
  const reason = command.body.reason ?? 'Rejected by an approver.';
  const { row, token, eventIds } = await deps.transaction(async (db) => {
    const locked = await deps.advanceRequests.findById(db, found.id, { forUpdate: true });
    const updated = await deps.advanceRequests.transition(db, {
      id: found.id,
      from: ['PENDING_APPROVAL'],
      to: 'REJECTED',
      actor,
      reason,
      changes: { decided_by: actor, task_token: null, reasons: [{ code: 'REJECTED_BY_APPROVER', source: 'approver', message: reason }] },
    });
    if (!updated) return { row: undefined, token: null, eventIds: [] };
    const event = await deps.events.record(db, {
      type: 'transaction.advance.rejected',
      organizationId: updated.organization_id,
      correlationId: command.correlationId,
      payload: { requestId: updated.id, employeeId: updated.employee_id, amount: decimalToNumber(updated.amount), rejectedBy: actor, reasons: [reason] },
    });
    return { row: updated, token: locked?.task_token ?? null, eventIds: [event.id] };
  });
  if (!row) throw await notPending(deps, found.id, 'rejected');
  await deps.events.publish(eventIds);
  if (token) await wake(deps, () => deps.workflow.sendFailure(token, WORKFLOW_ERRORS.approvalRejected, JSON.stringify({ actor, reason })), row.id);
  return loadAdvanceView(deps, row);
}

async function cancel(deps: TransactionDeps, command: UpdateStatusCommand, found: AdvanceRequestRow): Promise<AdvanceView> {
  const actor = command.principal.subject;
  const reason = command.body.reason ?? 'Cancelled by the requester.';
  const { row, token, eventIds } = await deps.transaction(async (db) => {
    const locked = await deps.advanceRequests.findById(db, found.id, { forUpdate: true });
    const updated = await deps.advanceRequests.transition(db, {
      id: found.id,
      from: ['PENDING_VALIDATION', 'PENDING_APPROVAL'],
      to: 'CANCELLED',
      actor,
      reason,
      changes: { task_token: null, reasons: [{ code: 'CANCELLED_BY_REQUESTER', source: 'requester', message: reason }] },
    });
    if (!updated) return { row: undefined, token: null, eventIds: [] };
    const event = await deps.events.record(db, {
      type: 'transaction.advance.cancelled',
      organizationId: updated.organization_id,
      correlationId: command.correlationId,
      payload: { requestId: updated.id, employeeId: updated.employee_id, amount: decimalToNumber(updated.amount), cancelledBy: actor },
    });
    return { row: updated, token: locked?.status === 'PENDING_APPROVAL' ? locked.task_token : null, eventIds: [event.id] };
  });
  if (!row) throw await notPending(deps, found.id, 'cancelled');
  await deps.events.publish(eventIds);
  // A request still in validation needs no signal: the workflow's next step finds it cancelled and stops.
  if (token) await wake(deps, () => deps.workflow.sendFailure(token, WORKFLOW_ERRORS.approvalCancelled, JSON.stringify({ actor, reason })), row.id);
  return loadAdvanceView(deps, row);
}

function signalFor(actor: string): ApprovalSignal {
  return { signal: 'approved', actor };
}

async function wake(deps: TransactionDeps, send: () => Promise<'sent' | 'gone'>, requestId: string): Promise<void> {
  try {
    const outcome = await send();
    if (outcome === 'gone') logger.info('Approval task no longer waiting; the workflow settles from the database', { requestId });
  } catch (error) {
    // Committed already: the workflow reads the decision when its wait ends. Worth an operator's look, not a 5xx.
    logger.error('Could not wake the advance workflow', { requestId, error: error as Error });
    deps.metrics.count('AdvanceWorkflowSignalFailed');
  }
}

async function notPending(deps: TransactionDeps, id: string, action: string): Promise<Error> {
  const now = await deps.advanceRequests.findById(deps.db, id);
  if (!now) return new NotFoundError('Transaction');
  if (now.status === 'PENDING_APPROVAL') return new ConflictError(`The approval window of this request has closed; it can no longer be ${action}.`);
  return new ConflictError(`The request is ${now.status}; it can no longer be ${action}.`);
}
