-- Audit trail written by functions/shared/auth/audit.ts (PostgresAuditSink). Append-only: the application role
-- should be granted INSERT and SELECT only (no UPDATE/DELETE) so the trail cannot be rewritten.
CREATE EXTENSION IF NOT EXISTS pgcrypto; -- gen_random_uuid() (built in from PostgreSQL 13; harmless there)

CREATE TABLE IF NOT EXISTS audit_log (
  id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  occurred_at     timestamptz NOT NULL DEFAULT now(),
  actor           text        NOT NULL,
  roles           text[]      NOT NULL DEFAULT '{}',
  organization_id text        NULL,
  action          text        NOT NULL,
  resource        text        NOT NULL,
  outcome         text        NOT NULL CHECK (outcome IN ('allowed', 'denied', 'succeeded', 'failed')),
  reason          text        NULL,
  request_id      text        NOT NULL,
  source_ip       text        NOT NULL,
  details         jsonb       NOT NULL DEFAULT '{}'::jsonb
);

CREATE INDEX IF NOT EXISTS audit_log_occurred_at_idx ON audit_log (occurred_at);
CREATE INDEX IF NOT EXISTS audit_log_org_occurred_at_idx ON audit_log (organization_id, occurred_at);
CREATE INDEX IF NOT EXISTS audit_log_actor_occurred_at_idx ON audit_log (actor, occurred_at);
CREATE INDEX IF NOT EXISTS audit_log_request_id_idx ON audit_log (request_id);
