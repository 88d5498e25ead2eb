"""Charts drawn as HTML (perfdash.present.charts_html): the same cells, colours and hover text as
their Plotly counterparts, hand-checked on small frames; nothing from the plan becomes markup."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser

import pandas as pd

from perfdash.core.schedule import LAG_COLORS, ON_TRACK, RED, YELLOW
from perfdash.present import charts_html
from perfdash.present.charts_html import ATTENTION_SCALE


class _Cells(HTMLParser):
    """The due table's rows: each a list of (tag, attributes, text) for its th/td cells."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[tuple[str, dict, str]]] = []
        self._cell: list | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("th", "td") and self.rows:
            self._cell = [tag, dict(attrs), ""]

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell[2] += data

    def handle_endtag(self, tag: str) -> None:
        if tag in ("th", "td") and self._cell is not None:
            self.rows[-1].append(tuple(self._cell))
            self._cell = None


def _rows(html: str) -> list[list[tuple[str, dict, str]]]:
    parser = _Cells()
    parser.feed(html)
    return parser.rows


def _matrix() -> pd.DataFrame:
    """甲科 has one target due in September (at risk) and four in December (two at risk), 乙科 two
    in December (none at risk)."""
    return pd.DataFrame(
        {
            "section": ["甲科", "甲科", "乙科"],
            "month": pd.to_datetime(["2025-09-01", "2025-12-01", "2025-12-01"]),
            "targets": [1, 4, 2],
            "lead_targets": [1, 3, 0],
            "points": [1.0, 7.5, 3.0],
            "unfinished": [1, 3, 2],
            "at_risk": [1, 2, 0],
            "codes": ["1-3-3", "1-1-1、1-1-2、1-2-1、4-1", "5-1、5-2"],
        }
    )


def test_scale_colours_are_plotlys_interpolation():
    assert charts_html.scale_color(ATTENTION_SCALE, 0) == "#f5f5f5"
    assert charts_html.scale_color(ATTENTION_SCALE, 1) == "#c62828"
    assert charts_html.scale_color(ATTENTION_SCALE, 0.35) == "#ffe082"
    # A fifth of the way from #f5f5f5 to #ffe082: 245 + 10/5, 245 − 21/5, 245 − 115/5.
    assert charts_html.scale_color(ATTENTION_SCALE, 0.07) == "#f7f1de"
    assert charts_html.scale_color(ATTENTION_SCALE, 7) == "#c62828"  # beyond the scale: its end


def test_due_table_cells_are_sections_by_months():
    rows = _rows(charts_html.due_table(_matrix(), 2025, as_of=date(2025, 11, 21)))
    head, first, second = rows
    assert [text for _, _, text in head[1:]] == [f"{m}月" for m in range(1, 13)]
    assert [c[2] for c in first[:1] + second[:1]] == ["甲科", "乙科"]
    cells = [[text for _, _, text in row[1:]] for row in (first, second)]
    assert cells[0][8] == "1项" and cells[0][11] == "4项" and cells[1][11] == "2项"
    assert cells[0][0] == "" and cells[1][8] == ""  # nothing due: an empty cell
    # Coloured by at_risk on the heat map's scale, 2 (the most) at its end: 1 half way, 0 at its start.
    style = {(r, m): row[m + 1][1].get("style", "") for r, row in enumerate((first, second)) for m in (8, 11)}
    assert "background:#c62828;color:#ffffff" in style[0, 11]
    assert f"background:{charts_html.scale_color(ATTENTION_SCALE, 0.5)}" in style[0, 8]
    assert "background:#f5f5f5;color:#111827" in style[1, 11]
    tip = first[12][1]["title"]
    assert "牵头 3 项" in tip and "1-2-1" in tip and "滞后（含逾期）2 项" in tip
    # The as-of month (November) outlined in the head and in every row.
    assert [row[11][1].get("class") for row in rows] == ["now", "now", "now"]


def test_due_table_colours_by_unfinished_and_labels_points():
    rows = _rows(charts_html.due_table(_matrix(), 2025, color="unfinished", text="points"))
    first, second = rows[1], rows[2]
    assert first[12][2] == "7.5" and second[12][2] == "3"
    assert "background:#c62828" in first[12][1]["style"]  # 3 unfinished: the most
    assert not any(c[1].get("class") == "now" for row in rows for c in row)  # no as-of date: no outline


def test_due_table_adds_months_outside_the_plan_year():
    matrix = _matrix()
    matrix.loc[2, "month"] = pd.Timestamp("2026-01-01")
    head = _rows(charts_html.due_table(matrix, 2025))[0]
    assert head[-1][2] == "次年1月" and len(head) == 14  # the name column and 13 months


def test_ranking_bars_keep_order_colour_and_marks():
    html = charts_html.ranking(["甲科", "乙科", "丙科"], [90.0, 50.0, 20.0], [92.0, 80.0, 60.0], "科室")
    widths = [float(x.split("%")[0]) for x in html.split('class="f" style="width:')[1:]]
    marks = [float(x.split("%")[0]) for x in html.split('class="m" style="left:')[1:]]
    assert widths == [90.0, 50.0, 20.0] and marks == [92.0, 80.0, 60.0]
    # 2 points behind: on track; 30 behind: yellow (red is beyond 30); 40 behind: red.
    colours = [x.split('"')[0] for x in html.split("background:")[1:] if x.startswith("#")][2:]
    assert colours == [LAG_COLORS[ON_TRACK], LAG_COLORS[YELLOW], LAG_COLORS[RED]]
    assert 'title="乙科：加权完成率 50%，序时进度 80%"' in html


def test_group_points_bars_share_one_scale():
    groups = pd.DataFrame(
        {"group": ["职能工作", "精神文明"], "points": [70.0, 4.0], "completion_pct": [87.0, 50.0]}
    ).assign(earned_points=lambda g: g["points"] * g["completion_pct"] / 100)
    html = charts_html.points_bars(groups)
    # Widths on the scale of the largest group (70 points): 70, 60.9 earned; 4, 2 earned.
    widths = [float(x.split("%")[0]) for x in html.split('class="f" style="width:')[1:]]
    assert widths == [100.0, 87.0, 5.7, 2.9]
    assert "60.9 / 70" in html and "2.0 / 4" in html
    assert 'title="精神文明：分值 4 分，按完成率折算 2.0 分（完成率 50%）"' in html


def _trend() -> pd.DataFrame:
    """As tests/test_weekly.py's: three Fridays of November, overall (全部) and 职能工作."""
    weeks = pd.to_datetime(["2025-11-07", "2025-11-14", "2025-11-21"])
    rows = [
        {"week_end": w, "group": g, "completion_pct": c, "expected_pct": e, "gap_pct": c - e}
        for g, pcts, exp in (
            ("全部", [80.0, 83.0, 85.53], [86.0, 87.5, 89.11]),
            ("职能工作", [82.0, 85.0, 87.2], [86.0] * 3),
        )
        for w, c, e in zip(weeks, pcts, exp, strict=True)
    ]
    return pd.DataFrame(rows)


def test_trend_lines_give_each_weeks_numbers_on_hover():
    html = charts_html.trend(_trend(), "全部", 2025)
    tips = re.findall(r'title="([^"]*)"', html)
    assert tips == [
        "2025-11-07：加权完成率 80.0%，序时进度 86.0%（较序时进度 -6.0 个百分点）",
        "2025-11-14：加权完成率 83.0%，序时进度 87.5%（较序时进度 -4.5 个百分点）",
        "2025-11-21：加权完成率 85.5%，序时进度 89.1%（较序时进度 -3.6 个百分点）",
    ]
    # 7 November is day 310 of the 364 from 1 January to 31 December: 85.16% across the plot.
    assert "left:85.16%" in html or "85.16% " in html
    assert "86%（序时 89%）" in html  # the last value, labelled
    assert html.count("clip-path:polygon(") == 2  # 序时进度 and 完成率
    assert re.findall(r">(\d+月)</span>", html) == [f"{m}月" for m in range(1, 13)]
    one = charts_html.trend(_trend(), "职能工作", 2025)
    assert "87%（序时 86%）" in one and "2025-11-21：加权完成率 87.2%" in one


def test_trend_runs_into_the_next_january():
    rows = _trend()
    rows.loc[rows["week_end"] == pd.Timestamp("2025-11-21"), "week_end"] = pd.Timestamp("2026-01-09")
    html = charts_html.trend(rows, "全部", 2025)
    assert re.findall(r">([^<>]*1月)</span>", html)[-1] == "次年1月"


def test_nothing_from_the_plan_becomes_markup():
    html = charts_html.ranking(['<img src=x onerror="alert(1)">'], [50.0], [60.0])
    assert "<img" not in html and "&lt;img" in html
    matrix = _matrix().assign(section=["<b>甲</b>", "<b>甲</b>", "乙"], codes=["<i>1</i>", "x", "y"])
    table = charts_html.due_table(matrix, 2025)
    assert "<b>" not in table and "<i>" not in table and "&lt;b&gt;甲&lt;/b&gt;" in table
    groups = pd.DataFrame(
        {"group": ["<script>x</script>"], "points": [1.0], "completion_pct": [0.0], "earned_points": [0.0]}
    )
    assert "<script>" not in charts_html.points_bars(groups)
