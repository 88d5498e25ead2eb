-- Schema version 10: assessing sections and people (内设科室绩效考评). Its tables (section_groups,
-- assessment_schemes, section_adjustments, leader_ratings, assessment_locks) are new, so
-- schema.sql creates them (CREATE TABLE IF NOT EXISTS runs before the migrations); this version
-- changes no existing table. A marker, so that the version a database is at says it has them.
SELECT 1;
