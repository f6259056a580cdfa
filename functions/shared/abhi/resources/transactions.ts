import { AbhiRequestValidationError } from '../errors';
import * as S from '../schemas';
import type { CallOptions } from '../transport';
import { id, pageQuery, positive, type AbhiResourceContext } from './context';

/**
 * How the platform tags an advance so it can be found again after a lost answer (decision): the reference's
 * TransactionRequest has only employeeId, amount, type, description and dueDate — no client reference. So every
 * advance/repayment transaction created through this client carries ` ref:<reference>` as the LAST token of its
 * `description` (the caller supplies the reference, e.g. the platform's request id), and `findAdvanceByReference`
 * scans the employee's transaction history for exactly that token. References are limited to
 * `[A-Za-z0-9._:-]{1,80}` so the token cannot be ambiguous or collide with free text.
 */
export const REFERENCE_PATTERN = /^[A-Za-z0-9._:-]{1,80}$/;

export function tagDescription(description: string | undefined, reference: string): string {
  const base = (description ?? '').trim();
  return base ? `${base} ref:${reference}` : `ref:${reference}`;
}

export function referenceOf(description: string | undefined): string | undefined {
  const match = /(?:^|\s)ref:([A-Za-z0-9._:-]{1,80})$/.exec(description?.trim() ?? '');
  return match?.[1];
}

/** `client.transactions`: the /transactions endpoints, advances and their status (group `transactions`). */
export function transactionsResource(abhi: AbhiResourceContext) {
  const history = (employeeId: string, opts: S.TransactionHistoryOptions = {}, options?: CallOptions) =>
    abhi.call(
      {
        operation: 'transactions.history',
        group: 'transactions',
        method: 'GET',
        pathTemplate: '/transactions/employee/{employeeId}/history',
        path: `/transactions/employee/${id(employeeId)}/history`,
        query: { ...pageQuery(opts), status: opts.status, type: opts.type, startDate: opts.startDate, endDate: opts.endDate },
        schema: S.transactionSchemas().TransactionHistory,
        idempotent: true,
      },
      options,
    );

  const findByReference = async (
    employeeId: string,
    reference: string,
    type: 'advance' | 'repayment',
    lookup: { startDate?: string; maxPages?: number } = {},
    options?: CallOptions,
  ): Promise<S.Transaction | undefined> => {
    const limit = 100;
    for (let page = 1; page <= (lookup.maxPages ?? 20); page++) {
      const result = await history(employeeId, { type, page, limit, startDate: lookup.startDate }, options);
      const match = result.transactions.find((t) => referenceOf(t.description) === reference && (t.type ?? type) === type);
      if (match) return match;
      if (result.transactions.length < limit || page * limit >= result.totalCount) return undefined;
    }
    return undefined;
  };

  const createTagged = async (
    type: 'advance' | 'repayment',
    request: { employeeId: string; amount: number; reference: string; description?: string; dueDate?: string },
    options?: CallOptions,
  ): Promise<S.Transaction> => {
    const operation = type === 'advance' ? 'transactions.createAdvance' : 'transactions.createRepayment';
    if (!REFERENCE_PATTERN.test(request.reference ?? '')) {
      throw new AbhiRequestValidationError([{ field: 'reference', message: 'must match [A-Za-z0-9._:-]{1,80}' }], { operation, endpoint: 'POST /transactions/employee' });
    }
    const body = abhi.validate(
      S.transactionSchemas().TransactionRequest,
      { employeeId: request.employeeId, amount: request.amount, type, description: tagDescription(request.description, request.reference), dueDate: request.dueDate },
      operation,
      'POST /transactions/employee',
    );
    const transaction = await abhi.call<S.Transaction>(
      {
        operation,
        group: 'transactions',
        method: 'POST',
        pathTemplate: '/transactions/employee',
        path: '/transactions/employee',
        body,
        schema: S.transactionSchemas().Transaction,
        idempotent: false,
        reference: request.reference,
        resolveUnknown: async (deadline) => {
          const found = await findByReference(request.employeeId, request.reference, type, {}, { deadline, bypassCache: true });
          return found ? { found: true, value: found } : { found: false };
        },
      },
      options,
    );
    await Promise.all([abhi.invalidate('balance', `${request.employeeId}#`), abhi.invalidate('outstanding', `${request.employeeId}#`), abhi.invalidate('outstanding', '*#')]);
    return transaction;
  };

  const status = (side: 'employee' | 'employer', transactionId: string, options?: CallOptions) =>
    abhi.call(
      {
        operation: side === 'employee' ? 'transactions.status' : 'transactions.employerStatus',
        group: 'transactions',
        method: 'GET',
        pathTemplate: `/transactions/${side}/{transactionId}/status`,
        path: `/transactions/${side}/${id(transactionId)}/status`,
        schema: S.transactionSchemas().TransactionStatus,
        idempotent: true,
        cache: { kind: 'transactionStatus', key: `${transactionId}#${side}` },
      },
      options,
    );

  return {
    /**
     * POST /transactions/employee type=advance. `reference` (required, e.g. the platform request id) is appended to
     * the description as `ref:<reference>`; a lost answer is resolved by `findAdvanceByReference`, never by a blind
     * repeat.
     */
    createAdvance: (request: { employeeId: string; amount: number; reference: string; description?: string; dueDate?: string }, options?: CallOptions) =>
      createTagged('advance', request, options),
    /** POST /transactions/employee type=repayment, tagged and resolved like advances. */
    createRepayment: (request: { employeeId: string; amount: number; reference: string; description?: string; dueDate?: string }, options?: CallOptions) =>
      createTagged('repayment', request, options),
    /** The advance created with `reference`, from the employee's history (undefined if none). */
    findAdvanceByReference: (employeeId: string, reference: string, lookup?: { startDate?: string; maxPages?: number }, options?: CallOptions) =>
      findByReference(employeeId, reference, 'advance', lookup, options),
    findRepaymentTransactionByReference: (employeeId: string, reference: string, lookup?: { startDate?: string; maxPages?: number }, options?: CallOptions) =>
      findByReference(employeeId, reference, 'repayment', lookup, options),
    /** POST /transactions/employee/validate → {isValid, maxAmount, availableAmount, message, validationErrors}. */
    validate: async (request: S.TransactionValidationRequest, options?: CallOptions) =>
      abhi.call(
        {
          operation: 'transactions.validate',
          group: 'transactions',
          method: 'POST',
          pathTemplate: '/transactions/employee/validate',
          path: '/transactions/employee/validate',
          body: abhi.validate(S.transactionSchemas().TransactionValidationRequest, request, 'transactions.validate', 'POST /transactions/employee/validate'),
          schema: S.transactionSchemas().TransactionValidation,
          idempotent: true,
        },
        options,
      ),
    /** GET /transactions/employee/{employeeId}/history → {employeeId, totalCount, transactions}. */
    history,
    /** GET /transactions/employee/{employeeId}/balance?month&year (cached ≤ 30 s). */
    monthlyBalance: (employeeId: string, period: { month?: number; year?: number } = {}, options?: CallOptions) =>
      abhi.call(
        {
          operation: 'transactions.monthlyBalance',
          group: 'transactions',
          method: 'GET',
          pathTemplate: '/transactions/employee/{employeeId}/balance',
          path: `/transactions/employee/${id(employeeId)}/balance`,
          query: { month: positive(period.month), year: positive(period.year) },
          schema: S.transactionSchemas().MonthlyBalance,
          idempotent: true,
          cache: { kind: 'balance', key: `${employeeId}#${period.year ?? 'current'}-${period.month ?? 'current'}` },
        },
        options,
      ),
    /** GET /transactions/employee/{transactionId}/status (cached ≤ 30 s). */
    status: (transactionId: string, options?: CallOptions) => status('employee', transactionId, options),
    /** GET /transactions/employer?… → {total, results:[EmployerTransaction]}. */
    employerList: (opts: S.EmployerTransactionListOptions = {}, options?: CallOptions) =>
      abhi.call(
        {
          operation: 'transactions.employerList',
          group: 'transactions',
          method: 'GET',
          pathTemplate: '/transactions/employer',
          path: '/transactions/employer',
          query: {
            ...pageQuery(opts),
            status: opts.status,
            type: opts.type,
            startDate: opts.startDate,
            endDate: opts.endDate,
            employeeCode: opts.employeeCode,
            department: opts.department,
          },
          schema: S.transactionSchemas().EmployerTransactionList,
          idempotent: true,
        },
        options,
      ),
    /** GET /transactions/employer/{transactionId}/status (cached ≤ 30 s). */
    employerStatus: (transactionId: string, options?: CallOptions) => status('employer', transactionId, options),
    /** POST /transactions/employer/validate-questions {transactionId} → {transactionId, questions}. */
    validationQuestions: async (transactionId: string, options?: CallOptions) =>
      abhi.call(
        {
          operation: 'transactions.validationQuestions',
          group: 'transactions',
          method: 'POST',
          pathTemplate: '/transactions/employer/validate-questions',
          path: '/transactions/employer/validate-questions',
          body: abhi.validate(S.transactionSchemas().ValidationQuestionsRequest, { transactionId }, 'transactions.validationQuestions', 'POST /transactions/employer/validate-questions'),
          schema: S.transactionSchemas().ValidationQuestions,
          idempotent: true,
        },
        options,
      ),
    /** POST /transactions/employer/validate-answers → {transactionId, isValid, message}. */
    submitValidationAnswers: async (request: S.ValidationAnswersRequest, options?: CallOptions) => {
      const result = await abhi.call(
        {
          operation: 'transactions.submitValidationAnswers',
          group: 'transactions',
          method: 'POST',
          pathTemplate: '/transactions/employer/validate-answers',
          path: '/transactions/employer/validate-answers',
          body: abhi.validate(S.transactionSchemas().ValidationAnswersRequest, request, 'transactions.submitValidationAnswers', 'POST /transactions/employer/validate-answers'),
          schema: S.transactionSchemas().ValidationAnswersResult,
          idempotent: true,
        },
        options,
      );
      await abhi.invalidate('transactionStatus', `${request.transactionId}#`);
      return result;
    },
  };
}
