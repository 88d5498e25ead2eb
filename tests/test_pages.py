"""Every page through AppTest: runs without exception and shows the numbers a direct query gives."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from perfdash.core.settings import PROJECT_ROOT
from tests.fixtures import signed_in

PAGES = ["app.py", *sorted(str(p.relative_to(PROJECT_ROOT)) for p in (PROJECT_ROOT / "pages").glob("*.py"))]


def _run(script: str) -> AppTest:
    return signed_in(script).run()


@pytest.mark.parametrize("script", PAGES, ids=PAGES)
def test_page_runs_without_exception(db, script):
    at = _run(script)
    assert not at.exception, at.exception
    titled = bool(at.title) or any("pd-title" in h.proto.body for h in at.get("html"))  # the meeting screen
    assert titled, "every page has a title"


def _direct(db: Path, as_of: date) -> dict:
    """The headline numbers straight from the database, without perfdash.queries."""
    con = duckdb.connect(str(db))  # same process as the app: same configuration
    try:
        targets, points, weighted = con.execute(
            """
            WITH latest AS (
                SELECT code, arg_max(completion_pct, report_date) AS pct
                FROM progress WHERE report_date <= ? GROUP BY code
            )
            SELECT count(*), sum(t.points), sum(t.points * coalesce(l.pct, 0)) / sum(t.points)
            FROM targets t LEFT JOIN latest l USING (code)
            """,
            [as_of],
        ).fetchone()
        done = con.execute(
            "SELECT count(*) FROM (SELECT code, max(completion_pct) AS m FROM progress "
            "WHERE report_date <= ? GROUP BY code) WHERE m >= 100",
            [as_of],
        ).fetchone()[0]
    finally:
        con.close()
    return {"targets": targets, "points": float(points), "completion": float(weighted), "done": done}


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_overview_shows_the_database_numbers(db):
    at = _run("app.py")
    assert not at.exception
    # A first start builds the database from the shipped plan and the demo history.
    assert db.exists()
    as_of = at.session_state["as_of"]
    assert as_of == date(2025, 11, 21)  # the latest demo report
    expected = _direct(db, as_of)
    shown = _metrics(at)
    assert shown["年度工作目标"] == f"{expected['targets']} 项" == "61 项"
    assert shown["总分值"] == "100 分"
    assert shown["加权完成率"] == f"{round(expected['completion'])}%"
    assert shown["已完成"] == f"{expected['done']} 项"
    assert any("演示数据" in w.value for w in at.warning)
    assert any("正文称年度工作目标总数为 66，考评表实有 61" in m.value for m in at.markdown)


def test_overview_follows_the_as_of_date(db):
    at = _run("pages/overview.py")
    at.date_input(key="as_of").set_value(date(2025, 6, 27)).run()
    assert not at.exception
    expected = _direct(db, date(2025, 6, 27))
    assert _metrics(at)["加权完成率"] == f"{round(expected['completion'])}%"
    assert _metrics(at)["已完成"] == f"{expected['done']} 项"
    assert "统计截至 2025-06-27" in at.caption[0].value


def test_overview_sunburst_is_sized_by_points(db):
    import json

    at = _run("pages/overview.py")
    charts = [json.loads(c.proto.spec)["data"][0]["type"] for c in at.get("plotly_chart")]
    assert "sunburst" not in charts  # drawn on demand
    at.toggle(key="structure_shown").set_value(True).run()
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    spec = next(s for s in specs if s["data"][0]["type"] == "sunburst")
    trace = spec["data"][0]
    values = dict(zip(trace["ids"], trace["values"], strict=True))
    assert values["g:职能工作"] == 70
    assert values["g:行政能力"] == 20
    assert values["i:1-1"] == 5
    assert values["t:6-5"] == 3
    assert len([i for i in trace["ids"] if i.startswith("t:")]) == 61


def test_overview_with_a_leader_filter(db):
    at = signed_in("pages/overview.py")
    at.query_params["leader"] = "纪如"
    at.run()
    assert not at.exception
    shown = _metrics(at)
    con = duckdb.connect(str(db))
    try:
        n, points = con.execute(
            "SELECT count(*), sum(t.points) FROM targets t JOIN target_leaders l USING (plan_id, code) "
            "WHERE l.leader = '纪如'"
        ).fetchone()
    finally:
        con.close()
    assert shown["年度工作目标"] == f"{n} 项" == "2 项"
    assert shown["总分值"] == f"{float(points):g} 分"
    assert "筛选后 2 / 61 项目标（分管领导：纪如）" in at.caption[0].value


def test_a_write_reaches_every_cached_table_and_chart(db):
    """Pages keep their reads, tables and figures until the data changes: a new report must show
    at once in the headline, the group table and the group chart."""
    from perfdash.core.access import Actor
    from perfdash.db import queries
    from perfdash.store import ProgressRow, Store

    def earned(at: AppTest) -> dict[str, float]:
        """The group bars (drawn as HTML, charts_html.points_bars): group → points earned."""
        bars = next(h.proto.body for h in at.get("html") if 'class="pd-rank pts"' in h.proto.body)
        return {g: float(x) for g, x in re.findall(r'title="([^：]+)：分值 [^，]+，按完成率折算 ([0-9.]+) 分', bars)}

    before = _run("pages/overview.py")
    as_of = before.session_state["as_of"]
    assert earned(before)["精神文明"] < 4  # the demo history leaves it short of its points
    store = Store(db)
    try:
        plan_id = int(queries.plans(store).iloc[0]["plan_id"])
        codes = store.query(
            "SELECT t.code FROM targets t JOIN indicators i USING (plan_id, indicator_code) "
            "WHERE t.plan_id = ? AND i.grp = '精神文明'",
            [plan_id],
        )["code"]
        store.add_progress(plan_id, [ProgressRow(c, as_of, 100, "已完成") for c in codes], Actor.office(), today=as_of)
    finally:
        store.close()
    after = _run("pages/overview.py")
    assert earned(after)["精神文明"] == pytest.approx(4)
    table = after.dataframe[0].value.set_index("目标组")
    assert table.loc["精神文明", "加权完成率"] == pytest.approx(100)
    assert _metrics(after)["已完成"] == f"{_direct(db, as_of)['done']} 项" != _metrics(before)["已完成"]


def _grid(at: AppTest):
    """进度填报's data editor (its key changes with each save)."""
    return next(d for d in at.dataframe if str(d.key or "").startswith("editor"))


def test_a_saved_edit_stays_confirmed_until_the_next_action(db):
    at = signed_in("pages/progress.py", "section", "校安科").run()
    grid = _grid(at)
    row = list(grid.value["code"]).index("7-4")
    at.session_state[grid.key] = {"edited_rows": {row: {"note": "消防演练完成"}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert "已修改 1 项" in at.caption[1].value
    at.button(key="save_edits").click().run()
    saved = "已保存 1 条进度记录。填报日期 2025-11-28。"  # the one row sent: no "另有 4 行" unsent rows
    assert [s.value for s in at.success if s.value.startswith("已保存")] == [saved]
    assert "已修改 0 项" in at.caption[1].value  # a fresh grid: the saved note is not an edit any more
    # The grid in the browser reports its cleared edits (a run nobody asked for), or anything
    # reruns the page: the confirmation stays.
    at.session_state[_grid(at).key] = {"edited_rows": {}, "added_rows": [], "deleted_rows": []}
    at.run()
    at.run()
    assert [s.value for s in at.success if s.value.startswith("已保存")] == [saved]
    assert "已修改 0 项" in at.caption[1].value
    # Doing something else ends it: another report date.
    at.date_input(key="report_date").set_value(date(2025, 11, 27)).run()
    assert not [s for s in at.success if s.value.startswith("已保存")]
