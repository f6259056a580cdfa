-- Up Migration
-- Repayment references belong to the organization that chose them (issue #16). `client_reference` (the API's
-- clientRepaymentReferenceNumber) is unique per organization among repayments that are not FAILED: another tenant's
-- reference is neither an oracle nor blocked, and a repayment Abhi refused releases its reference. Abhi keeps one
-- namespace for the whole platform account, so each repayment gets its own `abhi_reference` (what Abhi is sent and
-- reports back); rows made before this migration were sent to Abhi under their client reference.
ALTER TABLE repayments ADD COLUMN abhi_reference text;
UPDATE repayments SET abhi_reference = client_reference;
ALTER TABLE repayments ALTER COLUMN abhi_reference SET NOT NULL;
CREATE UNIQUE INDEX repayments_abhi_reference_idx ON repayments (abhi_reference);
ALTER TABLE repayments DROP CONSTRAINT repayments_client_reference_key;
CREATE UNIQUE INDEX repayments_org_client_reference_idx ON repayments (organization_id, client_reference) WHERE status <> 'FAILED';

-- Down Migration
DROP INDEX repayments_org_client_reference_idx;
ALTER TABLE repayments ADD CONSTRAINT repayments_client_reference_key UNIQUE (client_reference);
DROP INDEX repayments_abhi_reference_idx;
ALTER TABLE repayments DROP COLUMN abhi_reference;
