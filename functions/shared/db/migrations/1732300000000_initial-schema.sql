-- Up Migration
-- System of record. Money is NUMERIC(14,2) in AED; ids are text so Abhi's ids and ours fit one shape.

CREATE EXTENSION IF NOT EXISTS pgcrypto;

CREATE TABLE organizations (
  id                      text PRIMARY KEY,
  parent_id               text REFERENCES organizations (id),
  name                    text NOT NULL,
  industry                text,
  business_type_id        text,
  address                 text,
  city                    text,
  management_alias        text,
  credit_limit            numeric(14, 2),
  phone                   text,
  email                   text,
  payroll_start_day       smallint CHECK (payroll_start_day BETWEEN 1 AND 31),
  active                  boolean NOT NULL DEFAULT true,
  -- Local configuration: advance policy and notification settings (validated by the API's schemas).
  advance_policy          jsonb NOT NULL DEFAULT '{}'::jsonb,
  notification_settings   jsonb NOT NULL DEFAULT '{}'::jsonb,
  synced_at               timestamptz,
  created_at              timestamptz NOT NULL DEFAULT now(),
  updated_at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX organizations_parent_idx ON organizations (parent_id);

CREATE TABLE employees (
  id                      text PRIMARY KEY,
  organization_id         text NOT NULL REFERENCES organizations (id),
  employee_code           text NOT NULL,
  first_name              text NOT NULL,
  last_name               text NOT NULL,
  department              text,
  designation             text,
  phone                   text,
  email                   text,
  dob                     date,
  date_of_joining         date,
  account_title           text,
  -- Encrypted at the application level (AES-256-GCM, key from Secrets Manager); never stored in clear.
  account_number_enc      text,
  account_number_last4    text,
  emirates_id_enc         text,
  emirates_id_last4       text,
  net_salary              numeric(14, 2),
  gender                  text,
  bank_id                 text,
  payroll_start_day       smallint CHECK (payroll_start_day BETWEEN 1 AND 31),
  status                  text NOT NULL DEFAULT 'active',
  synced_at               timestamptz,
  created_at              timestamptz NOT NULL DEFAULT now(),
  updated_at              timestamptz NOT NULL DEFAULT now(),
  UNIQUE (organization_id, employee_code)
);
CREATE INDEX employees_org_idx ON employees (organization_id, last_name, first_name, id);

CREATE TABLE advance_requests (
  id                      uuid PRIMARY KEY,
  organization_id         text NOT NULL REFERENCES organizations (id),
  employee_id             text NOT NULL REFERENCES employees (id),
  requested_by            text NOT NULL,
  idempotency_key         text NOT NULL,
  amount                  numeric(14, 2) NOT NULL CHECK (amount > 0),
  description             text,
  status                  text NOT NULL CHECK (status IN ('PENDING_VALIDATION', 'PENDING_APPROVAL', 'PROCESSING', 'COMPLETED',
                                                          'REJECTED', 'EXPIRED', 'CANCELLED', 'FAILED')),
  reasons                 jsonb NOT NULL DEFAULT '[]'::jsonb,
  execution_arn           text,
  abhi_transaction_id     text,
  processing_fee          numeric(14, 2),
  interest_rate           numeric(7, 4),
  repayment_amount        numeric(14, 2),
  due_date                date,
  decided_by              text,
  created_at              timestamptz NOT NULL DEFAULT now(),
  updated_at              timestamptz NOT NULL DEFAULT now(),
  UNIQUE (requested_by, idempotency_key)
);
CREATE INDEX advance_requests_employee_idx ON advance_requests (employee_id, created_at DESC);
CREATE INDEX advance_requests_org_status_idx ON advance_requests (organization_id, status, created_at DESC);
CREATE UNIQUE INDEX advance_requests_abhi_tx_idx ON advance_requests (abhi_transaction_id) WHERE abhi_transaction_id IS NOT NULL;

CREATE TABLE advance_request_history (
  id                      bigserial PRIMARY KEY,
  request_id              uuid NOT NULL REFERENCES advance_requests (id),
  status                  text NOT NULL,
  actor                   text NOT NULL,
  reason                  text,
  occurred_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX advance_request_history_request_idx ON advance_request_history (request_id, id);

CREATE TABLE repayments (
  id                      uuid PRIMARY KEY,
  organization_id         text NOT NULL REFERENCES organizations (id),
  employee_id             text NOT NULL REFERENCES employees (id),
  transaction_id          text,
  client_reference        text NOT NULL UNIQUE,
  amount                  numeric(14, 2) NOT NULL CHECK (amount > 0),
  description             text,
  payment_method          text,
  abhi_repayment_id       text,
  status                  text NOT NULL,
  recorded_by             text NOT NULL,
  created_at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX repayments_employee_idx ON repayments (employee_id, created_at DESC);

-- Append-only ledger: one row per money movement. Corrections are new rows, never updates.
CREATE TABLE ledger_entries (
  id                      bigserial PRIMARY KEY,
  organization_id         text NOT NULL REFERENCES organizations (id),
  employee_id             text NOT NULL REFERENCES employees (id),
  kind                    text NOT NULL CHECK (kind IN ('advance', 'repayment', 'fee', 'adjustment')),
  amount                  numeric(14, 2) NOT NULL,
  currency                char(3) NOT NULL DEFAULT 'AED',
  advance_request_id      uuid REFERENCES advance_requests (id),
  repayment_id            uuid REFERENCES repayments (id),
  abhi_reference          text,
  occurred_at             timestamptz NOT NULL DEFAULT now(),
  UNIQUE (kind, abhi_reference)
);
CREATE INDEX ledger_entries_employee_idx ON ledger_entries (employee_id, occurred_at);

-- Append-only audit log of authorization denials and money-moving or personal-data changes.
CREATE TABLE audit_log (
  id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  occurred_at             timestamptz NOT NULL DEFAULT now(),
  actor                   text NOT NULL,
  roles                   text[] NOT NULL DEFAULT '{}',
  organization_id         text,
  action                  text NOT NULL,
  resource                text NOT NULL,
  outcome                 text NOT NULL CHECK (outcome IN ('allowed', 'denied', 'succeeded', 'failed')),
  reason                  text,
  request_id              text,
  source_ip               text,
  details                 jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_time_idx ON audit_log (occurred_at);

-- Ledger and audit rows can be added, never changed or removed.
CREATE FUNCTION forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries FOR EACH ROW EXECUTE FUNCTION forbid_change();
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION forbid_change();

-- Transactional outbox: written in the same transaction as the change; published by the relay and the sweep.
CREATE TABLE outbox (
  id                      uuid PRIMARY KEY,
  type                    text NOT NULL,
  version                 smallint NOT NULL DEFAULT 1,
  organization_id         text,
  correlation_id          text,
  payload                 jsonb NOT NULL,
  occurred_at             timestamptz NOT NULL DEFAULT now(),
  published_at            timestamptz,
  attempts                integer NOT NULL DEFAULT 0
);
CREATE INDEX outbox_unpublished_idx ON outbox (occurred_at) WHERE published_at IS NULL;

-- Down Migration
DROP TABLE outbox;
DROP TRIGGER audit_log_append_only ON audit_log;
DROP TRIGGER ledger_entries_append_only ON ledger_entries;
DROP FUNCTION forbid_change();
DROP TABLE audit_log;
DROP TABLE ledger_entries;
DROP TABLE repayments;
DROP TABLE advance_request_history;
DROP TABLE advance_requests;
DROP TABLE employees;
DROP TABLE organizations;
