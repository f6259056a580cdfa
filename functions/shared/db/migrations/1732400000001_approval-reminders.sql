-- Up Migration
-- When the approvers were reminded of an advance still waiting for them (once, before its approval window closes).
ALTER TABLE advance_requests ADD COLUMN approval_reminded_at timestamptz;

-- Down Migration
ALTER TABLE advance_requests DROP COLUMN approval_reminded_at;
