-- Schema version 2: accounts and meeting-screen tokens belong to units; sign-in attempts keep no
-- raw input (the old table stored whatever was typed as a username, passwords included); section
-- e-mail addresses belong to a unit. The new tables themselves come from schema.sql.

ALTER TABLE accounts ADD COLUMN IF NOT EXISTS units VARCHAR[];
-- Existing section and leader accounts keep what they could reach before: every unit present.
UPDATE accounts SET units = coalesce((SELECT list(DISTINCT unit ORDER BY unit) FROM plans), [])
WHERE role <> 'office' AND units IS NULL;
ALTER TABLE kiosk_tokens ADD COLUMN IF NOT EXISTS units VARCHAR[];
ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS unit VARCHAR;

INSERT INTO sign_in_attempts (username, source, started_at, ok)
SELECT username, '', attempted_at, ok FROM login_attempts WHERE username IN (SELECT username FROM accounts);
DROP TABLE login_attempts;

CREATE TABLE section_contacts_by_unit (
    unit    VARCHAR NOT NULL,
    section VARCHAR NOT NULL,
    email   VARCHAR NOT NULL CHECK (contains(email, '@')),
    PRIMARY KEY (unit, section)
);
INSERT INTO section_contacts_by_unit
SELECT u.unit, c.section, c.email FROM section_contacts c CROSS JOIN (SELECT DISTINCT unit FROM plans) u;
DROP TABLE section_contacts;
ALTER TABLE section_contacts_by_unit RENAME TO section_contacts;
