import { filsToNumber, toFils } from '#shared/domain/money';
import { buildSeed, prng, uuidV4, type SeedBank, type SeedBusinessType, type SeedEmployee, type SeedOrganization } from './seed';

/**
 * Business state and rules of the Abhi sandbox. All money is integer fils (bigint); JSON gets numbers with at most
 * two decimals (and `netSalary` as a string). Dates follow the UAE calendar (Asia/Dubai, UTC+4, no DST).
 *
 * Documented rules (also in README.md):
 * - Advance limit for a month: 50 % of the salary earned to date, netSalary × dayOfMonth / daysInMonth (full month
 *   for past months, 0 for future ones), minus advances requested that month that are pending, approved or completed.
 * - An advance is valid only if the employee exists and is active and 0 < amount ≤ available (2 decimals max).
 * - Advances start `pending`; they become `completed` after `autoProcessAfterMs` (sandbox clock) or `approved` when the
 *   employer answers the validation questions correctly. Each advance carries a flat processing fee (default AED 15);
 *   repaymentAmount = amount + fee; dueDate = the employee's payroll day of the next month.
 * - Outstanding = Σ (amount + fee) of non-rejected advances − repayments (transactions of type repayment and
 *   /repayments records); repayments are allocated to the targeted transaction, then oldest first, fee before principal.
 *   A repayment larger than what is outstanding is refused (400). `clientRepaymentReferenceNumber` is unique (409).
 * - employeeCode and emiratesId are unique (409); an employee with an outstanding balance cannot be deleted (409).
 */
export class SandboxHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: string,
  ) {
    super(message);
  }
}

/** Abhi's statuses are free strings (reference §7); the sandbox's own flow uses these four, a test may set any. */
export type TransactionStatus = 'pending' | 'approved' | 'completed' | 'rejected' | (string & {});

export interface TransactionRecord {
  id: string;
  employeeId: string;
  amountFils: bigint;
  type: 'advance' | 'repayment';
  status: TransactionStatus;
  description?: string;
  requestedAt: number;
  processedAt: number | null;
  dueDate: string;
  feeFils: bigint;
  transactionRef: string;
  bankTransactionId?: string;
  reason?: string;
}

export interface RepaymentRecord {
  id: string;
  amountFils: bigint;
  clientRepaymentReferenceNumber: string;
  employeeId: string;
  transactionId?: string;
  status: 'completed';
  processedAt: number;
  createdAt: number;
  updatedAt: number;
  description?: string;
  paymentMethod?: string;
  bankTransactionId: string;
}

export interface DomainSnapshot {
  banks: SeedBank[];
  businessTypes: SeedBusinessType[];
  organizations: SeedOrganization[];
  employees: SeedEmployee[];
  transactions: TransactionRecord[];
  repayments: RepaymentRecord[];
  sequence: number;
}

export interface DomainOptions {
  /** Business clock (epoch ms). */
  readonly now: () => number;
  readonly processingFeeFils?: bigint;
  /** Pending advances complete after this long on the business clock. Default 60 s. */
  readonly autoProcessAfterMs?: number;
  readonly seed?: number;
}

const DUBAI_OFFSET_MS = 4 * 3_600_000;
const DAY_MS = 86_400_000;

export function dubaiDate(ms: number): { year: number; month: number; day: number } {
  const d = new Date(ms + DUBAI_OFFSET_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
const ymd = (year: number, month: number, day: number) => `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
const dubaiYmd = (ms: number) => {
  const { year, month, day } = dubaiDate(ms);
  return ymd(year, month, day);
};
export const iso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : new Date(ms).toISOString());
const money = (fils: bigint) => filsToNumber(fils);

/** The RFC 6238 time-step is handled in auth.ts; here only the domain. */
export class SandboxDomain {
  banks: SeedBank[] = [];
  businessTypes: SeedBusinessType[] = [];
  organizations: SeedOrganization[] = [];
  employees = new Map<string, SeedEmployee>();
  transactions: TransactionRecord[] = [];
  repayments: RepaymentRecord[] = [];
  private random = prng(1);
  private sequence = 0;
  readonly feeFils: bigint;
  readonly autoProcessAfterMs: number;

  constructor(private readonly options: DomainOptions) {
    this.feeFils = options.processingFeeFils ?? 1_500n;
    this.autoProcessAfterMs = options.autoProcessAfterMs ?? 60_000;
    this.reset();
  }

  get now(): number {
    return this.options.now();
  }

  reset(): void {
    const seed = buildSeed(this.options.seed);
    this.banks = seed.banks;
    this.businessTypes = seed.businessTypes;
    this.organizations = seed.organizations;
    this.employees = new Map(seed.employees.map((e) => [e.id, e]));
    this.transactions = [];
    this.repayments = [];
    this.random = prng((this.options.seed ?? 20240115) + 7);
    this.sequence = 0;
    this.seedHistory();
  }

  newId(): string {
    return uuidV4(this.random);
  }

  /** The records, for the local stack's state file (persistence.ts). */
  snapshot(): DomainSnapshot {
    return {
      banks: this.banks,
      businessTypes: this.businessTypes,
      organizations: this.organizations,
      employees: [...this.employees.values()],
      transactions: this.transactions,
      repayments: this.repayments,
      sequence: this.sequence,
    };
  }

  /**
   * Takes the records of an earlier run. New ids come from a fresh random seed: the seeded sequence would hand out
   * the ids of the earlier run's records again.
   */
  restore(snapshot: DomainSnapshot, idSeed: number): void {
    this.banks = snapshot.banks;
    this.businessTypes = snapshot.businessTypes;
    this.organizations = snapshot.organizations;
    this.employees = new Map(snapshot.employees.map((e) => [e.id, e]));
    this.transactions = snapshot.transactions;
    this.repayments = snapshot.repayments;
    this.sequence = snapshot.sequence;
    this.random = prng(idSeed);
  }

  get root(): SeedOrganization {
    return this.organizations.find((o) => o.organizationType === 'root')!;
  }

  /** Two employees have last month's advance on record, one of them partly repaid: history, outstanding, overdue. */
  private seedHistory(): void {
    const now = this.now;
    const { year, month } = dubaiDate(now);
    const prevYear = month === 1 ? year - 1 : year;
    const prevMonth = month === 1 ? 12 : month - 1;
    const at = Date.UTC(prevYear, prevMonth - 1, 10, 6, 0, 0);
    const [first, second] = [...this.employees.values()];
    for (const [employee, amount] of [
      [first!, 300_00n],
      [second!, 450_00n],
    ] as const) {
      const tx = this.addTransaction(employee, 'advance', amount, 'Seeded advance', at);
      tx.status = 'completed';
      tx.processedAt = at + 60_000;
      tx.bankTransactionId = `BTX${String(this.sequence).padStart(8, '0')}`;
    }
    this.repayments.push({
      id: this.newId(),
      amountFils: 100_00n,
      clientRepaymentReferenceNumber: 'SEED-REPAY-0001',
      employeeId: first!.id,
      status: 'completed',
      processedAt: at + 5 * DAY_MS,
      createdAt: at + 5 * DAY_MS,
      updatedAt: at + 5 * DAY_MS,
      description: 'Seeded salary deduction',
      paymentMethod: 'payroll_deduction',
      bankTransactionId: 'BTXSEED0001',
    });
  }

  // ------------------------------------------------------------------ lifecycle

  /** Lazily moves pending advances to completed once `autoProcessAfterMs` has passed on the business clock. */
  settle(): void {
    const now = this.now;
    for (const tx of this.transactions) {
      if (tx.type === 'advance' && (tx.status === 'pending' || tx.status === 'approved') && now - tx.requestedAt >= this.autoProcessAfterMs) {
        tx.status = 'completed';
        tx.processedAt = tx.requestedAt + this.autoProcessAfterMs;
        tx.bankTransactionId ??= `BTX${tx.transactionRef.slice(-8)}`;
      }
    }
  }

  private addTransaction(employee: SeedEmployee, type: 'advance' | 'repayment', amountFils: bigint, description: string | undefined, at: number): TransactionRecord {
    this.sequence += 1;
    const { year, month } = dubaiDate(at);
    const nextYear = month === 12 ? year + 1 : year;
    const nextMonth = month === 12 ? 1 : month + 1;
    const tx: TransactionRecord = {
      id: this.newId(),
      employeeId: employee.id,
      amountFils,
      type,
      status: type === 'advance' ? 'pending' : 'completed',
      description,
      requestedAt: at,
      processedAt: type === 'advance' ? null : at,
      dueDate: ymd(nextYear, nextMonth, Math.min(employee.payrollStartDay, daysInMonth(nextYear, nextMonth))),
      feeFils: type === 'advance' ? this.feeFils : 0n,
      transactionRef: `TXN-${dubaiYmd(at).replace(/-/g, '')}-${String(this.sequence).padStart(6, '0')}`,
    };
    this.transactions.push(tx);
    return tx;
  }

  // ------------------------------------------------------------------ employees

  employee(id: string): SeedEmployee {
    const employee = this.employees.get(id);
    if (!employee) throw new SandboxHttpError(404, 'Not Found', `Employee ${id} not found`);
    return employee;
  }

  // ------------------------------------------------------------------ advances

  /** The month's limit, use and availability for an employee (exact, in fils). */
  monthlyBalance(employee: SeedEmployee, year: number, month: number) {
    this.settle();
    const today = dubaiDate(this.now);
    const days = daysInMonth(year, month);
    const monthIndex = year * 12 + month;
    const todayIndex = today.year * 12 + today.month;
    const earnedDays = monthIndex < todayIndex ? days : monthIndex > todayIndex ? 0 : today.day;
    const limitFils = (employee.netSalaryFils * BigInt(earnedDays) * 50n) / (BigInt(days) * 100n);
    let usedFils = 0n;
    let pendingFils = 0n;
    let lastUpdated = 0;
    for (const tx of this.transactions) {
      if (tx.employeeId !== employee.id || tx.type !== 'advance' || tx.status === 'rejected') continue;
      const d = dubaiDate(tx.requestedAt);
      if (d.year !== year || d.month !== month) continue;
      if (tx.status === 'pending') pendingFils += tx.amountFils;
      else usedFils += tx.amountFils;
      lastUpdated = Math.max(lastUpdated, tx.processedAt ?? tx.requestedAt);
    }
    const available = limitFils - usedFils - pendingFils;
    return {
      limitFils,
      usedFils,
      pendingFils,
      availableFils: available > 0n ? available : 0n,
      lastUpdated: lastUpdated || this.now,
    };
  }

  validateAdvance(employeeId: string, amount: unknown) {
    const employee = this.employee(employeeId);
    const { year, month } = dubaiDate(this.now);
    const balance = this.monthlyBalance(employee, year, month);
    const errors: { field: string; message: string; value?: unknown }[] = [];
    let amountFils: bigint | undefined;
    if (typeof amount !== 'number' || !Number.isFinite(amount)) errors.push({ field: 'amount', message: 'amount must be a number', value: amount });
    else {
      try {
        amountFils = toFils(amount);
      } catch {
        errors.push({ field: 'amount', message: 'amount must have at most 2 decimals', value: amount });
      }
      if (amountFils !== undefined && amountFils <= 0n) errors.push({ field: 'amount', message: 'amount must be greater than 0', value: amount });
    }
    let message = 'Advance request is valid';
    if (employee.status !== 'active') message = 'Employee is not active';
    else if (errors.length) message = errors[0]!.message;
    else if (amountFils! > balance.availableFils)
      message = `Requested amount ${money(amountFils!).toFixed(2)} exceeds the available amount ${money(balance.availableFils).toFixed(2)}`;
    const isValid = employee.status === 'active' && !errors.length && amountFils! <= balance.availableFils;
    return { employee, isValid, message, errors, amountFils, balance };
  }

  createAdvance(employeeId: string, amount: unknown, description: string | undefined, dueDate: string | undefined): TransactionRecord {
    const check = this.validateAdvance(employeeId, amount);
    if (!check.isValid) throw new SandboxHttpError(400, 'Advance not allowed', check.message);
    const tx = this.addTransaction(check.employee, 'advance', check.amountFils!, description, this.now);
    if (dueDate) tx.dueDate = dueDate;
    return tx;
  }

  createRepaymentTransaction(employeeId: string, amount: unknown, description: string | undefined): TransactionRecord {
    const employee = this.employee(employeeId);
    const amountFils = this.parseAmount(amount);
    const outstanding = this.outstanding(employee).totalFils;
    if (amountFils > outstanding)
      throw new SandboxHttpError(400, 'Repayment not allowed', `Amount ${money(amountFils).toFixed(2)} exceeds the outstanding balance ${money(outstanding).toFixed(2)}`);
    const tx = this.addTransaction(employee, 'repayment', amountFils, description, this.now);
    tx.bankTransactionId = `BTX${tx.transactionRef.slice(-8)}`;
    return tx;
  }

  parseAmount(amount: unknown, field = 'amount'): bigint {
    if (typeof amount !== 'number' || !Number.isFinite(amount)) throw new SandboxHttpError(400, 'Bad Request', `${field} must be a number`);
    let fils: bigint;
    try {
      fils = toFils(amount);
    } catch {
      throw new SandboxHttpError(400, 'Bad Request', `${field} must have at most 2 decimals`);
    }
    if (fils <= 0n) throw new SandboxHttpError(400, 'Bad Request', `${field} must be greater than 0`);
    return fils;
  }

  /** Moves a transaction to any status Abhi may report (PUT /__sandbox/transactions/{id}/status). */
  setTransactionStatus(id: string, status: unknown): TransactionRecord {
    if (typeof status !== 'string' || !/^[A-Za-z][A-Za-z _-]{0,39}$/.test(status.trim())) {
      throw new SandboxHttpError(400, 'Bad Request', 'status must be a word such as "disbursed", "failed" or "repaid"');
    }
    const tx = this.transaction(id);
    tx.status = status.trim();
    tx.processedAt = this.now;
    return tx;
  }

  transaction(id: string): TransactionRecord {
    this.settle();
    const tx = this.transactions.find((t) => t.id === id);
    if (!tx) throw new SandboxHttpError(404, 'Not Found', `Transaction ${id} not found`);
    return tx;
  }

  // ------------------------------------------------------------------ repayments / outstanding

  createRepayment(input: Readonly<Record<string, unknown>>): RepaymentRecord {
    const amountFils = this.parseAmount(input.amount);
    const ref = typeof input.clientRepaymentReferenceNumber === 'string' ? input.clientRepaymentReferenceNumber.trim() : '';
    if (!ref) throw new SandboxHttpError(400, 'Bad Request', 'clientRepaymentReferenceNumber is required');
    if (!input.employeeId && !input.transactionId) throw new SandboxHttpError(400, 'Bad Request', 'employeeId or transactionId is required');
    if (this.repayments.some((r) => r.clientRepaymentReferenceNumber === ref))
      throw new SandboxHttpError(409, 'Conflict', `A repayment with clientRepaymentReferenceNumber ${ref} already exists`);
    let employee: SeedEmployee;
    let transactionId: string | undefined;
    if (input.transactionId) {
      const tx = this.transaction(String(input.transactionId));
      if (tx.type !== 'advance') throw new SandboxHttpError(400, 'Bad Request', 'transactionId must be an advance');
      employee = this.employee(tx.employeeId);
      if (input.employeeId && input.employeeId !== employee.id) throw new SandboxHttpError(400, 'Bad Request', 'transactionId belongs to another employee');
      transactionId = tx.id;
      const remaining = this.outstanding(employee).perTransaction.get(tx.id)?.remainingFils ?? 0n;
      if (amountFils > remaining)
        throw new SandboxHttpError(400, 'Repayment not allowed', `Amount ${money(amountFils).toFixed(2)} exceeds the transaction's remaining ${money(remaining).toFixed(2)}`);
    } else {
      employee = this.employee(String(input.employeeId));
      const outstanding = this.outstanding(employee).totalFils;
      if (amountFils > outstanding)
        throw new SandboxHttpError(400, 'Repayment not allowed', `Amount ${money(amountFils).toFixed(2)} exceeds the outstanding balance ${money(outstanding).toFixed(2)}`);
    }
    const now = this.now;
    const repayment: RepaymentRecord = {
      id: this.newId(),
      amountFils,
      clientRepaymentReferenceNumber: ref,
      employeeId: employee.id,
      transactionId,
      status: 'completed',
      processedAt: now,
      createdAt: now,
      updatedAt: now,
      description: typeof input.description === 'string' ? input.description : undefined,
      paymentMethod: typeof input.paymentMethod === 'string' ? input.paymentMethod : undefined,
      bankTransactionId: `BTXR${String(this.repayments.length + 1).padStart(7, '0')}`,
    };
    this.repayments.push(repayment);
    return repayment;
  }

  outstanding(employee: SeedEmployee) {
    this.settle();
    const advances = this.transactions
      .filter((t) => t.employeeId === employee.id && t.type === 'advance' && t.status !== 'rejected')
      .sort((a, b) => a.requestedAt - b.requestedAt);
    const allocated = new Map<string, bigint>(advances.map((a) => [a.id, 0n]));
    const owed = (a: TransactionRecord) => a.amountFils + a.feeFils;
    const credits: { amountFils: bigint; transactionId?: string; at: number }[] = [
      ...this.transactions.filter((t) => t.employeeId === employee.id && t.type === 'repayment' && t.status === 'completed').map((t) => ({ amountFils: t.amountFils, at: t.requestedAt })),
      ...this.repayments.filter((r) => r.employeeId === employee.id).map((r) => ({ amountFils: r.amountFils, transactionId: r.transactionId, at: r.createdAt })),
    ];
    let pool = 0n;
    for (const credit of credits) {
      if (credit.transactionId && allocated.has(credit.transactionId)) {
        const advance = advances.find((a) => a.id === credit.transactionId)!;
        const room = owed(advance) - allocated.get(advance.id)!;
        const take = credit.amountFils < room ? credit.amountFils : room;
        allocated.set(advance.id, allocated.get(advance.id)! + take);
        pool += credit.amountFils - take;
      } else pool += credit.amountFils;
    }
    for (const advance of advances) {
      if (pool <= 0n) break;
      const room = owed(advance) - allocated.get(advance.id)!;
      const take = pool < room ? pool : room;
      allocated.set(advance.id, allocated.get(advance.id)! + take);
      pool -= take;
    }
    const today = dubaiYmd(this.now);
    let totalFils = 0n;
    let principalFils = 0n;
    let feeFils = 0n;
    let overdueFils = 0n;
    let earliestOverdue: string | undefined;
    let nextDueDate: string | undefined;
    const perTransaction = new Map<string, { remainingFils: bigint }>();
    for (const advance of advances) {
      const paid = allocated.get(advance.id)!;
      const remaining = owed(advance) - paid;
      perTransaction.set(advance.id, { remainingFils: remaining });
      if (remaining <= 0n) continue;
      const feePaid = paid < advance.feeFils ? paid : advance.feeFils;
      feeFils += advance.feeFils - feePaid;
      principalFils += advance.amountFils - (paid - feePaid);
      totalFils += remaining;
      if (advance.dueDate < today) {
        overdueFils += remaining;
        if (!earliestOverdue || advance.dueDate < earliestOverdue) earliestOverdue = advance.dueDate;
      } else if (!nextDueDate || advance.dueDate < nextDueDate) nextDueDate = advance.dueDate;
    }
    const payments = credits.sort((a, b) => b.at - a.at);
    const daysPastDue = earliestOverdue ? Math.floor((Date.parse(`${today}T00:00:00Z`) - Date.parse(`${earliestOverdue}T00:00:00Z`)) / DAY_MS) : 0;
    return { advances, totalFils, principalFils, feeFils, overdueFils, daysPastDue, nextDueDate, lastPayment: payments[0], perTransaction };
  }

  // ------------------------------------------------------------------ wire formats

  employeeJson(e: SeedEmployee) {
    return {
      id: e.id,
      employeeCode: e.employeeCode,
      firstName: e.firstName,
      lastName: e.lastName,
      department: e.department,
      designation: e.designation,
      phone: e.phone,
      email: e.email,
      dob: e.dob,
      dateOfJoining: e.dateOfJoining,
      accountTitle: e.accountTitle,
      accountNumber: e.accountNumber,
      netSalary: filsToPlainString(e.netSalaryFils),
      emiratesId: e.emiratesId,
      gender: e.gender,
      bankId: e.bankId,
      payrollStartDay: e.payrollStartDay,
      createdAt: iso(e.createdAt),
      updatedAt: iso(e.updatedAt),
      status: e.status,
      organizationId: e.organizationId,
    };
  }

  transactionJson(t: TransactionRecord) {
    return {
      id: t.id,
      employeeId: t.employeeId,
      amount: money(t.amountFils),
      type: t.type,
      status: t.status,
      ...(t.description ? { description: t.description } : {}),
      requestedAt: iso(t.requestedAt),
      processedAt: iso(t.processedAt),
      dueDate: t.dueDate,
      repaymentAmount: money(t.amountFils + t.feeFils),
      interestRate: 0,
      processingFee: money(t.feeFils),
      transactionRef: t.transactionRef,
      ...(t.bankTransactionId ? { bankTransactionId: t.bankTransactionId } : {}),
      ...(t.reason ? { reason: t.reason } : {}),
    };
  }

  employerTransactionJson(t: TransactionRecord) {
    const e = this.employees.get(t.employeeId);
    return {
      id: t.id,
      employeeId: t.employeeId,
      employeeCode: e?.employeeCode ?? '',
      employeeName: e ? `${e.firstName} ${e.lastName}` : '',
      department: e?.department ?? '',
      amount: money(t.amountFils),
      type: t.type,
      status: t.status,
      requestedAt: iso(t.requestedAt),
      processedAt: iso(t.processedAt),
      dueDate: t.dueDate,
      repaymentAmount: money(t.amountFils + t.feeFils),
    };
  }

  repaymentJson(r: RepaymentRecord) {
    return {
      id: r.id,
      amount: money(r.amountFils),
      clientRepaymentReferenceNumber: r.clientRepaymentReferenceNumber,
      employeeId: r.employeeId,
      ...(r.transactionId ? { transactionId: r.transactionId } : {}),
      status: r.status,
      processedAt: iso(r.processedAt),
      createdAt: iso(r.createdAt),
      updatedAt: iso(r.updatedAt),
      ...(r.description ? { description: r.description } : {}),
      ...(r.paymentMethod ? { paymentMethod: r.paymentMethod } : {}),
      bankTransactionId: r.bankTransactionId,
    };
  }

  organizationJson(o: SeedOrganization) {
    const businessType = this.businessTypes.find((b) => b.id === o.businessTypeId);
    return {
      id: o.id,
      deletedDate: null,
      name: o.name,
      organizationNumber: o.organizationNumber,
      industry: o.industry,
      managementAlias: o.managementAlias,
      organizationType: o.organizationType,
      active: o.active,
      creditLimit: money(o.creditLimitFils),
      address: o.address,
      city: o.city,
      phone: o.phone,
      email: o.email,
      payrollStartDay: o.payrollStartDay,
      businessTypeId: o.businessTypeId,
      ...(businessType ? { businessType } : {}),
      ...(o.parentOrganizationId ? { parentOrganizationId: o.parentOrganizationId, parentOrganizations: { parentOrganizationId: o.parentOrganizationId } } : {}),
      createdAt: iso(o.createdAt),
      updatedAt: iso(o.updatedAt),
    };
  }

  outstandingJson(e: SeedEmployee) {
    const o = this.outstanding(e);
    const json = {
      employeeId: e.id,
      employeeCode: e.employeeCode,
      employeeName: `${e.firstName} ${e.lastName}`,
      totalOutstanding: money(o.totalFils),
      principalAmount: money(o.principalFils),
      interestAmount: 0,
      penaltyAmount: 0,
      processingFee: money(o.feeFils),
      overdueAmount: money(o.overdueFils),
      daysPastDue: o.daysPastDue,
      ...(o.nextDueDate ? { nextDueDate: o.nextDueDate } : {}),
      ...(o.lastPayment ? { lastPaymentDate: dubaiYmd(o.lastPayment.at) } : {}),
      lastPaymentAmount: o.lastPayment ? money(o.lastPayment.amountFils) : 0,
      transactionHistory: o.advances.map((a) => ({
        id: a.id,
        amount: money(a.amountFils),
        type: 'advance',
        status: a.status,
        date: dubaiYmd(a.requestedAt),
        dueDate: a.dueDate,
        remainingAmount: money(o.perTransaction.get(a.id)?.remainingFils ?? 0n),
        ...(a.description ? { description: a.description } : {}),
      })),
    };
    return { json, totalFils: o.totalFils, overdueFils: o.overdueFils, hasHistory: o.advances.length > 0 };
  }
}

/** `800000n` → `"8000"`, `812345n` → `"8123.45"`: the shape of the SDK's examples (`"8000"`). */
export function filsToPlainString(fils: bigint): string {
  const whole = fils / 100n;
  const cents = fils % 100n;
  return cents === 0n ? whole.toString() : `${whole}.${cents.toString().padStart(2, '0')}`;
}

export { dubaiYmd, ymd, DAY_MS };
