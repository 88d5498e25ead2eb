-- Schema version 6: official 加分 / 扣分 / 一票否决 entries name their basis (the document or
-- notice, e.g. 察访核验通报), and a saved scenario keeps its hypothetical entries, which never
-- reach the official score.
ALTER TABLE adjustments ADD COLUMN IF NOT EXISTS basis VARCHAR;
ALTER TABLE scenarios ADD COLUMN IF NOT EXISTS adjustments_json VARCHAR;
