-- Up Migration
-- On-demand reconciliation runs (POST /reconciliation/runs): the report row is created RUNNING when an operator asks
-- for a run, and the `reconciliation-requests` queue consumer runs it. `claimed_at` is when a consumer started the
-- run: a second delivery of the same request finds a recent claim (or a finished status) and does nothing.
ALTER TABLE reconciliation_reports
  ADD COLUMN claimed_at   timestamptz,
  ADD COLUMN requested_by text;
-- "Is a run in progress?", asked by every run request.
CREATE INDEX reconciliation_reports_running_idx ON reconciliation_reports (started_at) WHERE status = 'RUNNING';

-- Down Migration
DROP INDEX reconciliation_reports_running_idx;
ALTER TABLE reconciliation_reports
  DROP COLUMN requested_by,
  DROP COLUMN claimed_at;
