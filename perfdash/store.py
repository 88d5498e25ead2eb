"""The DuckDB store: schema, the shared connection, and the only functions that write."""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from perfdash.access import Actor, may_write
from perfdash.plan import Plan, Target
from perfdash.settings import GROUPS, STATUSES

SCHEMA_VERSION = "1"

# The data version of every database file open in this process, shared by all its Stores. A
# DuckDB file open for writing is locked against other processes, so only this process's write
# transactions move it: they set it here after each COMMIT, and reads never need a query for it.
_VERSIONS: dict[str, int] = {}
_VERSIONS_LOCK = threading.Lock()


def _in_list(values: Iterable[str]) -> str:
    # Constants from settings, not user input: safe to inline in a CHECK constraint.
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


SCHEMA = f"""
CREATE SEQUENCE IF NOT EXISTS plan_id_seq START 1;
CREATE SEQUENCE IF NOT EXISTS import_id_seq START 1;
CREATE SEQUENCE IF NOT EXISTS progress_id_seq START 1;

CREATE TABLE IF NOT EXISTS meta (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);

-- A plan is one unit's year: one database holds several bureaus and years.
CREATE TABLE IF NOT EXISTS plans (
    plan_id    INTEGER PRIMARY KEY DEFAULT nextval('plan_id_seq'),
    unit       VARCHAR NOT NULL CHECK (length(unit) > 0),
    year       SMALLINT NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    title      VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    UNIQUE (unit, year)
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
    indicator_code VARCHAR NOT NULL CHECK (regexp_full_match(indicator_code, '\\d+(-\\d+)*')),
    grp            VARCHAR NOT NULL CHECK (grp IN ({_in_list(GROUPS)})),
    category       VARCHAR NOT NULL CHECK (length(category) > 0),
    title          VARCHAR NOT NULL,
    points         DECIMAL(6, 2) NOT NULL CHECK (points >= 0),
    source_note    VARCHAR NOT NULL DEFAULT '',
    seq            INTEGER NOT NULL CHECK (seq >= 1),
    PRIMARY KEY (plan_id, indicator_code)
);

CREATE TABLE IF NOT EXISTS targets (
    plan_id        INTEGER NOT NULL REFERENCES plans (plan_id),
    code           VARCHAR NOT NULL CHECK (regexp_full_match(code, '\\d+(-\\d+){{1,2}}')),
    indicator_code VARCHAR NOT NULL,
    target_text    VARCHAR NOT NULL CHECK (length(target_text) > 0),
    points         DECIMAL(6, 2) NOT NULL CHECK (points > 0),
    deadline       DATE NOT NULL,
    seq            INTEGER NOT NULL CHECK (seq >= 1),
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
    status         VARCHAR NOT NULL CHECK (status IN ({_in_list(STATUSES)})),
    note           VARCHAR NOT NULL DEFAULT '',
    reporter       VARCHAR NOT NULL CHECK (length(reporter) > 0),
    is_demo        BOOLEAN NOT NULL DEFAULT FALSE,
    recorded_at    TIMESTAMP NOT NULL DEFAULT current_timestamp
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

-- Local accounts. Passwords are argon2 hashes (perfdash.auth); OIDC-only accounts have none.
CREATE TABLE IF NOT EXISTS accounts (
    username      VARCHAR PRIMARY KEY CHECK (regexp_full_match(username, '[A-Za-z0-9_.@-]{{2,64}}')),
    display_name  VARCHAR NOT NULL CHECK (length(trim(display_name)) > 0),
    role          VARCHAR NOT NULL CHECK (role IN ('office', 'leader', 'section')),
    scope         VARCHAR,
    email         VARCHAR,
    password_hash VARCHAR,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMP NOT NULL DEFAULT current_timestamp,
    CHECK (role = 'office' OR scope IS NOT NULL)
);
CREATE TABLE IF NOT EXISTS login_attempts (
    username     VARCHAR NOT NULL,
    attempted_at TIMESTAMP NOT NULL,
    ok           BOOLEAN NOT NULL
);
-- Meeting-screen (大屏) tokens: read-only access without a login; only hashes are kept.
CREATE TABLE IF NOT EXISTS kiosk_tokens (
    token_hash VARCHAR PRIMARY KEY CHECK (length(token_hash) = 64),
    label      VARCHAR NOT NULL,
    created_by VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    revoked_at TIMESTAMP
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
    new_value  VARCHAR
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
    CHECK (code IS NOT NULL OR innovation_id IS NOT NULL)
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
CREATE TABLE IF NOT EXISTS supervision_orders (
    order_id   INTEGER PRIMARY KEY DEFAULT nextval('order_id_seq'),
    plan_id    INTEGER NOT NULL REFERENCES plans (plan_id),
    code       VARCHAR NOT NULL,
    section    VARCHAR NOT NULL,
    what       VARCHAR NOT NULL CHECK (length(trim(what)) > 0),
    due_date   DATE NOT NULL,
    issued_by  VARCHAR NOT NULL,
    issued_at  TIMESTAMP NOT NULL,
    closed_by  VARCHAR,
    closed_at  TIMESTAMP,
    close_note VARCHAR
);
CREATE TABLE IF NOT EXISTS order_responses (
    order_id     INTEGER NOT NULL,
    seq          INTEGER NOT NULL,
    text         VARCHAR NOT NULL CHECK (length(trim(text)) > 0),
    responded_by VARCHAR NOT NULL,
    responded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (order_id, seq)
);
CREATE SEQUENCE IF NOT EXISTS reminder_id_seq START 1;
CREATE TABLE IF NOT EXISTS reminders (
    reminder_id INTEGER PRIMARY KEY DEFAULT nextval('reminder_id_seq'),
    plan_id     INTEGER NOT NULL REFERENCES plans (plan_id),
    channel     VARCHAR NOT NULL CHECK (channel IN ('email', 'webhook')),
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
    section VARCHAR PRIMARY KEY,
    email   VARCHAR NOT NULL CHECK (contains(email, '@'))
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
    points        DECIMAL(5, 2) NOT NULL CHECK (points >= 0 AND points <= 100),
    grp           VARCHAR CHECK (grp IS NULL OR grp IN ({_in_list(GROUPS)})),
    note          VARCHAR NOT NULL CHECK (length(trim(note)) > 0),
    created_by    VARCHAR NOT NULL,
    created_at    TIMESTAMP NOT NULL DEFAULT current_timestamp,
    deleted_at    TIMESTAMP
);
"""


class StoreError(ValueError):
    """A write refused by validation or permission (message in Chinese)."""

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.problems = problems or []


@dataclass
class ImportResult:
    """What importing a plan did."""

    plan_id: int
    unchanged: bool
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)

    def describe(self) -> str:
        if self.unchanged:
            return "方案与库中一致，未做改动"
        parts = [f"新增 {len(self.added)} 项", f"修改 {len(self.changed)} 项", f"删除 {len(self.removed)} 项"]
        text = "已导入方案：" + "，".join(parts)
        if self.removed:
            text += "；已不在方案中的目标（其进度记录保留）：" + "、".join(self.removed)
        return text


@dataclass(frozen=True)
class ProgressRow:
    """One progress report for one target."""

    code: str
    report_date: date
    completion_pct: float
    status: str
    note: str = ""


class Store:
    """One DuckDB database. Reads go through ``query``; writes through the methods below."""

    def __init__(self, path: str | Path, wait_seconds: float = 0.0):
        """Open (or create) the database. Only one process may hold a DuckDB file: another
        process's command waits up to ``wait_seconds`` for it, then gives up with a clear message."""
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.con = _connect(self.path, wait_seconds)
        self._write_lock = threading.Lock()
        self.con.execute(SCHEMA)
        self.con.execute("INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT (key) DO NOTHING", [SCHEMA_VERSION])
        self.con.execute("INSERT INTO meta VALUES ('data_version', '0') ON CONFLICT (key) DO NOTHING")
        # One key per database: the file's real path, or this instance for an in-memory database.
        self._version_key = f":memory:{id(self)}" if self.path == ":memory:" else str(Path(self.path).resolve())
        with _VERSIONS_LOCK:
            _VERSIONS[self._version_key] = self._stored_version(self.con)

    def close(self) -> None:
        self.con.close()

    # -- reading -----------------------------------------------------------

    def query(self, sql: str, params: Sequence | dict | None = None) -> pd.DataFrame:
        """Run one read query on a cursor of its own (safe across Streamlit's threads)."""
        cur = self.con.cursor()
        try:
            return cur.execute(sql, params or []).df()
        finally:
            cur.close()

    def scalar(self, sql: str, params: Sequence | dict | None = None) -> object:
        cur = self.con.cursor()
        try:
            row = cur.execute(sql, params or []).fetchall()
            return row[0][0] if row else None
        finally:
            cur.close()

    def version(self) -> int:
        """A number every write transaction raises: the key of cached reads, so a write
        invalidates exactly what was read before it (kept in memory: no query)."""
        return _VERSIONS[self._version_key]

    @staticmethod
    def _stored_version(cur: duckdb.DuckDBPyConnection) -> int:
        return int(cur.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchall()[0][0])

    # -- writing: one transaction, one audit trail --------------------------

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One write transaction on a cursor of its own: committed whole, or rolled back whole.
        Writes are serialised (DuckDB takes one writer at a time anyway)."""
        with self._write_lock:
            cur = self.con.cursor()
            try:
                cur.execute("BEGIN TRANSACTION")
                yield cur
                cur.execute(
                    "UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS VARCHAR) WHERE key = 'data_version'"
                )
                version = self._stored_version(cur)
                cur.execute("COMMIT")
                with _VERSIONS_LOCK:
                    _VERSIONS[self._version_key] = version
            except BaseException:
                _rollback(cur)
                raise
            finally:
                cur.close()

    # -- writing: plans ----------------------------------------------------

    def import_plan(self, plan: Plan, actor: Actor | None = None) -> ImportResult:
        """Store a parsed plan (the office's job). Same content again: nothing changes. An amended
        plan replaces the plan's targets, keeps the progress log of every code (still there or
        not) and reports which codes vanished."""
        actor = actor or Actor.office()
        _office_only(actor, "导入方案")
        if not plan.unit.strip():
            raise StoreError("方案没有单位名称（表格标题应如“泉州市教育局2025年度绩效目标考评表”），未导入")
        if not 2000 <= plan.year <= 2100:
            raise StoreError(f"方案年度 {plan.year} 不在 2000–2100 之间，未导入")
        too_big = [t.code for t in plan.targets if not 0 < t.points <= 100 or not 0 <= t.indicator_points <= 100]
        if too_big:
            raise StoreError(f"目标分值或指标分值应在 0–100 之间：{'、'.join(too_big[:10])}，未导入")
        codes = [t.code for t in plan.targets]
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            raise StoreError(f"方案中目标编号重复：{'、'.join(dupes)}，未导入")
        rows = [t.as_dict() for t in plan.targets]
        events = [(e.name, e.start.isoformat(), e.end.isoformat()) for e in plan.calendar]
        checks = [c.as_dict() for c in plan.checks]  # a corrected prose changes the checks only
        content = json.dumps([rows, events, plan.title, checks], ensure_ascii=False, sort_keys=True)
        digest = hashlib.sha256(content.encode()).hexdigest()
        same = self.scalar(
            "SELECT i.plan_id FROM plans p JOIN plan_imports i USING (plan_id) WHERE p.unit = ? AND p.year = ? "
            "ORDER BY i.import_id DESC LIMIT 1",
            [plan.unit, plan.year],
        )
        if (
            same is not None
            and self.scalar(
                "SELECT content_sha256 FROM plan_imports WHERE plan_id = ? ORDER BY import_id DESC LIMIT 1", [same]
            )
            == digest
        ):
            return ImportResult(plan_id=int(same), unchanged=True)  # nothing to write, no new data version
        with self._transaction() as cur:
            found = cur.execute(
                "SELECT plan_id FROM plans WHERE unit = ? AND year = ?", [plan.unit, plan.year]
            ).fetchall()
            if found:
                plan_id = found[0][0]
                last = cur.execute(
                    "SELECT content_sha256 FROM plan_imports WHERE plan_id = ? ORDER BY import_id DESC LIMIT 1",
                    [plan_id],
                ).fetchall()
                if last and last[0][0] == digest:
                    return ImportResult(plan_id=plan_id, unchanged=True)
                old = self._snapshot(cur, plan_id)
            else:
                plan_id = cur.execute(
                    "INSERT INTO plans (unit, year, title) VALUES (?, ?, ?) RETURNING plan_id",
                    [plan.unit, plan.year, plan.title],
                ).fetchall()[0][0]
                old = {}
            new = {r["code"]: r for r in rows}
            added = [c for c in new if c not in old]
            removed = [c for c in old if c not in new]
            changed = [c for c in new if c in old and old[c] != new[c]]
            dynamic = [
                r[0]
                for r in cur.execute(
                    "SELECT code FROM targets WHERE plan_id = ? AND origin = 'dynamic'", [plan_id]
                ).fetchall()
            ]
            clash = sorted(set(dynamic) & set(new))
            if clash:
                raise StoreError(f"方案中的编号与已添加的动态目标重复：{'、'.join(clash)}")
            for table in ("target_leaders", "target_sections", "targets"):
                sql = f"DELETE FROM {table} WHERE plan_id = ? AND NOT list_contains(?, code)"  # noqa: S608 (constant names)
                cur.execute(sql, [plan_id, dynamic or [""]])
            cur.execute(
                "DELETE FROM indicators WHERE plan_id = ? AND indicator_code NOT IN "
                "(SELECT indicator_code FROM targets WHERE plan_id = ?)",
                [plan_id, plan_id],
            )
            for table in ("plan_checks", "plan_calendar"):
                cur.execute(f"DELETE FROM {table} WHERE plan_id = ?", [plan_id])  # noqa: S608 (constant names)
            self._insert_plan_rows(cur, plan_id, plan)
            cur.execute(
                "INSERT INTO plan_imports (plan_id, source_name, content_sha256, added, removed, changed) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [plan_id, plan.source_name or "", digest, added, removed, changed],
            )
            _audit(
                cur,
                actor,
                "导入方案",
                "plan",
                f"{plan.unit}{plan.year}",
                {c: old[c] for c in removed + changed},
                {"source": plan.source_name, "added": added, "removed": removed, "changed": changed},
            )
        return ImportResult(plan_id=plan_id, unchanged=False, added=added, removed=removed, changed=changed)

    def _snapshot(self, cur: duckdb.DuckDBPyConnection, plan_id: int) -> dict[str, dict]:
        """The stored plan's targets in their JSON form, by code."""
        df = cur.execute(
            """
            SELECT t.code, i.grp, i.category, t.indicator_code, i.title, i.points AS ipoints, i.source_note,
                   t.target_text, t.points, t.deadline,
                   (SELECT list(section ORDER BY seq) FROM target_sections s
                     WHERE s.plan_id = t.plan_id AND s.code = t.code) AS sections,
                   (SELECT list(coalesce(person, '') ORDER BY seq) FROM target_sections s
                     WHERE s.plan_id = t.plan_id AND s.code = t.code) AS persons,
                   (SELECT list(leader ORDER BY seq) FROM target_leaders l
                     WHERE l.plan_id = t.plan_id AND l.code = t.code) AS leaders
            FROM targets t JOIN indicators i USING (plan_id, indicator_code)
            WHERE t.plan_id = ? AND t.origin = 'plan'
            """,
            [plan_id],
        ).fetchall()
        out = {}
        for r in df:
            out[r[0]] = {
                "code": r[0],
                "group": r[1],
                "category": r[2],
                "indicator_code": r[3],
                "indicator": r[4],
                "indicator_points": _num(r[5]),
                "source_note": r[6],
                "target": r[7],
                "points": _num(r[8]),
                "deadline": r[9].isoformat(),
                "sections": list(r[10] or []),
                "persons": [p for p in (r[11] or []) if p],
                "leaders": list(r[12] or []),
            }
        return out

    @staticmethod
    def _insert_plan_rows(cur: duckdb.DuckDBPyConnection, plan_id: int, plan: Plan) -> None:
        ind_rows = [
            (
                plan_id,
                i["indicator_code"],
                i["group"],
                i["category"],
                i["indicator"],
                i["indicator_points"],
                i["source_note"],
                n,
            )
            for n, i in enumerate(plan.indicators(), start=1)
        ]
        _insert_rows(
            cur,
            "indicators",
            ("plan_id", "indicator_code", "grp", "category", "title", "points", "source_note", "seq"),
            ind_rows,
        )
        _insert_rows(
            cur,
            "targets",
            ("plan_id", "code", "indicator_code", "target_text", "points", "deadline", "seq"),
            [
                (plan_id, t.code, t.indicator_code, t.target, t.points, t.deadline, n)
                for n, t in enumerate(plan.targets, start=1)
            ],
        )
        sec_rows = []
        lead_rows = []
        for t in plan.targets:
            for k, sec in enumerate(t.sections, start=1):
                person = t.persons[k - 1] if k <= len(t.persons) else None
                sec_rows.append((plan_id, t.code, k, sec, person, "lead" if k == 1 else "co"))
            lead_rows += [(plan_id, t.code, k, name) for k, name in enumerate(t.leaders, start=1)]
        _insert_rows(cur, "target_sections", ("plan_id", "code", "seq", "section", "person", "role"), sec_rows)
        _insert_rows(cur, "target_leaders", ("plan_id", "code", "seq", "leader"), lead_rows)
        _insert_rows(
            cur,
            "plan_calendar",
            ("plan_id", "seq", "name", "start_date", "end_date", "note"),
            [(plan_id, n, e.name, e.start, e.end, e.text) for n, e in enumerate(plan.calendar, start=1)],
        )
        _insert_rows(
            cur,
            "plan_checks",
            ("plan_id", "seq", "check_name", "subject", "expected", "actual", "ok", "message"),
            [
                (plan_id, n, c.check, c.subject, c.expected, c.actual, c.ok, c.message)
                for n, c in enumerate(plan.checks, start=1)
            ],
        )

    # -- writing: progress -------------------------------------------------

    def add_progress(
        self,
        plan_id: int,
        rows: Sequence[ProgressRow],
        actor: Actor,
        *,
        is_demo: bool = False,
        today: date | None = None,
    ) -> int:
        """The only code that inserts progress. Validates every row and the actor's right to write
        it (see ``access.may_write``), then commits all rows in one transaction, or none, with
        one audit entry naming the previous and new state of each target.
        Returns the number of rows written; raises StoreError listing every problem."""
        if not rows:
            raise StoreError("没有要保存的进度记录")
        self._unlocked_or_office(plan_id, actor)
        today = today or date.today()
        year, owners = self.progress_rules(plan_id)
        problems = validate_progress(rows, owners, actor, year, today)
        if problems:
            raise StoreError("\n".join(p.message for p in problems), problems)
        now = datetime.now()
        columns = (
            "plan_id",
            "code",
            "report_date",
            "completion_pct",
            "status",
            "note",
            "reporter",
            "is_demo",
            "recorded_at",
        )
        values = [
            (
                plan_id,
                r.code,
                r.report_date,
                round(float(r.completion_pct), 1),
                r.status,
                r.note or "",
                actor.name,
                is_demo,
                now,
            )
            for r in rows
        ]
        codes = sorted({r.code for r in rows})
        with self._transaction() as cur:
            before = cur.execute(
                "SELECT code, arg_max(completion_pct::DOUBLE, (report_date, progress_id)), "
                "arg_max(status, (report_date, progress_id)) FROM progress "
                "WHERE plan_id = ? AND list_contains(?, code) GROUP BY code",
                [plan_id, codes],
            ).fetchall()
            _insert_rows(cur, "progress", columns, values)
            if not is_demo:  # the demo history is generated, not anyone's change
                _audit(
                    cur,
                    actor,
                    "填报进度",
                    "progress",
                    f"{len(rows)} 条",
                    {c: {"completion_pct": p, "status": st} for c, p, st in before},
                    [
                        {
                            "code": r.code,
                            "report_date": r.report_date.isoformat(),
                            "completion_pct": float(r.completion_pct),
                            "status": r.status,
                            "note": r.note,
                        }
                        for r in rows
                    ],
                )
        return len(rows)

    # -- writing: the office's scenarios, adjustments and rules --------------

    def save_scenario(
        self,
        plan_id: int,
        name: str,
        note: str,
        base: str,
        as_of: date,
        rules_json: str,
        values: dict[str, float],
        actor: Actor,
        replace: bool = False,
    ) -> int:
        """Save a what-if scenario (office only): one completion per target. A name already used
        is refused unless ``replace``."""
        _office_only(actor, "保存情景")
        name = name.strip()
        if not name:
            raise StoreError("情景名称不能为空")
        _, owners = self.progress_rules(plan_id)
        unknown = sorted(set(values) - set(owners))
        if unknown:
            raise StoreError(f"情景中有方案里没有的目标编号：{'、'.join(unknown)}")
        bad = [c for c, v in values.items() if not 0 <= float(v) <= 100]
        if bad:
            raise StoreError(f"完成率超出 0–100：{'、'.join(bad)}")
        with self._transaction() as cur:
            old = cur.execute(
                "SELECT scenario_id, note, base, rules_json FROM scenarios WHERE plan_id = ? AND name = ?",
                [plan_id, name],
            ).fetchall()
            if old and not replace:
                raise StoreError(f"已有名为“{name}”的情景")
            old_values = None
            if old:
                old_values = dict(
                    cur.execute(
                        "SELECT code, completion_pct::DOUBLE FROM scenario_values WHERE scenario_id = ?", [old[0][0]]
                    ).fetchall()
                )
                cur.execute("DELETE FROM scenario_values WHERE scenario_id = ?", [old[0][0]])
                cur.execute("DELETE FROM scenarios WHERE scenario_id = ?", [old[0][0]])
            sid = cur.execute(
                "INSERT INTO scenarios (plan_id, name, note, base, as_of, rules_json, created_by) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING scenario_id",
                [plan_id, name, note.strip(), base, as_of, rules_json, actor.name],
            ).fetchall()[0][0]
            _insert_rows(
                cur,
                "scenario_values",
                ("scenario_id", "code", "completion_pct"),
                [(sid, c, round(float(v), 1)) for c, v in values.items()],
            )
            _audit(
                cur,
                actor,
                "保存情景",
                "scenario",
                name,
                {"note": old[0][1], "base": old[0][2], "values": old_values} if old else None,
                {"note": note.strip(), "base": base, "rules": json.loads(rules_json), "values": values},
            )
        return int(sid)

    def delete_scenario(self, scenario_id: int, actor: Actor) -> None:
        """Delete a scenario and its values (office only)."""
        _office_only(actor, "删除情景")
        with self._transaction() as cur:
            old = cur.execute("SELECT name, note FROM scenarios WHERE scenario_id = ?", [scenario_id]).fetchall()
            values = dict(
                cur.execute(
                    "SELECT code, completion_pct::DOUBLE FROM scenario_values WHERE scenario_id = ?", [scenario_id]
                ).fetchall()
            )
            cur.execute("DELETE FROM scenario_values WHERE scenario_id = ?", [scenario_id])
            cur.execute("DELETE FROM scenarios WHERE scenario_id = ?", [scenario_id])
            if old:
                _audit(cur, actor, "删除情景", "scenario", old[0][0], {"note": old[0][1], "values": values}, None)

    def add_adjustment(
        self, plan_id: int, kind: str, points: float, note: str, actor: Actor, group: str | None = None
    ) -> int:
        """Record a 加分 / 扣分 / 一票否决 entry with its reason (office only)."""
        _office_only(actor, "录入加减分")
        if kind not in ("bonus", "deduction", "veto"):
            raise StoreError(f"未知的类型“{kind}”")
        if not note.strip():
            raise StoreError("请填写加减分的事由")
        if not 0 <= float(points) <= 100:
            raise StoreError("分值应在 0 到 100 之间")
        value = 0.0 if kind == "veto" else float(points)
        with self._transaction() as cur:
            aid = cur.execute(
                "INSERT INTO adjustments (plan_id, kind, points, grp, note, created_by) "
                "VALUES (?, ?, ?, ?, ?, ?) RETURNING adjustment_id",
                [plan_id, kind, value, group, note.strip(), actor.name],
            ).fetchall()[0][0]
            _audit(
                cur,
                actor,
                "录入加减分",
                "adjustment",
                str(aid),
                None,
                {"kind": kind, "points": value, "group": group, "note": note.strip()},
            )
        return int(aid)

    def withdraw_adjustment(self, adjustment_id: int, actor: Actor) -> None:
        """Withdraw an entry (office only): it stays on record with the time it was withdrawn."""
        _office_only(actor, "撤销加减分")
        with self._transaction() as cur:
            old = cur.execute(
                "SELECT kind, points::DOUBLE, note FROM adjustments WHERE adjustment_id = ? AND deleted_at IS NULL",
                [adjustment_id],
            ).fetchall()
            if not old:
                raise StoreError(f"没有编号为 {adjustment_id} 的有效加减分记录")
            cur.execute(
                "UPDATE adjustments SET deleted_at = current_timestamp WHERE adjustment_id = ?", [adjustment_id]
            )
            _audit(
                cur,
                actor,
                "撤销加减分",
                "adjustment",
                str(adjustment_id),
                {"kind": old[0][0], "points": old[0][1], "note": old[0][2]},
                {"withdrawn": True},
            )

    def set_rules(self, plan_id: int, rules_json: str, actor: Actor) -> None:
        """The office's scoring rules for a plan (office only); the previous ones go to the audit log."""
        _office_only(actor, "修改计分规则")
        json.loads(rules_json)  # must be valid JSON; scoring.Rules validates the content
        with self._transaction() as cur:
            old = cur.execute("SELECT rules_json FROM plan_rules WHERE plan_id = ?", [plan_id]).fetchall()
            cur.execute("DELETE FROM plan_rules WHERE plan_id = ?", [plan_id])
            cur.execute(
                "INSERT INTO plan_rules (plan_id, rules_json, updated_by) VALUES (?, ?, ?)",
                [plan_id, rules_json, actor.name],
            )
            _audit(
                cur,
                actor,
                "修改计分规则",
                "rules",
                str(plan_id),
                json.loads(old[0][0]) if old else None,
                json.loads(rules_json),
            )

    # -- writing: the year-end evaluation -----------------------------------

    def locked(self, plan_id: int) -> bool:
        """Whether the office has locked the plan's year (after the evaluation)."""
        return bool(self.scalar("SELECT count(*) FROM plan_locks WHERE plan_id = ?", [plan_id]))

    def _unlocked_or_office(self, plan_id: int, actor: Actor) -> None:
        if actor.role != "office" and self.locked(plan_id):
            raise StoreError("本年度绩效已由绩效办锁定，只有绩效办可以修改")

    def _target_people(self, plan_id: int, code: str) -> tuple[list[str], list[str], float]:
        """A target's sections (lead first), leaders and points; StoreError if there is no such target."""
        rows = self.query(
            "SELECT t.points::DOUBLE AS points, "
            "(SELECT list(section ORDER BY seq) FROM target_sections s WHERE s.plan_id = t.plan_id AND s.code = t.code)"
            " AS sections, (SELECT list(leader ORDER BY seq) FROM target_leaders l WHERE l.plan_id = t.plan_id "
            "AND l.code = t.code) AS leaders FROM targets t WHERE t.plan_id = $p AND t.code = $c",
            {"p": plan_id, "c": code},
        )
        if rows.empty:
            raise StoreError(f"方案中没有编号为“{code}”的目标")
        r = rows.iloc[0]
        return (
            list(r["sections"] if r["sections"] is not None else []),
            list(r["leaders"] if r["leaders"] is not None else []),
            float(r["points"]),
        )

    def submit_self_assessment(
        self, plan_id: int, code: str, completion_pct: float, proposed_score: float, summary: str, actor: Actor
    ) -> None:
        """A target's self-assessment (自评): by its lead section, or the office. Resubmitting
        replaces it and clears the leader's sign-off (a changed text needs a new signature)."""
        self._unlocked_or_office(plan_id, actor)
        sections, _, points = self._target_people(plan_id, code)
        if actor.role != "office" and not (actor.role == "section" and sections and sections[0] == actor.name):
            raise StoreError(f"{code} 的自评由牵头科室（{sections[0] if sections else '—'}）提交")
        if not 0 <= float(completion_pct) <= 100:
            raise StoreError("完成率应在 0 到 100 之间")
        if not 0 <= float(proposed_score) <= points:
            raise StoreError(f"自评得分应在 0 到该目标分值 {points:g} 之间")
        if not summary.strip():
            raise StoreError("请填写自评小结")
        with self._transaction() as cur:
            old = cur.execute(
                "SELECT completion_pct::DOUBLE, proposed_score::DOUBLE, summary, signed_by FROM self_assessments "
                "WHERE plan_id = ? AND code = ?",
                [plan_id, code],
            ).fetchall()
            cur.execute("DELETE FROM self_assessments WHERE plan_id = ? AND code = ?", [plan_id, code])
            cur.execute(
                "INSERT INTO self_assessments (plan_id, code, completion_pct, proposed_score, summary, submitted_by, "
                "submitted_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    plan_id,
                    code,
                    round(float(completion_pct), 1),
                    round(float(proposed_score), 2),
                    summary.strip(),
                    actor.name,
                    datetime.now(),
                ],
            )
            _audit(
                cur,
                actor,
                "提交自评",
                "self_assessment",
                code,
                dict(zip(("completion_pct", "proposed_score", "summary", "signed_by"), old[0], strict=True))
                if old
                else None,
                {
                    "completion_pct": float(completion_pct),
                    "proposed_score": float(proposed_score),
                    "summary": summary.strip(),
                },
            )

    def sign_self_assessment(self, plan_id: int, code: str, actor: Actor) -> None:
        """The 分管领导's sign-off (审签) of a self-assessment: one of the target's leaders, or the
        office recording a paper signature."""
        self._unlocked_or_office(plan_id, actor)
        _, leaders, _ = self._target_people(plan_id, code)
        if actor.role != "office" and not (actor.role == "leader" and actor.name in leaders):
            raise StoreError(f"{code} 由 {'、'.join(leaders)} 分管，只有分管领导可以审签")
        with self._transaction() as cur:
            found = cur.execute(
                "SELECT signed_by FROM self_assessments WHERE plan_id = ? AND code = ?", [plan_id, code]
            ).fetchall()
            if not found:
                raise StoreError(f"{code} 还没有提交自评，无法审签")
            signer = actor.name if actor.role == "leader" else f"{actor.name}（代录）"
            cur.execute(
                "UPDATE self_assessments SET signed_by = ?, signed_at = ? WHERE plan_id = ? AND code = ?",
                [signer, datetime.now(), plan_id, code],
            )
            _audit(cur, actor, "审签自评", "self_assessment", code, {"signed_by": found[0][0]}, {"signed_by": signer})

    def add_evidence(
        self,
        plan_id: int,
        code: str | None,
        innovation_id: int | None,
        file_name: str,
        sha256: str,
        size: int,
        mime: str,
        actor: Actor,
    ) -> int:
        """Record an evidence file already stored by its content hash (see perfdash.evaluation):
        any section of the target, or the office."""
        self._unlocked_or_office(plan_id, actor)
        if code is not None:
            sections, _, _ = self._target_people(plan_id, code)
            if actor.role != "office" and not (actor.role == "section" and actor.name in sections):
                raise StoreError(f"“{actor.name}”不是 {code} 的责任科室，不能上传材料")
        elif actor.role not in ("office", "section"):
            raise StoreError("领导不能上传材料")
        with self._transaction() as cur:
            eid = cur.execute(
                "INSERT INTO evidence (plan_id, code, innovation_id, file_name, content_sha256, size_bytes, mime, "
                "uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING evidence_id",
                [plan_id, code, innovation_id, file_name, sha256, size, mime, actor.name, datetime.now()],
            ).fetchall()[0][0]
            _audit(
                cur,
                actor,
                "上传材料",
                "evidence",
                code or f"创新成果 {innovation_id}",
                None,
                {"file": file_name, "sha256": sha256, "bytes": size},
            )
        return int(eid)

    def evaluate(self, plan_id: int, code: str, final_score: float, reason: str, proposed: float, actor: Actor) -> None:
        """The office's final score of a target (综合评估); a score that differs from the proposed
        one needs a reason."""
        _office_only(actor, "评定得分")
        _, _, points = self._target_people(plan_id, code)
        if not 0 <= float(final_score) <= points:
            raise StoreError(f"{code} 的得分应在 0 到 {points:g} 之间")
        if abs(float(final_score) - float(proposed)) > 1e-9 and not reason.strip():
            raise StoreError(f"{code} 的评定得分与自评得分不同，请填写理由")
        with self._transaction() as cur:
            old = cur.execute(
                "SELECT final_score::DOUBLE, reason FROM evaluations WHERE plan_id = ? AND code = ?", [plan_id, code]
            ).fetchall()
            cur.execute("DELETE FROM evaluations WHERE plan_id = ? AND code = ?", [plan_id, code])
            cur.execute(
                "INSERT INTO evaluations VALUES (?, ?, ?, ?, ?, ?)",
                [plan_id, code, round(float(final_score), 2), reason.strip(), actor.name, datetime.now()],
            )
            _audit(
                cur,
                actor,
                "评定得分",
                "evaluation",
                code,
                {"final_score": old[0][0], "reason": old[0][1]} if old else None,
                {"final_score": float(final_score), "reason": reason.strip(), "proposed": float(proposed)},
            )

    def set_lock(self, plan_id: int, locked: bool, actor: Actor) -> None:
        """Lock (or reopen) the plan's year: once locked only the office changes anything."""
        _office_only(actor, "锁定年度")
        with self._transaction() as cur:
            was = bool(cur.execute("SELECT count(*) FROM plan_locks WHERE plan_id = ?", [plan_id]).fetchall()[0][0])
            cur.execute("DELETE FROM plan_locks WHERE plan_id = ?", [plan_id])
            if locked:
                cur.execute("INSERT INTO plan_locks VALUES (?, ?, ?)", [plan_id, actor.name, datetime.now()])
            _audit(
                cur,
                actor,
                "锁定年度" if locked else "解除锁定",
                "plan",
                str(plan_id),
                {"locked": was},
                {"locked": locked},
            )

    def add_innovation(self, plan_id: int, title: str, level: str, section: str, description: str, actor: Actor) -> int:
        """A candidate innovation (创新成果): any section for itself, or the office."""
        self._unlocked_or_office(plan_id, actor)
        if actor.role == "leader" or (actor.role == "section" and actor.name != section):
            raise StoreError("科室只能申报本科室的创新成果")
        if not title.strip() or not description.strip():
            raise StoreError("请填写创新成果的名称和简介")
        with self._transaction() as cur:
            iid = cur.execute(
                "INSERT INTO innovations (plan_id, title, level, section, description, created_by, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING innovation_id",
                [plan_id, title.strip(), level, section, description.strip(), actor.name, datetime.now()],
            ).fetchall()[0][0]
            _audit(
                cur,
                actor,
                "申报创新成果",
                "innovation",
                str(iid),
                None,
                {"title": title.strip(), "level": level, "section": section},
            )
        return int(iid)

    def select_innovation(self, innovation_id: int, selected: bool, actor: Actor) -> None:
        """The office selects (or deselects) an innovation to count toward target 6-5."""
        _office_only(actor, "遴选创新成果")
        with self._transaction() as cur:
            old = cur.execute("SELECT selected FROM innovations WHERE innovation_id = ?", [innovation_id]).fetchall()
            if not old:
                raise StoreError(f"没有编号为 {innovation_id} 的创新成果")
            cur.execute("UPDATE innovations SET selected = ? WHERE innovation_id = ?", [selected, innovation_id])
            _audit(
                cur,
                actor,
                "遴选创新成果",
                "innovation",
                str(innovation_id),
                {"selected": old[0][0]},
                {"selected": selected},
            )

    def add_survey_sample(
        self,
        plan_id: int,
        name: str,
        organization: str,
        category: str,
        phone: str,
        section: str,
        note: str,
        actor: Actor,
    ) -> int:
        """One person on the public-evaluation sample list (公众评议): the office, or a section for itself."""
        if actor.role == "leader" or (actor.role == "section" and actor.name != section):
            raise StoreError("科室只能登记本科室联系的评议样本")
        if not name.strip():
            raise StoreError("请填写姓名")
        with self._transaction() as cur:
            sid = cur.execute(
                "INSERT INTO survey_samples (plan_id, name, organization, category, phone, section, note, created_by, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING sample_id",
                [
                    plan_id,
                    name.strip(),
                    organization.strip(),
                    category.strip(),
                    phone.strip(),
                    section,
                    note.strip(),
                    actor.name,
                    datetime.now(),
                ],
            ).fetchall()[0][0]
            _audit(
                cur,
                actor,
                "登记评议样本",
                "survey_sample",
                str(sid),
                None,
                {"name": name.strip(), "organization": organization.strip(), "section": section},
            )
        return int(sid)

    def set_report_notes(self, plan_id: int, problems: str, measures: str, actor: Actor) -> None:
        """The problems and improvement measures the office writes for the 绩效评估报告."""
        _office_only(actor, "撰写评估报告")
        with self._transaction() as cur:
            old = cur.execute("SELECT problems, measures FROM report_notes WHERE plan_id = ?", [plan_id]).fetchall()
            cur.execute("DELETE FROM report_notes WHERE plan_id = ?", [plan_id])
            cur.execute(
                "INSERT INTO report_notes VALUES (?, ?, ?, ?, ?)",
                [plan_id, problems.strip(), measures.strip(), actor.name, datetime.now()],
            )
            _audit(
                cur,
                actor,
                "撰写评估报告",
                "report",
                str(plan_id),
                {"problems": old[0][0], "measures": old[0][1]} if old else None,
                {"problems": problems.strip(), "measures": measures.strip()},
            )

    # -- writing: supervision (督办) ------------------------------------------

    def set_milestones(
        self, plan_id: int, code: str, milestones: list[tuple[str, date, str, float]], actor: Actor
    ) -> None:
        """Replace a target's milestones (节点: title, due date, person, weight): the office, or
        the target's lead section. An empty list removes them (序时进度 is a straight line again)."""
        self._unlocked_or_office(plan_id, actor)
        sections, _, _ = self._target_people(plan_id, code)
        if actor.role != "office" and not (actor.role == "section" and sections and sections[0] == actor.name):
            raise StoreError(f"{code} 的节点由牵头科室（{sections[0] if sections else '—'}）或绩效办设置")
        year = int(self.scalar("SELECT year FROM plans WHERE plan_id = ?", [plan_id]))
        for n, (title, due, _, weight) in enumerate(milestones, start=1):
            if not str(title).strip():
                raise StoreError(f"第{n}个节点：请填写节点名称")
            if not isinstance(due, date) or due.year != year:
                raise StoreError(f"第{n}个节点：日期 {due} 不在方案年度 {year} 年内")
            if not float(weight) > 0:
                raise StoreError(f"第{n}个节点：权重应大于 0")
        with self._transaction() as cur:
            old = cur.execute(
                "SELECT title, due_date, person, weight::DOUBLE FROM milestones WHERE plan_id = ? AND code = ? "
                "ORDER BY seq",
                [plan_id, code],
            ).fetchall()
            cur.execute("DELETE FROM milestones WHERE plan_id = ? AND code = ?", [plan_id, code])
            _insert_rows(
                cur,
                "milestones",
                ("plan_id", "code", "seq", "title", "due_date", "person", "weight"),
                [
                    (plan_id, code, n, t.strip(), d, p or "", float(w))
                    for n, (t, d, p, w) in enumerate(sorted(milestones, key=lambda m: m[1]), start=1)
                ],
            )
            _audit(
                cur,
                actor,
                "设置节点",
                "milestones",
                code,
                [list(r) for r in old] or None,
                [[t, d, p, float(w)] for t, d, p, w in milestones] or None,
            )

    def issue_order(self, plan_id: int, code: str, what: str, due: date, actor: Actor) -> int:
        """A supervision order (督办单) to a target's lead section: what, by when (office only)."""
        _office_only(actor, "下发督办单")
        sections, _, _ = self._target_people(plan_id, code)
        if not what.strip():
            raise StoreError("请填写督办事项")
        with self._transaction() as cur:
            oid = cur.execute(
                "INSERT INTO supervision_orders (plan_id, code, section, what, due_date, issued_by, issued_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING order_id",
                [plan_id, code, sections[0], what.strip(), due, actor.name, datetime.now()],
            ).fetchall()[0][0]
            _audit(
                cur,
                actor,
                "下发督办单",
                "order",
                str(oid),
                None,
                {"code": code, "section": sections[0], "what": what.strip(), "due": due},
            )
        return int(oid)

    def respond_order(self, order_id: int, text: str, actor: Actor) -> None:
        """The section's answer to a supervision order (or the office's note on it)."""
        row = self.query("SELECT section, closed_at FROM supervision_orders WHERE order_id = $o", {"o": order_id})
        if row.empty:
            raise StoreError(f"没有编号为 {order_id} 的督办单")
        if actor.role != "office" and not (actor.role == "section" and actor.name == row.iloc[0]["section"]):
            raise StoreError(f"督办单 {order_id} 由{row.iloc[0]['section']}答复")
        if row.iloc[0]["closed_at"] is not None and row.iloc[0]["closed_at"] == row.iloc[0]["closed_at"]:
            raise StoreError(f"督办单 {order_id} 已办结")
        if not text.strip():
            raise StoreError("请填写答复内容")
        with self._transaction() as cur:
            seq = cur.execute(
                "SELECT coalesce(max(seq), 0) + 1 FROM order_responses WHERE order_id = ?", [order_id]
            ).fetchall()[0][0]
            cur.execute(
                "INSERT INTO order_responses VALUES (?, ?, ?, ?, ?)",
                [order_id, seq, text.strip(), actor.name, datetime.now()],
            )
            _audit(cur, actor, "答复督办单", "order", str(order_id), None, {"text": text.strip()})

    def close_order(self, order_id: int, note: str, actor: Actor) -> None:
        """Close a supervision order: only the office."""
        _office_only(actor, "办结督办单")
        with self._transaction() as cur:
            old = cur.execute("SELECT closed_at FROM supervision_orders WHERE order_id = ?", [order_id]).fetchall()
            if not old:
                raise StoreError(f"没有编号为 {order_id} 的督办单")
            if old[0][0] is not None:
                raise StoreError(f"督办单 {order_id} 已办结")
            cur.execute(
                "UPDATE supervision_orders SET closed_by = ?, closed_at = ?, close_note = ? WHERE order_id = ?",
                [actor.name, datetime.now(), note.strip(), order_id],
            )
            _audit(
                cur,
                actor,
                "办结督办单",
                "order",
                str(order_id),
                {"closed": False},
                {"closed": True, "note": note.strip()},
            )

    def set_section_contact(self, section: str, email: str, actor: Actor) -> None:
        """Where reminders to a section go (office only)."""
        _office_only(actor, "设置科室邮箱")
        if "@" not in email:
            raise StoreError(f"“{email}”不是有效的邮箱地址")
        with self._transaction() as cur:
            old = cur.execute("SELECT email FROM section_contacts WHERE section = ?", [section]).fetchall()
            cur.execute("DELETE FROM section_contacts WHERE section = ?", [section])
            cur.execute("INSERT INTO section_contacts VALUES (?, ?)", [section, email.strip()])
            _audit(cur, actor, "设置科室邮箱", "contact", section, old[0][0] if old else None, email.strip())

    def log_reminder(
        self,
        plan_id: int,
        channel: str,
        recipients: str,
        sections: list[str],
        subject: str,
        body: str,
        ok: bool,
        error: str | None,
        actor: Actor,
    ) -> int:
        """Record a reminder sent (or that failed to go out): office only."""
        _office_only(actor, "发送催报")
        with self._transaction() as cur:
            rid = cur.execute(
                "INSERT INTO reminders (plan_id, channel, recipients, sections, subject, body, ok, error, sent_by, "
                "sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING reminder_id",
                [plan_id, channel, recipients, sections, subject, body, ok, error, actor.name, datetime.now()],
            ).fetchall()[0][0]
            _audit(
                cur,
                actor,
                "发送催报",
                "reminder",
                str(rid),
                None,
                {"channel": channel, "sections": sections, "ok": ok, "error": error},
            )
        return int(rid)

    def add_dynamic_target(self, plan_id: int, target: Target, actor: Actor) -> None:
        """A dynamic target (动态工作目标) added mid-year by the office, in its own code series
        (3-n); it flows through every page and the score, and survives re-imports of the plan."""
        _office_only(actor, "添加动态目标")
        if not target.sections:
            raise StoreError("请至少指定一个责任科室（第一个为牵头科室）")
        with self._transaction() as cur:
            if cur.execute("SELECT 1 FROM targets WHERE plan_id = ? AND code = ?", [plan_id, target.code]).fetchall():
                raise StoreError(f"编号 {target.code} 已存在")
            if not cur.execute(
                "SELECT 1 FROM indicators WHERE plan_id = ? AND indicator_code = ?", [plan_id, target.indicator_code]
            ).fetchall():
                seq = cur.execute(
                    "SELECT coalesce(max(seq), 0) + 1 FROM indicators WHERE plan_id = ?", [plan_id]
                ).fetchall()[0][0]
                cur.execute(
                    "INSERT INTO indicators VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        plan_id,
                        target.indicator_code,
                        target.group,
                        target.category,
                        target.indicator,
                        0,
                        target.source_note,
                        seq,
                    ],
                )
            seq = cur.execute("SELECT coalesce(max(seq), 0) + 1 FROM targets WHERE plan_id = ?", [plan_id]).fetchall()
            cur.execute(
                "INSERT INTO targets (plan_id, code, indicator_code, target_text, points, deadline, seq, origin) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, 'dynamic')",
                [plan_id, target.code, target.indicator_code, target.target, target.points, target.deadline, seq[0][0]],
            )
            cur.execute(
                "UPDATE indicators SET points = (SELECT sum(points) FROM targets "
                "WHERE plan_id = ? AND indicator_code = ?) WHERE plan_id = ? AND indicator_code = ?",
                [plan_id, target.indicator_code, plan_id, target.indicator_code],
            )
            _insert_rows(
                cur,
                "target_sections",
                ("plan_id", "code", "seq", "section", "person", "role"),
                [
                    (
                        plan_id,
                        target.code,
                        k,
                        sec,
                        target.persons[k - 1] if k <= len(target.persons) else None,
                        "lead" if k == 1 else "co",
                    )
                    for k, sec in enumerate(target.sections, start=1)
                ],
            )
            _insert_rows(
                cur,
                "target_leaders",
                ("plan_id", "code", "seq", "leader"),
                [(plan_id, target.code, k, name) for k, name in enumerate(target.leaders, start=1)],
            )
            _audit(cur, actor, "添加动态目标", "target", target.code, None, target.as_dict())

    # -- writing: 量化指标 -------------------------------------------------------

    def review_kpis(self, plan_id: int, code: str, kpis: list[dict], actor: Actor) -> None:
        """The office's reviewed commitments of a target (value, unit, comparator, subject,
        phrase), replacing the extracted ones; an empty list means the target has none."""
        _office_only(actor, "审核量化指标")
        self._target_people(plan_id, code)
        for n, k in enumerate(kpis, start=1):
            if k.get("comparator") not in (">=", "<=", "="):
                raise StoreError(f"第{n}项：比较符应为 >=、<= 或 =")
            if not float(k.get("value", -1)) >= 0:
                raise StoreError(f"第{n}项：数值应不小于 0")
            if not str(k.get("phrase", "")).strip():
                raise StoreError(f"第{n}项：请填写原文短语（用于对应实际值）")
        phrases = [str(k["phrase"]).strip() for k in kpis]
        if len(set(phrases)) != len(phrases):
            raise StoreError("同一目标的量化指标原文短语不能重复")
        with self._transaction() as cur:
            old = cur.execute(
                "SELECT value, unit, comparator, phrase FROM kpi_reviews WHERE plan_id = ? AND code = ? ORDER BY seq",
                [plan_id, code],
            ).fetchall()
            cur.execute("DELETE FROM kpi_reviews WHERE plan_id = ? AND code = ?", [plan_id, code])
            now = datetime.now()
            _insert_rows(
                cur,
                "kpi_reviews",
                (
                    "plan_id",
                    "code",
                    "seq",
                    "value",
                    "unit",
                    "comparator",
                    "subject",
                    "phrase",
                    "reviewed_by",
                    "reviewed_at",
                ),
                [
                    (
                        plan_id,
                        code,
                        n,
                        float(k["value"]),
                        str(k.get("unit", "")),
                        k["comparator"],
                        str(k.get("subject", "")),
                        str(k["phrase"]).strip(),
                        actor.name,
                        now,
                    )
                    for n, k in enumerate(kpis, start=1)
                ],
            )
            _audit(
                cur,
                actor,
                "审核量化指标",
                "kpis",
                code,
                [list(r) for r in old] or None,
                [{k2: k[k2] for k2 in ("value", "unit", "comparator", "phrase") if k2 in k} for k in kpis],
            )

    def report_kpi_actuals(
        self,
        plan_id: int,
        code: str,
        actuals: dict[str, float],
        report_date: date,
        actor: Actor,
        today: date | None = None,
    ) -> int:
        """Actual values against a target's commitments (by phrase): its sections, or the office."""
        self._unlocked_or_office(plan_id, actor)
        sections, _, _ = self._target_people(plan_id, code)
        if not may_write(actor, sections):
            raise StoreError(f"“{actor.name}”不是 {code} 的责任科室，无权填报")
        year = int(self.scalar("SELECT year FROM plans WHERE plan_id = ?", [plan_id]))
        if report_date.year != year or report_date > (today or date.today()):
            raise StoreError(f"填报日期 {report_date} 应在方案年度 {year} 年内且不晚于今天")
        bad = [p for p, v in actuals.items() if not float(v) >= 0]
        if bad:
            raise StoreError(f"实际值应不小于 0：{'、'.join(bad)}")
        with self._transaction() as cur:
            now = datetime.now()
            _insert_rows(
                cur,
                "kpi_actuals",
                ("plan_id", "code", "phrase", "report_date", "actual", "reporter", "recorded_at"),
                [(plan_id, code, p, report_date, float(v), actor.name, now) for p, v in actuals.items()],
            )
            _audit(
                cur, actor, "填报量化指标", "kpi_actuals", code, None, {"report_date": report_date, "actuals": actuals}
            )
        return len(actuals)

    def set_completion_mode(self, plan_id: int, code: str, mode: str, actor: Actor) -> None:
        """Whether a target's completion is entered directly or computed from its commitments."""
        _office_only(actor, "设置完成率来源")
        if mode not in ("direct", "kpi"):
            raise StoreError(f"未知的完成率来源“{mode}”")
        self._target_people(plan_id, code)
        with self._transaction() as cur:
            old = cur.execute(
                "SELECT mode FROM completion_modes WHERE plan_id = ? AND code = ?", [plan_id, code]
            ).fetchall()
            cur.execute("DELETE FROM completion_modes WHERE plan_id = ? AND code = ?", [plan_id, code])
            cur.execute("INSERT INTO completion_modes VALUES (?, ?, ?)", [plan_id, code, mode])
            _audit(cur, actor, "设置完成率来源", "completion_mode", code, old[0][0] if old else "direct", mode)

    # -- writing: accounts and kiosk tokens (office only) -------------------

    def create_account(
        self,
        actor: Actor,
        username: str,
        display_name: str,
        role: str,
        scope: str | None,
        password_hash: str | None,
        email: str | None = None,
    ) -> None:
        """A new local account. Its password arrives already hashed (see perfdash.auth)."""
        if actor.role != "system":
            _office_only(actor, "管理账户")
        with self._transaction() as cur:
            if cur.execute("SELECT 1 FROM accounts WHERE username = ?", [username]).fetchall():
                raise StoreError(f"账户“{username}”已存在")
            cur.execute(
                "INSERT INTO accounts (username, display_name, role, scope, email, password_hash) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [username, display_name, role, scope, email, password_hash],
            )
            _audit(
                cur,
                actor,
                "创建账户",
                "account",
                username,
                None,
                {"display_name": display_name, "role": role, "scope": scope, "email": email},
            )

    def update_account(self, actor: Actor, username: str, **changes: object) -> None:
        """Change an account: password_hash (office, or the account itself), or display_name,
        role, scope, email, disabled (office only). The audit log never holds a password hash."""
        allowed = {"password_hash", "display_name", "role", "scope", "email", "disabled"}
        if not changes or set(changes) - allowed:
            raise StoreError("无效的账户修改")
        own_password = set(changes) == {"password_hash"} and actor.username == username
        if not own_password:
            _office_only(actor, "管理账户")
        columns = sorted(changes)
        with self._transaction() as cur:
            row = cur.execute(
                "SELECT display_name, role, scope, email, disabled FROM accounts WHERE username = ?", [username]
            ).fetchall()
            if not row:
                raise StoreError(f"没有账户“{username}”")
            old = dict(zip(("display_name", "role", "scope", "email", "disabled"), row[0], strict=True))
            assignments = ", ".join(f"{c} = ?" for c in columns)  # column names from the allow-list above
            cur.execute(
                f"UPDATE accounts SET {assignments} WHERE username = ?",  # noqa: S608
                [changes[c] for c in columns] + [username],
            )
            shown = {c: ("（已修改）" if c == "password_hash" else changes[c]) for c in columns}
            _audit(
                cur, actor, "修改账户", "account", username, {c: old.get(c) for c in columns if c in old} or None, shown
            )

    def record_login(self, username: str, ok: bool, at: datetime | None = None) -> None:
        """One login attempt (for rate limiting and the audit trail)."""
        with self._transaction() as cur:
            cur.execute(
                "INSERT INTO login_attempts (username, attempted_at, ok) VALUES (?, ?, ?)",
                [username, at or datetime.now(), ok],
            )

    def add_kiosk_token(self, actor: Actor, token_hash: str, label: str) -> None:
        """A meeting-screen token (only its hash is kept)."""
        _office_only(actor, "管理大屏令牌")
        with self._transaction() as cur:
            cur.execute(
                "INSERT INTO kiosk_tokens (token_hash, label, created_by) VALUES (?, ?, ?)",
                [token_hash, label, actor.name],
            )
            _audit(cur, actor, "创建大屏令牌", "kiosk_token", label, None, {"label": label})

    def revoke_kiosk_token(self, actor: Actor, token_hash: str) -> None:
        """Stop a meeting-screen token from working."""
        _office_only(actor, "管理大屏令牌")
        with self._transaction() as cur:
            label = cur.execute("SELECT label FROM kiosk_tokens WHERE token_hash = ?", [token_hash]).fetchall()
            cur.execute("UPDATE kiosk_tokens SET revoked_at = current_timestamp WHERE token_hash = ?", [token_hash])
            _audit(
                cur,
                actor,
                "吊销大屏令牌",
                "kiosk_token",
                label[0][0] if label else "?",
                {"revoked": False},
                {"revoked": True},
            )

    def progress_rules(self, plan_id: int) -> tuple[int, dict[str, set[str]]]:
        """What validating progress needs: the plan year and each target's sections."""
        year = self.scalar("SELECT year FROM plans WHERE plan_id = ?", [plan_id])
        if year is None:
            raise StoreError(f"方案 {plan_id} 不存在")
        owners: dict[str, set[str]] = {}
        cur = self.con.cursor()
        try:
            pairs = cur.execute(
                "SELECT t.code, s.section FROM targets t LEFT JOIN target_sections s USING (plan_id, code) "
                "WHERE t.plan_id = ?",
                [plan_id],
            ).fetchall()
        finally:
            cur.close()
        for code, section in pairs:
            owners.setdefault(code, set()).add(section)
        return int(year), owners


@dataclass(frozen=True)
class Problem:
    """One problem with one row of a progress batch: its index, the field, a Chinese message."""

    index: int
    column: str
    message: str


def validate_progress(
    rows: Sequence[ProgressRow], owners: dict[str, set[str]], actor: Actor, year: int, today: date
) -> list[Problem]:
    """Every problem with a batch of progress reports (empty when all is well)."""
    problems: list[Problem] = []
    seen: dict[tuple[str, date], int] = {}
    for n, r in enumerate(rows):
        if r.code not in owners:
            problems.append(Problem(n, "code", f"方案中没有编号为“{r.code}”的目标"))
            continue
        if not may_write(actor, owners[r.code]):
            why = (
                "领导只能查看，不能填报" if actor.role == "leader" else f"“{actor.name}”不是该目标的责任科室，无权填报"
            )
            problems.append(Problem(n, "code", f"{r.code}：{why}"))
        try:
            pct = float(r.completion_pct)
        except (TypeError, ValueError):
            problems.append(Problem(n, "completion_pct", f"完成率“{r.completion_pct}”不是数字"))
        else:
            if not 0 <= pct <= 100 or pct != pct:  # pct != pct: NaN
                problems.append(Problem(n, "completion_pct", f"完成率 {pct:g} 超出 0–100"))
        if r.status not in STATUSES:
            problems.append(Problem(n, "status", f"状态“{r.status}”不在可选范围（{'、'.join(STATUSES)}）内"))
        if not isinstance(r.report_date, date) or r.report_date.year != year:
            problems.append(Problem(n, "report_date", f"填报日期 {r.report_date} 不在方案年度 {year} 年内"))
        elif r.report_date > today:
            problems.append(Problem(n, "report_date", f"填报日期 {r.report_date} 晚于今天（{today}）"))
        key = (r.code, r.report_date)
        if key in seen:
            problems.append(Problem(n, "code", f"{r.code} 在 {r.report_date} 重复填报（与第 {seen[key] + 1} 条重复）"))
        else:
            seen[key] = n
    return problems


def _office_only(actor: Actor, what: str) -> None:
    if actor.role != "office":
        raise StoreError(f"只有绩效办可以{what}（当前身份：{actor.label}）")


def _audit(
    cur: duckdb.DuckDBPyConnection, actor: Actor, action: str, entity: str, key: str, old: object, new: object
) -> None:
    """One audit entry, inside the write's own transaction: who, when, what, old and new."""
    cur.execute(
        "INSERT INTO audit_log (logged_at, actor, role, action, entity, entity_key, old_value, new_value) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            datetime.now(),
            actor.username or actor.name,  # the person, where one is signed in
            actor.role,
            action,
            entity,
            key,
            None if old is None else json.dumps(old, ensure_ascii=False, default=str),
            None if new is None else json.dumps(new, ensure_ascii=False, default=str),
        ],
    )


def _connect(path: str, wait_seconds: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + wait_seconds
    delay = 0.05
    while True:
        try:
            return duckdb.connect(path)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            if time.monotonic() >= deadline:
                raise StoreError(f"数据库 {path} 正被另一个程序使用（如正在运行的看板），请稍后再试") from exc
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


def _insert_rows(cur: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
    """Insert many rows in one statement (row-by-row executemany is slow in DuckDB).

    ``table`` and ``columns`` are constants of this module; the values travel as a DataFrame."""
    if not rows:
        return
    frame = pd.DataFrame(rows, columns=list(columns))
    cur.register("incoming_rows", frame)
    try:
        cols = ", ".join(columns)
        cur.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM incoming_rows")  # noqa: S608
    finally:
        # In a transaction that just failed, unregistering fails too; keep the first error.
        with contextlib.suppress(duckdb.Error):
            cur.unregister("incoming_rows")


def _num(x: object) -> float | int:
    f = float(x)  # type: ignore[arg-type]
    return int(f) if f.is_integer() else f


def _rollback(cur: duckdb.DuckDBPyConnection) -> None:
    with contextlib.suppress(duckdb.Error):  # no transaction was open
        cur.execute("ROLLBACK")
