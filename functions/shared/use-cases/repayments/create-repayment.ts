import { createHash, randomUUID } from 'node:crypto';
import type { Principal } from '#shared/auth/principal';
import { TenantAccessDeniedError } from '#shared/auth/errors';
import { canAccessOrganization } from '#shared/auth/tenant';
import { AppError, ConflictError, NotFoundError, UnprocessableError } from '#shared/domain/errors';
import { filsToDecimalString, filsToNumber, toFils } from '#shared/domain/money';
import { logger } from '#shared/observability';
import type { Route } from '#shared/routes';
import type { CreateRepaymentBody, RepaymentView } from '#shared/schemas/transactions';
import { AbhiCallError, translateAbhiError } from '../abhi-errors';
import { abhiFor } from '../advances/abhi-advances';
import type { Invocation } from '../invocation';
import type { AbhiRepayment, CoreAdvanceDeps } from '../advances/ports';
import type { RepaymentRow } from '../ports/repayment-store';
import { decimalToNumber } from '../advances/view';
import { toRepaymentView } from './view';

export interface CreateRepaymentCommand {
  principal: Principal;
  route: Pick<Route, 'roles'>;
  body: CreateRepaymentBody;
  idempotencyKey: string;
}

/**
 * A repayment against an employee or one advance. The `clientRepaymentReferenceNumber` (given, or derived from the
 * caller and the Idempotency-Key so a retried request derives the same one) is unique within the organization while
 * its repayment is not FAILED; Abhi knows the repayment by its own `abhi_reference` (one per row). The row is
 * written PENDING first, every later attempt looks the reference up at Abhi before creating, and the confirmation
 * (repayment COMPLETED, ledger entry, `transaction.repayment.created` + `balance.updated`) is one transaction.
 */
export async function createRepayment(deps: CoreAdvanceDeps, ctx: Invocation, command: CreateRepaymentCommand): Promise<{ created: boolean; view: RepaymentView }> {
  const { body, principal } = command;
  let employeeId = body.employeeId;
  let abhiTransactionId: string | undefined;
  let advanceRequestId: string | undefined;
  if (body.transactionId) {
    const advance = await deps.advanceRequests.findByIdOrAbhiId(deps.db, body.transactionId);
    if (!advance) throw new NotFoundError('Transaction');
    if (!(await canAccessOrganization(principal, advance.organization_id, undefined, command.route))) {
      throw new TenantAccessDeniedError('Transaction', 'advance of another organization');
    }
    if (advance.status !== 'COMPLETED' || !advance.abhi_transaction_id) {
      throw new UnprocessableError(`Only a completed advance can be repaid; this one is ${advance.status}.`, [{ field: 'body.transactionId', message: 'Not a completed advance.' }]);
    }
    if (employeeId && employeeId !== advance.employee_id) {
      throw new UnprocessableError('The advance belongs to another employee.', [{ field: 'body.employeeId', message: 'Does not match the advance.' }]);
    }
    employeeId = advance.employee_id;
    abhiTransactionId = advance.abhi_transaction_id;
    advanceRequestId = advance.id;
  }
  const employee = await deps.advanceRequests.employeeContext(deps.db, employeeId!);
  if (!employee) throw new NotFoundError('Employee');
  if (!(await canAccessOrganization(principal, employee.organization_id, undefined, command.route))) {
    throw new TenantAccessDeniedError('Employee', 'employee of another organization');
  }

  const amountFils = toFils(body.amount);
  const reference = body.clientRepaymentReferenceNumber ?? derivedReference(principal.subject, command.idempotencyKey);
  const id = randomUUID();
  const { row: inserted, created } = await deps.repayments.insert(deps.db, {
    id,
    organizationId: employee.organization_id,
    employeeId: employee.employee_id,
    transactionId: abhiTransactionId ?? null,
    clientReference: reference,
    abhiReference: abhiReferenceFor(id),
    amount: filsToDecimalString(amountFils),
    description: body.description ?? null,
    paymentMethod: body.paymentMethod ?? null,
    recordedBy: principal.subject,
  });
  if (!created && (inserted.employee_id !== employee.employee_id || toFils(inserted.amount) !== amountFils || inserted.transaction_id !== (abhiTransactionId ?? null))) {
    throw new ConflictError(`clientRepaymentReferenceNumber ${reference} is already used by another repayment.`);
  }
  let row = inserted;
  if (row.status === 'PENDING') row = await sendToAbhi(deps, ctx, row, { advanceRequestId, correlationId: ctx.correlationId, actor: principal.subject });
  if (row.status === 'FAILED') {
    throw new AppError(422, 'VALIDATION_ERROR', `Abhi refused the repayment: ${row.failure_reason ?? 'no reason given'}.`);
  }
  return { created, view: toRepaymentView(row, await deps.ledger.outstanding(deps.db, row.employee_id)) };
}

/** `RPY-` + the row id's 32 hex digits: unique per repayment, so two tenants' equal references never meet at Abhi. */
export function abhiReferenceFor(repaymentId: string): string {
  return `RPY-${repaymentId.replace(/-/g, '').toLowerCase()}`;
}

/** `RPY-` + 32 hex of sha256(subject:key): stable across retries of one request, unguessable across callers. */
export function derivedReference(subject: string, idempotencyKey: string): string {
  return `RPY-${createHash('sha256').update(`${subject}:${idempotencyKey}`).digest('hex').slice(0, 32)}`;
}

async function sendToAbhi(
  deps: CoreAdvanceDeps,
  ctx: Invocation,
  row: RepaymentRow,
  context: { advanceRequestId?: string; correlationId: string; actor: string },
): Promise<RepaymentRow> {
  let confirmed: AbhiRepayment | undefined;
  try {
    if (row.abhi_create_attempts > 0) confirmed = await abhiFor(deps, ctx).findRepaymentByReference(row.abhi_reference);
    if (!confirmed) {
      await deps.repayments.update(deps.db, row.id, { incrementAttempts: true }, ['PENDING']);
      confirmed = await abhiFor(deps, ctx).createRepayment({
        amountFils: toFils(row.amount),
        reference: row.abhi_reference,
        employeeId: row.transaction_id ? undefined : row.employee_id,
        transactionId: row.transaction_id ?? undefined,
        description: row.description ?? undefined,
        paymentMethod: row.payment_method ?? undefined,
      });
    }
  } catch (error) {
    if (error instanceof AbhiCallError && error.kind === 'rejected') {
      return (await deps.repayments.update(deps.db, row.id, { status: 'FAILED', failureReason: error.details.abhiMessage || error.message }, ['PENDING'])) ?? row;
    }
    // Unknown or unavailable: the row stays PENDING; a retry (same key) or reconciliation settles it by reference.
    logger.warn('Repayment not confirmed by Abhi yet', { repaymentId: row.id, error: (error as Error).message });
    throw translateAbhiError(error, 'Repayment');
  }
  return recordConfirmedRepayment(deps, row.abhi_reference, confirmed, context);
}

/**
 * Records a repayment Abhi confirmed: COMPLETED with Abhi's id, a ledger entry (negative: it reduces what the
 * employee owes), and the outbox events, in one transaction. Repeating it changes nothing. Shared with the webhook
 * and reconciliation.
 */
export async function recordConfirmedRepayment(
  deps: Pick<CoreAdvanceDeps, 'transaction' | 'repayments' | 'ledger' | 'events'>,
  abhiReference: string,
  confirmed: AbhiRepayment,
  context: { advanceRequestId?: string; correlationId?: string; actor: string },
): Promise<RepaymentRow> {
  const { row, eventIds } = await deps.transaction(async (db) => {
    const current = await deps.repayments.findByAbhiReference(db, abhiReference, { forUpdate: true });
    if (!current) throw new Error(`Repayment ${abhiReference} does not exist.`);
    if (current.status === 'COMPLETED') return { row: current, eventIds: [] as string[] };
    const updated = await deps.repayments.update(db, current.id, { status: 'COMPLETED', abhiRepaymentId: confirmed.id, abhiStatus: confirmed.status ?? null, failureReason: null });
    await deps.ledger.append(db, {
      organizationId: current.organization_id,
      employeeId: current.employee_id,
      kind: 'repayment',
      amount: filsToDecimalString(-confirmed.amountFils),
      advanceRequestId: context.advanceRequestId ?? null,
      repaymentId: current.id,
      abhiReference: confirmed.id,
    });
    const outstanding = await deps.ledger.outstanding(db, current.employee_id);
    const created = await deps.events.record(db, {
      type: 'transaction.repayment.created',
      organizationId: current.organization_id,
      correlationId: context.correlationId ?? current.id,
      payload: {
        repaymentId: current.id,
        abhiRepaymentId: confirmed.id,
        employeeId: current.employee_id,
        transactionId: current.transaction_id,
        clientRepaymentReferenceNumber: current.client_reference,
        amount: filsToNumber(confirmed.amountFils),
        recordedBy: context.actor,
      },
    });
    const balance = await deps.events.record(db, {
      type: 'balance.updated',
      organizationId: current.organization_id,
      correlationId: context.correlationId ?? current.id,
      payload: { employeeId: current.employee_id, outstandingAmount: decimalToNumber(outstanding), cause: 'repayment', repaymentId: current.id },
    });
    return { row: updated ?? current, eventIds: [created.id, balance.id] };
  });
  await deps.events.publish(eventIds);
  return row;
}
