import type { Queryable } from '#shared/db/queryable';
import { logger } from '#shared/logger';
import type { Principal } from './principal';

/**
 * The audit trail: every authorization decision that denies, and every money-moving or personal-data change, with
 * who, what, when, from where and the request id. Written to PostgreSQL `audit_log` (see audit-log.sql) when a
 * database is configured; the Lambda authorizer (outside the VPC) and functions without a database write structured
 * log lines with `audit: true` instead (CloudWatch Logs is their audit sink).
 */
export type AuditOutcome = 'allowed' | 'denied' | 'succeeded' | 'failed';

export interface AuditEvent {
  /** Principal subject (`anonymous` when unauthenticated). */
  actor: string;
  roles: readonly string[];
  organizationId?: string | null;
  /** What was attempted, dotted verb form: `advance.request`, `employee.update`, `route.invoke`. */
  action: string;
  /** What it was done to: `employee/<id>`, `route/<routeId>`, `transaction/<id>`. */
  resource: string;
  outcome: AuditOutcome;
  reason?: string | null;
  requestId: string;
  sourceIp: string;
  /** Extra facts (amounts, changed field names). No secrets, tokens, account numbers or Emirates IDs. */
  details?: Record<string, unknown>;
  /** Defaults to now. */
  occurredAt?: Date;
}

/** Port: where audit events go. */
export interface AuditSink {
  record(event: AuditEvent): Promise<void>;
}

/** Audit lines are written whatever POWERTOOLS_LOG_LEVEL says: a WARN-only function must not drop its audit trail. */
let auditLogger: ReturnType<typeof logger.createChild> | undefined;

export class LogAuditSink implements AuditSink {
  async record(event: AuditEvent): Promise<void> {
    auditLogger ??= logger.createChild({ logLevel: 'INFO' });
    const { occurredAt, ...rest } = event;
    const line = { audit: true, ...rest, occurredAt: (occurredAt ?? new Date()).toISOString() };
    // Denials are warnings so they stand out; changes are info.
    if (event.outcome === 'denied' || event.outcome === 'failed') auditLogger.warn('audit', line);
    else auditLogger.info('audit', line);
  }
}

/** Keeps audit events in memory (tests, and tools that inspect what would be audited). */
export class MemoryAuditSink implements AuditSink {
  readonly events: AuditEvent[] = [];
  async record(event: AuditEvent): Promise<void> {
    this.events.push(event);
  }
}

export const INSERT_AUDIT_SQL = `INSERT INTO audit_log
  (occurred_at, actor, roles, organization_id, action, resource, outcome, reason, request_id, source_ip, details)
  VALUES (COALESCE($1::timestamptz, now()), $2, $3::text[], $4, $5, $6, $7, $8, $9, $10, $11::jsonb)`;

export class PostgresAuditSink implements AuditSink {
  constructor(private readonly db: () => Queryable) {}

  async record(event: AuditEvent): Promise<void> {
    await this.db().query(INSERT_AUDIT_SQL, [
      event.occurredAt?.toISOString() ?? null,
      event.actor,
      [...event.roles],
      event.organizationId ?? null,
      event.action,
      event.resource,
      event.outcome,
      event.reason ?? null,
      event.requestId,
      event.sourceIp,
      JSON.stringify(event.details ?? {}),
    ]);
  }
}

/**
 * The database the default sink writes to, registered explicitly by the wiring of every function that has one
 * (`registerAuditDatabase(getPool)` at module scope; test/foundation/layers.test.ts checks none is missed). Injected rather
 * than imported: an import of the pool here (even a dynamic one, which esbuild inlines into the one-file bundle)
 * would put pg, the RDS signer and the Secrets Manager client into every function, including those that have no
 * database and log their audit events (the authorizer, the health and OpenAPI routes).
 */
let auditDatabase: (() => Queryable) | undefined;

/** Called by a function's wiring when it loads: the default sink then writes to `audit_log`. */
export function registerAuditDatabase(db: () => Queryable): void {
  auditDatabase = db;
}

/** PostgreSQL when the function has a database (DATABASE_URL locally, DATABASE_HOST in AWS) and its wiring registered it; a failed insert falls back to the log so the event is never lost silently. */
class DefaultAuditSink implements AuditSink {
  private readonly log = new LogAuditSink();
  private postgres: PostgresAuditSink | undefined;

  async record(event: AuditEvent): Promise<void> {
    if ((!process.env.DATABASE_URL && !process.env.DATABASE_HOST) || !auditDatabase) return this.log.record(event);
    try {
      this.postgres ??= new PostgresAuditSink(auditDatabase);
      await this.postgres.record(event);
    } catch (error) {
      logger.error('audit_log insert failed; audit event written to the log instead', { error: errorSummary(error) });
      await this.log.record(event);
    }
  }
}

let sink: AuditSink = new DefaultAuditSink();

/** Replaces the process-wide audit sink (tests, or a function with a different sink). Returns the previous one. */
export function setAuditSink(next: AuditSink): AuditSink {
  const previous = sink;
  sink = next;
  return previous;
}

/**
 * Records an audit event. With `db` (a transaction client), the row is written in the caller's transaction and a
 * failure propagates — use this for money-moving changes so the change and its audit row commit together. Without
 * it, the process sink is used and a failure never breaks the request (it falls back to the log).
 */
export async function audit(event: AuditEvent, options: { db?: Queryable } = {}): Promise<void> {
  if (options.db) return new PostgresAuditSink(() => options.db!).record(event);
  try {
    await sink.record(event);
  } catch (error) {
    logger.error('audit sink failed', { error: errorSummary(error) });
    await new LogAuditSink().record(event);
  }
}

/** Who/where fields of an audit event from a request (`ApiRequest` fits). */
export function auditContext(request: { principal: Principal; requestId: string; sourceIp: string }): Pick<
  AuditEvent,
  'actor' | 'roles' | 'organizationId' | 'requestId' | 'sourceIp'
> {
  return {
    actor: request.principal.subject,
    roles: request.principal.roles,
    organizationId: request.principal.organizationId ?? null,
    requestId: request.requestId,
    sourceIp: request.sourceIp,
  };
}

function errorSummary(error: unknown): { name: string; message: string } {
  return error instanceof Error ? { name: error.name, message: error.message } : { name: 'Error', message: String(error) };
}
