-- Schema version 8: an account signed in with a password someone else knows (the admin's printed
-- first password, a reset by the office) must choose its own before anything else. Nullable:
-- DuckDB cannot add a NOT NULL column with IF NOT EXISTS; NULL reads as no (coalesce).
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS must_change_password BOOLEAN DEFAULT FALSE;
