-- Up Migration
-- Advance workflow, repayments and reconciliation: what the Step Functions tasks, the webhook and the nightly
-- reconciliation need on top of the initial schema.

-- advance_requests: the workflow's working state.
ALTER TABLE advance_requests
  -- Our reference at Abhi, derived from the request id ("ADV-<id>"); the exactly-once lookup key.
  ADD COLUMN abhi_reference          text,
  -- Set (under the employee lock) when the request reserves its amount; counted against the available amount.
  ADD COLUMN reserved_at             timestamptz,
  ADD COLUMN approval_required       boolean NOT NULL DEFAULT false,
  -- The task token of the waiting approval step; cleared when the request leaves PENDING_APPROVAL.
  ADD COLUMN task_token              text,
  ADD COLUMN approval_expires_at     timestamptz,
  -- Create attempts at Abhi: more than zero means an earlier call may have reached Abhi (look up before retrying).
  ADD COLUMN abhi_create_attempts    integer NOT NULL DEFAULT 0,
  ADD COLUMN abhi_create_last_at     timestamptz,
  -- Abhi's transaction as returned on create (kept so recording can be retried without calling Abhi again).
  ADD COLUMN abhi_transaction        jsonb,
  -- Abhi's own status of the transaction (webhook / reconciliation) and when it was last reported.
  ADD COLUMN abhi_status             text,
  ADD COLUMN abhi_status_at          timestamptz,
  ADD COLUMN recording_stuck_at      timestamptz,
  ADD COLUMN completed_at            timestamptz;
CREATE UNIQUE INDEX advance_requests_abhi_reference_idx ON advance_requests (abhi_reference) WHERE abhi_reference IS NOT NULL;
CREATE INDEX advance_requests_employee_status_idx ON advance_requests (employee_id, status);
CREATE INDEX advance_requests_processing_idx ON advance_requests (status, updated_at) WHERE status IN ('PENDING_VALIDATION', 'PROCESSING');

-- repayments: lifecycle at Abhi (PENDING until Abhi confirmed it, then COMPLETED; FAILED when Abhi refused it).
ALTER TABLE repayments
  ADD COLUMN abhi_status             text,
  ADD COLUMN failure_reason          text,
  ADD COLUMN abhi_create_attempts    integer NOT NULL DEFAULT 0,
  ADD COLUMN updated_at              timestamptz NOT NULL DEFAULT now();
ALTER TABLE repayments ADD CONSTRAINT repayments_status_check CHECK (status IN ('PENDING', 'COMPLETED', 'FAILED'));
CREATE UNIQUE INDEX repayments_abhi_repayment_idx ON repayments (abhi_repayment_id) WHERE abhi_repayment_id IS NOT NULL;
CREATE INDEX repayments_org_created_idx ON repayments (organization_id, created_at DESC);

CREATE INDEX ledger_entries_org_idx ON ledger_entries (organization_id, occurred_at);
CREATE INDEX ledger_entries_request_idx ON ledger_entries (advance_request_id) WHERE advance_request_id IS NOT NULL;

-- One row per reconciliation run: counts, what was fixed, and the mismatches a person has to look at.
CREATE TABLE reconciliation_reports (
  id                      uuid PRIMARY KEY,
  period_start            date NOT NULL,
  period_end              date NOT NULL,
  trigger                 text NOT NULL CHECK (trigger IN ('schedule', 'on_demand')),
  status                  text NOT NULL CHECK (status IN ('RUNNING', 'CLEAN', 'FIXED', 'MISMATCHES', 'FAILED')),
  started_at              timestamptz NOT NULL DEFAULT now(),
  finished_at             timestamptz,
  abhi_advances           integer NOT NULL DEFAULT 0,
  abhi_repayments         integer NOT NULL DEFAULT 0,
  local_advances          integer NOT NULL DEFAULT 0,
  local_repayments        integer NOT NULL DEFAULT 0,
  fixed                   integer NOT NULL DEFAULT 0,
  mismatches              integer NOT NULL DEFAULT 0,
  -- { fixed: [...], mismatches: [...] }: each item names the record, what differs and what was done.
  details                 jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- The same findings as plain text, for a person.
  summary                 text NOT NULL DEFAULT '',
  error                   text
);
CREATE INDEX reconciliation_reports_started_idx ON reconciliation_reports (started_at DESC);

-- Down Migration
DROP TABLE reconciliation_reports;
DROP INDEX ledger_entries_request_idx;
DROP INDEX ledger_entries_org_idx;
DROP INDEX repayments_org_created_idx;
DROP INDEX repayments_abhi_repayment_idx;
ALTER TABLE repayments DROP CONSTRAINT repayments_status_check;
ALTER TABLE repayments
  DROP COLUMN updated_at,
  DROP COLUMN abhi_create_attempts,
  DROP COLUMN failure_reason,
  DROP COLUMN abhi_status;
DROP INDEX advance_requests_processing_idx;
DROP INDEX advance_requests_employee_status_idx;
DROP INDEX advance_requests_abhi_reference_idx;
ALTER TABLE advance_requests
  DROP COLUMN completed_at,
  DROP COLUMN recording_stuck_at,
  DROP COLUMN abhi_status_at,
  DROP COLUMN abhi_status,
  DROP COLUMN abhi_transaction,
  DROP COLUMN abhi_create_last_at,
  DROP COLUMN abhi_create_attempts,
  DROP COLUMN approval_expires_at,
  DROP COLUMN task_token,
  DROP COLUMN approval_required,
  DROP COLUMN reserved_at,
  DROP COLUMN abhi_reference;
