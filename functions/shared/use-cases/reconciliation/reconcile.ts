import { randomUUID } from 'node:crypto';
import { filsToNumber, toFils } from '#shared/domain/money';
import { reconciliationPeriod } from '#shared/domain/reconciliation-period';
import { logger } from '#shared/observability';
import type { AbhiAdvance, AbhiRepayment, TransactionDeps } from '../advances/ports';
import { recordCompletedAdvance } from '../advances/record-advance';
import { deserializeStoredAdvance } from '../advances/serialization';
import { isAbhiFailureStatus } from '../advances/abhi-status';
import { advanceReference } from '../advances/workflow-contract';
import { recordConfirmedRepayment } from '../repayments/create-repayment';
import type { Invocation } from '../invocation';
import type { AdvanceRequestRow } from '../ports/advance-request-store';
import type { ReconciliationReportStore } from '../ports/reconciliation-report-store';
import type { RepaymentRow } from '../ports/repayment-store';
import { abhiFor, type AbhiAdvances } from '../advances/abhi-advances';
import { recordDifferences } from './differences-event';

/**
 * Compares the ledger with Abhi's advances and repayments for a period. What only drifted is fixed (an advance
 * Abhi holds but we never recorded — lost answer, stuck recording, outcome unknown — is recorded; a request that
 * never reached Abhi is failed; a workflow that never started is started); what really differs (amounts, money
 * only one side knows) is reported: EMF metric `ReconciliationMismatches` and a row in `reconciliation_reports`.
 */
export interface ReconcileInput {
  /** Inclusive UAE calendar dates; default: the last `days` days up to today (#shared/domain/reconciliation-period). */
  startDate?: string;
  endDate?: string;
  days?: number;
  trigger: 'schedule' | 'on_demand';
  /**
   * A report row created beforehand, RUNNING and claimed by the caller (on-demand runs: the API answers with its id
   * before the queue consumer runs it). Without it a new row is inserted.
   */
  reportId?: string;
}

export interface Finding {
  kind: 'advance' | 'repayment' | 'workflow';
  id: string;
  issue: string;
  detail: string;
  action?: string;
}

export interface ReconciliationReport {
  id: string;
  periodStart: string;
  periodEnd: string;
  status: 'CLEAN' | 'FIXED' | 'MISMATCHES' | 'FAILED';
  counts: { abhiAdvances: number; abhiRepayments: number; localAdvances: number; localRepayments: number };
  fixed: Finding[];
  mismatches: Finding[];
  summary: string;
}

/** How old an unsettled record must be before reconciliation acts on it (the workflow may still be at work). */
/** What a run uses: the advance ports and the reports (its composition root: #shared/wiring/reconciliation). */
export type ReconciliationDeps = TransactionDeps & { readonly reconciliationReports: ReconciliationReportStore };

/** The run's ports, with Abhi's advance calls made on behalf of its invocation. */
type RunDeps = ReconciliationDeps & { readonly atAbhi: AbhiAdvances };

export const SETTLE_AFTER_MS = 15 * 60 * 1000;

export async function reconcile(unbound: ReconciliationDeps, ctx: Invocation, input: ReconcileInput): Promise<ReconciliationReport> {
  const deps: RunDeps = { ...unbound, atAbhi: abhiFor(unbound, ctx) };
  const now = deps.now();
  const { startDate, endDate } = reconciliationPeriod(input, now);
  const id = input.reportId ?? randomUUID();
  if (!input.reportId) {
    await deps.reconciliationReports.insertRunning(deps.db, { id, periodStart: startDate, periodEnd: endDate, trigger: input.trigger });
  }
  const fixed: Finding[] = [];
  const mismatches: Finding[] = [];
  const counts = { abhiAdvances: 0, abhiRepayments: 0, localAdvances: 0, localRepayments: 0 };
  try {
    // Local records are taken a day wider on each side: Abhi's dates and ours can straddle midnight.
    const from = new Date(Date.parse(`${startDate}T00:00:00+04:00`) - 86_400_000);
    const to = new Date(Date.parse(`${endDate}T00:00:00+04:00`) + 2 * 86_400_000);
    const [abhiAdvances, abhiRepayments, localAdvances, localRepayments] = await Promise.all([
      deps.atAbhi.listAdvances({ startDate, endDate }),
      deps.atAbhi.listRepayments({ startDate, endDate }),
      deps.advanceRequests.listForReconciliation(deps.db, from, to),
      deps.repayments.listForReconciliation(deps.db, from, to),
    ]);
    counts.abhiAdvances = abhiAdvances.length;
    counts.abhiRepayments = abhiRepayments.length;
    counts.localAdvances = localAdvances.length;
    counts.localRepayments = localRepayments.length;

    await reconcileAdvances(deps, { abhiAdvances, localAdvances, now, fixed, mismatches });
    await reconcileRepayments(deps, { abhiRepayments, localRepayments, now, fixed, mismatches });
    await restartStalled(deps, { now, fixed, mismatches });

    const status = mismatches.length > 0 ? 'MISMATCHES' : fixed.length > 0 ? 'FIXED' : 'CLEAN';
    const summary = summarize({ startDate, endDate, counts, fixed, mismatches });
    // The report and finance's notice of its differences commit together (transactional outbox).
    const eventIds = await deps.transaction(async (db) => {
      const finished = await deps.reconciliationReports.finish(db, id, {
        status,
        counts,
        fixed: fixed.length,
        mismatches: mismatches.length,
        details: { fixed, mismatches },
        summary,
      });
      if (!finished) return [];
      // Money only Abhi knows is found an organization through the employee Abhi names.
      const employeeOf = new Map([...abhiAdvances, ...abhiRepayments].flatMap((r) => (r.employeeId ? [[r.id, r.employeeId] as const] : [])));
      return recordDifferences(deps, db, { id, periodStart: startDate, periodEnd: endDate, mismatches, employeeOf });
    });
    if (eventIds.length > 0) await deps.events.publish(eventIds);
    deps.metrics.count('ReconciliationMismatches', mismatches.length);
    deps.metrics.count('ReconciliationFixes', fixed.length);
    if (mismatches.length > 0) logger.error('Reconciliation found mismatches', { reportId: id, mismatches: mismatches.length });
    return { id, periodStart: startDate, periodEnd: endDate, status, counts, fixed, mismatches, summary };
  } catch (error) {
    await deps.reconciliationReports.fail(deps.db, id, error instanceof Error ? error.message : String(error), { fixed, mismatches }).catch(() => undefined);
    throw error;
  }
}

async function reconcileAdvances(
  deps: RunDeps,
  ctx: { abhiAdvances: AbhiAdvance[]; localAdvances: AdvanceRequestRow[]; now: Date; fixed: Finding[]; mismatches: Finding[] },
): Promise<void> {
  const { fixed, mismatches } = ctx;
  const byAbhiId = new Map(ctx.localAdvances.filter((r) => r.abhi_transaction_id).map((r) => [r.abhi_transaction_id!, r]));
  const ledger = new Map(
    (await deps.ledger.byReferences(deps.db, 'advance', ctx.abhiAdvances.map((a) => a.id).concat([...byAbhiId.keys()]))).map((e) => [e.abhi_reference!, e]),
  );
  const seen = new Set<string>();
  // Local requests already settled against one of Abhi's advances above (matched by reference: the row read before
  // the fix still has no Abhi id), so the second pass neither settles nor reports them again.
  const matched = new Set<string>();
  // Requests that may have reached Abhi without us knowing its id (lost answer, outcome unknown).
  const unresolved = ctx.localAdvances.filter((r) => !r.abhi_transaction_id && r.abhi_create_attempts > 0 && r.status !== 'COMPLETED');

  for (const advance of ctx.abhiAdvances) {
    seen.add(advance.id);
    let local = byAbhiId.get(advance.id) ?? (await deps.advanceRequests.findByAbhiTransactionId(deps.db, advance.id));
    if (!local) {
      local = await matchByReference(deps, advance, unresolved);
      if (!local) {
        mismatches.push({ kind: 'advance', id: advance.id, issue: 'UNKNOWN_LOCALLY', detail: `Abhi holds advance ${advance.id} of AED ${aed(advance.amountFils)} for employee ${advance.employeeId} that no request here created.` });
        continue;
      }
    }
    matched.add(local.id);
    const entry = ledger.get(advance.id);
    if (entry && toFils(entry.amount) !== advance.amountFils) {
      mismatches.push({ kind: 'advance', id: local.id, issue: 'AMOUNT_MISMATCH', detail: `Ledger has AED ${entry.amount} for Abhi advance ${advance.id}, Abhi has AED ${aed(advance.amountFils)}.` });
      continue;
    }
    if (local.status === 'FAILED' && entry) {
      // Reversed here after Abhi reported it failed (webhook): Abhi's list must say so too.
      if (!isAbhiFailureStatus(advance.status)) {
        mismatches.push({ kind: 'advance', id: local.id, issue: 'STATUS_MISMATCH', detail: `Abhi shows advance ${advance.id} as ${advance.status ?? 'unknown'}, but it was reversed here (${local.reasons?.[0]?.message ?? 'FAILED'}).` });
      }
      continue;
    }
    if (local.status === 'COMPLETED' && isAbhiFailureStatus(advance.status)) {
      mismatches.push({ kind: 'advance', id: local.id, issue: 'ABHI_REPORTS_FAILED', detail: `Abhi shows advance ${advance.id} as ${advance.status}; the ledger still counts AED ${entry?.amount ?? local.amount}.` });
      continue;
    }
    if (local.status !== 'COMPLETED' || !entry) {
      // Abhi has it and the ledger does not (or the status drifted): record it, exactly as the workflow would.
      // The employer list lacks fees and due dates: take the full record (stored at create, or Abhi's by reference).
      const full = local.abhi_transaction
        ? deserializeStoredAdvance(local.abhi_transaction)
        : await deps.atAbhi.findAdvanceByReference({ employeeId: local.employee_id, reference: local.abhi_reference ?? advanceReference(local.id) });
      await recordCompletedAdvance(deps, {
        requestId: local.id,
        advance: { ...advance, ...(full?.id === advance.id ? full : {}), id: advance.id },
        actor: 'reconciliation',
        reason: 'recorded by reconciliation: Abhi holds the advance',
      });
      fixed.push({ kind: 'advance', id: local.id, issue: entry ? 'STATUS_DRIFT' : 'NOT_RECORDED', detail: `Abhi advance ${advance.id} (was ${local.status})`, action: 'recorded; request COMPLETED' });
    }
  }

  for (const local of ctx.localAdvances) {
    if ((local.abhi_transaction_id && seen.has(local.abhi_transaction_id)) || matched.has(local.id)) continue;
    const age = ctx.now.getTime() - new Date(local.updated_at).getTime();
    if (local.status === 'COMPLETED' && local.abhi_transaction_id && ledger.has(local.abhi_transaction_id)) {
      // Not in Abhi's list for the period: confirm with a direct lookup before calling it a mismatch.
      const found = await deps.atAbhi.findAdvanceByReference({ employeeId: local.employee_id, reference: local.abhi_reference ?? advanceReference(local.id) }).catch(() => undefined);
      if (!found) {
        mismatches.push({ kind: 'advance', id: local.id, issue: 'MISSING_AT_ABHI', detail: `Ledger has advance ${local.abhi_transaction_id} (AED ${local.amount}) that Abhi does not show.` });
      }
      continue;
    }
    if (local.status === 'COMPLETED' || age < SETTLE_AFTER_MS) continue;
    if (local.abhi_transaction_id && local.abhi_transaction && local.status !== 'FAILED') {
      // Created at Abhi, recording stuck: finish it.
      await recordCompletedAdvance(deps, { requestId: local.id, advance: deserializeStoredAdvance(local.abhi_transaction), actor: 'reconciliation', reason: 'recorded by reconciliation after recording got stuck' });
      fixed.push({ kind: 'advance', id: local.id, issue: 'RECORDING_STUCK', detail: `Abhi advance ${local.abhi_transaction_id}`, action: 'recorded; request COMPLETED' });
      continue;
    }
    if (!local.abhi_transaction_id && local.abhi_create_attempts > 0 && (local.status === 'PROCESSING' || local.status === 'FAILED')) {
      const found = await deps.atAbhi.findAdvanceByReference({ employeeId: local.employee_id, reference: local.abhi_reference ?? advanceReference(local.id) });
      if (found) {
        await recordCompletedAdvance(deps, { requestId: local.id, advance: found, actor: 'reconciliation', reason: 'recorded by reconciliation: Abhi holds the advance' });
        fixed.push({ kind: 'advance', id: local.id, issue: 'OUTCOME_UNKNOWN', detail: `found at Abhi as ${found.id} (was ${local.status})`, action: 'recorded; request COMPLETED' });
      } else if (local.status === 'PROCESSING') {
        const failed = await deps.transaction((db) =>
          deps.advanceRequests.transition(db, {
            id: local.id,
            from: ['PROCESSING'],
            to: 'FAILED',
            actor: 'reconciliation',
            reason: 'Abhi has no advance with this reference',
            changes: { reasons: [{ code: 'NOT_CREATED_AT_ABHI', source: 'system', message: 'Abhi has no advance for this request; nothing was paid out.' }] },
            onlyIf: 'not-at-abhi',
          }),
        );
        if (failed) fixed.push({ kind: 'advance', id: local.id, issue: 'STALLED', detail: 'PROCESSING without an advance at Abhi', action: 'request FAILED' });
      }
    }
  }
}

/** An Abhi advance we hold no id for: is it one of our unresolved requests (same employee and amount, found by reference)? */
async function matchByReference(deps: RunDeps, advance: AbhiAdvance, unresolved: AdvanceRequestRow[]): Promise<AdvanceRequestRow | undefined> {
  for (const candidate of unresolved) {
    if (candidate.employee_id !== advance.employeeId || toFils(candidate.amount) !== advance.amountFils) continue;
    const found = await deps.atAbhi
      .findAdvanceByReference({ employeeId: candidate.employee_id, reference: candidate.abhi_reference ?? advanceReference(candidate.id) })
      .catch(() => undefined);
    if (found?.id === advance.id) {
      unresolved.splice(unresolved.indexOf(candidate), 1);
      return candidate;
    }
  }
  return undefined;
}

async function reconcileRepayments(
  deps: RunDeps,
  ctx: { abhiRepayments: AbhiRepayment[]; localRepayments: RepaymentRow[]; now: Date; fixed: Finding[]; mismatches: Finding[] },
): Promise<void> {
  const { fixed, mismatches } = ctx;
  const byReference = new Map(ctx.localRepayments.map((r) => [r.abhi_reference, r]));
  const seen = new Set<string>();
  for (const repayment of ctx.abhiRepayments) {
    seen.add(repayment.reference);
    const local = byReference.get(repayment.reference) ?? (await deps.repayments.findByAbhiReference(deps.db, repayment.reference));
    if (!local) {
      mismatches.push({ kind: 'repayment', id: repayment.id, issue: 'UNKNOWN_LOCALLY', detail: `Abhi holds repayment ${repayment.reference} of AED ${aed(repayment.amountFils)} that was not made here.` });
      continue;
    }
    if (toFils(local.amount) !== repayment.amountFils) {
      mismatches.push({ kind: 'repayment', id: local.id, issue: 'AMOUNT_MISMATCH', detail: `Repayment ${repayment.reference}: AED ${local.amount} here, AED ${aed(repayment.amountFils)} at Abhi.` });
      continue;
    }
    if (local.status !== 'COMPLETED') {
      await recordConfirmedRepayment(deps, local.abhi_reference, repayment, { actor: 'reconciliation' });
      fixed.push({ kind: 'repayment', id: local.id, issue: 'NOT_RECORDED', detail: `Abhi repayment ${repayment.id} (was ${local.status})`, action: 'recorded; repayment COMPLETED' });
    }
  }
  for (const local of ctx.localRepayments) {
    if (seen.has(local.abhi_reference)) continue;
    const age = ctx.now.getTime() - new Date(local.updated_at).getTime();
    if (local.status === 'COMPLETED') {
      const found = await deps.atAbhi.findRepaymentByReference(local.abhi_reference).catch(() => undefined);
      if (!found) mismatches.push({ kind: 'repayment', id: local.id, issue: 'MISSING_AT_ABHI', detail: `Ledger has repayment ${local.abhi_reference} (AED ${local.amount}) that Abhi does not show.` });
      continue;
    }
    if (local.status === 'PENDING' && age >= SETTLE_AFTER_MS) {
      const found = await deps.atAbhi.findRepaymentByReference(local.abhi_reference);
      if (found) {
        await recordConfirmedRepayment(deps, local.abhi_reference, found, { actor: 'reconciliation' });
        fixed.push({ kind: 'repayment', id: local.id, issue: 'OUTCOME_UNKNOWN', detail: `found at Abhi as ${found.id}`, action: 'recorded; repayment COMPLETED' });
      } else {
        await deps.repayments.update(deps.db, local.id, { status: 'FAILED', failureReason: 'Abhi has no repayment with this reference' }, ['PENDING']);
        fixed.push({ kind: 'repayment', id: local.id, issue: 'STALLED', detail: 'PENDING without a repayment at Abhi', action: 'repayment FAILED' });
      }
    }
  }
}

/** Requests whose workflow never started (or died before deciding): start it, or fail them when it cannot help. */
async function restartStalled(deps: TransactionDeps, ctx: { now: Date; fixed: Finding[]; mismatches: Finding[] }): Promise<void> {
  const stalled = await deps.advanceRequests.listStalled(deps.db, new Date(ctx.now.getTime() - SETTLE_AFTER_MS));
  for (const row of stalled) {
    if (row.status !== 'PENDING_VALIDATION') continue;
    if (!row.execution_arn) {
      const started = await deps.workflow.start(row.id);
      await deps.advanceRequests.update(deps.db, row.id, { execution_arn: started.executionArn });
      ctx.fixed.push({ kind: 'workflow', id: row.id, issue: 'NOT_STARTED', detail: 'request recorded but its workflow never started', action: started.alreadyStarted ? 'workflow already running' : 'workflow started' });
    } else if (ctx.now.getTime() - new Date(row.updated_at).getTime() > 4 * SETTLE_AFTER_MS) {
      const failed = await deps.transaction((db) =>
        deps.advanceRequests.transition(db, {
          id: row.id,
          from: ['PENDING_VALIDATION'],
          to: 'FAILED',
          actor: 'reconciliation',
          reason: 'the workflow ended without deciding',
          changes: { reasons: [{ code: 'WORKFLOW_ERROR', source: 'system', message: 'Processing stopped before a decision; please request again.' }] },
        }),
      );
      if (failed) ctx.fixed.push({ kind: 'workflow', id: row.id, issue: 'STALLED', detail: 'PENDING_VALIDATION for over an hour', action: 'request FAILED' });
    }
  }
}

function aed(fils: bigint): string {
  return filsToNumber(fils).toFixed(2);
}

function summarize(input: { startDate: string; endDate: string; counts: ReconciliationReport['counts']; fixed: Finding[]; mismatches: Finding[] }): string {
  const lines = [
    `Reconciliation ${input.startDate} to ${input.endDate}`,
    `Abhi: ${input.counts.abhiAdvances} advances, ${input.counts.abhiRepayments} repayments. Here: ${input.counts.localAdvances} advance requests, ${input.counts.localRepayments} repayments.`,
    input.mismatches.length === 0 ? 'No mismatches.' : `${input.mismatches.length} mismatch(es) need a person:`,
    ...input.mismatches.map((m) => `  MISMATCH ${m.kind} ${m.id} ${m.issue}: ${m.detail}`),
    input.fixed.length === 0 ? 'Nothing needed fixing.' : `${input.fixed.length} drift(s) fixed:`,
    ...input.fixed.map((f) => `  FIXED ${f.kind} ${f.id} ${f.issue}: ${f.detail} -> ${f.action ?? ''}`),
  ];
  return lines.join('\n');
}
