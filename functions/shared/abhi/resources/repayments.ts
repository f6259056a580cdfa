import * as S from '../schemas';
import type { CallOptions } from '../transport';
import { canonicalQuery, id, money2, pageQuery, whenTrue, type AbhiResourceContext, type Query } from './context';

/** `client.repayments`: the /repayments endpoints and outstanding balances (group `repayments`). */
export function repaymentsResource(abhi: AbhiResourceContext) {
  const list = (opts: S.RepaymentListOptions = {}, options?: CallOptions) =>
    abhi.call(
      {
        operation: 'repayments.list',
        group: 'repayments',
        method: 'GET',
        pathTemplate: '/repayments',
        path: '/repayments',
        query: {
          ...pageQuery(opts),
          employeeId: opts.employeeId,
          status: opts.status,
          startDate: opts.startDate,
          endDate: opts.endDate,
          clientRepaymentReferenceNumber: opts.clientRepaymentReferenceNumber,
          minAmount: money2(opts.minAmount),
          maxAmount: money2(opts.maxAmount),
        },
        schema: S.repaymentSchemas().RepaymentList,
        idempotent: true,
      },
      options,
    );
  const findByReference = async (reference: string, options?: CallOptions): Promise<S.Repayment | undefined> => {
    const result = await list({ clientRepaymentReferenceNumber: reference, limit: 10 }, options);
    return result.results.find((r) => r.clientRepaymentReferenceNumber === reference);
  };
  const outstanding = (opts: S.OutstandingBalanceOptions = {}, options?: CallOptions) => {
    const query: Query = {
      ...pageQuery(opts),
      employeeId: opts.employeeId,
      employeeCode: opts.employeeCode,
      department: opts.department,
      minAmount: money2(opts.minAmount),
      maxAmount: money2(opts.maxAmount),
      overdue: whenTrue(opts.overdue),
    };
    return abhi.call(
      {
        operation: 'repayments.outstanding',
        group: 'repayments',
        method: 'GET',
        pathTemplate: '/repayments/outstanding',
        path: '/repayments/outstanding',
        query,
        schema: S.repaymentSchemas().OutstandingBalanceList,
        idempotent: true,
        cache: { kind: 'outstanding', key: `${opts.employeeId ?? '*'}#${canonicalQuery(query)}` },
      },
      options,
    );
  };
  return {
    /**
     * POST /repayments → {repayment, message, status}. `clientRepaymentReferenceNumber` is the idempotency key: a
     * lost answer (or a 409 after one) is resolved by looking the reference up.
     */
    create: async (request: S.CreateRepaymentRequest, options?: CallOptions): Promise<S.RepaymentResponse> => {
      const body = abhi.validate(S.repaymentSchemas().CreateRepaymentRequest, request, 'repayments.create', 'POST /repayments');
      const result = await abhi.call<S.RepaymentResponse>(
        {
          operation: 'repayments.create',
          group: 'repayments',
          method: 'POST',
          pathTemplate: '/repayments',
          path: '/repayments',
          body,
          schema: S.repaymentSchemas().RepaymentResponse,
          idempotent: false,
          reference: body.clientRepaymentReferenceNumber,
          resolveUnknown: async (deadline) => {
            const found = await findByReference(body.clientRepaymentReferenceNumber, { deadline });
            return found ? { found: true, value: { repayment: found, message: 'Recovered by reference after a lost answer', status: found.status } } : { found: false };
          },
        },
        options,
      );
      const employeeId = result.repayment.employeeId ?? body.employeeId;
      await Promise.all([
        employeeId ? abhi.invalidate('balance', `${employeeId}#`) : Promise.resolve(),
        employeeId ? abhi.invalidate('outstanding', `${employeeId}#`) : abhi.invalidate('outstanding'),
        abhi.invalidate('outstanding', '*#'),
      ]);
      return result;
    },
    /** GET /repayments?… → {total, results}. */
    list,
    /** GET /repayments/{id} → Repayment. */
    get: (repaymentId: string, options?: CallOptions) =>
      abhi.call(
        {
          operation: 'repayments.get',
          group: 'repayments',
          method: 'GET',
          pathTemplate: '/repayments/{repaymentId}',
          path: `/repayments/${id(repaymentId)}`,
          schema: S.repaymentSchemas().Repayment,
          idempotent: true,
        },
        options,
      ),
    /** The repayment with this clientRepaymentReferenceNumber (undefined if none). */
    findByReference,
    /** GET /repayments/outstanding?… → {total, results, summary} (cached ≤ 30 s). */
    outstanding,
    /** One employee's outstanding balance (undefined when Abhi has none). */
    employeeOutstanding: async (employeeId: string, options?: CallOptions) => {
      const result = await outstanding({ employeeId, limit: 1 }, options);
      return result.results[0];
    },
  };
}
