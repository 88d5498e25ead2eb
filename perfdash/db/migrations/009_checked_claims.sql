-- Schema version 9: checked claims and the 察访核验 package. An evidence file may be filed under
-- an item of its target's checklist; the checklist (evidence_items), the claims awaiting or past
-- the office's check (claims) and the day the gaps show (claim_settings) are tables schema.sql
-- creates (CREATE TABLE IF NOT EXISTS runs before the migrations).
ALTER TABLE evidence ADD COLUMN IF NOT EXISTS item_seq SMALLINT;
