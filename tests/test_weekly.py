"""Week by week (perfdash.weekly) and the time charts (perfdash.charts_time), checked by hand and
against direct queries of the progress log."""

from __future__ import annotations

import bisect
import itertools
import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
import plotly
import pytest

from perfdash.core.access import Actor
from perfdash.core.filters import Filters
from perfdash.core.schedule import (
    DONE,
    LAG_COLORS,
    LAG_STATUSES,
    ON_TRACK,
    OVERDUE,
    RED,
    YELLOW,
    add_schedule,
    expected_pct,
)
from perfdash.core.settings import PROJECT_ROOT
from perfdash.db import queries, weekly
from perfdash.plan import read_plan
from perfdash.present import charts_time
from perfdash.store import ProgressRow, Store

PLAN_FILE = PROJECT_ROOT / "data" / "quanzhou_edu_2025_plan.txt"
AS_OF = date(2025, 11, 21)  # the demo's last report day (a Friday)
YEAR = 2025


@pytest.fixture(scope="module")
def demo(databases, tmp_path_factory):
    store = Store(databases.copy("demo", tmp_path_factory.mktemp("weekly")))
    yield store, 1
    store.close()


@pytest.fixture
def tiny(tmp_path):
    """The plan with a handful of reports filed by the office, for numbers checked by hand."""
    store = Store(tmp_path / "tiny.duckdb")
    plan_id = store.import_plan(read_plan(PLAN_FILE)).plan_id
    office = Actor.office()
    today = date(2025, 2, 1)
    store.add_progress(
        plan_id,
        [
            ProgressRow("1-1-1", date(2025, 1, 10), 10, "推进中"),
            ProgressRow("1-1-1", date(2025, 1, 24), 30, "推进中"),
            ProgressRow("7-3", date(2025, 1, 17), 40, "推进中"),
        ],
        office,
        today=today,
    )
    # A correction of the same day, filed later: the later report wins (as in target_state).
    store.add_progress(plan_id, [ProgressRow("1-1-1", date(2025, 1, 24), 25, "推进中")], office, today=today)
    yield store, plan_id
    store.close()


def _weeks_of(frame: pd.DataFrame) -> list[date]:
    return [pd.Timestamp(w).date() for w in sorted(frame["week_end"].unique())]


# -- week ends -------------------------------------------------------------------------------


def test_first_week_end_is_the_first_friday_of_the_plan_year():
    assert weekly.first_week_end(2025) == date(2025, 1, 3)
    assert weekly.first_week_end(2026) == date(2026, 1, 2)
    assert weekly.first_week_end(2021) == date(2021, 1, 1)  # 1 Jan 2021 was a Friday


def test_week_ends_are_fridays_up_to_the_as_of_date(demo):
    store, plan_id = demo
    frame = weekly.target_weeks(store, plan_id, YEAR, AS_OF)
    weeks = _weeks_of(frame)
    assert weeks[0] == date(2025, 1, 3) and weeks[-1] == AS_OF
    assert len(weeks) == 47
    assert all(w.weekday() == 4 for w in weeks)
    assert all(b - a == timedelta(days=7) for a, b in itertools.pairwise(weeks))
    assert (frame.groupby("code").size() == 47).all() and frame["code"].nunique() == 61


def test_the_current_week_ends_at_the_as_of_date(demo):
    store, plan_id = demo
    weeks = _weeks_of(weekly.target_weeks(store, plan_id, YEAR, date(2025, 11, 25)))  # a Tuesday
    assert weeks[-2:] == [date(2025, 11, 21), date(2025, 11, 25)]
    assert len(weeks) == 48


def test_before_the_plan_year_has_a_week_there_is_nothing(demo):
    store, plan_id = demo
    assert weekly.target_weeks(store, plan_id, YEAR, date(2024, 12, 31)).empty
    assert weekly.weekly_trend(store, plan_id, YEAR, date(2024, 12, 31)).empty
    # 2 Jan 2025 (a Thursday) is the first week's end so far: one column.
    assert _weeks_of(weekly.target_weeks(store, plan_id, YEAR, date(2025, 1, 2))) == [date(2025, 1, 2)]


# -- each target at each week's end ----------------------------------------------------------


def test_weekly_completion_is_the_latest_report_on_or_before_each_week_end(demo):
    store, plan_id = demo
    frame = weekly.target_weeks(store, plan_id, YEAR, AS_OF)
    log = store.query(
        "SELECT code, report_date, completion_pct::DOUBLE AS pct FROM progress WHERE plan_id = $p "
        "ORDER BY code, report_date, progress_id",
        {"p": plan_id},
    )
    reports: dict[str, tuple[list[date], list[float]]] = {}
    for code, part in log.groupby("code"):
        reports[code] = ([pd.Timestamp(d).date() for d in part["report_date"]], part["pct"].tolist())
    for row in frame.itertuples():
        days, pcts = reports.get(row.code, ([], []))
        k = bisect.bisect_right(days, pd.Timestamp(row.week_end).date())
        assert row.completion_pct == (pcts[k - 1] if k else 0.0), (row.code, row.week_end)


def test_an_overdue_target_week_by_week_checked_by_hand(demo):
    store, plan_id = demo
    frame = weekly.target_weeks(store, plan_id, YEAR, AS_OF)
    rows = frame[frame["code"] == "1-3-3"].set_index("week_end")  # 1 point, due 30 September
    # 26 Sep: day 268 of the 272 from 1 Jan to 30 Sep → 98.5 %; the 78 % reported that day lags 20.5.
    sep26 = rows.loc[pd.Timestamp("2025-09-26")]
    assert (sep26["completion_pct"], sep26["expected_pct"], sep26["lag_pct"]) == (78.0, 98.5, 20.5)
    assert sep26["lag_status"] == YELLOW
    oct3 = rows.loc[pd.Timestamp("2025-10-03")]  # no new report: still 78 %, now past the deadline
    assert (oct3["completion_pct"], oct3["expected_pct"], oct3["lag_status"]) == (78.0, 100.0, OVERDUE)
    assert rows.loc[pd.Timestamp(AS_OF), "lag_status"] == OVERDUE


def test_small_store_checked_by_hand(tiny):
    store, plan_id = tiny
    frame = weekly.target_weeks(store, plan_id, YEAR, date(2025, 1, 31))
    assert _weeks_of(frame) == [date(2025, 1, d) for d in (3, 10, 17, 24, 31)]
    one = frame[frame["code"] == "1-1-1"].set_index("week_end")["completion_pct"].tolist()
    assert one == [0, 10, 10, 25, 25]  # the later correction of 24 Jan (25 %) wins over 30 %
    trend = weekly.weekly_trend(store, plan_id, YEAR, date(2025, 1, 31))
    overall = trend[trend["group"] == weekly.ALL].set_index("week_end")
    # 1-1-1 is worth 2 points, 7-3 1 point, out of 100.
    assert overall["completion_pct"].round(6).tolist() == [0.0, 0.2, 0.6, 0.9, 0.9]
    # 31 Jan: day 30 of 364 → 8.2 % for the 99 points due 31 Dec; 30 of 272 → 11.0 % for 1-3-3.
    assert overall.loc[pd.Timestamp("2025-01-31"), "expected_pct"] == pytest.approx((99 * 8.2 + 11.0) / 100)
    safety = trend[(trend["group"] == "安全生产") & (trend["week_end"] == pd.Timestamp("2025-01-17"))].iloc[0]
    assert (safety["points"], safety["completion_pct"]) == (1.0, 40.0)


def test_the_last_week_is_what_target_state_shows(demo):
    store, plan_id = demo
    for as_of in (AS_OF, date(2025, 11, 25), date(2025, 6, 27)):
        frame = weekly.target_weeks(store, plan_id, YEAR, as_of)
        last = frame[frame["week_end"] == pd.Timestamp(as_of)].set_index("code")
        state = queries.target_state(store, plan_id, as_of, YEAR).set_index("code")
        columns = ["completion_pct", "expected_pct", "lag_pct", "lag_status", "points", "lead_section"]
        pd.testing.assert_frame_equal(last.loc[state.index, columns], state[columns], check_dtype=False)


def test_the_weekly_lag_rule_is_add_schedule_week_by_week(demo):
    """weekly judges every week in one pass; it must agree with schedule.add_schedule exactly."""
    store, plan_id = demo
    frame = weekly.target_weeks(store, plan_id, YEAR, date(2025, 11, 25))
    for week, part in frame.groupby("week_end"):
        ref = add_schedule(part.drop(columns=["expected_pct", "lag_pct", "lag_status"]), week.date(), YEAR)
        for column in ("expected_pct", "lag_pct", "lag_status"):
            assert part[column].tolist() == ref[column].tolist(), (week, column)
    assert set(frame["lag_status"]) == set(LAG_STATUSES)  # the demo year shows every status


def test_lag_order_puts_the_most_behind_first(demo):
    store, plan_id = demo
    frame = weekly.target_weeks(store, plan_id, YEAR, AS_OF)
    plan_order = weekly.lag_order(frame, "plan")
    assert plan_order[:3] == ["1-1-1", "1-1-2", "1-1-3"] and len(plan_order) == 61
    worst = weekly.lag_order(frame, "lag")
    assert sorted(worst) == sorted(plan_order)
    # Overdue first, then red by lag (6-5 lags 51, 1-4-2 and 6-2 both 47: plan order), then red 1-6-2.
    assert worst[:5] == ["1-3-3", "6-5", "1-4-2", "6-2", "1-6-2"]
    assert weekly.lag_order(frame.iloc[:0]) == []


# -- the trend ---------------------------------------------------------------------------------


def test_trend_last_point_is_the_weighted_completion_of_target_state(demo):
    store, plan_id = demo
    trend = weekly.weekly_trend(store, plan_id, YEAR, AS_OF)
    state = queries.target_state(store, plan_id, AS_OF, YEAR)
    head = queries.headline(state)
    last = trend[trend["week_end"] == pd.Timestamp(AS_OF)].set_index("group")
    assert last.loc[weekly.ALL, "completion_pct"] == pytest.approx(queries.weighted_completion(state))
    assert last.loc[weekly.ALL, "expected_pct"] == pytest.approx(head["expected_pct"])
    assert last.loc[weekly.ALL, "points"] == 100 and last.loc[weekly.ALL, "targets"] == 61
    for g in queries.group_summary(state).itertuples():
        assert last.loc[g.group, "completion_pct"] == pytest.approx(g.completion_pct), g.group
        assert last.loc[g.group, "points"] == g.points
    assert list(dict.fromkeys(trend["group"])) == [
        weekly.ALL,
        "职能工作",
        "行政能力",
        "精神文明",
        "平安建设",
        "安全生产",
        "消防安全",
    ]


def test_trend_each_week_is_the_weighted_completion_at_that_friday(demo):
    store, plan_id = demo
    trend = weekly.weekly_trend(store, plan_id, YEAR, AS_OF)
    overall = trend[trend["group"] == weekly.ALL].set_index("week_end")
    assert len(overall) == 47
    assert overall["completion_pct"].is_monotonic_increasing  # the demo never goes back
    for day in (date(2025, 3, 7), date(2025, 6, 27), date(2025, 9, 26)):
        state = queries.target_state(store, plan_id, day, YEAR)
        assert overall.loc[pd.Timestamp(day), "completion_pct"] == pytest.approx(queries.weighted_completion(state))
        assert overall.loc[pd.Timestamp(day), "expected_pct"] == pytest.approx(queries.headline(state)["expected_pct"])


def test_trend_at_end_gives_each_group_its_last_week_and_four_week_change(demo):
    store, plan_id = demo
    trend = weekly.weekly_trend(store, plan_id, YEAR, AS_OF)
    ends = weekly.trend_at_end(trend).set_index("group")
    overall = trend[trend["group"] == weekly.ALL].set_index("week_end")["completion_pct"]
    assert ends.loc[weekly.ALL, "completion_pct"] == overall.iloc[-1]
    assert ends.loc[weekly.ALL, "change_pct"] == pytest.approx(
        overall.iloc[-1] - overall.loc[pd.Timestamp("2025-10-24")]
    )
    assert ends.loc[weekly.ALL, "gap_pct"] == pytest.approx(
        ends.loc[weekly.ALL, "completion_pct"] - ends.loc[weekly.ALL, "expected_pct"]
    )
    assert weekly.trend_at_end(trend.iloc[:0]).empty


# -- filters -----------------------------------------------------------------------------------


def _codes_of_section(store: Store, plan_id: int, section: str) -> set[str]:
    return set(
        store.query(
            "SELECT DISTINCT code FROM target_sections WHERE plan_id = $p AND section = $s",
            {"p": plan_id, "s": section},
        )["code"]
    )


def test_filters_restrict_the_weekly_frames_to_the_codes_passing_at_the_as_of_date(demo):
    store, plan_id = demo
    assert weekly.filtered_codes(store, plan_id, YEAR, AS_OF, Filters()) is None
    wanted = _codes_of_section(store, plan_id, "中教科")
    codes = weekly.filtered_codes(store, plan_id, YEAR, AS_OF, Filters(sections=("中教科",)))
    assert set(codes) == wanted and len(wanted) == 9  # lead or co-section
    frame = weekly.target_weeks(store, plan_id, YEAR, AS_OF, codes)
    assert set(frame["code"]) == wanted
    trend = weekly.weekly_trend(store, plan_id, YEAR, AS_OF, codes)
    points = store.scalar(
        "SELECT sum(points)::DOUBLE FROM targets WHERE plan_id = $p AND list_contains($c, code)",
        {"p": plan_id, "c": codes},
    )
    assert (trend.loc[trend["group"] == weekly.ALL, "points"] == points).all()
    # A status filter judges the as-of state: only 1-3-3 is overdue on 21 Nov (it was not in June).
    overdue = Filters(statuses=(OVERDUE,))
    assert weekly.filtered_codes(store, plan_id, YEAR, AS_OF, overdue) == ["1-3-3"]
    assert weekly.filtered_codes(store, plan_id, YEAR, date(2025, 6, 27), overdue) == []


def test_a_filter_matching_nothing_gives_empty_frames(demo):
    store, plan_id = demo
    codes = weekly.filtered_codes(store, plan_id, YEAR, AS_OF, Filters(groups=("消防安全",), sections=("中教科",)))
    assert codes == []
    assert weekly.target_weeks(store, plan_id, YEAR, AS_OF, codes).empty
    assert weekly.weekly_trend(store, plan_id, YEAR, AS_OF, codes).empty


# -- the due matrix ----------------------------------------------------------------------------


def test_due_matrix_counts_each_target_for_each_of_its_sections(demo):
    store, plan_id = demo
    state = queries.target_state(store, plan_id, AS_OF, YEAR)
    matrix = weekly.due_matrix(state)
    direct = store.query(
        """
        WITH latest AS (
            SELECT code, arg_max(completion_pct, (report_date, progress_id)) AS pct
            FROM progress WHERE plan_id = $p AND report_date <= $as_of GROUP BY code
        )
        SELECT s.section, date_trunc('month', t.deadline) AS month, count(*)::BIGINT AS targets,
               count(*) FILTER (WHERE s.role = 'lead')::BIGINT AS lead_targets,
               sum(t.points)::DOUBLE AS points,
               count(*) FILTER (WHERE coalesce(l.pct, 0) < 100)::BIGINT AS unfinished
        FROM target_sections s JOIN targets t USING (plan_id, code) LEFT JOIN latest l USING (code)
        WHERE s.plan_id = $p
        GROUP BY ALL
        """,
        {"p": plan_id, "as_of": AS_OF},
    )
    mine = matrix.set_index(["section", "month"]).sort_index()
    theirs = direct.set_index(["section", "month"]).sort_index()
    columns = ["targets", "lead_targets", "points", "unfinished"]
    pd.testing.assert_frame_equal(mine[columns], theirs[columns], check_dtype=False, check_index_type=False)
    assert matrix["targets"].sum() == store.scalar(
        "SELECT count(*) FROM target_sections WHERE plan_id = $p", {"p": plan_id}
    )
    # By hand: 中教科 leads 1-3-3, due in September and overdue; in December it has 8 targets.
    sept = mine.loc[("中教科", pd.Timestamp("2025-09-01"))]
    assert (sept["targets"], sept["lead_targets"], sept["at_risk"], sept["codes"]) == (1, 1, 1, "1-3-3")
    # at_risk counts the late statuses of target_state.
    late = state[state["lag_status"].isin([YELLOW, RED, OVERDUE])]
    assert matrix["at_risk"].sum() == late["sections"].map(len).sum()


def test_due_matrix_of_nothing_is_empty():
    empty = weekly.due_matrix(
        pd.DataFrame(columns=["code", "sections", "deadline", "points", "completion_pct", "lag_status"])
    )
    assert empty.empty and "at_risk" in empty.columns


# -- figures -----------------------------------------------------------------------------------


def _weeks() -> pd.DataFrame:
    weeks = pd.to_datetime(["2025-11-07", "2025-11-14", "2025-11-21"])
    rows = []
    for code, target, section, person, pcts, statuses in (
        (
            "1-1-1",
            "推进11个义务教育薄弱学校改造项目",
            "规划建设科",
            "洪玮玮",
            [90, 95, 100],
            [ON_TRACK, ON_TRACK, DONE],
        ),
        ("1-3-3", "指导各地通过扩大班生额", "中教科", "张少杰", [80, 85, 90], [OVERDUE, OVERDUE, OVERDUE]),
        ("6-5", "改革创新", "办公室", "", [30, 35, 38], [RED, RED, YELLOW]),
    ):
        for week, pct, status in zip(weeks, pcts, statuses, strict=True):
            rows.append(
                {
                    "code": code,
                    "target": target,
                    "lead_section": section,
                    "lead_person": person,
                    "deadline": pd.Timestamp("2025-12-31"),
                    "week_end": week,
                    "completion_pct": float(pct),
                    "expected_pct": 86.0,
                    "lag_status": status,
                }
            )
    return pd.DataFrame(rows)


def _calendar() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": ["科室自评", "综合评估", "总结上报"],
            "start_date": [date(2025, 12, 1), date(2026, 1, 1), date(2026, 1, 11)],
            "end_date": [date(2025, 12, 30), date(2026, 1, 10), date(2026, 1, 20)],
        }
    )


def test_lag_heatmap_colours_each_week_by_lag_status():
    fig = charts_time.lag_heatmap(_weeks(), _calendar(), 2025, order=["6-5", "1-1-1", "1-3-3"], as_of=AS_OF)
    (trace,) = fig.data
    index = {s: n for n, s in enumerate(LAG_STATUSES)}
    z = np.asarray(trace.z, dtype=float)
    assert z.tolist() == [
        [index[RED], index[RED], index[YELLOW]],
        [index[ON_TRACK], index[ON_TRACK], index[DONE]],
        [index[OVERDUE], index[OVERDUE], index[OVERDUE]],
    ]
    # A discrete scale: status k owns the band k/n..(k+1)/n of the scale, in its colour from
    # schedule.LAG_COLORS, and its z value k falls in the middle of that band.
    n = len(LAG_STATUSES)
    for status, k in index.items():
        assert trace.colorscale[2 * k] == (k / n, LAG_COLORS[status])
        assert trace.colorscale[2 * k + 1] == ((k + 1) / n, LAG_COLORS[status])
        assert (k - trace.zmin) / (trace.zmax - trace.zmin) == pytest.approx((k + 0.5) / n)
    assert list(trace.colorbar.ticktext) == list(LAG_STATUSES)
    # Hover: target, lead section and person, deadline; completion and 序时进度 per cell.
    assert "6-5" in trace.y[0] and "办公室（—）" in trace.y[0] and "2025-12-31" in trace.y[0]
    assert "中教科（张少杰）" in trace.y[2]
    numbers = np.asarray(trace.customdata, dtype=float)
    assert numbers[2, 2].tolist() == [90.0, 86.0]
    assert trace.text[0][2] == YELLOW
    assert list(fig.layout.yaxis.ticktext) == [
        "6-5 改革创新",
        "1-1-1 推进11个义务教育薄弱…",
        "1-3-3 指导各地通过扩大班生额",  # 11 characters: kept whole
    ]


def test_lag_heatmap_marks_the_evaluation_calendar_into_next_january():
    fig = charts_time.lag_heatmap(_weeks(), _calendar(), 2025, as_of=AS_OF)
    assert pd.Timestamp(fig.layout.xaxis.range[1]) == pd.Timestamp("2026-02-01")
    labels = [a.text for a in fig.layout.annotations]
    assert labels == [
        "科室自评 12月1日–12月30日",
        "综合评估 次年1月1日–1月10日",
        "总结上报 次年1月11日–1月20日",
        "统计日 11月21日",
    ]
    assert len({a.yshift for a in fig.layout.annotations}) == 4  # one row each: the labels cannot overlap
    bands = [s for s in fig.layout.shapes if s.type == "rect"]
    assert [(pd.Timestamp(b.x0).date(), pd.Timestamp(b.x1).date()) for b in bands] == [
        (date(2025, 12, 1), date(2025, 12, 31)),
        (date(2026, 1, 1), date(2026, 1, 11)),
        (date(2026, 1, 11), date(2026, 1, 21)),
    ]
    assert "次年1月" in fig.layout.xaxis.ticktext
    empty = charts_time.lag_heatmap(_weeks().iloc[:0], _calendar().iloc[:0], 2025)
    assert np.asarray(empty.data[0].z).size == 0 and not empty.layout.annotations


def test_lag_heatmap_of_the_demo_year(demo):
    store, plan_id = demo
    frame = weekly.target_weeks(store, plan_id, YEAR, AS_OF)
    fig = charts_time.lag_heatmap(frame, queries.plan_calendar(store, plan_id), YEAR, weekly.lag_order(frame, "lag"))
    z = np.asarray(fig.data[0].z, dtype=float)
    assert z.shape == (61, 47)
    assert z[0, -1] == LAG_STATUSES.index(OVERDUE) and fig.data[0].y[0].startswith("<b>1-3-3</b>")
    x = list(fig.data[0].x)
    assert z[0, x.index("2025-09-26")] == LAG_STATUSES.index(YELLOW)
    # What goes over the websocket: 61 targets × 47 weeks in bytes, not 8-byte floats (it was 201 KB
    # with float64 cells and escaped Chinese; the hover's whole percents lose nothing as bytes).
    assert fig.data[0].z.dtype == np.uint8 and fig.data[0].customdata.dtype == np.uint8
    assert len(plotly.io.to_json(fig, validate=False).encode()) < 100_000


def test_lag_heatmap_hover_percents_round_half_up_and_gaps_stay_gaps():
    weeks = _weeks()
    weeks.loc[0, "completion_pct"] = 89.5  # shown as 90, as the hover's .0f would show it
    weeks.loc[1, "expected_pct"] = 86.4
    fig = charts_time.lag_heatmap(weeks, _calendar(), 2025, order=["6-5", "1-1-1", "1-3-3"], as_of=AS_OF)
    numbers = np.asarray(fig.data[0].customdata)
    assert numbers[1, 0].tolist() == [90, 86] and numbers[1, 1].tolist() == [95, 86]
    # A week with no state for a target is a gap (NaN), not a colour: the cells stay floats then.
    gappy = charts_time.lag_heatmap(weeks.drop(index=2), _calendar(), 2025, as_of=AS_OF)
    z = np.asarray(gappy.data[0].z, dtype=float)
    assert np.isnan(z).sum() == 1 and gappy.data[0].z.dtype == np.float32


def _trend() -> pd.DataFrame:
    weeks = pd.to_datetime(["2025-11-07", "2025-11-14", "2025-11-21"])
    rows = []
    for group, points, pcts, exp in (
        (weekly.ALL, 100.0, [80.0, 83.0, 85.53], [86.0, 87.5, 89.11]),
        ("职能工作", 70.0, [82.0, 85.0, 87.2], [86.0, 87.5, 89.1]),
        ("行政能力", 20.0, [70.0, 74.0, 77.2], [86.0, 87.5, 89.0]),
    ):
        for week, pct, e in zip(weeks, pcts, exp, strict=True):
            rows.append(
                {
                    "week_end": week,
                    "group": group,
                    "targets": 1,
                    "points": points,
                    "completion_pct": pct,
                    "expected_pct": e,
                    "gap_pct": pct - e,
                }
            )
    return pd.DataFrame(rows)


def test_group_trends_is_one_panel_per_group():
    fig = charts_time.group_trends(_trend(), 2025)
    assert len(fig.data) == 4  # two groups × (序时进度, completion)
    assert [(t.xaxis, t.yaxis) for t in fig.data] == [("x", "y"), ("x", "y"), ("x2", "y2"), ("x2", "y2")]
    assert [t.showlegend for t in fig.data] == [True, True, False, False]
    assert [a.text for a in fig.layout.annotations] == ["<b>职能工作</b>（70 分）", "<b>行政能力</b>（20 分）"]
    assert list(fig.data[3].y) == [70.0, 74.0, 77.2]
    assert math.isclose(fig.layout.xaxis2.domain[0], fig.layout.xaxis.domain[1] + 0.04)


# -- milestones (节点) reach every weekly view --------------------------------------------------------


@pytest.fixture
def with_milestones(demo_db):
    """The demo year with two targets split into front-loaded milestones."""
    store = Store(demo_db)
    plan_id = 1
    office = Actor.office()
    store.set_milestones(
        plan_id, "7-2", [("排查", date(2025, 2, 28), "", 3.0), ("验收", date(2025, 12, 31), "", 1.0)], office
    )
    store.set_milestones(
        plan_id, "1-1-1", [("开工", date(2025, 5, 30), "", 1.0), ("投用", date(2025, 9, 30), "", 1.0)], office
    )
    yield store, plan_id
    store.close()


def test_milestones_set_the_expected_line_in_every_view(with_milestones):
    from perfdash.workflows import progress

    store, plan_id = with_milestones
    for as_of in (date(2025, 2, 28), date(2025, 6, 27), AS_OF):
        state = queries.target_state(store, plan_id, as_of, YEAR).set_index("code")
        assert state.loc["7-2", "expected_pct"] != expected_pct(as_of, pd.Series([date(2025, 12, 31)]), YEAR)[0]
        # the heatmap's last week is the state the other pages show
        frame = weekly.target_weeks(store, plan_id, YEAR, as_of)
        last = frame[frame["week_end"] == pd.Timestamp(as_of)].set_index("code")
        for column in ("expected_pct", "lag_pct", "lag_status"):
            assert last.loc[state.index, column].tolist() == state[column].tolist(), (as_of, column)
        # the trend's last point is the points-weighted 序时进度 of the state
        trend = weekly.weekly_trend(store, plan_id, YEAR, as_of)
        end = trend[(trend["week_end"] == pd.Timestamp(as_of)) & (trend["group"] == weekly.ALL)].iloc[0]
        assert end["expected_pct"] == pytest.approx(queries.headline(state.reset_index())["expected_pct"])
    # the target panel's timeline: the 序时进度 beside each report follows the milestones too
    history = queries.target_history(store, plan_id, "1-1-1", AS_OF)
    timeline = progress.history_with_expected(
        history,
        date(2025, 12, 31),
        YEAR,
        queries.target_state(store, plan_id, AS_OF, YEAR).set_index("code").loc["1-1-1", "milestones"],
    )
    for day, expected in zip(timeline["report_date"], timeline["expected_pct"], strict=True):
        at_day = queries.target_state(store, plan_id, pd.Timestamp(day).date(), YEAR).set_index("code")
        assert expected == at_day.loc["1-1-1", "expected_pct"], day
