import * as z from '#shared/zod';
import type { Employee as AbhiEmployee, Organization } from '#shared/abhi/schemas';
import type { Queryable } from '#shared/db/pool';
import { recordEvent } from '#shared/events/record';
import { logger } from '#shared/observability';
import { ensureOrganizationMirrored, organizationRecordFromAbhi } from '../organizations/organization-access';
import type { BusinessDeps, SyncDeps } from './context';
import { MirrorIdentityMismatchError, insertMirror, recordFromAbhi, refreshMirror } from './employees';
import { abhiCallOptions, type Invocation } from '#shared/use-cases/invocation';

/**
 * Scheduled refresh of the mirror from Abhi. The schedule enqueues page 1 of organizations and of employees; each
 * page's consumer upserts its rows and enqueues the next page, so a run is a chain of one Abhi list call per message
 * (batch size 1, two consumers at most) and stays well inside the fleet's rate limit, which the client enforces anyway.
 * Changes found are written with their events (`organization.updated`/`employee.updated`, source `abhi-sync`; new rows
 * as `*.synced`). Rows deleted locally are not resurrected; rows Abhi no longer lists are left as they are.
 */
export const SYNC_PAGE_SIZE = 100;
const MAX_PAGES = 500;

export const syncMessageSchema = z.object({
  runId: z.string(),
  kind: z.enum(['organizations', 'employees']),
  page: z.int().check(z.minimum(1), z.maximum(MAX_PAGES)),
  limit: z.int().check(z.minimum(1), z.maximum(100)),
});
export type SyncMessage = z.infer<typeof syncMessageSchema>;

export async function startAbhiSync(deps: Pick<BusinessDeps, 'syncQueue'>, runId: string): Promise<{ runId: string; enqueued: number }> {
  const messages = (['organizations', 'employees'] as const).map((kind) => ({
    id: `${kind}-1`,
    body: { runId, kind, page: 1, limit: SYNC_PAGE_SIZE } satisfies SyncMessage,
  }));
  const { failedIds } = await deps.syncQueue.send(messages);
  if (failedIds.length) throw new Error(`Could not enqueue the sync of ${failedIds.join(', ')}.`);
  return { runId, enqueued: messages.length };
}

export interface SyncPageResult {
  kind: SyncMessage['kind'];
  page: number;
  fetched: number;
  inserted: number;
  updated: number;
  skipped: number;
  nextPage?: number;
}

export async function processSyncPage(deps: SyncDeps, message: SyncMessage, deadline: number): Promise<SyncPageResult> {
  const ctx = { correlationId: message.runId, deadline, patience: 'bulk' as const };
  const result =
    message.kind === 'organizations'
      ? await syncOrganizations(deps, ctx, message)
      : await syncEmployees(deps, ctx, message);
  if (result.nextPage) {
    const { failedIds } = await deps.syncQueue.send([
      { id: `${message.kind}-${result.nextPage}`, body: { ...message, page: result.nextPage } satisfies SyncMessage },
    ]);
    if (failedIds.length) throw new Error(`Could not enqueue page ${result.nextPage} of the ${message.kind} sync.`);
  }
  return result;
}

function nextPage(message: SyncMessage, fetched: number, total: number): number | undefined {
  return fetched === message.limit && message.page * message.limit < total && message.page < MAX_PAGES ? message.page + 1 : undefined;
}

async function syncOrganizations(deps: SyncDeps, ctx: Invocation, message: SyncMessage): Promise<SyncPageResult> {
  const page = await deps.abhi.organizations.list({ page: message.page, limit: message.limit, showInactive: true }, abhiCallOptions(ctx, { bypassCache: true }));
  const counts = { inserted: 0, updated: 0, skipped: 0 };
  const eventIds: string[] = [];
  for (const organization of page.results) {
    const eventId = await deps.transaction(async (db) => {
      const outcome = await deps.organizations.upsertFromAbhi(db, organizationRecordFromAbhi(organization));
      if (outcome === 'unchanged') return undefined;
      counts[outcome === 'inserted' ? 'inserted' : 'updated']++;
      const event = await recordEvent(db, {
        type: outcome === 'inserted' ? 'organization.synced' : 'organization.updated',
        organizationId: organization.id,
        correlationId: ctx.correlationId,
        payload: { organizationId: organization.id, source: 'abhi-sync', ...snapshot(organization) },
      });
      return event.id;
    });
    if (eventId) eventIds.push(eventId);
  }
  if (eventIds.length) await deps.publishEvents(eventIds);
  return { kind: 'organizations', page: message.page, fetched: page.results.length, ...counts, nextPage: nextPage(message, page.results.length, page.total) };
}

function snapshot(organization: Organization) {
  return { name: organization.name, active: organization.deletedDate ? false : (organization.active ?? true) };
}

async function syncEmployees(deps: SyncDeps, ctx: Invocation, message: SyncMessage): Promise<SyncPageResult> {
  const page = await deps.abhi.employees.list({ page: message.page, limit: message.limit }, abhiCallOptions(ctx));
  const counts = { inserted: 0, updated: 0, skipped: 0 };
  const eventIds: string[] = [];
  const db = deps.db;
  for (const remote of page.results) {
    const outcome = await syncEmployee(deps, ctx, remote, db);
    counts[outcome.kind]++;
    if (outcome.eventId) eventIds.push(outcome.eventId);
  }
  if (eventIds.length) await deps.publishEvents(eventIds);
  return { kind: 'employees', page: message.page, fetched: page.results.length, ...counts, nextPage: nextPage(message, page.results.length, page.total) };
}

async function syncEmployee(
  deps: SyncDeps,
  ctx: Invocation,
  remote: AbhiEmployee,
  db: Queryable,
): Promise<{ kind: 'inserted' | 'updated' | 'skipped'; eventId?: string }> {
  const local = await deps.employees.findById(db, remote.id);
  if (local) {
    if (local.status === 'deleted') return { kind: 'skipped' };
    try {
      const { eventId } = await refreshMirror(deps, ctx, local, remote, 'abhi-sync');
      return eventId ? { kind: 'updated', eventId } : { kind: 'skipped' };
    } catch (error) {
      // Already alarmed and logged; the rest of the page is still mirrored.
      if (error instanceof MirrorIdentityMismatchError) return { kind: 'skipped' };
      throw error;
    }
  }
  // A new employee needs an organization; Abhi names it (the sandbox does; without it the row waits).
  if (!remote.organizationId) {
    logger.warn('Abhi employee without organization skipped by the sync', { employeeId: remote.id });
    return { kind: 'skipped' };
  }
  if (!(await deps.organizations.findById(db, remote.organizationId))) await ensureOrganizationMirrored(deps, ctx, remote.organizationId);
  try {
    const { eventId } = await insertMirror(deps, ctx, await recordFromAbhi(deps, remote, remote.organizationId), 'employee.synced', 'abhi-sync');
    return { kind: 'inserted', eventId };
  } catch (error) {
    // The (organization, code) pair is taken by another local row: report and move on, the next run retries.
    logger.warn('Abhi employee could not be mirrored', { employeeId: remote.id, error: error instanceof Error ? error.message : String(error) });
    return { kind: 'skipped' };
  }
}
