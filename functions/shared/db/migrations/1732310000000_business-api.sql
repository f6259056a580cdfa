-- Up Migration
-- Business API additions: the local notification mailbox, soft deletion of employees, and list/search indexes.

-- Every notification the platform sends (or, locally, captures instead of sending). One row per event, channel and
-- recipient, so a redelivered event cannot notify twice. Read it back with
--   SELECT channel, recipient, subject, body FROM notifications WHERE event_id = $1;
CREATE TABLE notifications (
  id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id                uuid NOT NULL,
  event_type              text NOT NULL,
  organization_id         text,
  employee_id             text,
  channel                 text NOT NULL CHECK (channel IN ('email', 'sms', 'push')),
  recipient               text NOT NULL,
  subject                 text,
  body                    text NOT NULL,
  status                  text NOT NULL CHECK (status IN ('captured', 'sent', 'failed')),
  provider_message_id     text,
  created_at              timestamptz NOT NULL DEFAULT now(),
  UNIQUE (event_id, channel, recipient)
);
CREATE INDEX notifications_org_idx ON notifications (organization_id, created_at DESC);
CREATE INDEX notifications_employee_idx ON notifications (employee_id, created_at DESC);

ALTER TABLE employees ADD COLUMN deleted_at timestamptz;
CREATE INDEX employees_org_status_idx ON employees (organization_id, status);
CREATE INDEX employees_org_department_idx ON employees (organization_id, department);
CREATE INDEX employees_email_idx ON employees (lower(email));

-- Down Migration
DROP INDEX employees_email_idx;
DROP INDEX employees_org_department_idx;
DROP INDEX employees_org_status_idx;
ALTER TABLE employees DROP COLUMN deleted_at;
DROP TABLE notifications;
