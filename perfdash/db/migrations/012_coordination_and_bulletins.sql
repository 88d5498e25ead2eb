-- Schema version 12: the meeting closes the loop (#36, second part). A progress report may ask
-- the leaders to coordinate (需协调); the tables order_files, supervision_settings and bulletins
-- are new, so schema.sql creates them. Nullable with a default: DuckDB cannot add NOT NULL columns.
ALTER TABLE progress ADD COLUMN IF NOT EXISTS coordinate BOOLEAN DEFAULT FALSE;
