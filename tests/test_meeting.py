"""The meeting screen's logic as plain functions, each slide through AppTest, and the brief."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from perfdash.core import fmt
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


def test_charts_on_slides_are_html_that_scales(db, slides):
    """The charts are drawn as HTML (sized with the window, not in fixed pixels): the ranking's
    bars are as long as each section's 完成率, the heat map has the year's months, the first
    slide the weekly trend."""
    from perfdash.db import weekly
    from perfdash.present import screen

    ranking = _html(_slide(3))
    assert ranking.count('class="pd-bar"') == 14  # the demo's 14 sections with targets, one page
    bar = '<span class="n">财务科</span><div class="pd-track"><div class="pd-fill good" style="width:94.4%">'
    assert bar in ranking
    # The demo's deadlines are all in December (its 截止分布 is the run-up): the map of a plan whose
    # deadlines spread, drawn from the same state.
    heat = screen.heat(weekly.due_matrix(slides["heatmap"].tables["state"]), 2025, WEEK.end)
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


# -- 本周变化 names 本期's 未报送科室 ------------------------------------------------------------------


def test_week_slide_names_the_sections_that_have_not_reported(db):
    """The demo closed 21 November; in the open period 第48期 (11-22–11-28) none of its 14 lead
    sections with unfinished targets has reported (tests/test_supervision.py). 中教科 reports on
    26 November and the office enters one for 校安科's 7-2: the other 12 are named on 本周变化,
    in the order of 督办与催报's list, and the two that reported are not."""
    from perfdash.core.access import Actor
    from perfdash.store import ProgressRow
    from perfdash.workflows import supervision

    store = Store(db)
    try:
        day = date(2025, 11, 26)
        store.add_progress(1, [ProgressRow("1-3-1", day, 80, "推进中")], Actor("section", "中教科", "zj"), today=day)
        store.add_progress(1, [ProgressRow("7-2", day, 60, "推进中")], Actor("office", "绩效办", "admin"), today=day)
        listed = list(supervision.not_reported(store, 1, date(2025, 11, 22), date(2025, 11, 28))["section"])
    finally:
        store.close()
    silent = ["办公室", "高教职教科", "体卫艺语科", "初幼教科", "组织科", "思政科"]
    silent += ["教师工作科", "资源中心", "政策审批科", "财务科", "考试院", "规划建设科"]
    assert sorted(listed) == sorted(silent)  # by hand: the 14 less 中教科 and 校安科
    html = _html(_slide(1, week="2025-11-21"))
    assert "本期未报送科室（第48期）" in html and "12 个科室" in html
    names = html.split('<div class="pd-names">')[1].split("</div>")[0]
    assert [n.removesuffix("、") for n in re.findall(r"<span>([^<]*)</span>", names)] == listed
    assert "中教科" not in names and "校安科" not in names


def test_silent_names_are_cut_after_a_whole_name():
    import pandas as pd

    silent = pd.DataFrame({"section": ["办公室", "高教职教科", "民管科（对外合作科）", "财务科"]})
    assert meeting.silent_names(silent, 100) == (list(silent["section"]), 0)
    assert meeting.silent_names(silent, 12) == (["办公室", "高教职教科"], 2)  # 办公室、高教职教科 is 9
    assert meeting.silent_names(silent.head(0), 100) == ([], 0)


# -- 截止分布 when every deadline is in December ------------------------------------------------------


def test_deadlines_all_in_december_show_the_run_up(slides):
    """60 of the demo's 61 targets end on 31 December (1-3-3 on 30 September): by month the slide
    would be one full column. It lists instead, per section, what falls due in December: as of
    21 November 40 days (5.7 weeks) are left, so 各科室's three targets at 40, 50 and 50 % (average
    46.7 %) each need (100 − 46.7) ÷ 5.7 = 9.3 points a week."""
    h = slides["heatmap"]
    n = h.numbers
    assert (n["mode"], n["month"], n["in_month"], n["targets"]) == ("run_up", 12, 60, 61)
    assert (n["deadline"], n["days_left"]) == (date(2025, 12, 31), 40)
    run_up = h.tables["run_up"].set_index("section")
    assert len(run_up) == 21 and n["all_done"] == 0  # every section (lead or co) has a December target open
    row = run_up.loc["各科室"]
    assert (row["due"], row["unfinished"], row["late"]) == (3, 3, 3)
    assert row["completion_pct"] == pytest.approx(46.667, abs=0.001)
    assert row["need_pct"] == pytest.approx((100 - 46.6667) / (40 / 7), abs=0.001)
    # Cross-checked against the state: 中教科 leads or shares 8 December targets.
    state = h.tables["state"]
    december = state[(state["deadline"].astype(str) == "2025-12-31") & state["sections"].map(lambda s: "中教科" in s)]
    assert run_up.loc["中教科", "due"] == len(december) == 8
    assert list(run_up["need_pct"]) == sorted(run_up["need_pct"], reverse=True)  # furthest behind first


def test_deadlines_spread_over_the_year_keep_the_month_map():
    import pandas as pd

    spread = pd.DataFrame({"deadline": pd.to_datetime(["2025-03-31", "2025-06-30", "2025-12-31", "2025-12-31"])})
    assert meeting.deadline_cluster(spread) == (None, 0)
    clustered = pd.DataFrame({"deadline": pd.to_datetime(["2025-06-30"] + ["2025-12-31"] * 4)})
    assert meeting.deadline_cluster(clustered) == (pd.Timestamp("2025-12-01"), 4)  # 4 of 5 = CLUSTER_SHARE


def test_the_run_up_slide_on_screen(db):
    html = _html(_slide(4, week="2025-11-21"))
    assert "61 项目标中 60 项的完成时限在12月" in html and "离12月31日还有 40 天" in html
    assert "<td>民管科（对外合作科）</td>" in html  # the whole name
    assert "每周需推进" in html and "本周推进" in html


# -- one rounding, then the colour ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("done", "expected", "shown", "tone"),
    [
        (78.51, 89.0, "79%", "warn"),  # 10.49 points behind, shown 79% against 89%: 10 behind
        (79.49, 89.0, "79%", "warn"),  # 9.51 points behind unrounded, the same figures on screen
        (78.67, 89.0, "79%", "warn"),  # the demo's 李自坚
        (79.07, 89.0, "79%", "warn"),  # the demo's 陈军宣: green before, beside 李自坚's yellow 79%
        (80.0, 89.6, "80%", "warn"),  # 序时进度 rounds too: 90 − 80
        (80.0, 89.4, "80%", "good"),
        (59.5, 89.5, "60%", "warn"),  # round half to even, as fmt.pct: 60 against 90
        (58.6, 89.4, "59%", "warn"),  # 30.8 behind unrounded, but the screen reads 59% against 89%
        (58.4, 89.0, "58%", "bad"),  # 31 behind: beyond the red threshold of 30
    ],
)
def test_colour_comes_from_the_rounded_figures(done, expected, shown, tone):
    from perfdash.present import screen

    assert fmt.pct(done) == shown
    assert screen.tone(done, expected) == tone


def test_bars_that_read_the_same_have_the_same_colour():
    import pandas as pd

    from perfdash.present import screen

    leaders = pd.DataFrame(
        {"leader": ["甲", "乙"], "completion_pct": [78.51, 79.49], "expected_pct": [89.0, 89.0], "late": [1, 1]}
    )
    html = screen.bars(leaders, "leader", "分管领导", ("late", "滞后"))
    assert html.count(">79%<") == 2
    assert re.findall(r'class="pd-fill (\w+)"', html) == ["warn", "warn"]


def test_name_columns_fit_the_longest_name():
    import pandas as pd

    from perfdash.present import screen

    # 10 characters of body type (2.4u each) and a margin: wider than the old 17u column.
    assert screen.name_width(["财务科", "民管科（对外合作科）"], 17) == 25.0
    assert screen.name_width(["财务科"], 17) == 17  # short names keep the old width
    assert screen.name_width(["很" * 30], 16) == pytest.approx(screen.NAME_EM_MAX * screen.BODY_U + 1)  # wraps
    matrix = pd.DataFrame(
        {"section": ["民管科（对外合作科）"], "month": [pd.Timestamp("2025-12-01")], "targets": [2], "at_risk": [0]}
    )
    heat = screen.heat(matrix, 2025, date(2025, 11, 21))
    assert 'style="--pd-name:calc(var(--u) * 25.8)"' in heat and ">民管科（对外合作科）</th>" in heat


# -- a phone -----------------------------------------------------------------------------------------


def test_the_screen_carries_a_note_for_phones(db):
    """The page always sends the note; the screen's CSS shows it instead of the slides below
    NARROW_PX (tests/browser/test_meeting_screen.py looks at it on a phone)."""
    from perfdash.present import screen

    html = _html(_slide(0))
    assert "周会大屏用于会议室投影" in html and '<a href="./mine">打开我的分管</a>' in html
    css = screen.css("dark")
    narrow = css.split(f"@media (max-width: {screen.NARROW_PX}px) {{")[1]
    assert ".pd-phone { display: none; }" in css.split("@media")[0]  # a projector does not see it
    assert ".pd-screen, .st-key-pd_controls { display: none !important; }" in narrow
    assert ".pd-phone { display: flex;" in narrow
