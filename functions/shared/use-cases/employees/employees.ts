import type { Employee as AbhiEmployee } from '#shared/abhi/schemas';
import { AbhiNotFoundError } from '#shared/abhi/errors';
import { TenantAccessDeniedError } from '#shared/auth/errors';
import { assertCanAccessEmployee } from '#shared/auth/tenant';
import { ConflictError, NotFoundError, UpstreamError, ValidationError } from '#shared/domain/errors';
import { recordEvent } from '#shared/events/record';
import { logger, metrics } from '#shared/observability';
import type { Page } from '#shared/schemas/common';
import type { CreateEmployeeInput, EmployeeView, ListEmployeesQuery, UpdateEmployeeInput } from '#shared/schemas/employees';
import type { NotificationLocale } from '#shared/schemas/common';
import type { EmployeeRecord, EmployeeRow } from '#shared/use-cases/ports/employee-store';
import type { OrganizationRow } from '#shared/use-cases/ports/organization-store';
import { assertOrganizationAccess, ensureOrganizationMirrored, isDescendantIn, organizationScope, resolveTargetOrganization } from '../organizations/organization-access';
import { callAbhi, translateAbhiError } from '../abhi-errors';
import type { BusinessDeps, EmployeeDeps, EmployeeListDeps, MirrorStores, UseCaseContext } from './context';
import {
  changedColumns,
  mirroredColumns,
  netSalaryString,
  recordFromFields,
  sealSensitive,
  sensitiveChanges,
  toAbhiInput,
  toEmployeeView,
  type EmployeeFields,
} from './employee-mapping';
import { abhiCallOptions, type Invocation } from '#shared/use-cases/invocation';

/**
 * Employees: Abhi holds the employee; PostgreSQL mirrors it with the platform's tenant (organization) and is the
 * system of record for everything local. Every local change writes its domain event to the outbox in the same
 * transaction and is published right after the commit.
 */

const PG_UNIQUE_VIOLATION = '23505';

// ---------------------------------------------------------------- create

export async function createEmployee(deps: EmployeeDeps, ctx: UseCaseContext, input: CreateEmployeeInput): Promise<EmployeeView> {
  const { organizationId: requested, preferredLocale, ...fields } = input;
  const organization = await resolveTargetOrganization(deps, ctx, requested);
  if (await deps.employees.findByCode(deps.db, organization.id, fields.employeeCode)) {
    throw new ConflictError(`An employee with code ${fields.employeeCode} already exists in this organization.`);
  }
  const { row, eventId } = await createAtAbhiAndMirror(deps, ctx, organization, fields, preferredLocale ? { preferredLocale } : {});
  await deps.publishEvents([eventId]);
  return toEmployeeView(row);
}

/**
 * Creates the employee at Abhi, finds the id Abhi gave it (POST /employees returns none), and inserts the mirror row
 * with its `employee.created` event in one transaction. Does not publish (callers batch that).
 */
export async function createAtAbhiAndMirror(
  deps: Pick<BusinessDeps, 'abhi' | 'cipher' | 'transaction'> & Pick<MirrorStores, 'employees'>,
  ctx: Invocation,
  organization: Pick<OrganizationRow, 'id'>,
  fields: EmployeeFields,
  options: { sealed?: Awaited<ReturnType<typeof sealSensitive>>; source?: string; preferredLocale?: NotificationLocale } = {},
): Promise<{ row: EmployeeRow; eventId: string }> {
  await callAbhi('Employee', () => deps.abhi.employees.createOne(toAbhiInput(fields), abhiCallOptions(ctx)));
  const created = await findAtAbhiByCode(deps, ctx, fields.employeeCode);
  if (!created) {
    throw new UpstreamError(502, 'EXTERNAL_API_ERROR', 'Abhi accepted the employee but does not return it yet; retry the request later.');
  }
  const sealed = options.sealed ?? (await sealSensitive(deps.cipher, fields));
  const record = { ...recordFromFields(created.id, organization.id, fields, sealed), ...(options.preferredLocale ? { preferredLocale: options.preferredLocale } : {}) };
  return insertMirror(deps, ctx, record, 'employee.created', options.source ?? 'api');
}

/**
 * Abhi's record with exactly this employee code. Abhi's search matches substrings, so a short code (`E1`) can be
 * buried among longer ones (`E10`…`E199`): pages are read until the code is found or the results end.
 */
export async function findAtAbhiByCode(
  deps: Pick<BusinessDeps, 'abhi'>,
  ctx: Invocation,
  employeeCode: string,
): Promise<AbhiEmployee | undefined> {
  const limit = 100;
  for (let page = 1; page <= 20; page++) {
    const result = await deps.abhi.employees.list({ search: employeeCode, page, limit }, abhiCallOptions(ctx));
    const match = result.results.find((e) => e.employeeCode === employeeCode);
    if (match) return match;
    if (result.results.length < limit || page * limit >= result.total) return undefined;
  }
  return undefined;
}

export async function insertMirror(
  deps: Pick<BusinessDeps, 'transaction'> & Pick<MirrorStores, 'employees'>,
  ctx: Pick<UseCaseContext, 'correlationId'>,
  record: EmployeeRecord,
  type: 'employee.created' | 'employee.synced',
  source: string,
): Promise<{ row: EmployeeRow; eventId: string }> {
  try {
    return await deps.transaction(async (db) => {
      const row = await deps.employees.insert(db, record, { synced: true });
      const event = await recordEvent(db, {
        type,
        organizationId: record.organizationId,
        correlationId: ctx.correlationId,
        payload: { employeeId: record.id, employeeCode: record.employeeCode, organizationId: record.organizationId, source },
      });
      return { row, eventId: event.id };
    });
  } catch (error) {
    if ((error as { code?: string }).code === PG_UNIQUE_VIOLATION) {
      throw new ConflictError(`An employee with code ${record.employeeCode} (or id ${record.id}) already exists.`);
    }
    throw error;
  }
}

// ---------------------------------------------------------------- read

/**
 * One employee the caller may see: the local row decides the tenant first (an outsider gets 404 without Abhi being
 * asked); Abhi's current record refreshes the mirror. An employee Abhi knows but the mirror does not yet is adopted
 * into the organization Abhi names.
 */
export async function getEmployee(deps: EmployeeDeps, ctx: UseCaseContext, employeeId: string): Promise<EmployeeView> {
  const local = await deps.employees.findById(deps.db, employeeId);
  if (local?.status === 'deleted') throw new NotFoundError('Employee');
  if (local) await assertCanAccessEmployee(ctx.principal, { id: local.id, organizationId: local.organization_id }, isDescendantIn(deps));
  let remote: AbhiEmployee;
  try {
    remote = await deps.abhi.employees.get(employeeId, abhiCallOptions(ctx));
  } catch (error) {
    if (error instanceof AbhiNotFoundError) throw new NotFoundError('Employee');
    throw error;
  }
  if (!local) return toEmployeeView(await adoptFromAbhi(deps, ctx, remote));
  const { row, eventId } = await refreshMirror(deps, ctx, local, remote, 'abhi-read');
  if (eventId) await deps.publishEvents([eventId]);
  return toEmployeeView(row);
}

export async function getMyProfile(deps: EmployeeDeps, ctx: UseCaseContext): Promise<EmployeeView> {
  const employeeId = ctx.principal.employeeId;
  if (!employeeId) throw new NotFoundError('Employee profile');
  const local = await deps.employees.findById(deps.db, employeeId);
  // The token's organization must be the employee's: a stale or foreign claim sees nothing.
  if (local && local.organization_id !== ctx.principal.organizationId) {
    throw new TenantAccessDeniedError('Employee profile', `employee ${employeeId} is not in the token's organization`);
  }
  return getEmployee(deps, ctx, employeeId);
}

async function adoptFromAbhi(deps: EmployeeDeps, ctx: UseCaseContext, remote: AbhiEmployee): Promise<EmployeeRow> {
  const organizationId = remote.organizationId;
  if (!organizationId) throw new NotFoundError('Employee');
  await assertCanAccessEmployee(ctx.principal, { id: remote.id, organizationId }, isDescendantIn(deps));
  await ensureOrganizationMirrored(deps, ctx, organizationId);
  const record = await recordFromAbhi(deps, remote, organizationId);
  const { row, eventId } = await insertMirror(deps, ctx, record, 'employee.synced', 'abhi-read');
  await deps.publishEvents([eventId]);
  return row;
}

/** A new mirror row from Abhi's record (sync and read-through). */
export async function recordFromAbhi(deps: Pick<BusinessDeps, 'cipher'>, remote: AbhiEmployee, organizationId: string): Promise<EmployeeRecord> {
  const columns = mirroredColumns(remote);
  const sensitive = await sensitiveChanges(deps.cipher, undefined, remote);
  const sealed = await sealSensitive(deps.cipher, sensitive);
  return {
    id: remote.id,
    organizationId,
    employeeCode: remote.employeeCode,
    firstName: columns.firstName!,
    lastName: columns.lastName!,
    department: columns.department ?? null,
    designation: columns.designation ?? null,
    phone: columns.phone ?? null,
    email: columns.email ?? null,
    dob: columns.dob ?? null,
    dateOfJoining: columns.dateOfJoining ?? null,
    accountTitle: columns.accountTitle ?? null,
    ...sealed,
    netSalary: columns.netSalary ?? null,
    gender: columns.gender ?? null,
    bankId: columns.bankId ?? null,
    payrollStartDay: columns.payrollStartDay ?? null,
    status: normaliseStatus(remote.status) ?? 'active',
  };
}

function normaliseStatus(status: string | undefined): string | undefined {
  if (!status) return undefined;
  const value = status.toLowerCase();
  return value === 'active' || value === 'inactive' ? value : undefined;
}

/**
 * Abhi's record under a mirrored id names another employee (different employee code): e.g. a sandbox that forgot its
 * records handing out an id again. Overwriting would show one person's name, e-mail and salary under another's
 * row, so the row is left alone, the `MirrorIdentityMismatch` alarm metric counts it and the caller gets a 502.
 */
export class MirrorIdentityMismatchError extends UpstreamError {
  constructor(employeeId: string) {
    super(502, 'EXTERNAL_API_ERROR', `Abhi's record for employee ${employeeId} belongs to another employee (its employee code differs); the local record was not overwritten and an operator must reconcile it.`);
  }
}

export function assertSameEmployee(local: EmployeeRow, remote: AbhiEmployee): void {
  if (!remote.employeeCode || remote.employeeCode === local.employee_code) return;
  logger.error('Abhi record and mirror row of the same id name different employees; not overwritten', { employeeId: local.id, organizationId: local.organization_id });
  try {
    metrics.singleMetric().addMetric('MirrorIdentityMismatch', 'Count', 1);
  } catch (error) {
    logger.warn('MirrorIdentityMismatch metric could not be published', { error: error instanceof Error ? error.message : String(error) });
  }
  throw new MirrorIdentityMismatchError(local.id);
}

/**
 * Brings the mirror row up to Abhi's record; writes `employee.updated` (source `abhi-read`/`abhi-sync`) when anything
 * changed. Returns the row and the event id to publish.
 */
export async function refreshMirror(
  deps: Pick<BusinessDeps, 'cipher' | 'transaction'> & Pick<MirrorStores, 'employees'>,
  ctx: Pick<UseCaseContext, 'correlationId'>,
  local: EmployeeRow,
  remote: AbhiEmployee,
  source: 'abhi-read' | 'abhi-sync',
): Promise<{ row: EmployeeRow; eventId?: string }> {
  assertSameEmployee(local, remote);
  const columns = mirroredColumns(remote, local);
  // Deactivation can happen at Abhi or here (Abhi's update takes no status): Abhi's `inactive` is adopted, its
  // `active` does not undo a local deactivation.
  if (normaliseStatus(remote.status) === 'inactive') columns.status = 'inactive';
  const changed = changedColumns(local, columns);
  const sensitive = await sensitiveChanges(deps.cipher, local, remote);
  const sensitiveNames = Object.keys(sensitive);
  if (changed.length === 0 && sensitiveNames.length === 0) return { row: local };
  const sealed = await sealSensitive(deps.cipher, sensitive);
  const changes: Partial<EmployeeRecord> = { ...Object.fromEntries(changed.map((key) => [key, columns[key as keyof EmployeeRecord]])) };
  if (sensitive.accountNumber) Object.assign(changes, { accountNumberEnc: sealed.accountNumberEnc, accountNumberLast4: sealed.accountNumberLast4 });
  if (sensitive.emiratesId) Object.assign(changes, { emiratesIdEnc: sealed.emiratesIdEnc, emiratesIdLast4: sealed.emiratesIdLast4 });
  return deps.transaction(async (db) => {
    const row = await deps.employees.update(db, local.id, changes, { synced: true });
    const event = await recordEvent(db, {
      type: 'employee.updated',
      organizationId: local.organization_id,
      correlationId: ctx.correlationId,
      payload: { employeeId: local.id, organizationId: local.organization_id, changed: [...changed, ...sensitiveNames], source },
    });
    return { row: row!, eventId: event.id };
  });
}

export async function listEmployees(deps: EmployeeListDeps, ctx: UseCaseContext, query: ListEmployeesQuery): Promise<Page<EmployeeView>> {
  if (query.organizationId) await assertOrganizationAccess(deps, ctx.principal, query.organizationId);
  const scope = await organizationScope(deps, ctx.principal);
  const { rows, total } = await deps.employees.list(
    deps.reader,
    { scope, organizationId: query.organizationId, department: query.department, search: query.search, status: query.status },
    query.page,
    query.limit,
  );
  return { items: rows.map(toEmployeeView), page: query.page, limit: query.limit, total };
}

export async function searchEmployees(deps: EmployeeListDeps, ctx: UseCaseContext, query: { q: string; limit: number }): Promise<{ items: EmployeeView[]; limit: number }> {
  const scope = await organizationScope(deps, ctx.principal);
  const rows = await deps.employees.search(deps.reader, { scope, search: query.q }, query.limit);
  return { items: rows.map(toEmployeeView), limit: query.limit };
}

// ---------------------------------------------------------------- update and delete

async function loadForChange(deps: Pick<BusinessDeps, 'db'> & MirrorStores, ctx: UseCaseContext, employeeId: string): Promise<EmployeeRow> {
  const local = await deps.employees.findById(deps.db, employeeId);
  if (!local || local.status === 'deleted') throw new NotFoundError('Employee');
  await assertCanAccessEmployee(ctx.principal, { id: local.id, organizationId: local.organization_id }, isDescendantIn(deps));
  return local;
}

export async function updateEmployee(deps: EmployeeDeps, ctx: UseCaseContext, employeeId: string, input: UpdateEmployeeInput): Promise<EmployeeView> {
  const local = await loadForChange(deps, ctx, employeeId);
  const { status, preferredLocale, ...abhiChanges } = input;
  const touchesAbhi = Object.values(abhiChanges).some((value) => value !== undefined);
  // Offboarding: revoked first, so a failure later leaves a logged-out employee, never an inactive one still in.
  if (status === 'inactive') await deps.revokeEmployeeSessions(employeeId);

  const changes: Partial<EmployeeRecord> = {};
  if (touchesAbhi) {
    // Abhi updates whole records: start from its current one (fresh, not cached) and apply the changes.
    const current = await callAbhi('Employee', () => deps.abhi.employees.get(employeeId, abhiCallOptions(ctx, { bypassCache: true })));
    assertSameEmployee(local, current);
    const [storedAccount, storedEid] = await Promise.all([
      local.account_number_enc ? deps.cipher.decrypt('account_number', local.account_number_enc) : Promise.resolve(undefined),
      local.emirates_id_enc ? deps.cipher.decrypt('emirates_id', local.emirates_id_enc) : Promise.resolve(undefined),
    ]);
    const base = mirroredColumns(current, local);
    const merged = {
      id: employeeId,
      employeeCode: current.employeeCode,
      firstName: abhiChanges.firstName ?? base.firstName!,
      lastName: abhiChanges.lastName ?? base.lastName!,
      department: abhiChanges.department ?? base.department ?? '',
      designation: abhiChanges.designation ?? base.designation ?? '',
      phone: abhiChanges.phone ?? base.phone ?? undefined,
      email: abhiChanges.email ?? base.email ?? '',
      dob: abhiChanges.dob ?? base.dob ?? '',
      dateOfJoining: abhiChanges.dateOfJoining ?? base.dateOfJoining ?? '',
      accountTitle: abhiChanges.accountTitle ?? base.accountTitle ?? '',
      accountNumber: abhiChanges.accountNumber ?? storedAccount ?? current.accountNumber ?? '',
      netSalary: abhiChanges.netSalary !== undefined ? netSalaryString(abhiChanges.netSalary) : (base.netSalary ?? ''),
      emiratesId: abhiChanges.emiratesId ?? storedEid ?? current.emiratesId ?? '',
      gender: (abhiChanges.gender ?? base.gender ?? '') as 'Male' | 'Female',
      bankId: abhiChanges.bankId ?? base.bankId ?? '',
      payrollStartDay: abhiChanges.payrollStartDay ?? base.payrollStartDay ?? 0,
    };
    if (merged.dob && merged.dateOfJoining && merged.dob >= merged.dateOfJoining) {
      throw new ValidationError('The request is not valid.', [{ field: 'body.dateOfJoining', message: 'The date of joining must be after the date of birth.' }]);
    }
    await callAbhi('Employee', () => deps.abhi.employees.updateOne(merged, abhiCallOptions(ctx)));
    const { accountNumber, emiratesId, ...plain } = merged;
    Object.assign(changes, {
      firstName: plain.firstName,
      lastName: plain.lastName,
      department: plain.department || null,
      designation: plain.designation || null,
      phone: plain.phone ?? null,
      email: plain.email || null,
      dob: plain.dob || null,
      dateOfJoining: plain.dateOfJoining || null,
      accountTitle: plain.accountTitle || null,
      netSalary: plain.netSalary || null,
      gender: plain.gender || null,
      bankId: plain.bankId || null,
      payrollStartDay: plain.payrollStartDay || null,
    });
    const sealed = await sealSensitive(deps.cipher, {
      accountNumber: abhiChanges.accountNumber ?? (local.account_number_enc ? undefined : accountNumber || undefined),
      emiratesId: abhiChanges.emiratesId ?? (local.emirates_id_enc ? undefined : emiratesId || undefined),
    });
    if (sealed.accountNumberEnc) Object.assign(changes, { accountNumberEnc: sealed.accountNumberEnc, accountNumberLast4: sealed.accountNumberLast4 });
    if (sealed.emiratesIdEnc) Object.assign(changes, { emiratesIdEnc: sealed.emiratesIdEnc, emiratesIdLast4: sealed.emiratesIdLast4 });
  }
  if (status) changes.status = status;
  if (preferredLocale !== undefined) changes.preferredLocale = preferredLocale;

  const changed = [
    ...changedColumns(local, changes),
    ...(input.accountNumber !== undefined ? ['accountNumber'] : []),
    ...(input.emiratesId !== undefined ? ['emiratesId'] : []),
  ];
  const { row, eventId } = await deps.transaction(async (db) => {
    const row = await deps.employees.update(db, employeeId, changes, { synced: touchesAbhi });
    const event = await recordEvent(db, {
      type: 'employee.updated',
      organizationId: local.organization_id,
      correlationId: ctx.correlationId,
      payload: { employeeId, organizationId: local.organization_id, changed, source: 'api' },
    });
    return { row: row!, eventId: event.id };
  });
  await deps.publishEvents([eventId]);
  return toEmployeeView(row);
}

/** Deletes the employee at Abhi and marks the mirror row deleted (kept: the ledger refers to it). */
export async function deleteEmployee(deps: EmployeeDeps, ctx: UseCaseContext, employeeId: string): Promise<{ id: string; status: 'deleted' }> {
  const local = await loadForChange(deps, ctx, employeeId);
  if (await deps.employees.hasOpenAdvances(deps.db, employeeId)) {
    throw new ConflictError('The employee has advance requests in progress: decide or cancel them before deleting the employee.');
  }
  // Offboarding: revoked first, so a failure later leaves a logged-out employee, never a deleted one still in.
  await deps.revokeEmployeeSessions(employeeId);
  try {
    await deps.abhi.employees.delete(employeeId, abhiCallOptions(ctx));
  } catch (error) {
    // Already gone at Abhi: finish the local side.
    if (!(error instanceof AbhiNotFoundError)) throw translateAbhiError(error, 'Employee');
  }
  const eventId = await deps.transaction(async (db) => {
    await deps.employees.markDeleted(db, employeeId);
    const event = await recordEvent(db, {
      type: 'employee.deleted',
      organizationId: local.organization_id,
      correlationId: ctx.correlationId,
      payload: { employeeId, employeeCode: local.employee_code, organizationId: local.organization_id },
    });
    return event.id;
  });
  await deps.publishEvents([eventId]);
  return { id: employeeId, status: 'deleted' };
}

