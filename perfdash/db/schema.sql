-- perfdash's schema (DuckDB), as a new database gets it. Run at every start by perfdash.db.database:
-- every statement is idempotent (IF NOT EXISTS). An older database gets the tables it lacks from
-- here and the changes to the tables it has from migrations/NNN_*.sql, in order.
-- The list in the progress status CHECK is settings.STATUSES (a test keeps them equal); groups come
-- from each plan's document (plan_groups), so no list constrains them.
CREATE SEQUENCE IF NOT EXISTS plan_id_seq START 1;
CREATE SEQUENCE IF NOT EXISTS import_id_seq START 1;
CREATE SEQUENCE IF NOT EXISTS progress_id_seq START 1;

CREATE TABLE IF NOT EXISTS meta (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);

-- A plan is one unit's year: one database holds several bureaus and years. stated_total: what the
-- document's 合计 row states (NULL when it has none).
CREATE TABLE IF NOT EXISTS plans (
    plan_id      INTEGER PRIMARY KEY DEFAULT nextval('plan_id_seq'),
    unit         VARCHAR NOT NULL CHECK (length(unit) > 0),
    year         SMALLINT NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    title        VARCHAR NOT NULL,
    created_at   TIMESTAMP NOT NULL DEFAULT current_timestamp,
    stated_total DECIMAL(10, 2),
    UNIQUE (unit, year)
);

-- The plan's groups (目标组) in document order, with the points their labels state (NULL: none
-- stated); replaced at each import.
CREATE TABLE IF NOT EXISTS plan_groups (
    plan_id       INTEGER NOT NULL REFERENCES plans (plan_id),
    seq           INTEGER NOT NULL CHECK (seq >= 1),
    grp           VARCHAR NOT NULL CHECK (length(grp) > 0),
    stated_points DECIMAL(10, 2),
    PRIMARY KEY (plan_id, seq)
);

-- Every import of a plan document, with what it changed (append-only).
CREATE TABLE IF NOT EXISTS plan_imports (
    import_id      INTEGER PRIMARY KEY DEFAULT nextval('import_id_seq'),
    plan_id        INTEGER NOT NULL REFERENCES plans (plan_id),
    source_name    VARCHAR NOT NULL,
    content_sha256 VARCHAR NOT NULL CHECK (length(content_sha256) = 64),
    added          VARCHAR[] NOT NULL,
    removed        VARCHAR[] NOT NULL,
    changed        VARCHAR[] NOT NULL,
    imported_at    TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE IF NOT EXISTS indicators (
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

CREATE TABLE IF NOT EXISTS targets (
    plan_id        INTEGER NOT NULL REFERENCES plans (plan_id),
    code           VARCHAR NOT NULL CHECK (regexp_full_match(code, '\d+(-\d+){1,2}')),
    indicator_code VARCHAR NOT NULL,
    target_text    VARCHAR NOT NULL CHECK (length(target_text) > 0),
    points         DECIMAL(6, 2) NOT NULL CHECK (points > 0),
    deadline       DATE NOT NULL,
    seq            INTEGER NOT NULL CHECK (seq >= 1),
    standard       VARCHAR,  -- 评分标准, when the document has such a column (kept apart from the text)
    PRIMARY KEY (plan_id, code)
);

-- Dynamic targets (动态工作目标) the office adds mid-year are marked; a re-import of the plan
-- document replaces only the document's own targets.
ALTER TABLE targets ADD COLUMN IF NOT EXISTS origin VARCHAR DEFAULT 'plan';

-- 责任科室 with their 责任人; seq 1 is the lead section (牵头科室), the others co-sections.
CREATE TABLE IF NOT EXISTS target_sections (
    plan_id INTEGER NOT NULL REFERENCES plans (plan_id),
    code    VARCHAR NOT NULL,
    seq     SMALLINT NOT NULL CHECK (seq >= 1),
    section VARCHAR NOT NULL CHECK (length(section) > 0),
    person  VARCHAR,
    role    VARCHAR NOT NULL CHECK (role IN ('lead', 'co')),
    CHECK ((seq = 1) = (role = 'lead')),
    PRIMARY KEY (plan_id, code, seq)
);

-- 分管领导, as listed (they do not line up with the sections).
CREATE TABLE IF NOT EXISTS target_leaders (
    plan_id INTEGER NOT NULL REFERENCES plans (plan_id),
    code    VARCHAR NOT NULL,
    seq     SMALLINT NOT NULL CHECK (seq >= 1),
    leader  VARCHAR NOT NULL CHECK (length(leader) > 0),
    PRIMARY KEY (plan_id, code, seq)
);

-- The plan's own evaluation timetable (科室自评, 综合评估, 总结上报), replaced at each import.
CREATE TABLE IF NOT EXISTS plan_calendar (
    plan_id    INTEGER NOT NULL REFERENCES plans (plan_id),
    seq        INTEGER NOT NULL,
    name       VARCHAR NOT NULL,
    start_date DATE NOT NULL,
    end_date   DATE NOT NULL,
    note       VARCHAR NOT NULL,
    CHECK (end_date >= start_date),
    PRIMARY KEY (plan_id, seq)
);

-- Which of a plan's targets continue which of the same unit's previous year, as the office
-- confirmed them (offered by indicator and text).
CREATE TABLE IF NOT EXISTS carryovers (
    plan_id      INTEGER NOT NULL REFERENCES plans (plan_id),
    code         VARCHAR NOT NULL,
    prev_plan_id INTEGER NOT NULL REFERENCES plans (plan_id),
    prev_code    VARCHAR NOT NULL,
    confirmed_by VARCHAR NOT NULL,
    confirmed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (plan_id, code)
);

-- The plan's validation, as data (replaced at each import).
CREATE TABLE IF NOT EXISTS plan_checks (
    plan_id    INTEGER NOT NULL REFERENCES plans (plan_id),
    seq        INTEGER NOT NULL,
    check_name VARCHAR NOT NULL,
    subject    VARCHAR NOT NULL,
    expected   VARCHAR NOT NULL,
    actual     VARCHAR NOT NULL,
    ok         BOOLEAN NOT NULL,
    message    VARCHAR NOT NULL,
    PRIMARY KEY (plan_id, seq)
);

-- The progress log: append-only, one row per report.
CREATE TABLE IF NOT EXISTS progress (
    progress_id    BIGINT PRIMARY KEY DEFAULT nextval('progress_id_seq'),
    plan_id        INTEGER NOT NULL REFERENCES plans (plan_id),
    code           VARCHAR NOT NULL,
    report_date    DATE NOT NULL,
    completion_pct DECIMAL(4, 1) NOT NULL CHECK (completion_pct BETWEEN 0 AND 100),
    status         VARCHAR NOT NULL CHECK (status IN ('未开始', '推进中', '已完成', '有风险', '已暂停')),
    note           VARCHAR NOT NULL DEFAULT '',
    reporter       VARCHAR NOT NULL CHECK (length(reporter) > 0),
    is_demo        BOOLEAN NOT NULL DEFAULT FALSE,
    recorded_at    TIMESTAMP NOT NULL DEFAULT current_timestamp,
    late           BOOLEAN DEFAULT FALSE,  -- 迟报: its period was closed or past its cut-off when written
    coordinate     BOOLEAN DEFAULT FALSE   -- 需协调: the section asks the leaders to coordinate (the meeting lists it)
);
CREATE INDEX IF NOT EXISTS progress_by_target ON progress (plan_id, code, report_date);

-- What-if scenarios of the office: a completion per target, the rules, and where it started.
CREATE SEQUENCE IF NOT EXISTS scenario_id_seq START 1;
CREATE TABLE IF NOT EXISTS scenarios (
    scenario_id INTEGER PRIMARY KEY DEFAULT nextval('scenario_id_seq'),
    plan_id     INTEGER NOT NULL REFERENCES plans (plan_id),
    name        VARCHAR NOT NULL CHECK (length(trim(name)) > 0),
    note        VARCHAR NOT NULL DEFAULT '',
    base        VARCHAR NOT NULL CHECK (base IN ('current', 'forecast', 'complete', 'custom')),
    as_of       DATE NOT NULL,
    rules_json  VARCHAR NOT NULL,
    created_by  VARCHAR NOT NULL,
    created_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    adjustments_json VARCHAR,  -- the scenario's hypothetical 加分 / 扣分 / 一票否决 (never official)
    UNIQUE (plan_id, name)
);
-- No foreign key to scenarios: DuckDB checks one against rows deleted earlier in the same
-- transaction, which would make deleting a scenario with its values impossible atomically.
CREATE TABLE IF NOT EXISTS scenario_values (
    scenario_id    INTEGER NOT NULL,
    code           VARCHAR NOT NULL,
    completion_pct DECIMAL(4, 1) NOT NULL CHECK (completion_pct BETWEEN 0 AND 100),
    PRIMARY KEY (scenario_id, code)
);

-- The office's scoring rules per plan (scoring.Rules as JSON).
CREATE TABLE IF NOT EXISTS plan_rules (
    plan_id    INTEGER PRIMARY KEY REFERENCES plans (plan_id),
    rules_json VARCHAR NOT NULL,
    updated_by VARCHAR NOT NULL,
    updated_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- Local accounts. Passwords are argon2 hashes (perfdash.ops.auth); OIDC-only accounts have none.
-- units: the units (bureaus) whose plans the account sees and changes; NULL = every unit (only
-- the office may have that). must_change_password: signed in with a password someone else knows
-- (printed at the first start, or reset by the office), so every page asks for a new one first
-- (NULL, from before version 8, means no).
CREATE TABLE IF NOT EXISTS accounts (
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
-- Every sign-in attempt, reserved before the password is checked (ok NULL meanwhile), so that the
-- failure limit holds for attempts made at the same moment. Only the names of existing accounts
-- are kept; anything else typed into the username box (a password, a huge text) is never stored.
CREATE SEQUENCE IF NOT EXISTS sign_in_id_seq START 1;
CREATE TABLE IF NOT EXISTS sign_in_attempts (
    attempt_id BIGINT PRIMARY KEY DEFAULT nextval('sign_in_id_seq'),
    username   VARCHAR,
    source     VARCHAR NOT NULL CHECK (length(source) <= 64),
    started_at TIMESTAMP NOT NULL,
    ok         BOOLEAN
);
-- Signed-in sessions (only a hash of each session's token is kept); revoked when the account's
-- password changes, it is disabled, or the person signs out.
CREATE TABLE IF NOT EXISTS sessions (
    token_hash VARCHAR PRIMARY KEY CHECK (length(token_hash) = 64),
    username   VARCHAR NOT NULL,
    source     VARCHAR NOT NULL CHECK (length(source) <= 64),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
-- Meeting-screen (大屏) tokens: read-only access without a login; only hashes are kept. units as
-- for the account that made it.
CREATE TABLE IF NOT EXISTS kiosk_tokens (
    token_hash VARCHAR PRIMARY KEY CHECK (length(token_hash) = 64),
    label      VARCHAR NOT NULL,
    created_by VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    revoked_at TIMESTAMP,
    units      VARCHAR[]
);
-- Who changed what, when, from what to what: one row per write (append-only).
CREATE SEQUENCE IF NOT EXISTS audit_id_seq START 1;
CREATE TABLE IF NOT EXISTS audit_log (
    audit_id   BIGINT PRIMARY KEY DEFAULT nextval('audit_id_seq'),
    logged_at  TIMESTAMP NOT NULL,
    actor      VARCHAR NOT NULL,
    role       VARCHAR NOT NULL,
    action     VARCHAR NOT NULL,
    entity     VARCHAR NOT NULL,
    entity_key VARCHAR,
    old_value  VARCHAR,
    new_value  VARCHAR,
    unit       VARCHAR  -- the unit whose plan the write changed (NULL: accounts, tokens, …)
);

-- Year-end evaluation (实施步骤 四): the section's self-assessment of each target, its evidence,
-- the leader's sign-off, the office's final score, the lock, innovations and survey samples.
CREATE TABLE IF NOT EXISTS self_assessments (
    plan_id        INTEGER NOT NULL REFERENCES plans (plan_id),
    code           VARCHAR NOT NULL,
    completion_pct DECIMAL(4, 1) NOT NULL CHECK (completion_pct BETWEEN 0 AND 100),
    proposed_score DECIMAL(6, 2) NOT NULL CHECK (proposed_score >= 0),
    summary        VARCHAR NOT NULL,
    submitted_by   VARCHAR NOT NULL,
    submitted_at   TIMESTAMP NOT NULL,
    signed_by      VARCHAR,
    signed_at      TIMESTAMP,
    PRIMARY KEY (plan_id, code)
);
CREATE SEQUENCE IF NOT EXISTS evidence_id_seq START 1;
CREATE TABLE IF NOT EXISTS evidence (
    evidence_id    INTEGER PRIMARY KEY DEFAULT nextval('evidence_id_seq'),
    plan_id        INTEGER NOT NULL REFERENCES plans (plan_id),
    code           VARCHAR,
    innovation_id  INTEGER,
    file_name      VARCHAR NOT NULL,
    content_sha256 VARCHAR NOT NULL CHECK (length(content_sha256) = 64),
    size_bytes     BIGINT NOT NULL CHECK (size_bytes > 0),
    mime           VARCHAR NOT NULL,
    uploaded_by    VARCHAR NOT NULL,
    uploaded_at    TIMESTAMP NOT NULL,
    item_seq       SMALLINT,  -- the checklist item (evidence_items.seq) the file proves; NULL: not filed under one
    CHECK (code IS NOT NULL OR innovation_id IS NOT NULL)
);
-- Checked claims (#34). A target's evidence checklist (佐证清单) as the office confirmed it; a
-- target without rows here uses the list proposed from its 量化指标 and text (workflows.claims).
CREATE TABLE IF NOT EXISTS evidence_items (
    plan_id    INTEGER NOT NULL REFERENCES plans (plan_id),
    code       VARCHAR NOT NULL,
    seq        SMALLINT NOT NULL CHECK (seq >= 1),
    title      VARCHAR NOT NULL CHECK (length(trim(title)) > 0),
    position   SMALLINT NOT NULL CHECK (position >= 1),  -- the order shown; seq is the item's lasting number
    updated_by VARCHAR NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (plan_id, code, seq)
);
-- A progress report that must be checked before it counts (核验): one that completes its target,
-- or one the office marked. While pending or returned, the official score counts the target's
-- latest report that needs no check or was accepted; superseded: a later report replaced it.
CREATE SEQUENCE IF NOT EXISTS claim_id_seq START 1;
CREATE TABLE IF NOT EXISTS claims (
    claim_id      INTEGER PRIMARY KEY DEFAULT nextval('claim_id_seq'),
    plan_id       INTEGER NOT NULL REFERENCES plans (plan_id),
    code          VARCHAR NOT NULL,
    progress_id   BIGINT NOT NULL,
    reason        VARCHAR NOT NULL CHECK (reason IN ('completes', 'office')),
    state         VARCHAR NOT NULL CHECK (state IN ('pending', 'accepted', 'returned', 'superseded')),
    opened_by     VARCHAR NOT NULL,
    opened_at     TIMESTAMP NOT NULL,
    decided_by    VARCHAR,
    decided_at    TIMESTAMP,
    decision_note VARCHAR,
    resubmitted_by VARCHAR,
    resubmitted_at TIMESTAMP,
    resubmit_note VARCHAR
);
CREATE INDEX IF NOT EXISTS claims_by_target ON claims (plan_id, code);
-- From which day the evidence gaps are shown to sections and in reminders (default 12-01 of the
-- plan's year).
CREATE TABLE IF NOT EXISTS claim_settings (
    plan_id    INTEGER PRIMARY KEY REFERENCES plans (plan_id),
    gaps_from  DATE NOT NULL,
    updated_by VARCHAR NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- Assessing sections (内设科室绩效考评, workflows.assessment): each section's group (分类考评),
-- the office's scheme per group ('' = the default), its adjustments with reasons, the leaders'
-- scores, and the locked results (a snapshot: nothing changes them until unlocked).
CREATE TABLE IF NOT EXISTS section_groups (
    plan_id    INTEGER NOT NULL REFERENCES plans (plan_id),
    section    VARCHAR NOT NULL,
    grp        VARCHAR NOT NULL CHECK (length(trim(grp)) > 0),
    updated_by VARCHAR NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (plan_id, section)
);
CREATE TABLE IF NOT EXISTS assessment_schemes (
    plan_id     INTEGER NOT NULL REFERENCES plans (plan_id),
    grp         VARCHAR NOT NULL,
    scheme_json VARCHAR NOT NULL,
    updated_by  VARCHAR NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (plan_id, grp)
);
CREATE SEQUENCE IF NOT EXISTS section_adjustment_id_seq START 1;
CREATE TABLE IF NOT EXISTS section_adjustments (
    adjustment_id INTEGER PRIMARY KEY DEFAULT nextval('section_adjustment_id_seq'),
    plan_id       INTEGER NOT NULL REFERENCES plans (plan_id),
    section       VARCHAR NOT NULL,
    points        DECIMAL(6, 2) NOT NULL,
    reason        VARCHAR NOT NULL CHECK (length(trim(reason)) > 0),
    created_by    VARCHAR NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    withdrawn_by  VARCHAR,
    withdrawn_at  TIMESTAMP
);
CREATE TABLE IF NOT EXISTS leader_ratings (
    plan_id  INTEGER NOT NULL REFERENCES plans (plan_id),
    section  VARCHAR NOT NULL,
    leader   VARCHAR NOT NULL,
    score    DECIMAL(5, 1) NOT NULL CHECK (score BETWEEN 0 AND 100),
    rated_by VARCHAR NOT NULL,
    rated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (plan_id, section, leader)
);
CREATE TABLE IF NOT EXISTS assessment_locks (
    plan_id      INTEGER PRIMARY KEY REFERENCES plans (plan_id),
    as_of        DATE NOT NULL,
    results_json VARCHAR NOT NULL,
    locked_by    VARCHAR NOT NULL,
    locked_at    TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS evaluations (
    plan_id      INTEGER NOT NULL REFERENCES plans (plan_id),
    code         VARCHAR NOT NULL,
    final_score  DECIMAL(6, 2) NOT NULL CHECK (final_score >= 0),
    reason       VARCHAR NOT NULL,
    evaluated_by VARCHAR NOT NULL,
    evaluated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (plan_id, code)
);
-- Reporting periods (填报周期) the office controls, one row per plan once set: the rhythm, the
-- cut-off, every period ending on or before closed_through is closed; pinned_as_of is the
-- office's explicit 统计日期 for every dashboard (NULL: the last closed period's cut-off day).
CREATE TABLE IF NOT EXISTS reporting_settings (
    plan_id        INTEGER PRIMARY KEY REFERENCES plans (plan_id),
    rhythm         VARCHAR NOT NULL DEFAULT 'weekly' CHECK (rhythm IN ('weekly', 'monthly')),
    cutoff_weekday SMALLINT NOT NULL DEFAULT 4 CHECK (cutoff_weekday BETWEEN 0 AND 6),
    cutoff_time    TIME NOT NULL DEFAULT TIME '17:00:00',
    closed_through DATE,
    pinned_as_of   DATE,
    updated_by     VARCHAR,
    updated_at     TIMESTAMP
);

CREATE TABLE IF NOT EXISTS plan_locks (
    plan_id   INTEGER PRIMARY KEY REFERENCES plans (plan_id),
    locked_by VARCHAR NOT NULL,
    locked_at TIMESTAMP NOT NULL
);
CREATE SEQUENCE IF NOT EXISTS innovation_id_seq START 1;
CREATE TABLE IF NOT EXISTS innovations (
    innovation_id INTEGER PRIMARY KEY DEFAULT nextval('innovation_id_seq'),
    plan_id       INTEGER NOT NULL REFERENCES plans (plan_id),
    title         VARCHAR NOT NULL CHECK (length(trim(title)) > 0),
    level         VARCHAR NOT NULL CHECK (level IN ('国家级', '省级', '市级', '局级')),
    section       VARCHAR NOT NULL,
    description   VARCHAR NOT NULL,
    selected      BOOLEAN NOT NULL DEFAULT FALSE,
    created_by    VARCHAR NOT NULL,
    created_at    TIMESTAMP NOT NULL
);
CREATE SEQUENCE IF NOT EXISTS sample_id_seq START 1;
CREATE TABLE IF NOT EXISTS survey_samples (
    sample_id    INTEGER PRIMARY KEY DEFAULT nextval('sample_id_seq'),
    plan_id      INTEGER NOT NULL REFERENCES plans (plan_id),
    name         VARCHAR NOT NULL CHECK (length(trim(name)) > 0),
    organization VARCHAR NOT NULL,
    category     VARCHAR NOT NULL,
    phone        VARCHAR NOT NULL,
    section      VARCHAR NOT NULL,
    note         VARCHAR NOT NULL DEFAULT '',
    created_by   VARCHAR NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS report_notes (
    plan_id    INTEGER PRIMARY KEY REFERENCES plans (plan_id),
    problems   VARCHAR NOT NULL,
    measures   VARCHAR NOT NULL,
    updated_by VARCHAR NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Supervision (督办): milestones per target, the office's supervision orders with the sections'
-- answers, the reminders sent, and where each section is reached.
CREATE TABLE IF NOT EXISTS milestones (
    plan_id  INTEGER NOT NULL REFERENCES plans (plan_id),
    code     VARCHAR NOT NULL,
    seq      SMALLINT NOT NULL CHECK (seq >= 1),
    title    VARCHAR NOT NULL CHECK (length(trim(title)) > 0),
    due_date DATE NOT NULL,
    person   VARCHAR NOT NULL DEFAULT '',
    weight   DECIMAL(6, 2) NOT NULL CHECK (weight > 0),
    PRIMARY KEY (plan_id, code, seq)
);
CREATE SEQUENCE IF NOT EXISTS order_id_seq START 1;
-- A 督办单: the office's, or a decision of the weekly meeting (周例会) or a leader's instruction
-- (领导批示) recorded as one (source, source_day, source_leader); code NULL: a decision not about
-- one target. The section signs for it (签收) by sign_due; its replies wait for the office's
-- review, which closes it (办结销号) or returns it (order_reviews).
CREATE TABLE IF NOT EXISTS supervision_orders (
    order_id   INTEGER PRIMARY KEY DEFAULT nextval('order_id_seq'),
    plan_id    INTEGER NOT NULL REFERENCES plans (plan_id),
    code       VARCHAR,
    section    VARCHAR NOT NULL,
    what       VARCHAR NOT NULL CHECK (length(trim(what)) > 0),
    due_date   DATE NOT NULL,
    issued_by  VARCHAR NOT NULL,
    issued_at  TIMESTAMP NOT NULL,
    closed_by  VARCHAR,
    closed_at  TIMESTAMP,
    close_note VARCHAR,
    source        VARCHAR DEFAULT 'office',
    source_day    DATE,
    source_leader VARCHAR,
    person        VARCHAR,
    sign_due      DATE,
    signed_by     VARCHAR,
    signed_at     TIMESTAMP
);
CREATE TABLE IF NOT EXISTS order_reviews (
    order_id    INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    note        VARCHAR NOT NULL CHECK (length(trim(note)) > 0),
    reviewed_by VARCHAR NOT NULL,
    reviewed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (order_id, seq)
);
CREATE TABLE IF NOT EXISTS order_responses (
    order_id     INTEGER NOT NULL,
    seq          INTEGER NOT NULL,
    text         VARCHAR NOT NULL CHECK (length(trim(text)) > 0),
    responded_by VARCHAR NOT NULL,
    responded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (order_id, seq)
);
-- Files a section attaches to its reply to a 督办单 (kept beside the evidence, under their hash).
CREATE TABLE IF NOT EXISTS order_files (
    order_id       INTEGER NOT NULL,
    seq            INTEGER NOT NULL,  -- the reply (order_responses.seq) the file goes with
    file_name      VARCHAR NOT NULL,
    content_sha256 VARCHAR NOT NULL CHECK (length(content_sha256) = 64),
    size_bytes     BIGINT NOT NULL CHECK (size_bytes > 0),
    mime           VARCHAR NOT NULL,
    uploaded_by    VARCHAR NOT NULL,
    uploaded_at    TIMESTAMP NOT NULL
);
-- The office's settings of the 督办 loop per plan: days a section has to sign for a decision
-- (签收时限) and how many days before its due day a reminder goes out (临近提醒).
CREATE TABLE IF NOT EXISTS supervision_settings (
    plan_id     INTEGER PRIMARY KEY REFERENCES plans (plan_id),
    sign_days   SMALLINT NOT NULL CHECK (sign_days BETWEEN 0 AND 30),
    remind_days SMALLINT NOT NULL CHECK (remind_days BETWEEN 0 AND 30),
    updated_by  VARCHAR NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
-- Issued 督查通报: the month, the issue number and title the office gave it, the cut-off its
-- numbers are as of, the paragraphs as edited (JSON), and the issued .docx kept under its hash
-- beside the evidence (what was issued stays as issued, whatever is reported later).
CREATE SEQUENCE IF NOT EXISTS bulletin_id_seq START 1;
CREATE TABLE IF NOT EXISTS bulletins (
    bulletin_id    INTEGER PRIMARY KEY DEFAULT nextval('bulletin_id_seq'),
    plan_id        INTEGER NOT NULL REFERENCES plans (plan_id),
    month          DATE NOT NULL,
    issue          VARCHAR NOT NULL CHECK (length(trim(issue)) > 0),
    title          VARCHAR NOT NULL CHECK (length(trim(title)) > 0),
    cutoff         DATE NOT NULL,
    parts_json     VARCHAR NOT NULL,
    content_sha256 VARCHAR NOT NULL CHECK (length(content_sha256) = 64),
    size_bytes     BIGINT NOT NULL CHECK (size_bytes > 0),
    issued_by      VARCHAR NOT NULL,
    issued_at      TIMESTAMP NOT NULL,
    UNIQUE (plan_id, issue)
);
CREATE SEQUENCE IF NOT EXISTS reminder_id_seq START 1;
CREATE TABLE IF NOT EXISTS reminders (
    reminder_id INTEGER PRIMARY KEY DEFAULT nextval('reminder_id_seq'),
    plan_id     INTEGER NOT NULL REFERENCES plans (plan_id),
    -- email, or the chat robot it went through: wecom (企业微信), dingtalk (钉钉); webhook: before 3
    channel     VARCHAR NOT NULL CHECK (channel IN ('email', 'webhook', 'wecom', 'dingtalk')),
    recipients  VARCHAR NOT NULL,
    sections    VARCHAR[] NOT NULL,
    subject     VARCHAR NOT NULL,
    body        VARCHAR NOT NULL,
    ok          BOOLEAN NOT NULL,
    error       VARCHAR,
    sent_by     VARCHAR NOT NULL,
    sent_at     TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS section_contacts (
    unit    VARCHAR NOT NULL,
    section VARCHAR NOT NULL,
    email   VARCHAR NOT NULL DEFAULT '' CHECK (email = '' OR contains(email, '@')),
    -- a mobile number, for the chat robot's @-mention
    phone   VARCHAR NOT NULL DEFAULT '' CHECK (phone = '' OR regexp_full_match(phone, '\+?[0-9]{5,20}')),
    CHECK (email <> '' OR phone <> ''),
    PRIMARY KEY (unit, section)
);

-- 量化指标: the office's reviewed list of a target's numeric commitments (replacing what is
-- extracted from its text, kept by code so it survives a re-import), the actuals reported
-- against them, and whether a target's completion comes from them.
CREATE TABLE IF NOT EXISTS kpi_reviews (
    plan_id     INTEGER NOT NULL REFERENCES plans (plan_id),
    code        VARCHAR NOT NULL,
    seq         INTEGER NOT NULL,
    value       DOUBLE NOT NULL CHECK (value >= 0),
    unit        VARCHAR NOT NULL,
    comparator  VARCHAR NOT NULL CHECK (comparator IN ('>=', '<=', '=')),
    subject     VARCHAR NOT NULL,
    phrase      VARCHAR NOT NULL,
    reviewed_by VARCHAR NOT NULL,
    reviewed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (plan_id, code, seq)
);
CREATE TABLE IF NOT EXISTS kpi_actuals (
    plan_id     INTEGER NOT NULL REFERENCES plans (plan_id),
    code        VARCHAR NOT NULL,
    phrase      VARCHAR NOT NULL,
    report_date DATE NOT NULL,
    actual      DOUBLE NOT NULL CHECK (actual >= 0),
    reporter    VARCHAR NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS completion_modes (
    plan_id INTEGER NOT NULL REFERENCES plans (plan_id),
    code    VARCHAR NOT NULL,
    mode    VARCHAR NOT NULL CHECK (mode IN ('direct', 'kpi')),
    PRIMARY KEY (plan_id, code)
);

-- 加分 / 扣分 / 一票否决 entries the office records, each with its reason.
CREATE SEQUENCE IF NOT EXISTS adjustment_id_seq START 1;
CREATE TABLE IF NOT EXISTS adjustments (
    adjustment_id INTEGER PRIMARY KEY DEFAULT nextval('adjustment_id_seq'),
    plan_id       INTEGER NOT NULL REFERENCES plans (plan_id),
    kind          VARCHAR NOT NULL CHECK (kind IN ('bonus', 'deduction', 'veto')),
    points        DECIMAL(8, 2) NOT NULL CHECK (points >= 0),
    grp           VARCHAR,
    note          VARCHAR NOT NULL CHECK (length(trim(note)) > 0),
    created_by    VARCHAR NOT NULL,
    created_at    TIMESTAMP NOT NULL DEFAULT current_timestamp,
    deleted_at    TIMESTAMP,
    basis         VARCHAR  -- the document or notice the entry rests on (察访核验通报, 表彰文件 …)
);

-- The phrase each value of a target was read from (完成时限 "9月上旬前", 分值, 责任科室 as written,
-- the code as numbered in the document, the row it is on), as read at the latest import.
CREATE TABLE IF NOT EXISTS target_sources (
    plan_id INTEGER NOT NULL REFERENCES plans (plan_id),
    code    VARCHAR NOT NULL,
    field   VARCHAR NOT NULL,
    phrase  VARCHAR NOT NULL,
    PRIMARY KEY (plan_id, code, field)
);

-- The column mapping a unit's office confirmed at an import: offered again for its next upload.
CREATE TABLE IF NOT EXISTS plan_mappings (
    unit         VARCHAR PRIMARY KEY,
    mapping_json VARCHAR NOT NULL,
    confirmed_by VARCHAR NOT NULL,
    confirmed_at TIMESTAMP NOT NULL
);

-- The office's reason for each flagged reading (a plan check that did not hold) it accepted when
-- it imported the plan.
CREATE TABLE IF NOT EXISTS plan_reviews (
    plan_id     INTEGER NOT NULL REFERENCES plans (plan_id),
    import_id   INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    subject     VARCHAR NOT NULL,
    message     VARCHAR NOT NULL,
    reason      VARCHAR NOT NULL CHECK (length(trim(reason)) > 0),
    reviewed_by VARCHAR NOT NULL,
    reviewed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (plan_id, import_id, seq)
);

-- The city's view (#38). The groups the 市直绩效办 puts units in (分类考评: 经济调节, 市场监管 …),
-- ranked within; a unit listed here without a plan of a year shows as 无方案 that year.
CREATE TABLE IF NOT EXISTS unit_groups (
    unit       VARCHAR PRIMARY KEY CHECK (length(trim(unit)) > 0),
    group_name VARCHAR NOT NULL CHECK (length(trim(group_name)) > 0),
    seq        INTEGER,
    updated_by VARCHAR NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- The city office's settings, one value per key: names_visible ('0' / '1', off when absent) —
-- whether a unit sees the other units' names beside its rank in its group.
CREATE TABLE IF NOT EXISTS city_settings (
    key        VARCHAR PRIMARY KEY,
    value      VARCHAR NOT NULL,
    updated_by VARCHAR NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
