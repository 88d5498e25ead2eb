-- Schema version 3: a section's contact has a mobile phone (the chat robot @-mentions it) beside or
-- instead of an e-mail address, and a reminder records which robot it went through (企业微信 or
-- 钉钉; 'webhook' stays for reminders sent before). DuckDB cannot change a CHECK in place: each
-- table is rebuilt under its new rules and its rows copied over.

CREATE TABLE section_contacts_v3 (
    unit    VARCHAR NOT NULL,
    section VARCHAR NOT NULL,
    email   VARCHAR NOT NULL DEFAULT '' CHECK (email = '' OR contains(email, '@')),
    phone   VARCHAR NOT NULL DEFAULT '' CHECK (phone = '' OR regexp_full_match(phone, '\+?[0-9]{5,20}')),
    CHECK (email <> '' OR phone <> ''),
    PRIMARY KEY (unit, section)
);
INSERT INTO section_contacts_v3 (unit, section, email) SELECT unit, section, email FROM section_contacts;
DROP TABLE section_contacts;
ALTER TABLE section_contacts_v3 RENAME TO section_contacts;

CREATE TABLE reminders_v3 (
    reminder_id INTEGER PRIMARY KEY DEFAULT nextval('reminder_id_seq'),
    plan_id     INTEGER NOT NULL REFERENCES plans (plan_id),
    channel     VARCHAR NOT NULL CHECK (channel IN ('email', 'webhook', 'wecom', 'dingtalk')),
    recipients  VARCHAR NOT NULL,
    sections    VARCHAR[] NOT NULL,
    subject     VARCHAR NOT NULL,
    body        VARCHAR NOT NULL,
    ok          BOOLEAN NOT NULL,
    error       VARCHAR,
    sent_by     VARCHAR NOT NULL,
    sent_at     TIMESTAMP NOT NULL
);
INSERT INTO reminders_v3 SELECT * FROM reminders;
DROP TABLE reminders;
ALTER TABLE reminders_v3 RENAME TO reminders;
