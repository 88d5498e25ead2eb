-- Schema version 7: any bureau's plan. 评分标准 is kept apart from a target's text; the phrase
-- each value was read from (target_sources), the column mapping a unit confirmed (plan_mappings)
-- and the office's reason for each flagged reading it accepted (plan_reviews) are tables that
-- schema.sql creates (CREATE TABLE IF NOT EXISTS runs before the migrations).
ALTER TABLE targets ADD COLUMN IF NOT EXISTS standard VARCHAR;
