-- Schema version 11: the meeting closes the loop. A 督办单 may come from the weekly meeting or a
-- leader's instruction, name a person, and need the section's 签收 by a day; a decision need not
-- be about one target (code nullable). order_reviews (the office's returns) is a new table that
-- schema.sql creates. Nullable columns: DuckDB cannot add NOT NULL ones with IF NOT EXISTS.
ALTER TABLE supervision_orders ALTER COLUMN code DROP NOT NULL;
ALTER TABLE supervision_orders ADD COLUMN IF NOT EXISTS source VARCHAR DEFAULT 'office';
ALTER TABLE supervision_orders ADD COLUMN IF NOT EXISTS source_day DATE;
ALTER TABLE supervision_orders ADD COLUMN IF NOT EXISTS source_leader VARCHAR;
ALTER TABLE supervision_orders ADD COLUMN IF NOT EXISTS person VARCHAR;
ALTER TABLE supervision_orders ADD COLUMN IF NOT EXISTS sign_due DATE;
ALTER TABLE supervision_orders ADD COLUMN IF NOT EXISTS signed_by VARCHAR;
ALTER TABLE supervision_orders ADD COLUMN IF NOT EXISTS signed_at TIMESTAMP;
