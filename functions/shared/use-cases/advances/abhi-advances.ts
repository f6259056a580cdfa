import type { CallOptions, EmployerTransaction, Repayment, Transaction } from '#shared/abhi/client';
import { fromAbhiMoney, toAbhiMoney } from '#shared/abhi/money';
import type { Fils } from '#shared/domain/money';
import { classifyAbhiError } from '../abhi-errors';
import { abhiCallOptions, type Invocation } from '../invocation';
import type { AbhiAdvance, AbhiMonthlyBalance, AbhiRepayment, AbhiValidation, Period, TransactionDeps } from './ports';

/**
 * The advance and repayment calls of the Abhi port, as the transaction use cases need them: amounts in fils, and
 * every failure an AbhiCallError saying what is known about it (#shared/use-cases/abhi-errors).
 */
export interface AbhiAdvances {
  validateAdvance(employeeId: string, amountFils: Fils): Promise<AbhiValidation>;
  monthlyBalance(employeeId: string, month: number, year: number): Promise<AbhiMonthlyBalance>;
  /**
   * `beforeSend` runs once the create has its rate slot, right before it is sent (its failure stops the create,
   * nothing sent, and leaves as it is).
   */
  createAdvance(input: { employeeId: string; amountFils: Fils; description?: string; reference: string; beforeSend?: () => Promise<void> }): Promise<AbhiAdvance>;
  /** The advance created with this reference, if Abhi has one. */
  findAdvanceByReference(input: { employeeId: string; reference: string }): Promise<AbhiAdvance | undefined>;
  createRepayment(input: {
    amountFils: Fils;
    reference: string;
    employeeId?: string;
    transactionId?: string;
    description?: string;
    paymentMethod?: string;
  }): Promise<AbhiRepayment>;
  findRepaymentByReference(reference: string): Promise<AbhiRepayment | undefined>;
  /** Abhi's current status of a transaction (employer view, never from the cache). */
  transactionStatus(transactionId: string): Promise<{ status: string; message?: string; lastUpdated?: string }>;
  /** Every advance Abhi shows for the period (employer view). */
  listAdvances(period: Period): Promise<AbhiAdvance[]>;
  listRepayments(period: Period): Promise<AbhiRepayment[]>;
}

/**
 * The advance calls made on behalf of `ctx` (its deadline, correlation id and patience reach every call). A create
 * gets one attempt (the client's per-attempt timeout) plus a little: long enough for one try, too short for the
 * client to repeat the write on its own after a lost answer — the workflow does that, after the write had time to
 * settle and a lookup did not find it.
 */
export function abhiFor(deps: Pick<TransactionDeps, 'abhi' | 'settings'>, ctx: Invocation): AbhiAdvances {
  const client = deps.abhi;
  const attemptMs = deps.settings.abhiAttemptMs;
  const writeBudgetMs = attemptMs + 40;
  // Errors of the caller's own `beforeSend` step are not Abhi's: they leave unclassified.
  const ownErrors = new WeakSet<object>();
  const ownStep = (step: (() => Promise<void>) | undefined): CallOptions =>
    step
      ? {
          beforeSend: async () => {
            try {
              await step();
            } catch (error) {
              if (typeof error === 'object' && error !== null) ownErrors.add(error);
              throw error;
            }
          },
        }
      : {};
  const call = async <T>(work: (opts: CallOptions) => Promise<T>, extra: CallOptions = {}): Promise<T> => {
    try {
      return await work({ ...abhiCallOptions(ctx, { attemptMs }), ...extra });
    } catch (error) {
      if (typeof error === 'object' && error !== null && ownErrors.has(error)) throw error;
      throw classifyAbhiError(error);
    }
  };
  // Writes do not queue patiently for a rate slot: with the client's short wait they go ahead of patient reads, and
  // their budget stays one attempt.
  const writeOptions = (): CallOptions => ({ deadline: Math.min(ctx.deadline, Date.now() + writeBudgetMs), maxRateLimitWaitMs: undefined });
  const listAll = async <T>(fetchPage: (page: number, opts: CallOptions) => Promise<{ total: number; results: T[] }>): Promise<T[]> => {
    const all: T[] = [];
    const limit = 100;
    for (let page = 1; page <= 1000; page++) {
      const result = await call((opts) => fetchPage(page, opts));
      all.push(...result.results);
      if (result.results.length < limit || all.length >= result.total) break;
    }
    return all;
  };
  return {
    async transactionStatus(transactionId) {
      const result = await call((opts) => client.transactions.employerStatus(transactionId, opts), { bypassCache: true });
      return { status: result.status, ...(result.message ? { message: result.message } : {}), ...(result.lastUpdated ? { lastUpdated: result.lastUpdated } : {}) };
    },
    async validateAdvance(employeeId, amountFils) {
      const result = await call((opts) => client.transactions.validate({ employeeId, amount: toAbhiMoney(amountFils) }, opts));
      return {
        isValid: result.isValid,
        maxAmountFils: result.maxAmount === undefined ? undefined : fromAbhiMoney(result.maxAmount),
        availableAmountFils: result.availableAmount === undefined ? undefined : fromAbhiMoney(result.availableAmount),
        message: result.message,
        validationErrors: result.validationErrors.map((e) => ({ field: e.field, message: e.message })),
      };
    },
    async monthlyBalance(employeeId, month, year) {
      // Decisions need a fresh figure; the API's balance endpoint has its own 30 s cache.
      const result = await call((opts) => client.transactions.monthlyBalance(employeeId, { month, year }, opts), { bypassCache: true });
      const b = result.balance;
      return {
        month: Number(b.month) || month,
        year: b.year || year,
        availableFils: fromAbhiMoney(b.availableAmount),
        usedFils: b.usedAmount === undefined ? undefined : fromAbhiMoney(b.usedAmount),
        pendingFils: b.pendingAmount === undefined ? undefined : fromAbhiMoney(b.pendingAmount),
        grossSalaryFils: b.grossSalary === undefined ? undefined : fromAbhiMoney(b.grossSalary),
        netSalaryFils: b.netSalary === undefined ? undefined : fromAbhiMoney(b.netSalary),
        lastUpdated: b.lastUpdated,
      };
    },
    async createAdvance(input) {
      const transaction = await call((opts) =>
        client.transactions.createAdvance({ employeeId: input.employeeId, amount: toAbhiMoney(input.amountFils), reference: input.reference, description: input.description }, opts),
        { ...writeOptions(), ...ownStep(input.beforeSend) },
      );
      return fromTransaction(transaction, input.reference);
    },
    async findAdvanceByReference(input) {
      const found = await call((opts) => client.transactions.findAdvanceByReference(input.employeeId, input.reference, undefined, opts), { bypassCache: true });
      return found ? fromTransaction(found, input.reference) : undefined;
    },
    async createRepayment(input) {
      const result = await call((opts) =>
        client.repayments.create(
          {
            amount: toAbhiMoney(input.amountFils),
            clientRepaymentReferenceNumber: input.reference,
            employeeId: input.employeeId,
            transactionId: input.transactionId,
            description: input.description,
            paymentMethod: input.paymentMethod,
          },
          opts,
        ),
        writeOptions(),
      );
      return fromRepayment(result.repayment);
    },
    async findRepaymentByReference(reference) {
      const found = await call((opts) => client.repayments.findByReference(reference, opts));
      return found ? fromRepayment(found) : undefined;
    },
    async listAdvances(period: Period) {
      const rows = await listAll<EmployerTransaction>((page, opts) =>
        client.transactions.employerList({ type: 'advance', startDate: period.startDate, endDate: period.endDate, page, limit: 100 }, opts),
      );
      return rows.filter((t) => t.type === 'advance').map(fromEmployerTransaction);
    },
    async listRepayments(period: Period) {
      const rows = await listAll<Repayment>((page, opts) => client.repayments.list({ startDate: period.startDate, endDate: period.endDate, page, limit: 100 }, opts));
      return rows.map(fromRepayment);
    },
  };
}

function fromTransaction(t: Transaction, reference?: string): AbhiAdvance {
  return {
    id: t.id,
    employeeId: t.employeeId,
    amountFils: fromAbhiMoney(t.amount),
    status: t.status,
    reference: reference ?? t.transactionRef,
    processingFeeFils: t.processingFee === undefined ? undefined : fromAbhiMoney(t.processingFee),
    interestRate: t.interestRate,
    repaymentAmountFils: t.repaymentAmount === undefined ? undefined : fromAbhiMoney(t.repaymentAmount),
    dueDate: t.dueDate,
    requestedAt: t.requestedAt,
    processedAt: t.processedAt,
  };
}

function fromEmployerTransaction(t: EmployerTransaction): AbhiAdvance {
  return {
    id: t.id,
    employeeId: t.employeeId,
    amountFils: fromAbhiMoney(t.amount),
    status: t.status,
    repaymentAmountFils: t.repaymentAmount === undefined ? undefined : fromAbhiMoney(t.repaymentAmount),
    dueDate: t.dueDate,
    requestedAt: t.requestedAt,
    processedAt: t.processedAt,
  };
}

function fromRepayment(r: Repayment): AbhiRepayment {
  return {
    id: r.id,
    amountFils: fromAbhiMoney(r.amount),
    reference: r.clientRepaymentReferenceNumber,
    employeeId: r.employeeId,
    transactionId: r.transactionId,
    status: r.status,
    createdAt: r.createdAt,
  };
}
