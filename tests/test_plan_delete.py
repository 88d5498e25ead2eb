"""Deleting a wrongly imported plan (workflows.plan_delete, python -m perfdash delete-plan): every row
of that plan goes, in every table of the schema that names a plan, and nothing of the other plans;
one audit entry with the reason; refused without a reason, for anyone but the office, and once the
plan is evaluated or its year locked. The command backs up first."""

from __future__ import annotations

import json
from datetime import date, time

import pytest

from perfdash.core.access import Actor
from perfdash.core.settings import backup_dir
from perfdash.ops import backup_folder
from perfdash.store import ProgressRow, Store, StoreError
from perfdash.workflows import evaluation, plan_delete
from perfdash.workflows.scoring import Rules
from tests.running import run_cli

OFFICE = Actor("office", "绩效办", "admin")
ZHONGJIAO = Actor("section", "中教科")
TODAY = date(2025, 12, 31)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# Tables whose rows name a plan only through another row of it (no plan_id column of their own).
BY_PARENT = {
    "scenario_values": "SELECT scenario_id FROM scenarios WHERE plan_id = ?",
    "order_responses": "SELECT order_id FROM supervision_orders WHERE plan_id = ?",
    "order_reviews": "SELECT order_id FROM supervision_orders WHERE plan_id = ?",
    "order_files": "SELECT order_id FROM supervision_orders WHERE plan_id = ?",
}
# Empty for a plan that may be deleted: their rows are what refuses a delete.
BLOCKING = {"evaluations", "plan_locks"}


def plan_tables(store: Store) -> list[str]:
    """Every table of the schema with a plan_id column (the list the delete must cover)."""
    return [
        str(t)
        for (t,) in store.rows(
            "SELECT DISTINCT table_name FROM information_schema.columns WHERE column_name = 'plan_id' "
            "AND table_schema NOT IN ('information_schema', 'pg_catalog') ORDER BY table_name"
        )
        if t != "plans"
    ]


def plan_rows(store: Store, plan_id: int) -> dict[str, int]:
    """How many rows of ``plan_id`` each table holds (carryovers: in either direction)."""
    counts = {}
    for table in plan_tables(store):
        where = "plan_id = ? OR prev_plan_id = ?" if table == "carryovers" else "plan_id = ?"
        params = [plan_id] * where.count("?")
        counts[table] = int(store.scalar(f"SELECT count(*) FROM {table} WHERE {where}", params))  # noqa: S608
    for table, parents in BY_PARENT.items():
        key = "scenario_id" if table == "scenario_values" else "order_id"  # order_responses, order_reviews, order_files
        counts[table] = int(store.scalar(f"SELECT count(*) FROM {table} WHERE {key} IN ({parents})", [plan_id]))  # noqa: S608
    return counts


def fill(store: Store, plan_id: int, other: int) -> None:
    """A row of ``plan_id`` in every table that can hold one (bar those that refuse a delete),
    each through its own write, as the pages make them; carry-overs to and from ``other``."""
    code = "1-3-1"
    store.add_progress(plan_id, [ProgressRow(code, date(2025, 3, 28), 40, "推进中")], OFFICE, today=TODAY)
    store.add_progress(plan_id, [ProgressRow(code, date(2025, 3, 29), 100, "已完成")], OFFICE, today=TODAY)  # a claim
    store.set_checklist(plan_id, code, ["结对协议"], OFFICE)
    store.set_gaps_from(plan_id, date(2025, 12, 1), OFFICE)
    store.set_groups(plan_id, {"中教科": "业务科室"}, OFFICE)
    store.set_scheme(plan_id, "业务科室", '{"leader": 10}', OFFICE)
    store.add_section_adjustment(plan_id, "中教科", 1, "获表彰", OFFICE)
    store.rate_section(plan_id, "中教科", "蔡玉霖", 90, OFFICE)
    store.lock_assessment(plan_id, date(2025, 3, 28), 2025, OFFICE)
    store.set_milestones(plan_id, code, [("签订协议", date(2025, 6, 30), "", 1.0)], OFFICE)
    order = store.issue_order(plan_id, code, "请加快结对帮扶", date(2025, 7, 31), OFFICE)
    store.respond_order(order, "已加快推进", ZHONGJIAO, files=[("推进情况.pdf", PDF)])
    store.return_order(order, "请附结对协议", OFFICE)
    store.set_supervision_settings(plan_id, 3, 5, OFFICE)
    store.log_reminder(plan_id, "email", "zj@example.cn", ["中教科"], "催报", "请报送进度", True, None, OFFICE)
    evaluation.store_evidence(store, plan_id, code, "帮扶协议.pdf", PDF, OFFICE)
    store.submit_self_assessment(plan_id, code, 90, 1, "已结对", OFFICE)
    store.add_innovation(plan_id, "结对帮扶新机制", "市级", "中教科", "简介", OFFICE)
    store.add_survey_sample(plan_id, "张三", "某校", "学校", "13800000000", "中教科", "", OFFICE)
    store.set_report_notes(plan_id, "存在问题", "改进措施", OFFICE)
    store.save_scenario(plan_id, "保守", "", "current", date(2025, 3, 28), Rules().to_json(), {code: 50.0}, OFFICE)
    store.add_adjustment(plan_id, "bonus", 1, "获市级表彰", OFFICE)
    kpi = {"value": 12, "unit": "所", "comparator": ">=", "subject": "结对学校", "phrase": "12所"}
    store.review_kpis(plan_id, code, [kpi], OFFICE)
    store.report_kpi_actuals(plan_id, code, {"12所": 6}, date(2025, 3, 28), OFFICE, today=TODAY)
    store.set_completion_mode(plan_id, code, "kpi", OFFICE)
    store.set_rules(plan_id, Rules().to_json(), OFFICE)
    store.set_rhythm(plan_id, "monthly", 4, time(17, 0), OFFICE)
    store.confirm_carryovers(plan_id, other, [(code, code)], OFFICE)  # this plan's, from the other
    store.confirm_carryovers(other, plan_id, [("1-1-1", "1-1-1")], OFFICE)  # the other's, from this
    # The office's reason for a flagged reading, stored by an import that had one (these plans had none).
    # An issued 通报 (issuing needs a closed month, which these plans have not: its row as issue writes it).
    with store.write(OFFICE, plan_id=plan_id) as w:
        w.execute(
            "INSERT INTO bulletins (plan_id, month, issue, title, cutoff, parts_json, content_sha256, size_bytes, "
            "issued_by, issued_at) VALUES (?, DATE '2025-03-01', '2025年第3期', '通报', DATE '2025-03-28', '{}', ?, 1, "
            "'绩效办', current_timestamp)",
            [plan_id, "0" * 64],
        )
        w.execute(
            "INSERT INTO plan_reviews SELECT plan_id, import_id, 1, '1-3-1', '分值与小计不符', '以原件为准', "
            "'绩效办', current_timestamp FROM plan_imports WHERE plan_id = ? LIMIT 1",
            [plan_id],
        )
        w.without_audit()


@pytest.fixture
def city(databases, tmp_path):
    """Three bureaus' plans (1–3); plan 2 holds a row in every table, plans 1 and 3 rows of their own."""
    store = Store(databases.copy("city", tmp_path))
    fill(store, 2, 1)
    store.add_adjustment(1, "deduction", 1, "通报批评", OFFICE)
    store.add_adjustment(3, "bonus", 2, "省级表彰", OFFICE)
    yield store
    store.close()


def test_the_delete_covers_every_table_that_names_a_plan(city):
    covered = {table for table, _, _ in plan_delete.PLAN_ROWS}
    assert covered == set(plan_tables(city)) | set(BY_PARENT), "a table with plan rows is missing from PLAN_ROWS"
    before = plan_rows(city, 2)
    assert {t for t, n in before.items() if n == 0} == BLOCKING  # the test fills all the others


def test_deleting_removes_every_row_of_the_plan_and_keeps_the_others(city):
    before = plan_rows(city, 2)
    others = {p: plan_rows(city, p) for p in (1, 3)}
    audits = city.scalar("SELECT count(*) FROM audit_log")
    done = city.delete_plan(2, OFFICE, "  误导入了征求意见稿  ")
    assert city.scalar("SELECT count(*) FROM plans WHERE plan_id = 2") == 0
    assert {t: n for t, n in plan_rows(city, 2).items() if n} == {}
    assert done.rows == {t: before[t] for t in done.rows}  # what it says it deleted is what was there
    assert done.rows["progress"] == before["progress"] > 1 and done.rows["targets"] == 61
    # Plan 1's carry-over from plan 2 named the deleted plan: gone with it; nothing else of 1 and 3.
    assert plan_rows(city, 1) == {**others[1], "carryovers": 0}
    assert plan_rows(city, 3) == others[3]
    assert [int(p) for (p,) in city.rows("SELECT plan_id FROM plans ORDER BY plan_id")] == [1, 3]
    # One audit entry: the unit, year, rows per kind and the reason (stripped).
    assert city.scalar("SELECT count(*) FROM audit_log") == audits + 1
    action, key, unit, old, new = city.rows(
        "SELECT action, entity_key, unit, old_value, new_value FROM audit_log ORDER BY audit_id DESC LIMIT 1"
    )[0]
    assert (action, unit) == ("删除方案", done.unit)
    assert key == f"{done.unit}2025年度" and done.year == 2025
    old = json.loads(old)
    assert (old["单位"], old["年度"], old["方案编号"]) == (done.unit, 2025, 2)
    assert old["删除的记录"]["目标"] == 61 and old["删除的记录"]["进度记录"] == before["progress"]
    assert json.loads(new) == {"删除理由": "误导入了征求意见稿"}
    rest = sum(before.values()) - before["targets"] - before["progress"]
    assert done.describe() == (
        f"已删除{done.unit}2025年度方案：目标 61 项、进度记录 {before['progress']} 条，"
        f"其他记录 {rest} 条（科室、指标、节点、督办、自评等）"
    )


@pytest.mark.parametrize(
    ("actor", "reason", "message"),
    [
        (OFFICE, "", "请填写删除理由"),
        (OFFICE, "   ", "请填写删除理由"),
        (ZHONGJIAO, "误导入", "只有绩效办可以删除方案"),
        (Actor("leader", "林长华"), "误导入", "只有绩效办可以删除方案"),
        (Actor("office", "一局绩效办", "office1", ("示范市第001局",)), "误导入", "不能修改"),
    ],
    ids=["no-reason", "blank-reason", "section", "leader", "office-of-another-unit"],
)
def test_a_refused_delete_changes_nothing(city, actor, reason, message):
    before = plan_rows(city, 2)
    audits = city.scalar("SELECT count(*) FROM audit_log")
    assert city.plan_unit(2) != "示范市第001局"
    with pytest.raises(StoreError, match=message):
        city.delete_plan(2, actor, reason)
    assert plan_rows(city, 2) == before
    assert city.scalar("SELECT count(*) FROM audit_log") == audits


def test_a_table_the_delete_does_not_know_stops_it_whole(city):
    city.con.execute("CREATE TABLE extra_notes (plan_id INTEGER REFERENCES plans (plan_id), note VARCHAR)")
    city.con.execute("INSERT INTO extra_notes VALUES (2, '另一个版本加的表')")
    before = plan_rows(city, 2)
    with pytest.raises(StoreError, match="方案未删除：extra_notes 中还有该方案的记录"):
        city.delete_plan(2, OFFICE, "误导入")
    assert plan_rows(city, 2) == before
    assert city.scalar("SELECT count(*) FROM audit_log WHERE action = '删除方案'") == 0


def test_an_evaluated_or_locked_plan_cannot_be_deleted(city):
    assert plan_delete.delete_blocker(city, 2) is None
    city.evaluate(2, "1-3-1", 1.5, "察访核验", 1, OFFICE)
    blocker = plan_delete.delete_blocker(city, 2)
    assert blocker == "该方案不能删除：已有 1 项目标的综合评估（正式评定得分）。已正式评定的方案须保留。"
    before = plan_rows(city, 2)
    with pytest.raises(StoreError, match="综合评估"):
        city.delete_plan(2, OFFICE, "误导入")
    assert plan_rows(city, 2) == before
    city.set_lock(3, True, OFFICE)
    with pytest.raises(StoreError, match="该年度已锁定"):
        city.delete_plan(3, OFFICE, "误导入")
    assert city.scalar("SELECT count(*) FROM plans") == 3


def test_a_deleted_plan_can_be_imported_again(db_target):
    """On both backends: the plan, its progress, a scenario and carry-overs go; the same unit and
    year import afresh as a new plan."""
    from tests.fixtures import shipped_plan

    store = Store(db_target)
    try:
        plan = shipped_plan()
        first = store.import_plan(plan, OFFICE).plan_id
        store.add_progress(first, [ProgressRow("1-3-1", date(2025, 3, 28), 40, "推进中")], OFFICE, today=TODAY)
        store.save_scenario(first, "保守", "", "current", date(2025, 3, 28), Rules().to_json(), {"1-3-1": 5}, OFFICE)
        done = store.delete_plan(first, OFFICE, "误导入")
        assert (done.rows["progress"], done.rows["scenario_values"], done.rows["targets"]) == (1, 1, 61)
        assert store.scalar("SELECT count(*) FROM plans") == 0
        assert store.scalar("SELECT count(*) FROM targets") == 0
        again = store.import_plan(plan, OFFICE)
        assert again.plan_id != first and not again.unchanged
    finally:
        store.close()


# -- the command ------------------------------------------------------------------------------------


def test_the_command_backs_up_then_deletes(city):
    unit = city.plan_unit(2)
    db = city.path
    city.close()
    out = run_cli("delete-plan", "--db", db, "--unit", unit, "--year", "2025", "--reason", "误导入")
    assert out.code == 0, out.err
    made = backup_folder.list_backups(backup_dir(db))
    assert len(made) == 1 and f"已备份到 {made[0].path}" in out.out
    assert f"已删除{unit}2025年度方案：目标 61 项、进度记录 " in out.out and "删除理由：误导入" in out.out
    assert "  目标：61 条\n" in out.out and "  延续目标确认：2 条\n" in out.out
    city.__init__(db)  # reopened (and closed by the fixture)
    assert city.scalar("SELECT count(*) FROM plans WHERE unit = ?", [unit]) == 0
    assert city.scalar("SELECT count(*) FROM audit_log WHERE action = '删除方案'") == 1
    assert city.scalar("SELECT count(*) FROM audit_log WHERE action = '备份数据库'") == 1
    # The backup holds the plan the command deleted.
    assert backup_folder.inspect(made[0].path).manifest.tables["plans"].rows == 3


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (("--unit", "示范市第002局", "--year", "2025"), "错误：缺少必需的参数：--reason"),
        (("--year", "2025", "--reason", "误导入"), "错误：缺少必需的参数：--unit"),
        (("--unit", "示范市第002局", "--year", "二〇二五", "--reason", "x"), "错误：参数 --year：'二〇二五' 不是整数"),
        (("--unit", "示范市第002局", "--year", "2025", "--reason", "  "), "错误：参数 --reason：不能为空"),
    ],
    ids=["no-reason", "no-unit", "bad-year", "blank-reason"],
)
def test_a_usage_error_exits_2_in_one_line(city, args, line):
    db = city.path
    city.close()
    out = run_cli("delete-plan", "--db", db, *args)
    assert out.code == 2 and "Traceback" not in out.err
    assert out.err.strip().splitlines()[-1].startswith(line), out.err
    city.__init__(db)
    assert city.scalar("SELECT count(*) FROM plans") == 3


def test_the_command_exits_1_when_refused_and_takes_no_backup(city):
    unit = city.plan_unit(2)
    city.evaluate(2, "1-3-1", 1.5, "察访核验", 1, OFFICE)
    db = city.path
    city.close()
    out = run_cli("delete-plan", "--db", db, "--unit", unit, "--year", "2025", "--reason", "误导入")
    assert out.code == 1 and "Traceback" not in out.err
    assert out.err.strip() == "错误：该方案不能删除：已有 1 项目标的综合评估（正式评定得分）。已正式评定的方案须保留。"
    assert backup_folder.list_backups(backup_dir(db)) == []
    missing = run_cli("delete-plan", "--db", db, "--unit", "无此局", "--year", "2025", "--reason", "误导入")
    assert missing.code == 2 and "没有匹配的方案" in missing.err
    city.__init__(db)
    assert city.scalar("SELECT count(*) FROM plans") == 3
