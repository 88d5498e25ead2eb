"""The city's pages (#38) through AppTest, on the test session's city base (three synthetic bureaus
示范市第001–003局 with weekly ledgers to 2025-03-28): 全市总览 as a city account (one row per unit,
the numbers of the city table as whole percents, the group filter, the 需要关注 list, the groups and
shared indicators, opening a unit lands on that unit's 总览 at the city's date), who may open it,
the menus, a unit account's 同组单位 block on 总览 (its own rank, its peers anonymous unless the city
shows names), the city meeting screen's slides, and the 全市绩效汇总表 by group.

Groups as the tests set them: 经济调节 = 001, 002; 公共服务 = 003 and 004 (a unit the city grouped
that has no plan). At 2025-03-28 the three plans stand at 24.69 %, 24.37 % and 24.21 % against a
序时进度 of 23.68 % (city.table; the core's own tests check those against each unit's 总览)."""

from __future__ import annotations

import io
import os
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from perfdash.app import nav
from perfdash.core import fmt
from perfdash.core.access import Actor
from perfdash.core.settings import PROJECT_ROOT
from perfdash.ops import auth
from perfdash.present import city_board, city_docs
from perfdash.store import Store
from perfdash.workflows import city
from tests.fixtures import signed_in

AS_OF = date(2025, 3, 28)
GROUPS = {
    "示范市第001局": "经济调节",
    "示范市第002局": "经济调节",
    "示范市第003局": "公共服务",
    "示范市第004局": "公共服务",
}


@pytest.fixture
def city_db(databases, tmp_path, monkeypatch) -> Path:
    """This test's copy of the city base, grouped (GROUPS), opened by the pages (PERFDASH_DB)."""
    path = databases.copy("city", tmp_path / "city")
    store = Store(path)
    try:
        store.set_unit_groups(GROUPS, Actor.city("t_city"))
    finally:
        store.close()
    monkeypatch.setenv("PERFDASH_DB", str(path))
    return path


def _table(db: Path) -> pd.DataFrame:
    store = Store(db)
    try:
        return city.table(store, 2025, AS_OF)
    finally:
        store.close()


def _city(script: str = "app.py") -> AppTest:
    at = signed_in(script, "city")
    at.session_state["city_as_of"] = AS_OF
    return at.run(timeout=120)


def _unit_account(script: str, unit: str, role: str = "office", scope: str | None = None) -> AppTest:
    """An AppTest of ``script`` signed in as an account bound to ``unit``."""
    store = Store(os.environ["PERFDASH_DB"])
    try:
        username = f"u_{unit[-4:-1]}_{role}"
        if auth.load(store, username) is None:
            store.insert_account(Actor.system(), username, f"{unit}{role}", role, scope, None, units=[unit])
        token = auth.start_session(store, auth.load(store, username))
    finally:
        store.close()
    at = AppTest.from_file(str(PROJECT_ROOT / script), default_timeout=120)
    at.session_state["auth"] = {"token": token}
    return at


TABLES = {  # a table without row selection has no key under AppTest: found by its columns
    "city_attention": ["单位", "分组", "原因"],
    "city_groups_table": ["分组", "单位", "已导入方案"],
    "city_shared_table": ["单位", "分组", "精神文明"],
    "peer_table": ["排名", "单位", "当前得分", "等次"],
}


def _frame(at: AppTest, key: str) -> pd.DataFrame | None:
    """The table of ``key`` on the page (None when there is none)."""
    for d in at.dataframe:
        if d.key == key or (d.key is None and key in TABLES and set(TABLES[key]) <= set(d.value.columns)):
            return d.value
    return None


def _text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [s.value for s in at.subheader]
    return "\n".join(parts) + "\n".join(_frame_text(d.value) for d in at.dataframe)


def _frame_text(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False) + ",".join(map(str, frame.columns))


# -- 全市总览 ---------------------------------------------------------------------------------------


def test_a_city_account_lands_on_the_city_table_one_row_per_unit(city_db):
    at = _city()
    assert not at.exception, at.exception
    assert at.title[0].value == "2025年度市直单位绩效目标 · 全市总览"
    shown = _frame(at, "city_table")
    expected = _table(city_db)
    assert list(shown["单位"]) == ["示范市第001局", "示范市第002局", "示范市第003局", "示范市第004局"]
    assert list(shown["分组"]) == ["经济调节", "经济调节", "公共服务", "公共服务"]
    # 004 has no plan: its gaps show as "—", and the columns with a gap as text (as on every page)
    assert list(shown["组内排名"]) == ["1", "2", "1", "—"]
    planned = expected[expected["plan_id"].notna()]
    assert [fmt.pct(v) for v in planned["completion"]] == ["25%", "24%", "24%"]
    assert list(shown["完成率"]) == ["25%", "24%", "24%", "—"]
    assert list(shown["序时进度"]) == ["24%", "24%", "24%", "—"]
    assert list(shown["差距"]) == ["+1", "+0", "+0", "—"]  # 25 − 24, as the whole percents shown differ
    assert list(shown["当前得分"]) == ["24.69", "24.37", "24.21", "—"]
    assert list(shown["本期报送"]) == ["14/14", "14/14", "14/14", "—"]
    assert shown.loc[3, "需要关注"] == city.NO_PLAN
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["单位"] == "4 个" and metrics["已导入方案"] == "3 个" and metrics["需要关注"] == "1 个"
    assert metrics["平均完成率"] == "24%"  # (24.69 + 24.37 + 24.21) / 3 = 24.42
    assert list(_frame(at, "city_attention")["单位"]) == ["示范市第004局"]


def test_the_group_filter_keeps_the_groups_chosen(city_db):
    at = _city()
    at.multiselect(key="city_group").set_value(["公共服务"]).run()
    assert not at.exception
    assert list(_frame(at, "city_table")["单位"]) == ["示范市第003局", "示范市第004局"]
    assert {m.label: m.value for m in at.metric}["单位"] == "2 个"
    assert any("已筛选 2/4 个单位" in c.value for c in at.caption)


def test_choosing_a_unit_lands_on_its_own_overview_at_the_citys_date(city_db):
    at = _city()
    at.selectbox(key="city_open_unit").set_value("示范市第002局").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "示范市第002局2025年度绩效目标 · 总览"
    assert at.session_state["plan_id"] == 2
    assert at.session_state["as_of"] == AS_OF  # the city's 统计日期, not the plan's default
    own = _table(city_db).set_index("unit").loc["示范市第002局"]
    assert {m.label: m.value for m in at.metric}["加权完成率"] == fmt.pct(own["completion"]) == "24%"
    assert _frame(at, "peer_table") is None  # the city's account: no 同组单位 block


def test_groups_chart_and_shared_indicators(city_db):
    at = _city()
    at.segmented_control(key="city_view").set_value("分组排名").run()
    assert not at.exception
    groups = _frame(at, "city_groups_table")
    assert list(groups["分组"]) == ["经济调节", "公共服务"]
    assert list(groups["单位"]) == [2, 2] and list(groups["已导入方案"]) == [2, 1]
    assert list(groups["第一名"]) == ["示范市第001局", "示范市第003局"]
    assert list(groups["平均完成率"]) == [fmt.shown_pct((24.69 + 24.37) / 2), 24]
    chart = at.get("plotly_chart")[0].proto.spec
    assert "完成率（正常）" in chart and "序时进度" in chart
    at.segmented_control(key="city_view").set_value("共同指标").run()
    assert not at.exception
    shared = _frame(at, "city_shared_table")
    assert list(shared["单位"]) == ["示范市第001局", "示范市第002局", "示范市第003局"]
    assert {"精神文明", "平安建设", "安全生产", "消防安全"} <= set(shared.columns)


def test_the_city_sets_groups_and_whether_units_see_names(city_db):
    # The page by itself: under app.py, AppTest starts each run in the pages-folder mode, whose
    # rerun drops a button's click (see tests/test_plans_page.py).
    at = _city("pages/city.py")
    at.segmented_control(key="city_view").set_value("分组设置").run()
    assert not at.exception
    editor = next(d for d in at.dataframe if d.key == "city_group_editor")
    names = list(editor.value["单位"])
    assert list(editor.value["分组"]) == [GROUPS[u] for u in names]
    at.session_state["city_group_editor"] = {
        "edited_rows": {names.index("示范市第003局"): {"分组": "经济调节"}, names.index("示范市第004局"): {"分组": ""}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.button(key="city_group_save").click().run()
    assert not at.exception
    assert any("已保存分组" in s.value for s in at.success)
    at.toggle(key="city_names_visible").set_value(True).run()
    assert not at.exception
    store = Store(city_db)
    try:
        assert city.names_visible(store)
        # 004 has no plan: put in no group, the city no longer lists it
        assert city.groups(store) == {
            "示范市第001局": "经济调节",
            "示范市第002局": "经济调节",
            "示范市第003局": "经济调节",
        }
    finally:
        store.close()


def test_unit_accounts_cannot_open_the_city_pages(city_db):
    for script in ("pages/city.py", "pages/city_meeting.py"):
        at = _unit_account(script, "示范市第001局").run()
        assert not at.exception
        assert any("全市总览供市直绩效办使用" in e.value for e in at.error), script
        assert not at.dataframe and "pd-screen" not in _html(at)


# -- menus ---------------------------------------------------------------------------------------


def test_the_city_role_starts_on_the_city_table_and_reads_unit_pages():
    assert nav.landing("city") == "pages/city.py"
    listed = {u for urls in nav.menu("city").values() for u in urls}
    assert {"city", "city-meeting", "overview", "sections", "target"} <= listed
    assert not listed & {"progress", "plans", "admin", "self-assessment", "evaluation", "supervision"}


def test_an_office_bound_to_no_unit_sees_the_city_pages_only_in_a_city_database(city_db, db):
    assert list(nav.menu("office", city=True))[-2:] == ["全市", "管理"]
    assert "全市" not in nav.menu("office")
    everyone = auth.Account("admin", "管理员", "office", None, None)
    bound = auth.Account("a1", "一局", "office", None, ("示范市第001局",))
    for path, several in ((city_db, True), (db, False)):
        store = Store(path)
        try:
            assert nav.sees_city(store, everyone) is several
            assert nav.sees_city(store, bound) is False
        finally:
            store.close()


# -- a unit's 同组单位 on 总览 --------------------------------------------------------------------------


def test_a_unit_account_sees_its_rank_and_anonymous_peers(city_db):
    at = _unit_account("app.py", "示范市第002局")
    at.run()
    at.switch_page("pages/overview.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value.startswith("示范市第002局")
    peers = _frame(at, "peer_table")
    assert list(peers["单位"]) == ["单位A", "示范市第002局（本单位）"]
    assert list(peers["排名"]) == [1, 2]
    assert any("“经济调节”组 2 个单位中排第 **2** 名" in m.value for m in at.markdown)
    assert "示范市第001局" not in _text(at)  # the peer's name nowhere on the page
    store = Store(city_db)
    try:
        store.set_names_visible(True, Actor.city("t_city"))
    finally:
        store.close()
    at.run()
    assert list(_frame(at, "peer_table")["单位"]) == ["示范市第001局", "示范市第002局（本单位）"]


def test_no_peer_block_before_the_city_groups_the_units(city_db):
    store = Store(city_db)
    try:
        store.set_unit_groups({}, Actor.city("t_city"))
    finally:
        store.close()
    at = _unit_account("app.py", "示范市第001局")
    at.run()
    at.switch_page("pages/overview.py").run()
    assert not at.exception
    assert _frame(at, "peer_table") is None
    assert not any("同组单位" in s.value for s in at.subheader)


# -- the city meeting screen -----------------------------------------------------------------------


def _html(at: AppTest) -> str:
    return " ".join(h.proto.body for h in at.get("html"))


@pytest.mark.parametrize(
    ("index", "must_show"),
    [
        (0, ["全市概况", "4 个", "已导入方案 3 个", "经济调节", "公共服务", "需要关注"]),
        (1, ["经济调节（2 个单位）", "1. 示范市第001局", "2. 示范市第002局", 'style="width:24.7%"']),
        (2, ["公共服务（2 个单位）", "1. 示范市第003局", "尚未导入方案：示范市第004局"]),
        (3, ["需要关注的单位", "示范市第004局", city.NO_PLAN]),
    ],
)
def test_each_city_slide_renders(city_db, index, must_show):
    at = signed_in("pages/city_meeting.py", "city")
    at.query_params["as_of"] = AS_OF.isoformat()
    at.session_state["city_meeting_slide"] = index
    at.run()
    assert not at.exception, at.exception
    html = _html(at)
    for text in must_show:
        assert text in html, text
    assert "2025年度 · 统计截至 3月28日 · 演示数据" in html
    assert html.count('<span class=""></span>') + html.count('<span class="on"></span>') == 4  # four slides


# -- the 全市绩效汇总表 ----------------------------------------------------------------------------------


def test_the_summary_lists_every_unit_by_group_with_the_numbers_shown(city_db):
    table = _table(city_db)
    book = load_workbook(io.BytesIO(city_docs.summary_xlsx(table, 2025, AS_OF, demo=True)))
    assert book.sheetnames == ["全市汇总", "需要关注"]
    ws = book["全市汇总"]
    assert ws.print_title_rows == "$1:$3" and ws.page_setup.orientation == "landscape"
    assert ws["A1"].value == "2025年度市直单位绩效目标推进情况汇总表（演示数据）"
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=4)]
    assert rows[0][0].startswith("经济调节（2 个单位）：平均完成率 25%（序时进度 24%，高 1 个百分点）")
    assert [r[:2] for r in rows[1:3]] == [[1, "示范市第001局"], [2, "示范市第002局"]]
    assert rows[1][5:10] == [25, 24, 1, 24.69, 86.08]  # 完成率, 序时进度, 差距, 当前得分, 预计得分
    assert rows[3][0].startswith("公共服务（2 个单位，其中 1 个尚未导入方案）")
    assert rows[5][1] == "示范市第004局" and rows[5][-1] == city.NO_PLAN
    assert [[c.value for c in r] for r in book["需要关注"].iter_rows(min_row=3)] == [
        [1, "示范市第004局", "公共服务", city.NO_PLAN]
    ]


def test_the_board_shows_whole_percents_and_fractions():
    table = pd.DataFrame(
        {
            "unit": ["甲局", "乙局"],
            "group": ["一组", "一组"],
            "plan_id": pd.array([1, pd.NA], dtype="Int64"),
            "total_points": pd.array([100.0, pd.NA], dtype="Float64"),
            "sections_total": pd.array([21, pd.NA], dtype="Int64"),
            "sections_reported": pd.array([18, pd.NA], dtype="Int64"),
            "last_report": [date(2025, 11, 21), None],
            "completion": pd.array([81.7, pd.NA], dtype="Float64"),
            "expected": pd.array([83.4, pd.NA], dtype="Float64"),
            "score": pd.array([81.725, pd.NA], dtype="Float64"),
            "projected": pd.array([90.0, pd.NA], dtype="Float64"),
            "grade": ["良好", None],
            "lagging": pd.array([3, pd.NA], dtype="Int64"),
            "overdue": pd.array([1, pd.NA], dtype="Int64"),
            "orders_open": pd.array([2, pd.NA], dtype="Int64"),
            "orders_overdue": pd.array([0, pd.NA], dtype="Int64"),
            "self_assessed": pd.array([12, pd.NA], dtype="Int64"),
            "self_total": pd.array([61, pd.NA], dtype="Int64"),
            "evidence_gaps": pd.array([pd.NA, pd.NA], dtype="Int64"),
            "rank": pd.array([1, pd.NA], dtype="Int64"),
            "attention": [[], ["无方案"]],
        }
    )
    shown = city_board.chinese(city_board.board(table))
    first = shown.iloc[0]
    assert (first["完成率"], first["序时进度"], first["差距"]) == (82, 83, -1)  # never the −2 of 81.7 − 83.4
    assert first["本期报送"] == "18/21" and first["自评"] == "12/61" and first["当前得分"] == 81.73
    second = shown.iloc[1]
    assert second["本期报送"] == "—" and second["等次"] == "—" and second["需要关注"] == "无方案"
    assert pd.isna(second["完成率"]) and pd.isna(second["组内排名"])
