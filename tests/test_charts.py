"""Figure builders: DataFrame in, Figure out; traces and values checked."""

from __future__ import annotations

from datetime import date

import pandas as pd

from perfdash.core.schedule import LAG_COLORS, ON_TRACK, RED, YELLOW
from perfdash.present import charts


def _state() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code": ["1-1-1", "1-1-2", "4-1"],
            "group": ["职能工作", "职能工作", "行政能力"],
            "indicator_code": ["1-1", "1-1", "4"],
            "indicator": ["惠民生", "惠民生", "全面从严治党"],
            "target": ["甲", "乙", "丙"],
            "lead_section": ["规划建设科", "资源中心", "组织科"],
            "points": [2.0, 3.0, 1.0],
            "completion_pct": [100.0, 50.0, 20.0],
        }
    )


def test_sunburst_sizes_by_points_and_colours_by_weighted_completion():
    fig = charts.plan_sunburst(_state())
    trace = fig.data[0]
    nodes = dict(zip(trace.ids, zip(trace.values, trace.marker.colors, strict=True), strict=True))
    assert nodes["g:职能工作"] == (5.0, 70.0)  # (2×100 + 3×50) / 5
    assert nodes["i:1-1"] == (5.0, 70.0)
    assert nodes["t:1-1-2"] == (3.0, 50.0)
    assert nodes["g:行政能力"] == (1.0, 20.0)
    assert trace.branchvalues == "total"
    assert dict(zip(trace.ids, trace.parents, strict=True))["t:4-1"] == "i:4"


def test_completion_bars_colour_by_lag_against_expected():
    fig = charts.completion_bars(["甲", "乙", "丙"], [85.0, 70.0, 50.0], [89.0, 89.0, 89.0])
    bars, ticks = fig.data
    # lags 4, 19, 39 → on track, yellow, red
    assert list(bars.marker.color) == [LAG_COLORS[ON_TRACK], LAG_COLORS[YELLOW], LAG_COLORS[RED]]
    assert list(bars.text) == ["85%", "70%", "50%"]
    assert list(ticks.x) == [89.0, 89.0, 89.0]
    assert fig.layout.yaxis.autorange == "reversed"


def test_target_timeline_plots_reports_against_expected():
    history = pd.DataFrame(
        {
            "report_date": [date(2025, 3, 7), date(2025, 6, 6)],
            "completion_pct": [10.0, 40.0],
            "expected_pct": [17.3, 42.3],
            "status": ["推进中", "推进中"],
            "reporter": ["校安科", "校安科"],
            "note": ["", "过半"],
        }
    )
    fig = charts.target_timeline(history)
    expected, reported = fig.data
    assert expected.name == "序时进度" and list(expected.y) == [17.3, 42.3]
    assert reported.name == "填报完成率" and list(reported.y) == [10.0, 40.0]
    assert reported.customdata[1][2] == "过半"


def test_bars_that_read_the_same_are_coloured_the_same():
    # 78.67 and 79.07 against 89 both read 79% / 89%, ten points behind: one colour, as on the
    # meeting screen (the lag judged on the percents shown, not on the unrounded numbers)
    fig = charts.completion_bars(["李自坚", "陈军宣"], [78.67, 79.07], [89.0, 89.0])
    first, second = fig.data[0].marker.color
    assert first == second
    assert [t for t in fig.data[0].text] == ["79%", "79%"]
