-- Up Migration
-- The portal users Abhi provisions when an organization is created (admin, operator, optional support). Abhi returns
-- their generated passwords and MFA secrets only once, in the create answer: they are kept here encrypted at the
-- application level (AES-256-GCM, data key from Secrets Manager, AAD `portal_credentials`) and never returned by the API.
CREATE TABLE organization_portal_users (
  organization_id         text NOT NULL REFERENCES organizations (id),
  role                    text NOT NULL,
  username                text NOT NULL,
  -- JSON {"password", "mfaSecret"?} encrypted; readable only with the data key.
  credentials_enc         text NOT NULL,
  created_at              timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, role)
);

-- Down Migration
DROP TABLE organization_portal_users;
