import { randomUUID } from 'node:crypto';
import * as z from '#shared/zod';
import {
  AbhiConflictError,
  AbhiRequestValidationError,
  AbhiValidationError,
} from '#shared/abhi/errors';
import { AppError } from '#shared/domain/errors';
import { lastFour } from '#shared/crypto/field-cipher';
import { bulkRowSchema, type BulkRow } from '#shared/schemas/employees';
import type { JobItemResult } from '#shared/use-cases/jobs/job-store';
import { logger } from '#shared/observability';
import { resolveTargetOrganization } from '../organizations/organization-access';
import { conflictThatConfirmsNothing, GENERIC_CONFLICT_DETAIL } from '../abhi-errors';
import type { ImportDeps, ImportStartDeps, UseCaseContext } from './context';
import { createAtAbhiAndMirror, findAtAbhiByCode, insertMirror } from './employees';
import { recordFromFields, toAbhiInput } from './employee-mapping';
import { abhiCallOptions, type Invocation } from '#shared/use-cases/invocation';
import { announceImportIfFinished } from './import-finished';

/**
 * Bulk import of employees as a background job.
 *
 * The request validates each row on its own: refused rows become failed job items at once, the rest go to the
 * `employee-import` queue, one message per row, with the account number and Emirates ID already encrypted (the queue
 * never holds them in clear). The consumer (`functions/employees/process-employee-import.ts`) claims a batch's rows,
 * creates them at Abhi in one call within the fleet's rate limit (one by one when Abhi refuses the batch because of
 * some row), mirrors each with its `employee.created` event, and records each row's result; SQS partial batch
 * failures retry only the rows that hit a transient Abhi failure.
 */
export const IMPORT_JOB_TYPE = 'employee-import';

/** What one queue message carries. */
export const importMessageSchema = z.object({
  jobId: z.string(),
  index: z.int().check(z.minimum(0)),
  organizationId: z.string(),
  correlationId: z.string(),
  row: z.record(z.string(), z.unknown()),
  sealed: z.object({
    accountNumberEnc: z.string(),
    accountNumberLast4: z.string(),
    emiratesIdEnc: z.string(),
    emiratesIdLast4: z.string(),
  }),
});
export type ImportMessage = z.infer<typeof importMessageSchema>;

export interface ImportAccepted {
  id: string;
  status: 'queued' | 'processing' | 'completed' | 'completed_with_errors' | 'failed';
  total: number;
  accepted: number;
  rejected: number;
}

export async function startBulkImport(
  deps: ImportStartDeps,
  ctx: UseCaseContext,
  input: { employees: Record<string, unknown>[]; organizationId?: string },
): Promise<ImportAccepted> {
  const organization = await resolveTargetOrganization(deps, ctx, input.organizationId);
  const jobId = randomUUID();
  const rejected: JobItemResult[] = [];
  const valid: { index: number; row: BulkRow }[] = [];
  const seenCodes = new Set<string>();
  const references = input.employees.map((raw) => (typeof raw.employeeCode === 'string' ? raw.employeeCode.trim() || null : null));

  input.employees.forEach((raw, index) => {
    const parsed = bulkRowSchema.safeParse(raw);
    if (!parsed.success) {
      rejected.push(
        failed(index, references[index] ?? null, 'VALIDATION_ERROR', 'The row is not valid.', parsed.error.issues.flatMap((issue) =>
          issue.code === 'unrecognized_keys'
            ? issue.keys.map((key) => ({ field: `employees.${index}.${key}`, message: 'Unknown field.' }))
            : [{ field: ['employees', index, ...issue.path].join('.'), message: issue.message }],
        )),
      );
      return;
    }
    if (seenCodes.has(parsed.data.employeeCode)) {
      rejected.push(failed(index, parsed.data.employeeCode, 'CONFLICT', 'The employee code appears more than once in this import.'));
      return;
    }
    seenCodes.add(parsed.data.employeeCode);
    valid.push({ index, row: parsed.data });
  });

  // Codes already in the organization fail now rather than after a round trip to Abhi.
  if (valid.length > 0) {
    const rows = await deps.employees.findByCodes(deps.db, organization.id, valid.map((v) => v.row.employeeCode));
    const existing = new Set(rows.map((r) => r.employee_code));
    for (let i = valid.length - 1; i >= 0; i--) {
      const item = valid[i]!;
      if (existing.has(item.row.employeeCode)) {
        rejected.push(failed(item.index, item.row.employeeCode, 'CONFLICT', 'An employee with this code already exists in the organization.'));
        valid.splice(i, 1);
      }
    }
  }

  const messages = await Promise.all(
    valid.map(async ({ index, row }) => {
      const [accountNumberEnc, emiratesIdEnc] = await Promise.all([
        deps.cipher.encrypt('account_number', row.accountNumber),
        deps.cipher.encrypt('emirates_id', row.emiratesId),
      ]);
      const { accountNumber, emiratesId, ...clear } = row;
      const body: ImportMessage = {
        jobId,
        index,
        organizationId: organization.id,
        correlationId: ctx.correlationId,
        row: clear,
        sealed: { accountNumberEnc, accountNumberLast4: lastFour(accountNumber), emiratesIdEnc, emiratesIdLast4: lastFour(emiratesId) },
      };
      return { id: `row-${index}`, body, attributes: { jobId } };
    }),
  );

  await deps.jobs.create({
    id: jobId,
    type: IMPORT_JOB_TYPE,
    organizationId: organization.id,
    createdBy: ctx.principal.subject,
    total: input.employees.length,
    references,
    rejected: rejected.sort((a, b) => a.index - b.index),
  });
  const { failedIds } = await deps.importQueue.send(messages);
  // Rows the queue refused are failed items, so the job still completes.
  for (const id of failedIds) {
    const index = Number(id.slice('row-'.length));
    await deps.jobs.recordItem(jobId, failed(index, references[index] ?? null, 'ENQUEUE_FAILED', 'The row could not be queued; import it again.'));
  }
  const total = input.employees.length;
  const rejectedCount = rejected.length + failedIds.length;
  // Rows recorded here may be a job's last (all refused up front, or the queue refused the rest): announce it then.
  if (rejectedCount === total || failedIds.length > 0) {
    await announceImportIfFinished(deps, jobId).catch((error: unknown) => logger.warn('Import completion not announced', { jobId, error: String(error) }));
  }
  return {
    id: jobId,
    status: rejectedCount === total ? 'failed' : 'queued',
    total,
    accepted: total - rejectedCount,
    rejected: rejectedCount,
  };
}

function failed(index: number, reference: string | null, code: string, message: string, fields?: { field: string; message: string }[]): JobItemResult {
  return { index, status: 'failed', reference, resourceId: null, error: { code, message, ...(fields?.length ? { fields } : {}) } };
}


// ---------------------------------------------------------------- consumer side

/** One delivered queue message of a row. */
export interface ImportRecord {
  messageId: string;
  message: ImportMessage;
  receiveCount: number;
}

/** What the batch phase decided for a row; the per-record phase carries it out. */
export type PreparedRow =
  /** Nothing to do: the row has its result (or another live worker is finishing it on a last delivery). */
  | { kind: 'skip' }
  /** A transient failure: SQS redelivers the row (recorded as failed on its last delivery). */
  | { kind: 'retry'; error: unknown }
  /** The row's final result is known already. */
  | { kind: 'final'; result: JobItemResult }
  /** Abhi accepted the row in the batch's create call: find its id and mirror it. */
  | { kind: 'created'; fields: BulkRow }
  /** Create it on its own (alone in the batch, or the batch call was refused because of some row). */
  | { kind: 'single'; fields: BulkRow };

export interface ImportOptions {
  deadline: number;
  /** Receives after which a row is not retried any more (the queue's maxReceiveCount). */
  maxReceives: number;
  /** This invocation's claim owner id. */
  owner: string;
  /** Claim lease; at least the consumer's timeout. */
  leaseSeconds: number;
}

/**
 * Batch phase: claims the rows (a redelivered row still being processed elsewhere is not run twice), reads them,
 * settles those that need no call, and creates the rest at Abhi with ONE call (Abhi takes an array). If Abhi refuses
 * that call because of some row, each row is then created on its own so only the bad rows fail.
 */
export async function prepareImportBatch(deps: ImportDeps, records: readonly ImportRecord[], options: ImportOptions): Promise<Map<string, PreparedRow>> {
  const plans = new Map<string, PreparedRow>();
  const readable: { record: ImportRecord; fields: BulkRow }[] = [];
  // One claim request per job for the whole batch.
  const claims = new Map<string, 'claimed' | 'done' | 'busy'>();
  const byJob = new Map<string, ImportRecord[]>();
  for (const record of records) byJob.set(record.message.jobId, [...(byJob.get(record.message.jobId) ?? []), record]);
  for (const [jobId, rows] of byJob) {
    const claimed = await deps.jobs.claimItems(jobId, rows.map((r) => r.message.index), options.owner, options.leaseSeconds);
    for (const row of rows) claims.set(row.messageId, claimed.get(row.message.index) ?? 'busy');
  }
  await Promise.all(
    records.map(async (record) => {
      const plan = await readClaimed(deps, record, claims.get(record.messageId) ?? 'busy', options);
      if (plan.kind === 'single') readable.push({ record, fields: plan.fields });
      else plans.set(record.messageId, plan);
    }),
  );

  // Codes already in the organization (one query per organization): an earlier attempt of this job, or a conflict.
  const candidates: typeof readable = [];
  const byOrganization = new Map<string, typeof readable>();
  for (const row of readable) {
    const organizationId = row.record.message.organizationId;
    byOrganization.set(organizationId, [...(byOrganization.get(organizationId) ?? []), row]);
  }
  for (const [organizationId, rows] of byOrganization) {
    const existing = new Map(
      (await deps.employees.findByCodes(deps.db, organizationId, rows.map((r) => r.fields.employeeCode))).map((e) => [e.employee_code, e]),
    );
    for (const row of rows) {
      const found = existing.get(row.fields.employeeCode);
      if (!found) {
        candidates.push(row);
        continue;
      }
      const { message } = row.record;
      const reference = referenceOf(message);
      plans.set(
        row.record.messageId,
        (await deps.recordedEvents.hasEmployeeCreated(deps.db, message.jobId, found.id))
          ? { kind: 'final', result: succeeded(message.index, reference, found.id) }
          : { kind: 'final', result: failed(message.index, reference, 'CONFLICT', 'An employee with this code already exists in the organization.') },
      );
    }
  }

  if (candidates.length === 1) {
    plans.set(candidates[0]!.record.messageId, { kind: 'single', fields: candidates[0]!.fields });
  } else if (candidates.length > 1) {
    try {
      await deps.abhi.employees.create(
        candidates.map((c) => toAbhiInput(c.fields)),
        abhiCallOptions({ correlationId: candidates[0]!.record.message.jobId, deadline: options.deadline, patience: 'bulk' }),
      );
      for (const c of candidates) plans.set(c.record.messageId, { kind: 'created', fields: c.fields });
    } catch (error) {
      const refused = error instanceof AbhiValidationError || error instanceof AbhiConflictError || error instanceof AbhiRequestValidationError;
      for (const c of candidates) plans.set(c.record.messageId, refused ? { kind: 'single', fields: c.fields } : { kind: 'retry', error });
    }
  }
  return plans;
}

async function readClaimed(deps: ImportDeps, record: ImportRecord, claim: 'claimed' | 'done' | 'busy', options: ImportOptions): Promise<PreparedRow> {
  const { message } = record;
  const reference = referenceOf(message);
  if (claim === 'done') return { kind: 'skip' };
  if (claim === 'busy') {
    // Another worker is on this row (the message became visible again while it worked): hand the message back at
    // once rather than hold this worker; on its last delivery, leave the row to that worker.
    if (record.receiveCount >= options.maxReceives) return { kind: 'skip' };
    return { kind: 'retry', error: new Error(`Row ${message.index} of job ${message.jobId} is being processed by another worker.`) };
  }
  try {
    const [accountNumber, emiratesId] = await Promise.all([
      deps.cipher.decrypt('account_number', message.sealed.accountNumberEnc),
      deps.cipher.decrypt('emirates_id', message.sealed.emiratesIdEnc),
    ]);
    return { kind: 'single', fields: bulkRowSchema.parse({ ...message.row, accountNumber, emiratesId }) };
  } catch (error) {
    return {
      kind: 'final',
      result: failed(message.index, reference, 'VALIDATION_ERROR', `The queued row cannot be read: ${error instanceof Error ? error.message.slice(0, 200) : 'invalid'}`),
    };
  }
}

export type RowOutcome =
  | { kind: 'done'; result: JobItemResult; eventIds: string[] }
  | { kind: 'skipped' }
  /** A transient failure: let SQS redeliver the row. */
  | { kind: 'retry'; error: unknown };

/** Record phase: carries out the plan of one row and says what to record (or that it must be retried). */
export async function completeImportRow(deps: ImportDeps, record: ImportRecord, plan: PreparedRow, options: ImportOptions): Promise<RowOutcome> {
  const { message } = record;
  const reference = referenceOf(message);
  const finalAttempt = record.receiveCount >= options.maxReceives;
  const ctx = { correlationId: message.jobId, deadline: options.deadline, patience: 'bulk' as const };
  const transient = (error: unknown): RowOutcome =>
    finalAttempt
      ? { kind: 'done', result: failed(message.index, reference, 'UPSTREAM_UNAVAILABLE', 'Abhi could not be reached for this row after several attempts; import it again later.'), eventIds: [] }
      : { kind: 'retry', error };

  switch (plan.kind) {
    case 'skip':
      return { kind: 'skipped' };
    case 'final':
      return { kind: 'done', result: plan.result, eventIds: [] };
    case 'retry':
      return transient(plan.error);
    case 'created': {
      try {
        const created = await findAtAbhiByCode(deps, ctx, plan.fields.employeeCode);
        if (!created) return transient(new Error(`Abhi accepted ${plan.fields.employeeCode} but does not list it yet.`));
        const { row, eventId } = await insertMirror(deps, ctx, recordFromFields(created.id, message.organizationId, plan.fields, message.sealed), 'employee.created', 'bulk-import');
        return { kind: 'done', result: succeeded(message.index, reference, row.id), eventIds: [eventId] };
      } catch (error) {
        return settleError(deps, ctx, message, plan.fields, error, transient);
      }
    }
    case 'single': {
      try {
        const { row, eventId } = await createAtAbhiAndMirror(deps, ctx, { id: message.organizationId }, plan.fields, { sealed: message.sealed, source: 'bulk-import' });
        return { kind: 'done', result: succeeded(message.index, reference, row.id), eventIds: [eventId] };
      } catch (error) {
        return settleError(deps, ctx, message, plan.fields, error, transient);
      }
    }
  }
}

async function settleError(
  deps: ImportDeps,
  ctx: Invocation,
  message: ImportMessage,
  fields: BulkRow,
  error: unknown,
  transient: (error: unknown) => RowOutcome,
): Promise<RowOutcome> {
  const reference = referenceOf(message);
  const done = (result: JobItemResult, eventIds: string[] = []): RowOutcome => ({ kind: 'done', result, eventIds });
  if (error instanceof AbhiConflictError || (error instanceof AppError && error.code === 'CONFLICT')) {
    // A concurrent delivery of this same row may have just created it.
    const now = await deps.employees.findByCode(deps.db, message.organizationId, fields.employeeCode);
    if (now && (await deps.recordedEvents.hasEmployeeCreated(deps.db, message.jobId, now.id))) return done(succeeded(message.index, reference, now.id));
    // Abhi has the code already: adopt it when it is this very row (an earlier attempt died after Abhi's answer).
    const adopted = await adoptOwnEarlierAttempt(deps, ctx, message, fields).catch(() => undefined);
    if (adopted) return done(succeeded(message.index, reference, adopted.id), [adopted.eventId]);
    // One answer whatever the field and whoever holds it: the job's items must not confirm another tenant's data.
    const detail = error instanceof AbhiConflictError ? conflictThatConfirmsNothing(error, 'Employee').message : GENERIC_CONFLICT_DETAIL('Employee');
    return done(failed(message.index, reference, 'CONFLICT', detail));
  }
  if (error instanceof AppError && error.status < 500) {
    return done(failed(message.index, reference, error.code, error.message, [...(error.options.errors ?? [])]));
  }
  if (error instanceof AbhiValidationError || error instanceof AbhiRequestValidationError) {
    return done(failed(message.index, reference, 'VALIDATION_ERROR', `Abhi refused the row: ${error.message.slice(0, 300)}`));
  }
  return transient(error);
}

function referenceOf(message: ImportMessage): string | null {
  return typeof message.row.employeeCode === 'string' ? message.row.employeeCode : null;
}

function succeeded(index: number, reference: string | null, resourceId: string): JobItemResult {
  return { index, status: 'succeeded', reference, resourceId, error: null };
}

/**
 * After Abhi reports a duplicate code: if Abhi's record is exactly this row (same names, e-mail, dates) and no
 * local row claims it, an earlier attempt created it and died before the mirror insert — finish that attempt.
 */
async function adoptOwnEarlierAttempt(
  deps: ImportDeps,
  ctx: Invocation,
  message: ImportMessage,
  fields: BulkRow,
): Promise<{ id: string; eventId: string } | undefined> {
  const remote = await findAtAbhiByCode(deps, ctx, fields.employeeCode);
  if (!remote) return undefined;
  const same =
    remote.firstName === fields.firstName &&
    remote.lastName === fields.lastName &&
    remote.email?.toLowerCase() === fields.email.toLowerCase() &&
    remote.dob === fields.dob &&
    remote.dateOfJoining === fields.dateOfJoining;
  if (!same || (await deps.employees.findById(deps.db, remote.id))) return undefined;
  const { row, eventId } = await insertMirror(deps, ctx, recordFromFields(remote.id, message.organizationId, fields, message.sealed), 'employee.created', 'bulk-import');
  return { id: row.id, eventId };
}
