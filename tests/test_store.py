"""The store, on DuckDB and on PostgreSQL: schema constraints, idempotent and amended imports, the
progress write path, the data version."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from perfdash.core.access import Actor
from perfdash.db import queries
from perfdash.store import ProgressRow, Store, StoreError
from tests.fixtures import amended, shipped_plan


@pytest.fixture
def store(db_target):
    s = Store(db_target)
    yield s
    s.close()


def _raw(store: Store, sql: str) -> None:
    """A statement run straight on the system of record, past the write path."""
    if not store.on_postgres:
        store.con.execute(sql)
        return
    import psycopg

    from perfdash.db.dialect import to_postgres

    with psycopg.connect(store.path, autocommit=True) as conn:
        conn.execute(to_postgres(sql))


@pytest.fixture
def plan_id(store):
    return store.import_plan(shipped_plan()).plan_id


def test_import_writes_every_table(store, plan_id):
    counts = store.query(
        """
        SELECT (SELECT count(*) FROM plans)::INT AS plans,
               (SELECT count(*) FROM indicators)::INT AS indicators,
               (SELECT count(*) FROM targets)::INT AS targets,
               (SELECT count(*) FROM target_sections WHERE role = 'lead')::INT AS leads,
               (SELECT count(*) FROM target_sections)::INT AS sections,
               (SELECT count(*) FROM target_leaders)::INT AS leaders,
               (SELECT sum(points) FROM targets)::DOUBLE AS points
        """
    ).iloc[0]
    plan = shipped_plan()
    assert counts["plans"] == 1
    assert counts["indicators"] == 24
    assert counts["targets"] == 61
    assert counts["leads"] == 61
    assert counts["sections"] == sum(len(t.sections) for t in plan.targets)
    assert counts["leaders"] == sum(len(t.leaders) for t in plan.targets)
    assert counts["points"] == 100.0


def test_stored_plan_reads_back_field_by_field(store, plan_id):
    plan = shipped_plan()
    state = queries.target_state(store, plan_id, date(2025, 6, 30), plan.year)
    assert list(state["code"]) == [t.code for t in plan.targets]
    for t, row in zip(plan.targets, state.itertuples(), strict=True):
        assert row.group == t.group
        assert row.indicator == t.indicator
        assert row.points == t.points
        assert row.deadline.date() == t.deadline
        assert list(row.sections) == list(t.sections)
        assert list(row.persons) == list(t.persons)
        assert list(row.leaders) == list(t.leaders)
        assert row.lead_section == t.sections[0]


def test_import_same_plan_twice_changes_nothing(store, plan_id):
    before = store.query("SELECT * FROM targets ORDER BY code")
    again = store.import_plan(shipped_plan())
    assert again.unchanged
    assert again.plan_id == plan_id
    assert store.query("SELECT * FROM targets ORDER BY code").equals(before)
    assert store.scalar("SELECT count(*) FROM plan_imports") == 1


def test_amended_plan_keeps_progress_and_reports_vanished_codes(store, plan_id):
    rows = [ProgressRow("1-1-1", date(2025, 3, 7), 30, "推进中"), ProgressRow("1-1-2", date(2025, 3, 7), 40, "推进中")]
    store.add_progress(plan_id, rows, Actor.office(), today=date(2025, 12, 31))
    result = store.import_plan(
        amended(shipped_plan(), drop="1-1-2", change="1-1-1", add_from="1-1-3", new_code="1-1-4")
    )
    assert not result.unchanged
    assert result.removed == ["1-1-2"]
    assert result.added == ["1-1-4"]
    assert result.changed == ["1-1-1"]
    assert "1-1-2" in result.describe()
    assert store.scalar("SELECT count(*) FROM targets") == 61  # one dropped, one added
    # The progress log keeps both codes' history; the state shows the surviving one.
    assert store.scalar("SELECT count(*) FROM progress") == 2
    state = queries.target_state(store, plan_id, date(2025, 3, 31), 2025).set_index("code")
    assert state.loc["1-1-1", "completion_pct"] == 30
    assert state.loc["1-1-1", "target"].endswith("（修订）")
    assert "1-1-2" not in state.index
    assert state.loc["1-1-4", "completion_pct"] == 0


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO progress (plan_id, code, report_date, completion_pct, status, reporter) "
        "VALUES (1, '1-1-1', DATE '2025-03-01', 120, '推进中', 'x')",
        "INSERT INTO progress (plan_id, code, report_date, completion_pct, status, reporter) "
        "VALUES (1, '1-1-1', DATE '2025-03-01', 50, '随便', 'x')",
        "INSERT INTO progress (plan_id, code, report_date, completion_pct, status, reporter) "
        "VALUES (99, '1-1-1', DATE '2025-03-01', 50, '推进中', 'x')",
        "INSERT INTO targets (plan_id, code, indicator_code, target_text, points, deadline, seq) "
        "VALUES (1, '1-1-1', '1-1', 'dup', 1, DATE '2025-12-31', 99)",
        "INSERT INTO targets (plan_id, code, indicator_code, target_text, points, deadline, seq) "
        "VALUES (1, 'abc', '1-1', 'bad code', 1, DATE '2025-12-31', 99)",
        "INSERT INTO targets (plan_id, code, indicator_code, target_text, points, deadline, seq) "
        "VALUES (1, '9-9-9', '1-1', 'no points', 0, DATE '2025-12-31', 99)",
        "INSERT INTO target_sections VALUES (1, '1-1-1', 2, '中教科', '张少杰', 'lead')",
        "INSERT INTO indicators VALUES (1, '9-9', '', 'x', 't', 1, '', 99)",  # any group of the document, not none
        "INSERT INTO plans (unit, year, title) VALUES ('泉州市教育局', 2025, 'again')",
        "INSERT INTO plans (unit, year, title) VALUES ('某局', 1800, 'old')",
    ],
    ids=[
        "pct>100",
        "unknown-status",
        "unknown-plan",
        "duplicate-target",
        "bad-code",
        "zero-points",
        "second-lead",
        "empty-group",
        "duplicate-plan",
        "year-range",
    ],
)
def test_constraints_refuse_bad_rows(store, plan_id, sql):
    import psycopg

    with pytest.raises((duckdb.ConstraintException, psycopg.IntegrityError)):
        _raw(store, sql)


def test_section_writes_its_own_targets(store, plan_id):
    # 1-1-2: lead 资源中心, co-sections 规划建设科 and 中教科.
    for day, actor in ((4, Actor.section("资源中心")), (11, Actor.section("中教科")), (18, Actor.office())):
        row = ProgressRow("1-1-2", date(2025, 4, day), 20 + day, "推进中")
        assert store.add_progress(plan_id, [row], actor, today=date(2025, 12, 31)) == 1
    reporters = store.query("SELECT reporter FROM progress WHERE code = '1-1-2' ORDER BY report_date")
    assert list(reporters["reporter"]) == ["资源中心", "中教科", "绩效办"]


@pytest.mark.parametrize(
    ("actor", "row", "message"),
    [
        (Actor.section("校安科"), ProgressRow("1-1-2", date(2025, 4, 4), 20, "推进中"), "无权填报"),
        (
            Actor.leader("林长华"),
            ProgressRow("1-1-1", date(2025, 4, 4), 20, "推进中"),
            "领导只能查看",
        ),  # a leader only reads
        (Actor.office(), ProgressRow("9-9-9", date(2025, 4, 4), 20, "推进中"), "没有编号为“9-9-9”"),
        (Actor.office(), ProgressRow("1-1-1", date(2025, 4, 4), 101, "推进中"), "超出 0–100"),
        (Actor.office(), ProgressRow("1-1-1", date(2025, 4, 4), -1, "推进中"), "超出 0–100"),
        (Actor.office(), ProgressRow("1-1-1", date(2025, 4, 4), 20, "差不多"), "不在可选范围"),
        (Actor.office(), ProgressRow("1-1-1", date(2024, 12, 31), 20, "推进中"), "不在方案年度"),
        (Actor.office(), ProgressRow("1-1-1", date(2025, 7, 1), 20, "推进中"), "晚于今天"),
    ],
    ids=["other-section", "leader", "unknown-code", "pct-high", "pct-negative", "status", "year", "future"],
)
def test_write_path_refuses_bad_rows_and_writes_nothing(store, plan_id, actor, row, message):
    good = ProgressRow("1-1-1", date(2025, 3, 7), 10, "推进中")
    with pytest.raises(StoreError, match=message):
        store.add_progress(plan_id, [good, row], actor, today=date(2025, 6, 30))
    assert store.scalar("SELECT count(*) FROM progress") == 0


def test_duplicate_rows_in_one_batch_are_refused(store, plan_id):
    row = ProgressRow("1-1-1", date(2025, 3, 7), 10, "推进中")
    with pytest.raises(StoreError, match="重复"):
        store.add_progress(plan_id, [row, row], Actor.office(), today=date(2025, 6, 30))
    assert store.scalar("SELECT count(*) FROM progress") == 0


def test_as_of_returns_the_state_on_that_date(store, plan_id):
    rows = [
        ProgressRow("7-1", date(2025, 2, 7), 10, "推进中", "一月"),
        ProgressRow("7-1", date(2025, 5, 9), 50, "推进中", "五月"),
        ProgressRow("7-1", date(2025, 9, 5), 100, "已完成", "九月"),
    ]
    store.add_progress(plan_id, rows, Actor.section("思政科"), today=date(2025, 12, 31))
    pick = {
        d: queries.target_state(store, plan_id, d, 2025).set_index("code").loc["7-1"]
        for d in (date(2025, 2, 6), date(2025, 2, 7), date(2025, 6, 1), date(2025, 12, 31))
    }
    assert pick[date(2025, 2, 6)]["completion_pct"] == 0
    assert pick[date(2025, 2, 7)]["completion_pct"] == 10
    assert pick[date(2025, 6, 1)]["note"] == "五月"
    assert pick[date(2025, 12, 31)]["status"] == "已完成"
    assert pick[date(2025, 12, 31)]["lag_status"] == "已完成"


def test_two_plans_live_side_by_side(store, plan_id):
    import dataclasses

    plan = shipped_plan()
    other = dataclasses.replace(plan, unit="某市教育局", year=2026)
    other_id = store.import_plan(other).plan_id
    assert other_id != plan_id
    assert list(queries.plans(store)["year"]) == [2026, 2025]
    assert store.scalar("SELECT count(*) FROM targets WHERE plan_id = ?", [other_id]) == 61


def _stored_version(store: Store) -> int:
    return int(store.scalar("SELECT value FROM meta WHERE key = 'data_version'"))


def test_data_version_moves_with_each_committed_write_only(store, plan_id):
    before = store.version()
    assert before == _stored_version(store)
    store.query("SELECT count(*) FROM progress")  # a read leaves it
    assert store.version() == before
    row = ProgressRow("1-1-1", date(2025, 3, 7), 10, "推进中")
    store.add_progress(plan_id, [row], Actor.office(), today=date(2025, 6, 30))
    assert store.version() == before + 1 == _stored_version(store)
    with pytest.raises(StoreError):  # refused and rolled back: the version stays
        store.add_progress(plan_id, [row, row], Actor.office(), today=date(2025, 6, 30))
    assert store.version() == before + 1 == _stored_version(store)


def test_data_version_is_shared_by_every_store_on_the_file(tmp_path):
    path = tmp_path / "shared.duckdb"
    first, second = Store(path), Store(str(path))  # one DuckDB database in this process
    try:
        plan = first.import_plan(shipped_plan()).plan_id
        assert second.version() == first.version()
        second.add_progress(
            plan, [ProgressRow("1-1-1", date(2025, 3, 7), 10, "推进中")], Actor.office(), today=date(2025, 6, 30)
        )
        assert first.version() == second.version() == _stored_version(first)
        written = first.version()
    finally:
        first.close()
        second.close()
    reopened = Store(path)  # a new open reads the stored number
    try:
        assert reopened.version() == written
    finally:
        reopened.close()


def test_in_memory_databases_keep_versions_apart():
    one, two = Store(":memory:"), Store(":memory:")
    try:
        one.import_plan(shipped_plan())
        assert one.version() == 1 and two.version() == 0
    finally:
        one.close()
        two.close()


def test_an_audit_value_stays_within_the_text_cap(tmp_path):
    """A batch's audit entry can be huge (3,000 rows of notes); it is kept within MAX_TEXT with
    its full length and a hash of the whole, and the write itself is not refused."""
    import hashlib
    import json

    from perfdash.db.database import MAX_TEXT

    store = Store(str(tmp_path / "audit.duckdb"))
    office = Actor("office", name="绩效办")
    big = [{"code": f"1-1-{n}", "note": "进" * 500} for n in range(1000)]
    with store.write(office) as w:
        w.audit("测试", "audit_cap", "k", None, big)
    value = store.query("SELECT new_value FROM audit_log WHERE entity = 'audit_cap'")["new_value"].iloc[0]
    full = json.dumps(big, ensure_ascii=False)
    assert len(value) == MAX_TEXT
    assert value.startswith(full[:1000])
    assert f"共 {len(full)} 字" in value and hashlib.sha256(full.encode()).hexdigest() in value
    store.close()
