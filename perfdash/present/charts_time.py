"""Time charts: DataFrame in, plotly Figure out — the lag heatmap and the groups' trend curves
(the deadline table and the main trend are drawn as HTML: perfdash.present.charts_html).

Each figure is assembled as one dict and validated once by ``go.Figure``: plotly's incremental
``add_*`` / ``update_*`` calls each re-validate the figure and cost several milliseconds apiece,
which the pages' 0.3 s budget cannot afford.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from perfdash.core import fmt
from perfdash.core.schedule import LAG_COLORS, LAG_STATUSES
from perfdash.db.weekly import ALL
from perfdash.present.charts import FONT

CALENDAR_COLOR = "#3949ab"
AS_OF_COLOR = "#212121"
COMPLETION_COLOR = "#1565c0"
EXPECTED_COLOR = "#9e9e9e"
ROW_PX = 16  # height of one target row in the lag heatmap
LABEL_ROW_PX = 18  # height of one row of labels above the lag heatmap
TICKS_PX = 24  # the month ticks on top of the lag heatmap
PANEL_PX, PANEL_GAP_PX = 200, 72  # one small multiple, and the room for its ticks and the next title


def month_label(month: pd.Timestamp, year: int) -> str:
    """A month on an axis of the plan's year: 3月, 次年1月, or 2024年12月 further away."""
    if month.year == year:
        return f"{month.month}月"
    return f"次年{month.month}月" if month.year == year + 1 else f"{month.year}年{month.month}月"


def _day_label(day: date, year: int) -> str:
    """12月30日 in the plan year, 次年1月10日 in the next (the evaluation runs into January)."""
    if day.year == year:
        return fmt.month_day(day)
    return ("次年" if day.year == year + 1 else f"{day.year}年") + fmt.month_day(day)


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _strings(table: pd.DataFrame) -> np.ndarray:
    """A pivoted table of labels as an object array, empty cells as "" (numpy arrays keep plotly's
    validation and copying fast; nested lists cost ~20 ms per heatmap)."""
    return table.astype(object).where(table.notna(), "").to_numpy(dtype=object)


def _compact(values: np.ndarray) -> np.ndarray:
    """Whole numbers 0–255 as one byte a cell, anything else (gaps, fractions) as float32: plotly
    sends a numpy array base64-encoded in its own dtype, and float64 costs 8 bytes a cell."""
    whole = values.size > 0 and bool(np.isfinite(values).all()) and bool((values % 1 == 0).all())
    if whole and values.min() >= 0 and values.max() <= 255:
        return values.astype(np.uint8)
    return values.astype(np.float32)


def lag_heatmap(
    weeks: pd.DataFrame,
    calendar: pd.DataFrame,
    year: int,
    order: list[str] | None = None,
    as_of: date | None = None,
) -> go.Figure:
    """Targets × week ends (from ``weekly.target_weeks``), each cell coloured by the target's lag
    status that week (已完成 / 正常 / 黄色 / 红色 / 逾期). Hover: target, lead section and person,
    deadline, completion and 序时进度. The plan's evaluation calendar (``queries.plan_calendar``)
    shows as labelled bands; the x axis runs to the end of January after the plan year."""
    codes = order if order is not None else list(dict.fromkeys(weeks["code"]))
    cells = weeks.assign(week_end=pd.to_datetime(weeks["week_end"]))
    week_ends = sorted(cells["week_end"].unique())
    info = cells.drop_duplicates("code").set_index("code").reindex(codes)
    # Each row's category value carries the target's hover lines (one string per target, not per
    # cell, keeps the figure small); the axis shows a short label instead.
    persons = info["lead_person"].fillna("").replace("", "—")
    row_keys = (
        "<b>"
        + info.index
        + "</b> "
        + info["target"].map(lambda t: _short(str(t), 36))
        + "<br>牵头科室 "
        + info["lead_section"].fillna("—")
        + "（"
        + persons
        + "）<br>完成时限 "
        + pd.to_datetime(info["deadline"]).dt.strftime("%Y-%m-%d")
    ).tolist()
    short = [f"{code} {_short(str(t), 12)}" for code, t in zip(codes, info["target"], strict=True)]
    status_index = {s: float(n) for n, s in enumerate(LAG_STATUSES)}
    cells = cells.assign(_z=cells["lag_status"].map(status_index))

    def grid(column: str) -> pd.DataFrame:
        return cells.pivot(index="code", columns="week_end", values=column).reindex(index=codes, columns=week_ends)

    z = _compact(grid("_z").to_numpy(dtype=float))
    # The hover shows whole percents: rounded here (half up, as the hover would), one byte a number.
    percents = np.dstack([grid("completion_pct").to_numpy(dtype=float), grid("expected_pct").to_numpy(dtype=float)])
    numbers = _compact(np.floor(percents + 0.5))
    n = len(LAG_STATUSES)
    scale = []
    for k, status in enumerate(LAG_STATUSES):  # one flat band of colour per status
        scale += [[k / n, LAG_COLORS[status]], [(k + 1) / n, LAG_COLORS[status]]]
    heatmap = dict(
        type="heatmap",
        z=z,
        x=[w.strftime("%Y-%m-%d") for w in week_ends],
        y=row_keys,
        customdata=numbers,
        text=_strings(grid("lag_status")),
        hovertemplate="%{y}<br>%{x|%Y-%m-%d}：完成 %{customdata[0]:.0f}%，序时进度 %{customdata[1]:.0f}%，"
        "%{text}<extra></extra>",
        colorscale=scale,
        zmin=-0.5,
        zmax=n - 0.5,
        xgap=1,
        ygap=1,
        colorbar=dict(
            tickvals=list(range(n)),
            ticktext=list(LAG_STATUSES),
            thickness=12,
            lenmode="pixels",
            len=150,
            y=1,
            yanchor="top",
        ),
    )
    shapes, annotations = _calendar_marks(calendar, year)
    label_rows = len(calendar)
    if as_of is not None:
        x = pd.Timestamp(as_of)
        shapes.append(_vline(x, AS_OF_COLOR, dash="dot"))
        annotations.append(_label(x, f"统计日 {_day_label(as_of, year)}", label_rows, AS_OF_COLOR))
        label_rows += 1
    months = pd.date_range(f"{year}-01-01", f"{year + 1}-01-01", freq="MS")
    top = TICKS_PX + LABEL_ROW_PX * label_rows + 6
    layout = dict(
        height=max(300, ROW_PX * len(codes) + top + 20),
        margin=dict(t=top, l=10, r=10, b=10),
        font=dict(family=FONT),
        plot_bgcolor="white",
        xaxis=dict(
            type="date",
            range=[pd.Timestamp(year, 1, 1) - timedelta(days=4), pd.Timestamp(year + 1, 2, 1)],
            # Month names centred in their month (mid-month ticks, no tick marks).
            tickvals=[m + timedelta(days=14) for m in months],
            ticktext=[month_label(m, year) for m in months],
            ticks="",
            tickfont=dict(size=11),
            side="top",
            showgrid=False,
        ),
        yaxis=dict(
            type="category",
            autorange="reversed",
            automargin=True,
            tickvals=row_keys,
            ticktext=short,
            tickfont=dict(size=11),
        ),
        shapes=shapes,
        annotations=annotations,
        hoverlabel=dict(align="left"),
    )
    return go.Figure(dict(data=[heatmap], layout=layout))


def _vline(x: pd.Timestamp, color: str, dash: str = "solid") -> dict:
    return dict(
        type="line", xref="x", yref="paper", x0=x, x1=x, y0=0, y1=1, line=dict(color=color, width=1.5, dash=dash)
    )


def _label(x: pd.Timestamp, text: str, row: int, color: str) -> dict:
    """A label above the plot ending at ``x``, on label row ``row`` (0 = just above the month ticks)."""
    return dict(
        x=x,
        y=1,
        xref="x",
        yref="paper",
        yanchor="bottom",
        xanchor="right",
        yshift=TICKS_PX + LABEL_ROW_PX * row,
        text=text,
        showarrow=False,
        font=dict(size=12, color=color),
    )


def calendar_labels(calendar: pd.DataFrame, year: int) -> list[str]:
    """Each evaluation step as '科室自评 12月1日–12月30日' (次年 marks the year after the plan's)."""
    return [
        f"{step.name} {_day_label(step.start_date, year)}–"
        + (
            fmt.month_day(step.end_date)
            if step.end_date.year == step.start_date.year
            else _day_label(step.end_date, year)
        )
        for step in calendar.itertuples()
    ]


def _calendar_marks(calendar: pd.DataFrame, year: int) -> tuple[list[dict], list[dict]]:
    """A shaded band per evaluation step, closed by a line at its end date and labelled on a row
    of its own (the steps follow each other within weeks: labels on one row would overlap)."""
    shapes, annotations = [], []
    for k, (step, text) in enumerate(zip(calendar.itertuples(), calendar_labels(calendar, year), strict=True)):
        start = pd.Timestamp(step.start_date)
        end = pd.Timestamp(step.end_date) + timedelta(days=1)  # through the end day
        shapes.append(
            dict(
                type="rect",
                xref="x",
                yref="paper",
                x0=start,
                x1=end,
                y0=0,
                y1=1,
                fillcolor=CALENDAR_COLOR,
                opacity=0.10 + 0.08 * (k % 2),
                line=dict(width=0),
                layer="below",
            )
        )
        shapes.append(_vline(end, CALENDAR_COLOR))
        annotations.append(_label(end, text, k, CALENDAR_COLOR))
    return shapes, annotations


def _trend_traces(part: pd.DataFrame, axes: int = 1, show_legend: bool = True) -> list[dict]:
    """The 序时进度 and completion lines of one group, on subplot ``axes`` (1 = x/y)."""
    when = pd.to_datetime(part["week_end"]).dt.strftime("%Y-%m-%d").tolist()
    suffix = "" if axes == 1 else str(axes)
    common = dict(type="scatter", x=when, xaxis=f"x{suffix}", yaxis=f"y{suffix}", showlegend=show_legend)
    return [
        dict(
            common,
            y=part["expected_pct"].round(1).to_numpy(),
            name="序时进度（加权）",
            mode="lines",
            line=dict(color=EXPECTED_COLOR, dash="dash"),
            legendgroup="expected",
            hovertemplate="序时进度 %{y:.1f}%<extra></extra>",
        ),
        dict(
            common,
            y=part["completion_pct"].round(1).to_numpy(),
            name="加权完成率",
            mode="lines+markers",
            marker=dict(size=4),
            line=dict(color=COMPLETION_COLOR, width=2.5),
            legendgroup="completion",
            customdata=part["gap_pct"].round(1).to_numpy(),
            hovertemplate="加权完成率 %{y:.1f}%（较序时进度 %{customdata:+.1f} 个百分点）<extra></extra>",
        ),
    ]


def _x_range(year: int | None, trend: pd.DataFrame) -> list | None:
    """The plan year, stretched to the last week shown (an as-of date in the next January)."""
    if year is None:
        return None
    end = max([pd.Timestamp(year, 12, 31), *pd.to_datetime(trend["week_end"]).tail(1)])
    return [f"{year}-01-01", end.strftime("%Y-%m-%d")]


def group_trends(trend: pd.DataFrame, year: int | None = None, columns: int = 3) -> go.Figure:
    """Small multiples: one completion-vs-序时进度 panel per group (目标组) in ``trend``, titled
    with the group's points, on shared axes."""
    groups = [g for g in dict.fromkeys(trend["group"]) if g != ALL]
    columns = max(1, min(columns, len(groups)))
    rows = max(1, -(-len(groups) // columns))
    area = PANEL_PX * rows + PANEL_GAP_PX * (rows - 1)
    gap_x, gap_y = 0.04, PANEL_GAP_PX / area
    width, height = (1 - gap_x * (columns - 1)) / columns, PANEL_PX / area
    data, annotations = [], []
    layout: dict = {}
    for k, g in enumerate(groups):
        row, col = divmod(k, columns)
        axes = k + 1
        suffix = "" if axes == 1 else str(axes)
        x0 = col * (width + gap_x)
        y1 = 1 - row * (height + gap_y)
        part = trend[trend["group"] == g].sort_values("week_end")
        data += _trend_traces(part, axes, show_legend=k == 0)
        layout[f"xaxis{suffix}"] = dict(
            domain=[round(x0, 6), round(min(1.0, x0 + width), 6)],
            anchor=f"y{suffix}",
            type="date",
            range=_x_range(year, trend.sort_values("week_end")),
            tickformat="%-m月",
            dtick="M2",
            hoverformat="%Y-%m-%d",
            **({"matches": "x"} if axes > 1 else {}),
        )
        layout[f"yaxis{suffix}"] = dict(
            domain=[round(max(0.0, y1 - height), 6), round(y1, 6)],
            anchor=f"x{suffix}",
            range=[0, 105],
            ticksuffix="%",
            showticklabels=col == 0,
        )
        points = float(part["points"].iloc[-1]) if len(part) else 0.0
        annotations.append(
            dict(
                x=x0 + width / 2,
                y=y1,
                xref="paper",
                yref="paper",
                yanchor="bottom",
                text=f"<b>{g}</b>（{fmt.points(points)}）",
                showarrow=False,
                font=dict(size=13),
            )
        )
    layout.update(
        height=area + 70,
        margin=dict(t=60, l=10, r=10, b=10),
        font=dict(family=FONT),
        legend=dict(orientation="h", y=1, yanchor="top", yref="container", x=0),
        hovermode="x unified",
        annotations=annotations,
    )
    return go.Figure(dict(data=data, layout=layout))
