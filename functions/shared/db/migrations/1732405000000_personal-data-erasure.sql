-- Up Migration
-- Erasure of a deleted employee's personal data after the stage's retention period (UAE PDPL): the row stays (the
-- ledger, advances and repayments refer to it) with its personal fields emptied or pseudonymised; `erased_at` says
-- when, and makes the scheduled erasure job skip it on every later run.
ALTER TABLE employees ADD COLUMN erased_at timestamptz;
-- "Which deleted employees are still to be erased, oldest deletion first?", asked by every run of the job.
CREATE INDEX employees_erasure_due_idx ON employees (deleted_at, id) WHERE deleted_at IS NOT NULL AND erased_at IS NULL;

-- Down Migration
DROP INDEX employees_erasure_due_idx;
ALTER TABLE employees DROP COLUMN erased_at;
