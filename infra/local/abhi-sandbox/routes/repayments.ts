import { SandboxHttpError, dubaiYmd, type SandboxDomain } from '../domain';
import { dateFilter, money, ok, paginate, type AddRoute } from './route-kit';

/** Sandbox routes for the /repayments endpoints and outstanding balances. */
export function repaymentsRoutes(route: AddRoute, domain: SandboxDomain): void {
  route('POST', '/repayments', (ctx) => {
    const repayment = domain.createRepayment(ctx.body);
    return ok({ repayment: domain.repaymentJson(repayment), message: 'Repayment recorded', status: repayment.status }, 201, 'Created');
  });
  route('GET', '/repayments/outstanding', (ctx) => {
    const employeeId = ctx.query.get('employeeId');
    const employeeCode = ctx.query.get('employeeCode');
    const department = ctx.query.get('department')?.toLowerCase();
    const min = money(ctx.query, 'minAmount');
    const max = money(ctx.query, 'maxAmount');
    const overdue = ctx.query.get('overdue') === 'true';
    const rows = [...domain.employees.values()]
      .filter((e) => (!employeeId || e.id === employeeId) && (!employeeCode || e.employeeCode === employeeCode) && (!department || e.department.toLowerCase() === department))
      .map((e) => domain.outstandingJson(e))
      .filter(
        (o) =>
          (employeeId ? true : o.totalFils > 0n) &&
          (min === undefined || o.totalFils >= min) &&
          (max === undefined || o.totalFils <= max) &&
          (!overdue || o.overdueFils > 0n),
      );
    const totalFils = rows.reduce((sum, o) => sum + o.totalFils, 0n);
    const overdueFils = rows.reduce((sum, o) => sum + o.overdueFils, 0n);
    const page = paginate(rows, ctx.query);
    return ok({
      total: page.total,
      results: page.results.map((o) => o.json),
      summary: {
        totalEmployees: rows.length,
        totalOutstanding: Number(totalFils) / 100,
        totalOverdue: Number(overdueFils) / 100,
        averageOutstanding: rows.length ? Number(totalFils / BigInt(rows.length)) / 100 : 0,
        employeesWithOverdue: rows.filter((o) => o.overdueFils > 0n).length,
      },
    });
  });
  route('GET', '/repayments', (ctx) => {
    const employeeId = ctx.query.get('employeeId');
    const status = ctx.query.get('status');
    const ref = ctx.query.get('clientRepaymentReferenceNumber');
    const min = money(ctx.query, 'minAmount');
    const max = money(ctx.query, 'maxAmount');
    const inRange = dateFilter(ctx.query, 'startDate', 'endDate');
    const filtered = domain.repayments
      .filter(
        (r) =>
          (!employeeId || r.employeeId === employeeId) &&
          (!status || r.status === status) &&
          (!ref || r.clientRepaymentReferenceNumber === ref) &&
          (min === undefined || r.amountFils >= min) &&
          (max === undefined || r.amountFils <= max) &&
          inRange(dubaiYmd(r.createdAt)),
      )
      .sort((a, b) => b.createdAt - a.createdAt);
    const page = paginate(filtered, ctx.query);
    return ok({ total: page.total, results: page.results.map((r) => domain.repaymentJson(r)) });
  });
  route('GET', '/repayments/:id', (ctx) => {
    const repayment = domain.repayments.find((r) => r.id === ctx.params[0]);
    if (!repayment) throw new SandboxHttpError(404, 'Not Found', `Repayment ${ctx.params[0]} not found`);
    return ok(domain.repaymentJson(repayment));
  });
}
