-- Schema version 13: the city's view (#38). An account may be the city's (role 'city', 市直绩效办:
-- reads every unit, bound to no scope); unit_groups and city_settings are new tables that
-- schema.sql creates. DuckDB cannot change a CHECK in place: accounts is rebuilt under its new
-- rules and its rows copied over (no table refers to it).

CREATE TABLE accounts_v13 (
    username      VARCHAR PRIMARY KEY CHECK (regexp_full_match(username, '[A-Za-z0-9_.@-]{2,64}')),
    display_name  VARCHAR NOT NULL CHECK (length(trim(display_name)) > 0),
    role          VARCHAR NOT NULL CHECK (role IN ('office', 'leader', 'section', 'city')),
    scope         VARCHAR,
    email         VARCHAR,
    password_hash VARCHAR,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMP NOT NULL DEFAULT current_timestamp,
    units         VARCHAR[],
    must_change_password BOOLEAN DEFAULT FALSE,
    CHECK (role IN ('office', 'city') OR scope IS NOT NULL)
);
INSERT INTO accounts_v13 (username, display_name, role, scope, email, password_hash, disabled, created_at, units,
                          must_change_password)
SELECT username, display_name, role, scope, email, password_hash, disabled, created_at, units, must_change_password
FROM accounts;
DROP TABLE accounts;
ALTER TABLE accounts_v13 RENAME TO accounts;
