"""Charts drawn as HTML for the dashboard pages (``st.html``): a ranking as bars, the groups'
points as bars, the deadline heat map as a table and the completion trend as two lines. Measured
in a real browser against a page replaying the same elements (``bench --browser``), a Plotly chart
costs each page switch 50–150 ms of drawing on this machine's 2 cores (the library, SVG,
measuring every label); the same bars, cells and lines as HTML lay out in a few. Each says what
the Plotly chart it replaced said to a reader (charts.completion_bars still draws the ranking
on 按指标 and 按领导/责任人), with the same colours and the same hover text (as a tooltip). Every
piece of text from the plan or from users is escaped."""

from __future__ import annotations

import itertools
from datetime import date
from html import escape

import numpy as np
import pandas as pd

from perfdash.core import fmt
from perfdash.core.schedule import LAG_COLORS, ON_TRACK, RED, YELLOW
from perfdash.core.settings import lag_thresholds
from perfdash.present.charts_time import month_label

# Due-matrix measures that can colour the cells or label them: column → Chinese name.
DUE_COLOR_MEASURES: dict[str, str] = {"at_risk": "滞后（含逾期）目标数", "unfinished": "未完成目标数"}
DUE_TEXT_MEASURES: dict[str, str] = {"targets": "到期目标数", "points": "到期分值"}
# White → amber → red: how many of the targets due in a cell need attention.
ATTENTION_SCALE = [[0.0, "#f5f5f5"], [0.35, "#ffe082"], [0.7, "#fb8c00"], [1.0, "#c62828"]]


def _wrap_codes(codes: str, per_line: int = 8) -> str:
    """The targets' codes of a cell for its hover text, ``per_line`` to a line."""
    items = codes.split("、")
    return "编号：" + "\n".join("、".join(items[i : i + per_line]) for i in range(0, len(items), per_line))


STYLE = """<style>
.pd-rank { display: grid; grid-template-columns: minmax(4em, max-content) 1fr 3.2em; gap: 3px 10px;
  align-items: center; font-size: 0.875rem; }
.pd-rank .n { text-align: right; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; max-width: 16em; }
.pd-rank .t { position: relative; height: 20px; background: #f0f2f6; border-radius: 3px; }
.pd-rank .f { position: absolute; left: 0; top: 0; bottom: 0; border-radius: 3px; }
.pd-rank .m { position: absolute; top: -3px; bottom: -3px; width: 3px; margin-left: -1px; background: #212121; }
.pd-rank .v { text-align: right; font-variant-numeric: tabular-nums; }
.pd-rank .h { color: #6b7280; font-size: 0.8rem; }
.pd-rank.pts { grid-template-columns: minmax(4em, max-content) 1fr 6.5em; row-gap: 14px; padding-top: 8px; }
.pd-rank .e { position: absolute; top: 0; bottom: 0; white-space: nowrap; padding-left: 4px; font-size: 0.8rem;
  color: #4b5563; line-height: 20px; }
.pd-key { display: inline-block; width: 14px; height: 10px; border-radius: 2px; margin: 0 4px 0 10px;
  vertical-align: middle; }
.pd-due { border-collapse: separate; border-spacing: 2px; width: 100%; table-layout: fixed; font-size: 0.85rem; }
.pd-due th { font-weight: 600; color: #4b5563; text-align: center; white-space: nowrap; padding: 2px 0; }
.pd-due th.s { text-align: right; padding-right: 8px; overflow: hidden; text-overflow: ellipsis; }
.pd-due td { text-align: center; height: 26px; border-radius: 3px; background: #fafafa;
  font-variant-numeric: tabular-nums; white-space: nowrap; }
.pd-due .now { border-left: 2px dotted #212121; border-right: 2px dotted #212121; }
.pd-due th.now { border-top: 2px dotted #212121; }
.pd-due tr:last-child td.now { border-bottom: 2px dotted #212121; }
.pd-trend { display: grid; grid-template-columns: 3em 1fr; grid-template-rows: 1.6em 300px 1.6em;
  font-size: 0.8rem; color: #6b7280; margin-top: 4px; }
.pd-trend .k { grid-column: 2; display: flex; gap: 14px; align-items: center; color: #374151; }
.pd-trend .y { position: relative; }
.pd-trend .y span { position: absolute; right: 6px; transform: translateY(-50%); }
.pd-trend .p { position: relative; border-left: 1px solid #d1d5db; border-bottom: 1px solid #d1d5db; }
.pd-trend .g { position: absolute; left: 0; right: 0; border-top: 1px solid #eef0f3; }
.pd-trend .l { position: absolute; inset: 0; }
.pd-trend .w { position: absolute; top: 0; bottom: 0; }
.pd-trend .w:hover { background: rgba(21, 101, 192, 0.10); }
.pd-trend .a { position: absolute; transform: translate(-100%, -50%); white-space: nowrap; font-size: 0.85rem;
  color: #1565c0; padding: 0 4px; background: rgba(255, 255, 255, 0.9); border-radius: 3px; }
.pd-trend .x { grid-column: 2; position: relative; }
.pd-trend .x span { position: absolute; top: 3px; transform: translateX(-50%); }
.pd-legend { font-size: 0.8rem; color: #4b5563; margin-top: 6px; display: flex; align-items: center; gap: 8px; }
.pd-legend .g { display: inline-block; width: 160px; height: 10px; border-radius: 2px; }
</style>"""


def _hex(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def scale_color(scale: list[list], t: float) -> str:
    """The colour at ``t`` (0–1) of a Plotly-style colour scale ([[position, "#rrggbb"], …]),
    interpolated in RGB as Plotly does."""
    t = min(max(float(t), 0.0), 1.0)
    for (p0, c0), (p1, c1) in itertools.pairwise(scale):
        if t <= p1:
            k = 0.0 if p1 == p0 else (t - p0) / (p1 - p0)
            rgb = [round(a + (b - a) * k) for a, b in zip(_hex(c0), _hex(c1), strict=True)]
            return "#" + "".join(f"{v:02x}" for v in rgb)
    return scale[-1][1]


def _ink(color: str) -> str:
    """Black or white text, whichever reads on ``color``."""
    r, g, b = _hex(color)
    return "#ffffff" if 0.299 * r + 0.587 * g + 0.114 * b < 140 else "#111827"


def lag_color(completion: float, expected: float) -> str:
    """A bar's colour by how far it is behind its 序时进度, on the whole percents shown (as
    charts.completion_bars colours it)."""
    yellow, red = lag_thresholds()
    lag = -fmt.shown_gap(completion, expected)
    return LAG_COLORS[RED] if lag > red else LAG_COLORS[YELLOW] if lag >= yellow else LAG_COLORS[ON_TRACK]


def ranking(labels: list[str], completion: list[float], expected: list[float], what: str = "") -> str:
    """Horizontal bars of weighted completion in the given order, each coloured by its lag behind
    序时进度, with the 序时进度 as a black mark and the percent beside it; ``what`` names the rows
    (科室) in the header. The hover tooltip gives both numbers."""
    head = (
        f'<span class="n h">{escape(what)}</span><span class="h">'
        f'<i class="pd-key" style="background:{LAG_COLORS[ON_TRACK]}"></i>加权完成率（颜色：按落后序时进度）'
        '<i class="pd-key" style="background:#212121;width:3px"></i>序时进度</span><span class="v h">完成率</span>'
    )
    rows = []
    for name, done, due in zip(labels, completion, expected, strict=True):
        tip = escape(f"{name}：加权完成率 {fmt.pct(done)}，序时进度 {fmt.pct(due)}")
        rows.append(
            f'<span class="n" title="{tip}">{escape(str(name))}</span>'
            f'<span class="t" title="{tip}"><span class="f" style="width:{min(max(done, 0), 100):.1f}%;'
            f'background:{lag_color(done, due)}"></span>'
            f'<span class="m" style="left:{min(max(due, 0), 100):.1f}%"></span></span>'
            f'<span class="v">{escape(fmt.pct(done))}</span>'
        )
    return f'{STYLE}<div class="pd-rank">{head}{"".join(rows)}</div>'


POINTS_COLOR, EARNED_COLOR = "#e0e0e0", "#1565c0"  # the points, and the points earned at the completion


def points_bars(groups: pd.DataFrame) -> str:
    """Each group's points (grey) with the points earned so far (points × completion, blue) over
    it, on one scale, the completion beside the blue bar and the two numbers at the end (from
    ``queries.group_summary``)."""
    top = max([float(p) for p in groups["points"]] + [1.0])
    head = (
        '<span class="n h">目标组</span><span class="h">'
        f'<i class="pd-key" style="background:{POINTS_COLOR}"></i>分值'
        f'<i class="pd-key" style="background:{EARNED_COLOR}"></i>按完成率折算</span>'
        '<span class="v h">折算 / 分值</span>'
    )
    rows = []
    for r in groups.itertuples(index=False):
        points, earned, done = float(r.points), float(r.earned_points), float(r.completion_pct)
        tip = escape(f"{r.group}：分值 {fmt.points(points)}，按完成率折算 {earned:.1f} 分（完成率 {fmt.pct(done)}）")
        rows.append(
            f'<span class="n" title="{tip}">{escape(str(r.group))}</span>'
            f'<span class="t" title="{tip}" style="background:transparent">'
            f'<span class="f" style="width:{points / top * 100:.1f}%;background:{POINTS_COLOR}"></span>'
            f'<span class="f" style="width:{earned / top * 100:.1f}%;background:{EARNED_COLOR}"></span>'
            f'<span class="e" style="left:{earned / top * 100:.1f}%">{escape(fmt.pct(done))}</span></span>'
            f'<span class="v">{earned:.1f} / {escape(fmt.points(points, unit=False))}</span>'
        )
    return f'{STYLE}<div class="pd-rank pts">{head}{"".join(rows)}</div>'


def due_table(
    matrix: pd.DataFrame,
    year: int,
    color: str = "at_risk",
    text: str = "targets",
    as_of: date | None = None,
) -> str:
    """Sections × deadline months (from ``weekly.due_matrix``) as a table: each cell shows the
    targets (or points, ``text="points"``) falling due, its colour how many of them are at risk
    (or unfinished, ``color="unfinished"``) on ATTENTION_SCALE; every month
    of the plan year shows, the as-of month outlined; the tooltip lists the cell's targets."""
    cells = matrix.assign(month=pd.to_datetime(matrix["month"]))
    months = sorted(set(pd.date_range(f"{year}-01-01", periods=12, freq="MS")) | set(cells["month"]))
    sections = list(dict.fromkeys(cells["section"]))
    values = cells[color].astype(float)
    top = max(1.0, float(values.max())) if len(values) and np.isfinite(values).any() else 1.0
    current = pd.Timestamp(as_of).to_period("M").to_timestamp() if as_of is not None else None
    by_cell = {(c.section, c.month): c for c in cells.itertuples()}
    now = ' class="now"'
    longest = max((len(str(s)) for s in sections), default=2)  # the longest name whole, within reason
    head = f'<th class="s" style="width:{min(max(longest, 4), 12) + 1}em"></th>' + "".join(
        f"<th{now if m == current else ''}>{escape(month_label(m, year))}</th>" for m in months
    )
    body = []
    for s in sections:
        row = [f'<th class="s" title="{escape(str(s))}">{escape(str(s))}</th>']
        for m in months:
            mark = now if m == current else ""
            c = by_cell.get((s, m))
            if c is None:
                row.append(f"<td{mark}></td>")
                continue
            fill = scale_color(ATTENTION_SCALE, float(getattr(c, color)) / top)
            label = f"{int(c.targets)}项" if text == "targets" else fmt.points(c.points, unit=False)
            tip = (
                f"{s} · {month_label(m, year)}到期\n目标 {c.targets} 项（牵头 {c.lead_targets} 项），"
                f"分值 {fmt.points(c.points)}\n未完成 {c.unfinished} 项，滞后（含逾期）{c.at_risk} 项\n"
                + _wrap_codes(str(c.codes))
            )
            row.append(
                f'<td{mark} style="background:{fill};color:{_ink(fill)}" title="{escape(tip)}">{escape(label)}</td>'
            )
        body.append("<tr>" + "".join(row) + "</tr>")
    stops = ", ".join(f"{c} {p * 100:.0f}%" for p, c in ATTENTION_SCALE)
    legend = (
        f'<div class="pd-legend">颜色：{escape(DUE_COLOR_MEASURES[color])} 0'
        f'<span class="g" style="background:linear-gradient(to right, {stops})"></span>{top:g}'
        + ("；虚线框为统计日所在月" if current in months else "")
        + "</div>"
    )
    return f'{STYLE}<table class="pd-due"><tr>{head}</tr>{"".join(body)}</table>{legend}'


def _band(xs: list[float], ys: list[float], thick: float) -> str:
    """A clip-path polygon (in percent of the plot) tracing a line through (xs, ys) ``thick``
    percent of the height thick (st.html drops SVG: a line is a div cut to shape, as on the
    meeting screen)."""
    upper = [f"{x:.2f}% {100 - y - thick / 2:.2f}%" for x, y in zip(xs, ys, strict=True)]
    lower = [f"{x:.2f}% {100 - y + thick / 2:.2f}%" for x, y in zip(xs, ys, strict=True)][::-1]
    return ", ".join(upper + lower)


def trend(trend_rows: pd.DataFrame, group: str, year: int) -> str:
    """One group's (or ALL's) weekly points-weighted completion (blue) against its weighted
    序时进度 (grey) over the plan year (from ``weekly.weekly_trend``), with the last value labelled
    and, for every week, a strip whose tooltip gives both numbers and the gap."""
    part = trend_rows[trend_rows["group"] == group].sort_values("week_end")
    ends = pd.to_datetime(part["week_end"])
    start = pd.Timestamp(year, 1, 1)
    end = max([pd.Timestamp(year, 12, 31), *ends.tail(1)])
    span = max((end - start).days, 1)
    xs = [(d - start).days / span * 100 for d in ends]
    done = [min(max(float(v), 0.0), 100.0) for v in part["completion_pct"]]
    due = [min(max(float(v), 0.0), 100.0) for v in part["expected_pct"]]
    lines, strips, label = "", "", ""
    if len(part) > 1:
        lines = (
            f'<div class="l" style="background:#9e9e9e;clip-path:polygon({_band(xs, due, 0.9)})"></div>'
            f'<div class="l" style="background:#1565c0;clip-path:polygon({_band(xs, done, 1.6)})"></div>'
        )
    if len(part):
        width = (xs[-1] - xs[0]) / (len(xs) - 1) if len(xs) > 1 else 2.0  # a week, in percent of the plot
        for x, row in zip(xs, part.itertuples(index=False), strict=True):
            tip = escape(
                f"{pd.Timestamp(row.week_end):%Y-%m-%d}：加权完成率 {float(row.completion_pct):.1f}%，"
                f"序时进度 {float(row.expected_pct):.1f}%（较序时进度 {float(row.gap_pct):+.1f} 个百分点）"
            )
            strips += (
                f'<div class="w" style="left:{max(x - width / 2, 0):.2f}%;width:{width:.2f}%" title="{tip}"></div>'
            )
        last = part.iloc[-1]
        below = float(last["completion_pct"]) < float(last["expected_pct"])
        label = (
            f'<div class="a" style="left:{xs[-1]:.2f}%;top:{100 - done[-1] + (15 if below else -15):.2f}%">'
            f"{escape(fmt.pct(last['completion_pct']))}（序时 {escape(fmt.pct(last['expected_pct']))}）</div>"
        )
    grid = "".join(f'<div class="g" style="top:{100 - p}%"></div>' for p in (20, 40, 60, 80, 100))
    ys = "".join(f'<span style="top:{100 - p}%">{p}%</span>' for p in (0, 20, 40, 60, 80, 100))
    months = pd.date_range(start, end, freq="MS")
    ticks = "".join(  # mid-month, a month cut short by the last week at the middle of what shows
        f'<span style="left:{min((m - start).days + 14, ((m - start).days + span) / 2) / span * 100:.1f}%">'
        f"{escape(month_label(m, year))}</span>"
        for m in months
    )
    key = (
        '<div class="k"><span><i class="pd-key" style="background:#9e9e9e;margin-left:0"></i>序时进度（加权）</span>'
        '<span><i class="pd-key" style="background:#1565c0;margin-left:0"></i>加权完成率</span>'
        '<span style="color:#6b7280">悬停可见每周的数字</span></div>'
    )
    return (
        f'{STYLE}<div class="pd-trend"><div></div>{key}<div class="y">{ys}</div>'
        f'<div class="p">{grid}{lines}{strips}{label}</div><div></div><div class="x">{ticks}</div></div>'
    )
