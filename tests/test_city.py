"""The city's view (#38): six units in two groups with known histories. The city's table gives each
unit the numbers its own 总览 and ``score --json`` give (completion, score, grade, counts, the
projection), ranks within the groups, reads every plan in a few queries yet equals the per-plan
functions, recomputes only what a write touched; a unit sees its rank and anonymous peers; the city
account reads every unit and writes none."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from perfdash.cli import city as city_cli
from perfdash.core.access import ACCOUNT_ROLES, Actor
from perfdash.db import kpi_tracking, queries, rollups
from perfdash.db.database import StoreError
from perfdash.ops import auth
from perfdash.server.demo import city_plan, city_unit
from perfdash.store import ProgressRow, Store
from perfdash.workflows import city, city_data, claims, decisions, evaluation, forecast, official, periods, supervision
from tests.fixtures import copy_base, shipped_plan
from tests.running import run_cli as run

AS_OF = date(2025, 3, 28)  # the "city" base's ledgers end here (a Friday, a period's cut-off)
A, B = "经济调节", "公共服务"
U1, U2, U3, U4, U5, U6 = (city_unit(n) for n in range(1, 7))
GROUPS = {U1: A, U2: A, U4: A, U3: B, U5: B, U6: B}  # U6 has no plan


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """001–003: weekly ledgers to 03-28 (the demo builder); 004: every target 50 % on 03-28; 005: a
    plan, nothing reported; 006: grouped, no plan. 002 under stepped rules with a 2-point bonus, a
    self-assessed target, an overdue 督办 and a pending claim, its gaps shown from 03-01, one item
    evidenced, a confirmed checklist and reviewed 量化指标; 001 has a target whose completion comes
    from its 量化指标 and a milestone."""
    path = copy_base("city", tmp_path_factory.mktemp("city") / "city.duckdb")
    office = Actor.office()
    store = Store(path)
    try:
        plan = shipped_plan()
        p4 = store.import_plan(city_plan(plan, U4)).plan_id
        store.import_plan(city_plan(plan, U5))
        half = [ProgressRow(t.code, AS_OF, 50.0, "推进中", "过半") for t in plan.targets]
        store.add_progress(p4, half, office, today=AS_OF)
        p1, p2 = _plan_id(store, U1), _plan_id(store, U2)
        store.set_rules(p2, '{"rule": "stepped"}', office)
        store.add_adjustment(p2, "bonus", 2, "市级表彰", office)
        first, second = plan.targets[0].code, plan.targets[1].code
        store.submit_self_assessment(p2, first, 40, 1.5, "阶段小结", office)
        store.issue_order(p2, second, "加快进度", date(2025, 3, 1), office)
        store.add_progress(p2, [ProgressRow(second, AS_OF, 100.0, "已完成", "完成")], office, today=AS_OF)
        store.set_gaps_from(p2, date(2025, 3, 1), office)
        third, fourth = plan.targets[2].code, plan.targets[3].code
        store.set_checklist(p2, third, ["会议纪要", "验收报告"], office)  # the office's own list
        reviewed = [{"value": 3, "unit": "所", "comparator": ">=", "subject": "学校", "phrase": "新建3所学校"}]
        store.review_kpis(p2, fourth, reviewed, office)  # its proofs from the reviewed 量化指标
        item = int(claims.checklist(store, p2, [first]).iloc[0]["seq"])
        evaluation.store_evidence(store, p2, first, "证明.pdf", b"%PDF-1.4 proof", office, item_seq=item)
        kpi = kpi_tracking.effective(store, p1).iloc[0]
        store.set_completion_mode(p1, str(kpi["code"]), "kpi", office)
        store.report_kpi_actuals(p1, str(kpi["code"]), {str(kpi["phrase"]): 1.0}, AS_OF, office, today=AS_OF)
        store.set_milestones(p1, plan.targets[5].code, [("方案印发", date(2025, 3, 1), "", 1.0)], office)
        store.set_unit_groups(GROUPS, office)
    finally:
        store.close()
    return path


@pytest.fixture
def city_db(base: Path, tmp_path: Path) -> Path:
    """This test's own copy of the six units (with their evidence folder)."""
    for side in base.parent.iterdir():
        target = tmp_path / side.name
        (shutil.copytree if side.is_dir() else shutil.copy)(side, target)
    city_data.clear_memo()
    return tmp_path / base.name


@pytest.fixture
def store(city_db: Path):
    s = Store(city_db)
    yield s
    s.close()


def _plan_id(store: Store, unit: str) -> int:
    return int(queries.find_plan(store, unit, 2025)["plan_id"])


def test_the_table_has_every_unit_with_hand_checked_numbers(store):
    table = city.table(store, 2025, AS_OF).set_index("unit")
    assert list(table.columns) == [c for c in city.COLUMNS if c != "unit"]
    assert set(table.index) == {U1, U2, U3, U4, U5, U6}
    four = table.loc[U4]  # every target at 50 %: completion 50, proportional score 50 of 100, 较差
    assert four["completion"] == pytest.approx(50.0) and four["score"] == 50.0 and four["grade"] == "较差"
    assert (four["targets"], four["done"], four["total_points"]) == (61, 0, 100.0)
    assert four["provisional"] and four["group"] == A
    five = table.loc[U5]  # a plan, nothing reported
    assert five["completion"] == 0.0 and five["score"] == 0.0 and pd.isna(five["projected"])
    assert five["attention"] == [city.NO_REPORTS] and five["last_report"] is None
    six = table.loc[U6]
    assert pd.isna(six["plan_id"]) and six["attention"] == [city.NO_PLAN] and six["group"] == B
    assert pd.isna(six["rank"])
    two = table.loc[U2]
    assert not two["provisional"]  # the office stored its rules
    assert (two["orders_open"], two["orders_overdue"]) == (1, 1) and city.ORDERS_OVERDUE in two["attention"]
    assert two["self_assessed"] == 1 and two["self_total"] == 61
    assert two["last_report"] == AS_OF
    assert pd.isna(table.loc[U1, "evidence_gaps"])  # gaps show from 12-01 unless the office says otherwise
    # ranks within each group: by score, then completion; group sizes count the units with a plan
    for group, size in ((A, 3), (B, 2)):
        part = table[(table["group"] == group) & table["plan_id"].notna()].sort_values("rank")
        assert list(part["rank"]) == list(range(1, size + 1)) and set(part["group_size"]) == {size}
        assert list(part["score"]) == sorted(part["score"], reverse=True)
    assert table.loc[U3, "rank"] == 1 and table.loc[U5, "rank"] == 2


def test_each_unit_equals_its_own_overview_and_score_json(store, city_db):
    table = city.table(store, 2025, AS_OF).set_index("unit")
    for unit in (U1, U2, U3, U4, U5):
        row, plan_id = table.loc[unit], _plan_id(store, unit)
        state = queries.target_state(store, plan_id, AS_OF, 2025)
        head = queries.headline(state)  # what 总览 shows
        assert (row["completion"], row["expected"]) == (head["completion_pct"], head["expected_pct"])
        assert (row["targets"], row["done"], row["lagging"], row["overdue"]) == (
            head["targets"],
            head["done"],
            head["late"],
            head["overdue"],
        )
        sheet = official.score_sheet(store, plan_id, state, AS_OF)
        assert (row["score"], row["grade"]) == (sheet.result.total, sheet.result.grade)
        out = run("score", "--db", str(city_db), "--unit", unit, "--year", "2025", "--as-of", "2025-03-28", "--json")
        answer = out.as_json()
        assert row["score"] == answer["total"] and row["grade"] == answer["grade"]
        assert bool(row["provisional"]) == answer["provisional"]
        assert answer["counts"] == {
            "targets": 61,
            "done": row["done"],
            "late": row["lagging"],
            "overdue": row["overdue"],
        }
        if "projected" in answer and queries.reported(store, plan_id, AS_OF):
            assert (row["projected"], row["projected_grade"]) == (
                answer["projected"]["total"],
                answer["projected"]["grade"],
            )
        period = periods.calendar(store, plan_id).period_of(AS_OF)
        silent = supervision.not_reported(store, plan_id, period.start, period.end)
        assert row["sections_total"] - row["sections_reported"] == len(silent)
        items = decisions.items(store, plan_id, AS_OF)
        assert row["orders_open"] == int((items["status"] != decisions.CLOSED).sum())
        assert row["orders_overdue"] == int((items["status"] == decisions.OVERDUE).sum())
        assert row["self_assessed"] == len(evaluation.assessments(store, plan_id))
    gaps = claims.gaps(store, _plan_id(store, U2))  # shown from 03-01: a pending claim, items without a file
    assert table.loc[U2, "evidence_gaps"] == len(gaps) > 0 and "待核验" in set(gaps["kind"])


def test_a_projection_equals_the_forecast_the_pages_show(store):
    table = city.table(store, 2025, AS_OF).set_index("unit")
    for unit in (U1, U2, U4):
        plan_id = _plan_id(store, unit)
        state = queries.target_state(store, plan_id, AS_OF, 2025)
        _, sim = forecast.standing_forecast(store, plan_id, state, AS_OF)
        assert (table.loc[unit, "projected"], table.loc[unit, "projected_grade"]) == (sim.base_total, sim.base_grade)


def test_the_set_based_reads_equal_each_plan_s_own(store):
    ids = [_plan_id(store, u) for u in (U1, U2, U3, U4, U5)]
    for day in (AS_OF, date(2025, 2, 14)):
        states = queries.target_states(store, ids, day, 2025)
        fits = forecast.paces(store, ids, day)
        inputs = city_data.sheet_inputs(store, ids)
        rules = city_data.stored_rules(store, ids)
        for p in ids:
            pd.testing.assert_frame_equal(states[p], queries.target_state(store, p, day, 2025))
            one_fit = forecast.paces(store, [p], day)[p].sort_index()  # rows by code, in no set order
            mine = fits[p].sort_index()
            pd.testing.assert_frame_equal(mine, one_fit, check_dtype=False, check_index_type=bool(len(one_fit)))
            assert rules[p] == official.stored(store, p)
            one = official.sheet_inputs(store, p)
            assert (inputs[p].innovation, inputs[p].finals, inputs[p].adjustments) == (
                one.innovation,
                one.finals,
                one.adjustments,
            )
            pd.testing.assert_frame_equal(inputs[p].assessed, one.assessed, check_dtype=False)
            assert city_data.calendars_of(store, [p], 2025)[p] == periods.calendar(store, p)


def test_many_plans_at_once_give_the_numbers_one_plan_at_a_time_gives(store, monkeypatch):
    batch = city.table(store, 2025, AS_OF)
    city_data.clear_memo()
    monkeypatch.setattr(city_data, "BATCH_FROM", 10**6)  # every plan through its own functions
    pd.testing.assert_frame_equal(city.table(store, 2025, AS_OF), batch)


def test_a_write_recomputes_its_unit_only_and_shows_at_once(store, city_db, monkeypatch):
    before = city.table(store, 2025, AS_OF).set_index("unit")
    computed = []
    one_by_one = city_data._one_by_one

    def counting(store, ids, *args):
        computed.extend(ids)
        return one_by_one(store, ids, *args)

    monkeypatch.setattr(city_data, "_one_by_one", counting)
    p5 = _plan_id(store, U5)
    code = shipped_plan().targets[0].code
    store.add_progress(p5, [ProgressRow(code, AS_OF, 100.0, "已完成", "完成")], Actor.office(), today=AS_OF)
    after = city.table(store, 2025, AS_OF).set_index("unit")
    assert computed == [p5]  # the other plans' figures were kept: their rows did not change
    assert after.loc[U5, "done"] == 1 and after.loc[U5, "completion"] > before.loc[U5, "completion"]
    assert after.loc[U5, "attention"] == [city.FAR_BEHIND] and after.loc[U5, "last_report"] == AS_OF
    for unit in (U1, U2, U3, U4):
        assert after.loc[unit, "score"] == before.loc[unit, "score"]
    answer = run("score", "--db", str(city_db), "--unit", U5, "--year", "2025", "--as-of", "2025-03-28", "--json")
    assert after.loc[U5, "score"] == answer.as_json()["total"]
    store.decide_claim(p5, int(claims.queue(store, p5).iloc[0]["claim_id"]), False, "材料不全", Actor.office())
    returned = city.table(store, 2025, AS_OF).set_index("unit")  # a claim returned: its row changes in place
    state = queries.target_state(store, p5, AS_OF, 2025)
    assert returned.loc[U5, "score"] == official.score_sheet(store, p5, state, AS_OF).result.total
    assert computed == [p5, p5]


def test_groups_summary_and_attention(store):
    table = city.table(store, 2025, AS_OF)
    assert list(dict.fromkeys(table["group"])) == [A, B]  # the city's order
    summary = city.group_summary(table).set_index("group")
    assert (summary.loc[A, "units"], summary.loc[A, "planned"]) == (3, 3)
    assert (summary.loc[B, "units"], summary.loc[B, "planned"]) == (3, 2)
    grades = [g for g in ("优秀", "良好", "一般", "较差") if g in summary.columns]
    assert int(summary.loc[A, grades].sum()) == 3 and summary.loc[A, "较差"] >= 1
    first = city.attention(table)
    assert first.iloc[0]["unit"] == U6 and first.iloc[0]["reason"] == city.NO_PLAN  # the most pressing first
    assert U5 in set(first["unit"]) and U2 in set(first["unit"])
    assert city.groups(store)[U6] == B


def test_a_unit_sees_its_rank_and_anonymous_peers_unless_the_city_shows_names(store):
    table = city.table(store, 2025, AS_OF)
    view = city.peer_view(table, U4, city.names_visible(store))
    assert list(view.columns) == city.PEER_COLUMNS and len(view) == 3
    own = view[view["own"]].iloc[0]
    assert own["unit"] == U4 and own["rank"] == table.set_index("unit").loc[U4, "rank"]
    assert sorted(view[~view["own"]]["unit"]) == ["单位A", "单位B"]
    assert not {U1, U2} & set(view["unit"])
    assert list(view["rank"]) == sorted(view["rank"])
    store.set_names_visible(True, Actor.city("shi"))
    named = city.peer_view(table, U4, city.names_visible(store))
    assert set(named["unit"]) == {U1, U2, U4}
    peers_b = city.peer_view(table, U5, False)
    assert set(peers_b["unit"]) == {U5, "单位A"}  # 006 has no plan: no rank, not a peer


def test_the_city_reads_every_unit_and_writes_none(store):
    shi = Actor.city("shi")
    assert shi.label == "市直绩效办" and shi.may_see(U1) and shi.may_see(U4)
    p1 = _plan_id(store, U1)
    code = shipped_plan().targets[0].code
    with pytest.raises(StoreError) as refused:
        store.add_progress(p1, [ProgressRow(code, AS_OF, 60.0, "推进中", "")], shi, today=AS_OF)
    assert str(refused.value) == f"市直绩效办只能查看各单位的数据，不能修改{U1}的任何内容"
    for write in (
        lambda: store.set_milestones(p1, code, [], shi),
        lambda: store.submit_self_assessment(p1, code, 50, 1, "小结", shi),
        lambda: store.set_rules(p1, '{"rule": "stepped"}', shi),
        lambda: store.issue_order(p1, code, "督办", AS_OF, shi),
    ):
        with pytest.raises(StoreError):
            write()
    with store.write(Actor.office(), plan_id=p1) as w:  # the one place: Database.write with a plan
        w.without_audit()
    with pytest.raises(StoreError, match="市直绩效办只能查看"), store.write(shi, plan_id=p1) as w:
        w.without_audit()
    store.set_unit_groups({U1: "甲", U2: "甲"}, shi)  # the city's own settings it writes
    assert city.groups(store)[U1] == "甲" and city.groups(store)[U4] == city.UNGROUPED
    audit = queries.audit_log(store, entity="unit_groups")
    assert audit.iloc[0]["actor"] == "shi" and audit.iloc[0]["role"] == "city"


def test_only_the_city_or_an_unbound_office_sets_groups(store):
    for actor in (Actor.section("中教科"), Actor("office", "绩效办", "u4", (U4,)), Actor.leader("张三")):
        with pytest.raises(StoreError):
            store.set_unit_groups({U4: "甲"}, actor)
        with pytest.raises(StoreError):
            store.set_names_visible(True, actor)
    store.set_names_visible(True, Actor.office())
    assert city.names_visible(store)
    with pytest.raises(StoreError, match=r"出现了两次|超过"):
        store.set_unit_groups({"x" * 200: "甲"}, Actor.office())


def test_a_city_account_is_made_by_an_unbound_office_and_belongs_to_no_unit(store):
    assert ACCOUNT_ROLES["city"] == "市直绩效办"
    office = Actor("office", "绩效办", "admin")
    auth.register_account(store, office, "shi", "市直", "city", None, "a-long-password-1", units=[U4])
    account = auth._account(store, "shi")[0]
    assert account.units is None and account.scope is None and account.actor == Actor.city("shi")
    bound = Actor("office", "绩效办", "u4admin", (U4,))
    with pytest.raises(StoreError, match="不限单位"):
        auth.register_account(store, bound, "shi2", "市直", "city", None, "a-long-password-1")


def test_shared_indicators_are_matched_by_code_and_wording(store):
    shared = city.shared_indicators(store, 2025, AS_OF)
    assert list(shared.columns) == city.SHARED_COLUMNS
    assert set(shared["indicator_group"]) >= {"行政能力", "精神文明", "平安建设", "安全生产", "消防安全"}
    assert not set(shared["indicator_group"]) & set(city.OWN_WORK_GROUPS)
    assert shared.attrs["unmatched"] == 0
    p4 = _plan_id(store, U4)
    state = queries.target_state(store, p4, AS_OF, 2025)
    by_indicator = rollups.by_indicator(state).set_index("indicator_code")
    sheet = official.score_sheet(store, p4, state, AS_OF).result.targets
    mine = shared[shared["unit"] == U4].set_index("indicator_code")
    for code, r in mine.iterrows():
        assert r["completion"] == by_indicator.loc[code, "completion_pct"]
        assert r["score"] == pytest.approx(sheet[sheet["indicator_code"] == code]["score"].sum())
        assert r["points"] == by_indicator.loc[code, "indicator_points"]
    assert len(shared[shared["indicator_code"] == "4"]) == 5  # 全面从严治党 in every unit with a plan


def test_the_schema_13_migration_keeps_accounts_and_takes_the_city_role(tmp_path):
    import duckdb

    path = tmp_path / "v12.duckdb"
    Store(path).close()
    con = duckdb.connect(str(path))
    con.execute("DROP TABLE accounts; DROP TABLE unit_groups; DROP TABLE city_settings")
    con.execute(
        "CREATE TABLE accounts (username VARCHAR PRIMARY KEY, display_name VARCHAR NOT NULL, "
        "role VARCHAR NOT NULL CHECK (role IN ('office', 'leader', 'section')), scope VARCHAR, email VARCHAR, "
        "password_hash VARCHAR, disabled BOOLEAN NOT NULL DEFAULT FALSE, "
        "created_at TIMESTAMP NOT NULL DEFAULT current_timestamp, units VARCHAR[], "
        "must_change_password BOOLEAN DEFAULT FALSE, CHECK (role = 'office' OR scope IS NOT NULL))"
    )
    con.execute(
        "INSERT INTO accounts (username, display_name, role, scope, units) "
        "VALUES ('ks', '科室', 'section', '中教科', ['甲局'])"
    )
    con.execute("DELETE FROM meta WHERE key = 'migration_013'")
    con.execute("UPDATE meta SET value = '12' WHERE key = 'schema_version'")
    with pytest.raises(duckdb.ConstraintException):
        con.execute("INSERT INTO accounts (username, display_name, role) VALUES ('shi', '市直', 'city')")
    con.close()
    s = Store(path)
    try:
        assert s.scalar("SELECT value FROM meta WHERE key = 'schema_version'") == "13"
        assert s.rows("SELECT username, role, scope, units FROM accounts") == [("ks", "section", "中教科", ["甲局"])]
        s.con.execute("INSERT INTO accounts (username, display_name, role) VALUES ('shi', '市直', 'city')")
        assert city.groups(s) == {} and not city.names_visible(s)
    finally:
        s.close()


def test_the_city_view_on_each_backend(db_target, monkeypatch):
    """Two units with hand-chosen reports, on DuckDB and PostgreSQL: the same table, the same refusal."""
    monkeypatch.setattr(city_data, "BATCH_FROM", 2)  # the set-based reads, on PostgreSQL's mirror too
    city_data.clear_memo()
    s = Store(db_target)
    try:
        plan = shipped_plan()
        ids = [s.import_plan(city_plan(plan, u)).plan_id for u in (U1, U2)]
        rows = [ProgressRow(t.code, AS_OF, 80.0, "推进中", "") for t in plan.targets]
        s.add_progress(ids[0], rows, Actor.office(), today=AS_OF)
        s.set_unit_groups({U1: A, U2: A}, Actor.city("shi"))
        table = city.table(s, 2025, AS_OF).set_index("unit")
        assert table.loc[U1, "score"] == 80.0 and table.loc[U1, "grade"] == "良好" and table.loc[U1, "rank"] == 1
        assert table.loc[U2, "score"] == 0.0 and table.loc[U2, "rank"] == 2
        state = queries.target_state(s, ids[0], AS_OF, 2025)
        assert table.loc[U1, "completion"] == queries.headline(state)["completion_pct"]
        with pytest.raises(StoreError, match="市直绩效办只能查看"):
            s.add_progress(ids[1], rows, Actor.city("shi"), today=AS_OF)
    finally:
        s.close()


# -- the command line ----------------------------------------------------------------------------


def test_city_json_has_one_object_per_unit_with_its_help_s_keys(city_db):
    out = run("city", "--db", str(city_db), "--as-of", "2025-03-28", "--json").as_json()
    assert set(out) <= set(city_cli.JSON_KEYS) and (out["year"], out["as_of"]) == (2025, "2025-03-28")
    units = {u["unit"]: u for u in out["units"]}
    assert set(units) == {U1, U2, U3, U4, U5, U6}
    assert all(set(u) == set(city_cli.UNIT_KEYS) for u in out["units"])
    assert {"unit", "group", "total", "grade", "completion", "reported", "rank"} <= set(city_cli.UNIT_KEYS)
    four = units[U4]
    assert (four["total"], four["grade"], four["completion"], four["group"]) == (50, "较差", 50, A)
    assert four["counts"] == {"targets": 61, "done": 0, "late": four["counts"]["late"], "overdue": 0}
    assert units[U6]["plan_id"] is None and units[U6]["attention"] == ["无方案"]
    score = run("score", "--db", str(city_db), "--unit", U2, "--year", "2025", "--as-of", "2025-03-28", "--json")
    assert units[U2]["total"] == score.as_json()["total"] and units[U2]["grade"] == score.as_json()["grade"]
    shown = " ".join(run("city", "--help").out.split())
    assert all(f" {key} " in shown for key in [*city_cli.JSON_KEYS, *city_cli.UNIT_KEYS])
    only = run("city", "--db", str(city_db), "--as-of", "2025-03-28", "--json", "--group", B).as_json()
    assert {u["unit"] for u in only["units"]} == {U3, U5, U6}


def test_city_text_and_its_refusals(city_db, tmp_path):
    out = run("city", "--db", str(city_db), "--as-of", "2025-03-28")
    assert out.code == 0 and f"{A}（3 个单位有方案）" in out.out and "无方案" in out.out and U4 in out.out
    for args, line in (
        (("--group", "没有的组"), "错误：没有名为“没有的组”的分组"),
        (("--year", "2024"), "错误：库中没有 2024 年度的方案"),
        (("--set-groups", str(tmp_path / "none.csv")), "错误：找不到分组文件"),
    ):
        refused = run("city", "--db", str(city_db), *args)
        assert refused.code == 2 and refused.err.startswith(line) and "Traceback" not in refused.err
    bad = run("city", "--db", str(city_db), "--as-of", "2025-13-01")
    assert bad.code == 2 and "Traceback" not in bad.err


def test_city_set_groups_from_a_csv(city_db, tmp_path):
    csv = tmp_path / "groups.csv"
    csv.write_text(f"单位,分组\n{U1},市场监管\n{U2},市场监管\n{U3},\n", encoding="utf-8")
    out = run("city", "--db", str(city_db), "--set-groups", str(csv))
    assert out.code == 0 and "已设置 3 个单位的分组（1 个分组）" in out.out
    s = Store(city_db)
    try:
        grouped = city.groups(s)
        assert grouped[U1] == grouped[U2] == "市场监管" and grouped[U3] == grouped[U4] == city.UNGROUPED
    finally:
        s.close()
    csv.write_text(f"{U1},甲,多余\n", encoding="utf-8")
    refused = run("city", "--db", str(city_db), "--set-groups", str(csv))
    assert refused.code == 2 and "第 1 行应有两列" in refused.err
