import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AbhiConflictError,
  AbhiNotFoundError,
  AbhiRequestValidationError,
  AbhiResponseFormatError,
  AbhiValidationError,
  type AbhiClient,
  type Employee,
} from '#shared/abhi/client';
import type { RecordingMetricsSink } from '#shared/abhi/telemetry';
import { startAbhiSandbox, type AbhiSandbox } from '../../infra/local/abhi-sandbox/server';
import { abhiEmployeeInput, CREDENTIALS, instance, sleep, uniquePrefix } from './helpers';

const iso = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
const uuid = expect.stringMatching(/^[0-9a-f-]{36}$/);
// 20 March 2025, 12:00 in Dubai: day 20 of 31 for the advance limit.
const NOW = Date.UTC(2025, 2, 20, 8, 0, 0);

const newEmployee = (bankId: string, suffix: string) => abhiEmployeeInput(bankId, `EMP-T-${suffix}`);

describe('Abhi client contract: every method against the sandbox (DynamoDB-backed client)', () => {
  let sandbox: AbhiSandbox;
  let client: AbhiClient;
  let metrics: RecordingMetricsSink;
  let employees: Employee[];
  let bankId: string;

  beforeAll(async () => {
    sandbox = await startAbhiSandbox({ port: 0, credentials: CREDENTIALS, rateLimit: false, clock: () => NOW });
    ({ client, metrics } = instance(sandbox, uniquePrefix()));
  });
  afterAll(() => sandbox.stop());

  it('master data: banks and business types (under /business), filters, pagination, get', async () => {
    const banks = await client.masterData.listBanks({ country: 'UAE', active: true, limit: 100 });
    expect(banks.total).toBe(10);
    expect(banks.results[0]).toEqual({ id: uuid, name: expect.any(String), code: expect.any(String), country: 'UAE', isActive: true, swiftCode: expect.any(String), bankType: expect.any(String) });
    bankId = banks.results[0]!.id;
    await expect(client.masterData.getBank(bankId)).resolves.toMatchObject({ id: bankId });
    const all = await client.masterData.listBanks({ limit: 100 });
    expect(all.total).toBe(11);
    const types = await client.masterData.listBusinessTypes({ limit: 3, page: 2 });
    expect(types.total).toBe(9);
    expect(types.results).toHaveLength(3);
    const first = await client.masterData.listBusinessTypes({ limit: 3, page: 1 });
    expect(first.results.map((t) => t.id)).not.toEqual(types.results.map((t) => t.id)); // page is honoured
    await expect(client.masterData.getBusinessType(types.results[0]!.id)).resolves.toMatchObject({ id: types.results[0]!.id, name: expect.any(String), country: 'UAE' });
  });

  it('employees: list with filters and pages, listAll, get, search, findByCode, create, update, delete', async () => {
    const page1 = await client.employees.list({ page: 1, limit: 7 });
    const page3 = await client.employees.list({ page: 3, limit: 7 });
    expect(page1.total).toBe(20);
    expect(page3.results).toHaveLength(6);
    employees = await client.employees.listAll();
    expect(employees).toHaveLength(20);
    expect(new Set(employees.map((e) => e.id)).size).toBe(20);
    const e = employees[0]!;
    expect(e).toMatchObject({
      id: uuid,
      employeeCode: expect.stringMatching(/^EMP-\d{4}$/),
      netSalary: expect.stringMatching(/^\d+(\.\d{1,2})?$/),
      emiratesId: expect.stringMatching(/^784-\d{4}-\d{7}-\d$/),
      accountNumber: expect.stringMatching(/^AE\d{21}$/),
      phone: expect.stringMatching(/^\+9715\d{8}$/),
      payrollStartDay: 1,
      createdAt: iso,
      updatedAt: iso,
    });
    expect((await client.employees.list({ status: 'inactive', limit: 50 })).total).toBe(2);
    expect((await client.employees.list({ department: e.department!, limit: 50 })).results.every((x) => x.department === e.department)).toBe(true);
    await expect(client.employees.get(e.id)).resolves.toEqual(e);
    expect((await client.employees.search(e.lastName!)).results.some((x) => x.id === e.id)).toBe(true);
    await expect(client.employees.findByCode(e.employeeCode)).resolves.toMatchObject({ id: e.id });

    const suffix = randomUUID().slice(0, 8).toUpperCase();
    await client.employees.createOne(newEmployee(bankId, suffix));
    const created = await client.employees.findByCode(`EMP-T-${suffix}`);
    expect(created).toMatchObject({ id: uuid, netSalary: '9000', status: 'active' });
    await expect(client.employees.createOne(newEmployee(bankId, suffix))).rejects.toBeInstanceOf(AbhiConflictError);
    await client.employees.create([newEmployee(bankId, `${suffix}B`), newEmployee(bankId, `${suffix}C`)]);
    expect((await client.employees.list({ search: `EMP-T-${suffix}` })).total).toBe(3);

    await client.employees.get(created!.id); // cached now
    await client.employees.updateOne({ ...newEmployee(bankId, suffix), id: created!.id, designation: 'Site Manager', netSalary: '9500.50', emiratesId: created!.emiratesId! });
    await expect(client.employees.get(created!.id)).resolves.toMatchObject({ designation: 'Site Manager', netSalary: '9500.50' }); // invalidated by the update
    await client.employees.delete(created!.id);
    await expect(client.employees.get(created!.id)).rejects.toBeInstanceOf(AbhiNotFoundError);
  });

  it('transactions: validate, createAdvance, history, balance, status, employer list/status, questions/answers, repayment transaction', async () => {
    const e = employees.find((x) => x.status === 'active' && x.employeeCode >= 'EMP-1005')!;
    const salaryFils = BigInt(Math.round(Number(e.netSalary) * 100));
    const limitFils = (salaryFils * 20n * 50n) / (31n * 100n); // 50 % of 20/31 of the salary
    const before = await client.transactions.monthlyBalance(e.id, { month: 3, year: 2025 });
    expect(before).toEqual({
      employeeId: e.id,
      balance: {
        month: '03',
        year: 2025,
        grossSalary: Number(e.netSalary),
        netSalary: Number(e.netSalary),
        availableAmount: Number(limitFils) / 100,
        usedAmount: 0,
        pendingAmount: 0,
        lastUpdated: iso,
      },
    });
    const validation = await client.transactions.validate({ employeeId: e.id, amount: 100 });
    expect(validation).toEqual({ isValid: true, maxAmount: Number(limitFils) / 100, availableAmount: Number(limitFils) / 100, message: expect.any(String), validationErrors: [] });
    expect((await client.transactions.validate({ employeeId: e.id, amount: Number(limitFils) / 100 + 0.01 })).isValid).toBe(false);

    const reference = `req-${randomUUID()}`;
    const advance = await client.transactions.createAdvance({ employeeId: e.id, amount: 100, reference, description: 'Contract test' });
    expect(advance).toEqual({
      id: uuid,
      employeeId: e.id,
      amount: 100,
      type: 'advance',
      status: 'pending',
      description: `Contract test ref:${reference}`,
      requestedAt: iso,
      processedAt: undefined,
      dueDate: '2025-04-01',
      repaymentAmount: 115,
      interestRate: 0,
      processingFee: 15,
      transactionRef: expect.stringMatching(/^TXN-20250320-\d{6}$/),
      bankTransactionId: undefined,
      reason: undefined,
    });
    // The balance cache was invalidated by the write: the pending advance shows at once.
    const after = await client.transactions.monthlyBalance(e.id, { month: 3, year: 2025 });
    expect(after.balance).toMatchObject({ pendingAmount: 100, availableAmount: Number(limitFils - 10_000n) / 100 });
    await expect(client.transactions.findAdvanceByReference(e.id, reference)).resolves.toMatchObject({ id: advance.id });

    const history = await client.transactions.history(e.id, { type: 'advance', startDate: '2025-03-01', endDate: '2025-03-31' });
    expect(history).toMatchObject({ employeeId: e.id, totalCount: 1, transactions: [{ id: advance.id }] });
    await expect(client.transactions.status(advance.id)).resolves.toEqual({ transactionId: advance.id, status: 'pending', message: expect.any(String), lastUpdated: iso });
    await expect(client.transactions.employerStatus(advance.id)).resolves.toMatchObject({ transactionId: advance.id, status: 'pending' });
    const pending = await client.transactions.employerList({ status: 'pending', employeeCode: e.employeeCode });
    expect(pending.results).toEqual([
      {
        id: advance.id,
        employeeId: e.id,
        employeeCode: e.employeeCode,
        employeeName: `${e.firstName} ${e.lastName}`,
        department: e.department,
        amount: 100,
        type: 'advance',
        status: 'pending',
        requestedAt: iso,
        processedAt: undefined,
        dueDate: '2025-04-01',
        repaymentAmount: 115,
      },
    ]);

    const questions = await client.transactions.validationQuestions(advance.id);
    expect(questions.transactionId).toBe(advance.id);
    expect(questions.questions.map((q) => q.type)).toEqual(['text', 'yes_no', 'multiple_choice']);
    const wrong = await client.transactions.submitValidationAnswers({ transactionId: advance.id, answers: [{ questionId: 'q1', answer: 'nope' }] });
    expect(wrong).toMatchObject({ transactionId: advance.id, isValid: false });
    const right = await client.transactions.submitValidationAnswers({
      transactionId: advance.id,
      answers: [
        { questionId: 'q1', answer: e.employeeCode },
        { questionId: 'q2', answer: 'yes' },
        { questionId: 'q3', answer: e.department! },
      ],
    });
    expect(right).toEqual({ transactionId: advance.id, isValid: true, message: expect.any(String) });
    await expect(client.transactions.status(advance.id)).resolves.toMatchObject({ status: 'approved' }); // status cache invalidated

    const repayment = await client.transactions.createRepayment({ employeeId: e.id, amount: 15, reference: `rep-${randomUUID()}` });
    expect(repayment).toMatchObject({ type: 'repayment', status: 'completed', amount: 15 });
    await expect(client.transactions.createAdvance({ employeeId: e.id, amount: 1_000_000, reference: `req-${randomUUID()}` })).rejects.toBeInstanceOf(AbhiValidationError);
  });

  it('organizations: list (sorting, inactive), get, create with the double-nested answer', async () => {
    const active = await client.organizations.list({ limit: 50 });
    expect(active.total).toBe(4);
    const all = await client.organizations.list({ limit: 50, showInactive: true, column: 'organizations.name', order: 'DESC' });
    expect(all.total).toBe(5);
    expect(all.results.map((o) => o.name)).toEqual([...all.results.map((o) => o.name)].sort().reverse());
    const root = all.results.find((o) => o.organizationType === 'root')!;
    const child = all.results.find((o) => o.parentOrganizationId === root.id)!;
    expect(child).toMatchObject({ id: uuid, createdAt: iso, updatedAt: iso, deletedDate: undefined, parentOrganizations: { parentOrganizationId: root.id }, businessType: { id: child.businessTypeId } });
    await expect(client.organizations.get(child.id)).resolves.toMatchObject({ id: child.id, name: child.name });
    const typeId = (await client.masterData.listBusinessTypes({ active: true, limit: 1 })).results[0]!.id;
    const alias = `contract_${randomUUID().slice(0, 8)}`;
    const created = await client.organizations.create({ name: 'Contract Test LLC', industry: 'Retail', businessTypeId: typeId, address: 'Unit 1, Al Quoz', city: 'Dubai', managementAlias: alias, creditLimit: 250000 });
    expect(created).toEqual({
      message: expect.any(String),
      data: {
        organizationId: uuid,
        users: {
          admin: { username: `${alias}.admin`, password: expect.any(String), MFAsecret: expect.any(String) },
          operator: { username: `${alias}.operator`, password: expect.any(String), MFAsecret: expect.any(String) },
          support: undefined,
        },
      },
    });
    // The organizations cache was invalidated by the create.
    expect((await client.organizations.list({ limit: 50 })).total).toBe(5);
    await expect(
      client.organizations.create({ name: 'Again', industry: 'Retail', businessTypeId: typeId, address: 'x', city: 'Dubai', managementAlias: alias, creditLimit: 1 }),
    ).rejects.toBeInstanceOf(AbhiConflictError);
  });

  it('repayments: create, duplicate reference 409, list by reference, get, outstanding with summary', async () => {
    const e = employees[0]!; // has a seeded advance of 300 + 15 fee, 100 repaid
    const before = await client.repayments.employeeOutstanding(e.id);
    expect(before).toMatchObject({ employeeId: e.id, totalOutstanding: 215, principalAmount: 215, processingFee: 0, transactionHistory: [expect.objectContaining({ remainingAmount: 215 })] });
    const ref = `REPAY-${randomUUID()}`;
    const created = await client.repayments.create({ amount: 65.5, clientRepaymentReferenceNumber: ref, employeeId: e.id, paymentMethod: 'bank_transfer' });
    expect(created).toEqual({
      repayment: {
        id: uuid,
        amount: 65.5,
        clientRepaymentReferenceNumber: ref,
        employeeId: e.id,
        transactionId: undefined,
        status: 'completed',
        processedAt: iso,
        createdAt: iso,
        updatedAt: iso,
        description: undefined,
        paymentMethod: 'bank_transfer',
        bankTransactionId: expect.any(String),
      },
      message: expect.any(String),
      status: 'completed',
    });
    await expect(client.repayments.create({ amount: 1, clientRepaymentReferenceNumber: ref, employeeId: e.id })).rejects.toBeInstanceOf(AbhiConflictError);
    await expect(client.repayments.findByReference(ref)).resolves.toMatchObject({ id: created.repayment.id });
    await expect(client.repayments.get(created.repayment.id)).resolves.toMatchObject({ id: created.repayment.id, amount: 65.5 });
    expect((await client.repayments.list({ employeeId: e.id, minAmount: 60, limit: 10 })).results.map((r) => r.id)).toContain(created.repayment.id);
    // Outstanding reflects the repayment at once (its cache entry was invalidated).
    await expect(client.repayments.employeeOutstanding(e.id)).resolves.toMatchObject({ totalOutstanding: 149.5 });
    const all = await client.repayments.outstanding({ limit: 100 });
    expect(all.summary).toMatchObject({ totalEmployees: all.total, totalOutstanding: expect.any(Number) });
    expect(all.results.every((r) => r.totalOutstanding > 0)).toBe(true);
  });

  it('auth endpoints: me, session, validate, MFA, employer/employee/refresh logins, password change and reset, logout', async () => {
    await expect(client.auth.getCurrentUser()).resolves.toMatchObject({ username: CREDENTIALS.username, role: 'third_party', isActive: true });
    const session = await client.auth.getSessionInfo();
    expect(session).toMatchObject({ user: { username: CREDENTIALS.username }, token: expect.any(String), expiresAt: iso, loginTime: iso, lastActivity: iso });
    await expect(client.auth.validateToken()).resolves.toBe(true);

    const setup = await client.auth.setupMfa({ method: 'totp' });
    expect(setup).toMatchObject({ method: 'totp', isEnabled: false, secret: expect.stringMatching(/^[A-Z2-7]+$/), backupCodes: expect.any(Array) });
    const verified = await client.auth.verifyMfa({ token: session.token!, code: setup.backupCodes![0]! });
    expect(verified).toMatchObject({ token: session.token, tokenType: 'Bearer' });
    await expect(client.auth.getMfaStatus()).resolves.toEqual({ method: 'totp', isEnabled: true, secret: undefined, qrCode: undefined, backupCodes: undefined });
    await client.auth.disableMfa();
    await expect(client.auth.getMfaStatus()).resolves.toMatchObject({ isEnabled: false });

    const employer = await client.auth.employerLogin(sandbox.users.employer);
    expect(employer).toMatchObject({ token: expect.any(String), refreshToken: expect.any(String), expiresIn: 86_400, user: { role: 'employer' } });
    const refreshed = await client.auth.refreshToken({ refreshToken: employer.refreshToken! });
    expect(refreshed.token).not.toBe(employer.token);
    const worker = employees.find((x) => x.status === 'active')!;
    const employeeSession = await client.auth.employeeLogin({ username: worker.email!, password: sandbox.users.employeePassword, emiratesId: worker.emiratesId! });
    expect(employeeSession.user).toMatchObject({ role: 'employee', username: worker.email });

    await client.auth.requestPasswordReset({ username: sandbox.users.employer.username });
    const resetToken = (sandbox.state().records.passwordResets as { token: string }[]).at(-1)!.token;
    await client.auth.confirmPasswordReset({ token: resetToken, newPassword: 'Employer#2025!', confirmPassword: 'Employer#2025!' });
    await expect(client.auth.employerLogin({ username: sandbox.users.employer.username, password: 'Employer#2025!' })).resolves.toMatchObject({ token: expect.any(String) });

    await client.auth.changePassword({ currentPassword: CREDENTIALS.password, newPassword: 'temporary-password-1', confirmPassword: 'temporary-password-1' });
    await client.auth.changePassword({ currentPassword: 'temporary-password-1', newPassword: CREDENTIALS.password, confirmPassword: CREDENTIALS.password });

    // thirdPartyLogin with the fleet user revokes the shared token; the fleet recovers with one re-login.
    const loginsBefore = sandbox.state().logins;
    await client.auth.thirdPartyLogin({ username: CREDENTIALS.username, password: CREDENTIALS.password, clientId: 'contract-test' });
    await expect(client.auth.getCurrentUser()).resolves.toMatchObject({ username: CREDENTIALS.username });
    expect(sandbox.state().logins).toBe(loginsBefore + 2);

    // logout ends the fleet session and forgets the stored token; the next call logs in again.
    await client.auth.logout();
    expect(sandbox.state().activeSessions).not.toContain(CREDENTIALS.username);
    await client.employees.list({ limit: 1 });
    expect(sandbox.state().logins).toBe(loginsBefore + 3);
    expect(sandbox.state().unauthorized).toBe(1); // only the call after thirdPartyLogin met a 401
  });

  it('errors are typed and name the endpoint; invalid requests are refused before sending; malformed answers are errors', async () => {
    const notFound = await client.employees.get('9b5fcf65-5fca-4acf-a3a5-6f79055644e1').catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(AbhiNotFoundError);
    expect(notFound).toMatchObject({ statusCode: 404, operation: 'employees.get', endpoint: 'GET /employees/{employeeId}', abhiMessage: 'Not Found' });
    expect((notFound as Error).message).toContain('API Error [404]');

    const requestsBefore = sandbox.state().requests;
    const invalid = await client.transactions.createAdvance({ employeeId: employees[2]!.id, amount: 10.005, reference: 'bad ref with spaces' }).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(AbhiRequestValidationError);
    const invalidAmount = await client.transactions.validate({ employeeId: employees[2]!.id, amount: 10.005 }).catch((e: unknown) => e);
    expect((invalidAmount as AbhiRequestValidationError).fieldErrors).toEqual([{ field: 'amount', message: 'must have at most 2 decimals (AED)' }]);
    const badEmployee = await client.employees.createOne({ ...newEmployee('not-a-uuid', 'X'), netSalary: 9000 as unknown as string }).catch((e: unknown) => e);
    expect((badEmployee as AbhiRequestValidationError).fieldErrors.map((f) => f.field).sort()).toEqual(['bankId', 'netSalary']);
    expect(sandbox.state().requests).toBe(requestsBefore);

    sandbox.setFaults({ malformedRate: 1, paths: ['/business'], count: 1 });
    const truncated = await client.masterData.listBusinessTypes({ limit: 2, country: 'UAE' }).catch((e: unknown) => e);
    expect(truncated).toBeInstanceOf(AbhiResponseFormatError);
    expect((truncated as Error).message).toContain('masterData.listBusinessTypes (GET /business)');
    sandbox.setFaults({ malformedRate: 1, malformedKind: 'shape', paths: ['/employees/*'], count: 1 });
    const wrongShape = await client.employees.get(employees[3]!.id, { bypassCache: true }).catch((e: unknown) => e);
    expect(wrongShape).toBeInstanceOf(AbhiResponseFormatError);
    expect((wrongShape as AbhiResponseFormatError).endpoint).toBe('GET /employees/{employeeId}');
  });

  it('caches reads per kind with TTL and explicit invalidation', async () => {
    const { client: cached, metrics: m } = instance(sandbox, uniquePrefix(), { cacheTtlMs: { banks: 300 } });
    const requests = () => sandbox.state().requestLog.filter((r) => r.path === '/banks').length;
    const before = requests();
    await cached.masterData.listBanks({ limit: 5 });
    await cached.masterData.listBanks({ limit: 5 });
    expect(requests()).toBe(before + 1);
    expect(m.sum('AbhiCacheHit')).toBe(1);
    expect(m.sum('AbhiCacheMiss')).toBe(1);
    await cached.invalidate('banks');
    await cached.masterData.listBanks({ limit: 5 });
    expect(requests()).toBe(before + 2);
    await sleep(350); // expired entries are filtered on read (TTL deletion is lazy)
    await cached.masterData.listBanks({ limit: 5 });
    expect(requests()).toBe(before + 3);
    expect(m.records.find((r) => r.name === 'AbhiCallLatency' && r.dimensions?.AbhiOutcome === 'cache_hit')?.dimensions).toEqual({ AbhiGroup: 'masterdata', AbhiOutcome: 'cache_hit' });
    expect(metrics.count('AbhiCallLatency')).toBeGreaterThan(20);
  });
});
