-- Up Migration
-- An employee's own language for notifications (ADR 0022): en or ar; NULL follows the organization's
-- notificationSettings.locale. Local only: Abhi's employee record has no language.
ALTER TABLE employees ADD COLUMN preferred_locale text CHECK (preferred_locale IN ('en', 'ar'));

-- Down Migration
ALTER TABLE employees DROP COLUMN preferred_locale;
