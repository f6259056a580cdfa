-- Up Migration
-- Advances created at Abhi are asked for their status until Abhi reports a final one (docs/operations.md, "Advance
-- status polling"): how many times we asked, when to ask next, and when we gave up (alarm AdvanceStatusPollExhausted).
ALTER TABLE advance_requests
  ADD COLUMN abhi_poll_count        integer NOT NULL DEFAULT 0,
  ADD COLUMN abhi_next_poll_at      timestamptz,
  ADD COLUMN abhi_poll_exhausted_at timestamptz;
-- "Which advances are due for a status check?", asked every minute.
CREATE INDEX advance_requests_status_poll_idx ON advance_requests (COALESCE(abhi_next_poll_at, completed_at))
  WHERE status = 'COMPLETED' AND abhi_transaction_id IS NOT NULL AND abhi_poll_exhausted_at IS NULL;

-- Down Migration
DROP INDEX advance_requests_status_poll_idx;
ALTER TABLE advance_requests
  DROP COLUMN abhi_poll_exhausted_at,
  DROP COLUMN abhi_next_poll_at,
  DROP COLUMN abhi_poll_count;
