"""The meeting screen's logic as plain functions, each slide through AppTest, and the brief."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from perfdash.db import queries
from perfdash.present import exports, meeting
from perfdash.store import Store
from tests.fixtures import DEMO_SEED, shipped_plan, signed_in

WEEK = meeting.week_of(date(2025, 11, 21))


@pytest.fixture(scope="module")
def store(databases, tmp_path_factory):
    s = Store(databases.copy("demo", tmp_path_factory.mktemp("meet")))
    yield s
    s.close()


@pytest.fixture(scope="module")
def slides(store):
    return {s.key: s for s in meeting.build_slides(store, 1, 2025, WEEK)}


def test_weeks():
    # 本周 is the reporting period (default rhythm: Saturday to the Friday cut-off), not Monday–Sunday.
    assert meeting.week_of(date(2025, 11, 21)) == meeting.Week(date(2025, 11, 15), date(2025, 11, 21), 47)
    assert meeting.week_of(date(2025, 11, 22)) == meeting.Week(date(2025, 11, 22), date(2025, 11, 28), 48)
    assert meeting.week_of(date(2025, 11, 21)).label == "第47期 11月15日—11月21日"


@pytest.mark.parametrize(("raw", "seconds"), [(None, 20), ("8", 8), ("2", 5), ("9999", 600), ("abc", 20), ("7.5", 7)])
def test_seconds_from_the_url(raw, seconds):
    assert meeting.parse_seconds(raw) == seconds


def test_rotation_advances_after_the_interval_unless_paused():
    assert meeting.advance(0, 6, False, None, 100.0, 10) == (0, 100.0)  # first show
    assert meeting.advance(0, 6, False, 100.0, 105.0, 10) == (0, 100.0)  # too early
    assert meeting.advance(0, 6, False, 100.0, 110.0, 10) == (1, 110.0)
    assert meeting.advance(5, 6, False, 100.0, 110.0, 10) == (0, 110.0)  # wraps
    assert meeting.advance(3, 6, True, 100.0, 200.0, 10) == (3, 200.0)  # paused


def test_headline_slide(store, slides):
    h = slides["headline"].numbers
    state = queries.target_state(store, 1, WEEK.end, 2025)
    assert h["targets"] == 61
    assert h["done"] + h["on_track"] + h["late"] == 61 and h["overdue"] <= h["late"]
    assert h["completion_pct"] == pytest.approx(queries.weighted_completion(state))
    assert h["overdue"] == 1
    assert h["projected_grade"].removesuffix("（暂定）") in ("优秀", "良好", "一般", "较差")
    assert sum(h["grade_probability"].values()) == pytest.approx(1.0)


def test_week_slide_compares_with_last_week(store, slides):
    w = slides["week"]
    before = queries.target_state(store, 1, date(2025, 11, 16), 2025).set_index("code")
    after = queries.target_state(store, 1, date(2025, 11, 23), 2025).set_index("code")
    moved = sorted(c for c in after.index if after.loc[c, "completion_pct"] > before.loc[c, "completion_pct"])
    assert sorted(w.tables["moved"]["code"]) == moved
    assert w.numbers["moved"] == len(moved)
    finished = sorted(c for c in after.index if after.loc[c, "completion_pct"] >= 100 > before.loc[c, "completion_pct"])
    assert sorted(w.tables["finished"]["code"]) == finished


def test_due_slide_lists_overdue_and_due_soon(slides):
    d = slides["due"]
    assert list(d.tables["overdue"]["code"]) == ["1-3-3"]
    assert d.numbers["horizon"] == date(2025, 12, 21)  # 30 days after the period's cut-off day, 21 Nov
    assert d.numbers["due_soon"] == 0  # every other deadline is 31 Dec, 40 days after 21 Nov


def test_due_soon_in_december(store):
    december = {s.key: s for s in meeting.build_slides(store, 1, 2025, meeting.week_of(date(2025, 12, 3)))}
    assert december["due"].numbers["due_soon"] == december["due"].tables["due_soon"].shape[0] > 40


def test_week_changes_catch_targets_that_fall_behind():
    import pandas as pd

    before = pd.DataFrame(
        {"code": ["a", "b", "c"], "completion_pct": [10.0, 50.0, 90.0], "lag_status": ["正常", "正常", "正常"]}
    )
    after = pd.DataFrame(
        {"code": ["a", "b", "c"], "completion_pct": [10.0, 55.0, 100.0], "lag_status": ["黄色滞后", "正常", "已完成"]}
    )
    changes = meeting.week_changes(before, after)
    assert list(changes["fell_behind"]["code"]) == ["a"]
    assert list(changes["finished"]["code"]) == ["c"]
    assert list(changes["moved"]["code"]) == ["c", "b"]


def test_brief_has_the_screens_numbers(slides):
    data = exports.brief_xlsx(list(slides.values()), "泉州市教育局", 2025, WEEK)
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["概况", "目标清单", "科室排名"]
    for ws in wb.worksheets:  # title, the week, the header: on every printed page
        assert ws["A1"].value == "泉州市教育局2025年度绩效目标周报" and ws.print_title_rows == "$1:$3"
    summary = dict(list(wb["概况"].iter_rows(values_only=True))[3:])
    h = slides["headline"].numbers
    assert summary["加权完成率(%)"] == round(h["completion_pct"], 1)
    assert summary["其中逾期未完成"] == 1 and summary["滞后（含逾期）"] == h["late"]
    assert summary["周次"] == "2025-11-15 至 2025-11-21"  # the reporting period
    lists: dict[str, list[str]] = {}
    for row in list(wb["目标清单"].iter_rows(values_only=True))[3:]:
        if row[1] is None:  # a heading row: 本周推进（29项）…
            heading = row[0].split("（")[0]
            lists[heading] = []
        else:
            lists[heading].append(row[0])
    assert list(lists) == ["本周推进", "本周完成", "新增滞后", "逾期未完成", "30天内到期"]
    assert lists["逾期未完成"] == ["1-3-3"]
    assert len(lists["本周推进"]) == len(slides["week"].tables["moved"])
    ranking = [r[0] for r in list(wb["科室排名"].iter_rows(values_only=True))[3:]]
    assert ranking[: len(slides["ranking"].tables["sections"])] == list(slides["ranking"].tables["sections"]["section"])
    assert ranking[-len(slides["leaders"].tables["leaders"]) :] == list(slides["leaders"].tables["leaders"]["leader"])


# -- each slide through AppTest --------------------------------------------------------------------


def _slide(index: int, **params: str) -> AppTest:
    at = signed_in("pages/meeting.py")
    for k, v in params.items():
        at.query_params[k] = v
    at.session_state["meeting_slide"] = index
    return at.run()


def _html(at: AppTest) -> str:
    return " ".join(h.proto.body for h in at.get("html"))


@pytest.mark.parametrize(
    ("index", "must_show"),
    [
        (0, ["总体态势", "预计年终得分", "加权完成率", "逾期未完成"]),
        (1, ["本周变化", "本周有推进", "推进最多", "1-4-1"]),
        (2, ["逾期与临期", "1-3-3", "张少杰", "30 天内没有到期的未完成目标"]),
        (3, ["科室排名"]),
        (4, ["截止分布"]),
        (5, ["分管领导", "李自坚"]),
    ],
)
def test_each_slide_renders(db, index, must_show):
    at = _slide(index, week="2025-11-21")
    assert not at.exception
    html = _html(at)
    for text in must_show:
        assert text in html, text
    assert "第47期 11月15日—11月21日" in html and "演示数据" in html  # the reporting period of 11-21
    assert at.session_state["meeting_slide"] == index  # a first run shows the asked slide


def test_headline_numbers_on_screen_match_the_slide_logic(db, store):
    at = _slide(0, week="2025-11-21")
    h = {s.key: s for s in meeting.build_slides(store, 1, 2025, WEEK)}["headline"].numbers
    html = _html(at)
    assert f">{round(h['completion_pct'])}%<" in html
    assert f">{h['overdue']}<" in html


def test_charts_on_slides_are_html_that_scales(db):
    """The charts are drawn as HTML (sized with the window, not in fixed pixels): the ranking's
    bars are as long as each section's 完成率, the heat map has the year's months, the first
    slide the weekly trend."""
    ranking = _html(_slide(3))
    assert ranking.count('class="pd-bar"') == 14  # the demo's 14 sections with targets, one page
    bar = '<span class="n">财务科</span><div class="pd-track"><div class="pd-fill good" style="width:94.4%">'
    assert bar in ranking
    heat = _html(_slide(4))
    assert all(f"<th>{m}月</th>" in heat or f'<th class="now">{m}月</th>' in heat for m in range(1, 13))
    assert '<th class="now">11月</th>' in heat  # the as-of month outlined
    first = _html(_slide(0, week="2025-11-21"))
    assert first.count('class="pd-line') == 3 and "序时进度" in first


def test_light_theme_and_escaping(db):
    at = _slide(0, theme="light")
    assert "#ffffff" in _html(at)
    from perfdash.present import screen

    assert "&lt;script&gt;" in screen.table(__import__("pandas").DataFrame({"code": ["<script>"]}), {"code": "编号"})


def test_the_screen_follows_the_plan_chosen_on_other_pages(tmp_path, monkeypatch):
    """Opened from the sidebar (no ?plan=), the screen shows the plan this session chose."""
    from perfdash.server.demo import build_city_demo

    db = tmp_path / "two.duckdb"
    monkeypatch.setenv("PERFDASH_DB", str(db))
    two = Store(db)
    try:
        build_city_demo(two, shipped_plan(), 2, DEMO_SEED)
        second = int(two.scalar("SELECT plan_id FROM plans WHERE unit = '示范市第002局'"))
    finally:
        two.close()
    at = signed_in("app.py").run()
    at.selectbox(key="plan_id").set_value(second).run()
    assert "示范市第002局" in at.title[0].value
    at.switch_page("pages/meeting.py")
    at.query_params.clear()  # a sidebar link carries no query string
    at.run()
    assert not at.exception, at.exception
    assert "示范市第002局" in _html(at) and "示范市第001局" not in _html(at)
    at.query_params["plan"] = str(second - 1 if second > 1 else second + 1)  # the URL still decides
    at.run()
    assert "示范市第002局" not in _html(at)
