-- Schema version 5: reporting periods the office controls. A report remembers whether it came
-- late (its period closed or past its cut-off when written); the reporting_settings table itself
-- is created by schema.sql (CREATE TABLE IF NOT EXISTS), which runs before the migrations.
ALTER TABLE progress ADD COLUMN IF NOT EXISTS late BOOLEAN DEFAULT FALSE;
