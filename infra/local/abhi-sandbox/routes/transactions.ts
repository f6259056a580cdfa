import { SandboxHttpError, dubaiDate, dubaiYmd, iso, type SandboxDomain, type TransactionRecord } from '../domain';
import { bad, dateFilter, intParam, isYmd, ok, paginate, str, type AddRoute } from './route-kit';

/** Sandbox routes for the /transactions endpoints: advances, history, balance, status, employer validation. */
export function transactionsRoutes(route: AddRoute, domain: SandboxDomain): void {
  route('POST', '/transactions/employee/validate', (ctx) => {
    const employeeId = str(ctx.body.employeeId);
    if (!employeeId) throw bad('employeeId is required');
    const check = domain.validateAdvance(employeeId, ctx.body.amount);
    return ok({
      isValid: check.isValid,
      maxAmount: Number(check.balance.limitFils) / 100,
      availableAmount: Number(check.balance.availableFils) / 100,
      message: check.message,
      ...(check.errors.length ? { validationErrors: check.errors } : {}),
    });
  });
  route('POST', '/transactions/employee', (ctx) => {
    const employeeId = str(ctx.body.employeeId);
    if (!employeeId) throw bad('employeeId is required');
    const type = ctx.body.type;
    const description = typeof ctx.body.description === 'string' ? ctx.body.description : undefined;
    if (ctx.body.dueDate !== undefined && ctx.body.dueDate !== '' && !isYmd(ctx.body.dueDate)) throw bad('dueDate must be YYYY-MM-DD');
    let tx: TransactionRecord;
    if (type === 'advance') tx = domain.createAdvance(employeeId, ctx.body.amount, description, (ctx.body.dueDate as string) || undefined);
    else if (type === 'repayment') tx = domain.createRepaymentTransaction(employeeId, ctx.body.amount, description);
    else throw bad('type must be advance or repayment');
    return ok(domain.transactionJson(tx), 201, 'Transaction created');
  });
  route('GET', '/transactions/employee/:id/history', (ctx) => {
    const employeeId = ctx.params[0]!;
    domain.settle();
    const all = domain.transactions.filter((t) => t.employeeId === employeeId);
    if (!domain.employees.has(employeeId) && all.length === 0) throw new SandboxHttpError(404, 'Not Found', `Employee ${employeeId} not found`);
    const status = ctx.query.get('status');
    const type = ctx.query.get('type');
    const inRange = dateFilter(ctx.query, 'startDate', 'endDate');
    const filtered = all
      .filter((t) => (!status || t.status === status) && (!type || t.type === type) && inRange(dubaiYmd(t.requestedAt)))
      .sort((a, b) => b.requestedAt - a.requestedAt || b.transactionRef.localeCompare(a.transactionRef));
    const page = paginate(filtered, ctx.query);
    return ok({ employeeId, totalCount: page.total, transactions: page.results.map((t) => domain.transactionJson(t)) });
  });
  route('GET', '/transactions/employee/:id/balance', (ctx) => {
    const employee = domain.employee(ctx.params[0]!);
    const today = dubaiDate(domain.now);
    const month = intParam(ctx.query, 'month', today.month, 0, 12) || today.month;
    const year = intParam(ctx.query, 'year', today.year, 0, 9999) || today.year;
    const b = domain.monthlyBalance(employee, year, month);
    const salary = Number(employee.netSalaryFils) / 100;
    return ok({
      employeeId: employee.id,
      balance: {
        month: String(month).padStart(2, '0'),
        year,
        grossSalary: salary,
        netSalary: salary,
        availableAmount: Number(b.availableFils) / 100,
        usedAmount: Number(b.usedFils) / 100,
        pendingAmount: Number(b.pendingFils) / 100,
        lastUpdated: iso(b.lastUpdated),
      },
    });
  });
  const statusReply = (tx: TransactionRecord) =>
    ok({
      transactionId: tx.id,
      status: tx.status,
      message:
        tx.status === 'pending'
          ? 'Awaiting processing'
          : tx.status === 'approved'
            ? 'Approved by the employer'
            : tx.status === 'completed'
              ? 'Processed'
              : (tx.reason ?? 'Rejected'),
      lastUpdated: iso(tx.processedAt ?? tx.requestedAt),
    });
  route('GET', '/transactions/employee/:id/status', (ctx) => statusReply(domain.transaction(ctx.params[0]!)));
  route('GET', '/transactions/employer/:id/status', (ctx) => statusReply(domain.transaction(ctx.params[0]!)));
  route('GET', '/transactions/employer', (ctx) => {
    domain.settle();
    const status = ctx.query.get('status');
    const type = ctx.query.get('type');
    const employeeCode = ctx.query.get('employeeCode');
    const department = ctx.query.get('department')?.toLowerCase();
    const inRange = dateFilter(ctx.query, 'startDate', 'endDate');
    const filtered = domain.transactions
      .filter((t) => {
        const e = domain.employees.get(t.employeeId);
        return (
          (!status || t.status === status) &&
          (!type || t.type === type) &&
          (!employeeCode || e?.employeeCode === employeeCode) &&
          (!department || e?.department.toLowerCase() === department) &&
          inRange(dubaiYmd(t.requestedAt))
        );
      })
      .sort((a, b) => b.requestedAt - a.requestedAt || b.transactionRef.localeCompare(a.transactionRef));
    const page = paginate(filtered, ctx.query);
    return ok({ total: page.total, results: page.results.map((t) => domain.employerTransactionJson(t)) });
  });
  const questionsFor = (tx: TransactionRecord) => {
    const employee = domain.employees.get(tx.employeeId);
    const departments = [...new Set([employee?.department ?? 'Operations', 'Finance', 'Security', 'Logistics', 'Operations'])].slice(0, 4).sort();
    return [
      { id: 'q1', question: "Enter the employee's code", type: 'text', required: true },
      { id: 'q2', question: 'Is the employee currently employed with you?', type: 'yes_no', required: true, options: ['yes', 'no'] },
      { id: 'q3', question: 'Which department does the employee work in?', type: 'multiple_choice', required: true, options: departments },
    ];
  };
  route('POST', '/transactions/employer/validate-questions', (ctx) => {
    const tx = domain.transaction(str(ctx.body.transactionId));
    return ok({ transactionId: tx.id, questions: questionsFor(tx) });
  });
  route('POST', '/transactions/employer/validate-answers', (ctx) => {
    const tx = domain.transaction(str(ctx.body.transactionId));
    if (!Array.isArray(ctx.body.answers) || ctx.body.answers.length === 0) throw bad('answers must be a non-empty array');
    const answers = new Map<string, string>();
    for (const a of ctx.body.answers as Record<string, unknown>[]) answers.set(str(a?.questionId), str(a?.answer).toLowerCase());
    const employee = domain.employees.get(tx.employeeId);
    const expected: Record<string, string> = { q1: (employee?.employeeCode ?? '').toLowerCase(), q2: 'yes', q3: (employee?.department ?? '').toLowerCase() };
    const missing = Object.keys(expected).filter((q) => !answers.has(q));
    const wrong = Object.keys(expected).filter((q) => answers.has(q) && answers.get(q) !== expected[q]);
    const isValid = missing.length === 0 && wrong.length === 0;
    if (isValid && tx.status === 'pending') {
      tx.status = 'approved';
      tx.processedAt = domain.now;
    }
    return ok({
      transactionId: tx.id,
      isValid,
      message: isValid ? 'Answers verified' : missing.length ? `Missing answers: ${missing.join(', ')}` : `Incorrect answers: ${wrong.join(', ')}`,
    });
  });
}
