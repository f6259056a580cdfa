import { randomUUID } from 'node:crypto';
import type { Principal } from '#shared/auth/principal';
import { assertCanAccessEmployee } from '#shared/auth/tenant';
import { AppError, MfaRequiredError, NotFoundError, UpstreamError } from '#shared/domain/errors';
import { requiresMfa, resolveAdvancePolicy } from '#shared/domain/advance-policy';
import { filsToDecimalString, toFils } from '#shared/domain/money';
import {
  addHistory,
  findAdvanceRequest,
  getEmployeeAdvanceContext,
  insertAdvanceRequest,
  updateAdvanceRequest,
} from '#shared/adapters/postgres/advance-requests';
import type { Route } from '#shared/routes';
import type { AdvanceView, RequestAdvanceBody } from '#shared/schemas/transactions';
import type { TransactionDeps } from './ports';
import { loadAdvanceView } from './view';
import { advanceReference } from './workflow-contract';

export interface RequestAdvanceCommand {
  principal: Principal;
  route: Pick<Route, 'roles'>;
  body: RequestAdvanceBody;
  idempotencyKey: string;
  correlationId: string;
}

/**
 * Records the advance request (PENDING_VALIDATION, history row, `transaction.advance.requested` in the outbox, in
 * one transaction) and starts the workflow named after the request. Repeating the call with the same
 * Idempotency-Key returns the same request and starts nothing new.
 */
export async function requestAdvance(deps: TransactionDeps, command: RequestAdvanceCommand): Promise<AdvanceView> {
  const { principal, body } = command;
  const employee = await getEmployeeAdvanceContext(deps.db, body.employeeId);
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

  const id = randomUUID();
  const { row, created, eventIds } = await deps.transaction(async (db) => {
    const result = await insertAdvanceRequest(db, {
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
    await addHistory(db, result.row.id, 'PENDING_VALIDATION', principal.subject, 'requested');
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
    if (row.execution_arn !== executionArn) current = (await updateAdvanceRequest(deps.db, row.id, { execution_arn: executionArn })) ?? row;
  }
  // The workflow may have moved on already; answer with what is true now.
  current = (await findAdvanceRequest(deps.db, current.id)) ?? current;
  return loadAdvanceView(deps.db, current);
}
