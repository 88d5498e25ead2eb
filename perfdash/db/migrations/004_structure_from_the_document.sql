-- Schema version 4: a plan's structure comes from its own document. Groups (目标组) are no longer
-- the six of the Quanzhou system, points are not capped at 100 (a plan may total 1000), and each
-- plan keeps its groups with the points its labels state, and the total its 合计 row states.
-- DuckDB cannot drop a CHECK constraint: the two tables that had one are rebuilt.

CREATE TABLE indicators_v4 (
    plan_id        INTEGER NOT NULL REFERENCES plans (plan_id),
    indicator_code VARCHAR NOT NULL CHECK (regexp_full_match(indicator_code, '\d+(-\d+)*')),
    grp            VARCHAR NOT NULL CHECK (length(grp) > 0),
    category       VARCHAR NOT NULL CHECK (length(category) > 0),
    title          VARCHAR NOT NULL,
    points         DECIMAL(8, 2) NOT NULL CHECK (points >= 0),
    source_note    VARCHAR NOT NULL DEFAULT '',
    seq            INTEGER NOT NULL CHECK (seq >= 1),
    PRIMARY KEY (plan_id, indicator_code)
);
INSERT INTO indicators_v4 SELECT plan_id, indicator_code, grp, category, title, points, source_note, seq FROM indicators;
DROP TABLE indicators;
ALTER TABLE indicators_v4 RENAME TO indicators;

CREATE TABLE adjustments_v4 (
    adjustment_id INTEGER PRIMARY KEY DEFAULT nextval('adjustment_id_seq'),
    plan_id       INTEGER NOT NULL REFERENCES plans (plan_id),
    kind          VARCHAR NOT NULL CHECK (kind IN ('bonus', 'deduction', 'veto')),
    points        DECIMAL(8, 2) NOT NULL CHECK (points >= 0),
    grp           VARCHAR,
    note          VARCHAR NOT NULL CHECK (length(trim(note)) > 0),
    created_by    VARCHAR NOT NULL,
    created_at    TIMESTAMP NOT NULL DEFAULT current_timestamp,
    deleted_at    TIMESTAMP
);
INSERT INTO adjustments_v4 SELECT * FROM adjustments;
DROP TABLE adjustments;
ALTER TABLE adjustments_v4 RENAME TO adjustments;

ALTER TABLE plans ADD COLUMN IF NOT EXISTS stated_total DECIMAL(10, 2);
