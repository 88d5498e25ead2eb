"""Chart builders: DataFrame in, plotly Figure out, one function per figure."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from perfdash.core import fmt
from perfdash.core.schedule import LAG_COLORS, ON_TRACK, RED, YELLOW
from perfdash.core.settings import lag_thresholds

# Red → amber → green over 0–100 % completion.
COMPLETION_SCALE = [[0.0, "#c62828"], [0.5, "#f9a825"], [0.8, "#9ccc65"], [1.0, "#2e7d32"]]
FONT = "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"


def plan_sunburst(state: pd.DataFrame) -> go.Figure:
    """The plan's structure: group → indicator → target, sized by points, coloured by
    points-weighted completion (from a target-state frame)."""
    nodes: dict[str, list] = {}  # id → [label, parent, points, points × completion, hover title]
    for group, code, title, tcode, target, lead, pts, pct in zip(
        state["group"],
        state["indicator_code"],
        state["indicator"],
        state["code"],
        state["target"],
        state["lead_section"],
        state["points"].astype(float),
        state["completion_pct"].clip(upper=100).astype(float),
        strict=True,
    ):
        path = (
            (f"g:{group}", str(group), "", str(group)),
            (f"i:{code}", str(code), f"g:{group}", f"{code} {_wrap(str(title))}"),
            (f"t:{tcode}", str(tcode), f"i:{code}", f"{tcode} {_wrap(str(target))}<br>牵头科室 {lead}"),
        )
        for node_id, label, parent, text in path:
            node = nodes.setdefault(node_id, [label, parent, 0.0, 0.0, text])
            node[2] += pts
            node[3] += pts * pct
    ids = list(nodes)
    values = [nodes[i][2] for i in ids]
    colors = [round(nodes[i][3] / nodes[i][2], 1) if nodes[i][2] else 0.0 for i in ids]
    hover = [
        f"{nodes[i][4]}<br>分值 {fmt.points(v)}<br>加权完成率 {fmt.pct(c)}"
        for i, v, c in zip(ids, values, colors, strict=True)
    ]
    fig = go.Figure(
        go.Sunburst(
            ids=ids,
            labels=[nodes[i][0] for i in ids],
            parents=[nodes[i][1] for i in ids],
            values=values,
            branchvalues="total",
            marker=dict(
                colors=colors,
                colorscale=COMPLETION_SCALE,
                cmin=0,
                cmax=100,
                colorbar=dict(title="完成率 %", thickness=12),
            ),
            hovertext=hover,
            hoverinfo="text",
            insidetextorientation="radial",
            sort=False,
        )
    )
    fig.update_layout(margin=dict(t=10, l=10, r=10, b=10), height=560, font=dict(family=FONT))
    return fig


def _wrap(text: str, width: int = 24) -> str:
    """Break long Chinese text for hover labels."""
    text = text[: width * 3] + ("…" if len(text) > width * 3 else "")
    return "<br>".join(text[i : i + width] for i in range(0, len(text), width))


def target_timeline(history: pd.DataFrame) -> go.Figure:
    """One target's reported completion over time against its 序时进度 (history with expected_pct)."""
    fig = go.Figure()
    dates = pd.to_datetime(history["report_date"])
    fig.add_scatter(
        x=dates,
        y=history["expected_pct"],
        name="序时进度",
        mode="lines",
        line=dict(color="#9e9e9e", dash="dash"),
        hovertemplate="%{x|%Y-%m-%d} 序时进度 %{y:.0f}%<extra></extra>",
    )
    fig.add_scatter(
        x=dates,
        y=history["completion_pct"],
        name="填报完成率",
        mode="lines+markers",
        line=dict(color="#1565c0", shape="hv"),
        customdata=history[["status", "reporter", "note"]].astype(str).to_numpy(),
        hovertemplate="%{x|%Y-%m-%d} 完成率 %{y:.0f}%<br>%{customdata[0]} · %{customdata[1]}<br>"
        "%{customdata[2]}<extra></extra>",
    )
    fig.update_layout(
        height=320,
        margin=dict(t=30, l=10, r=10, b=10),
        yaxis=dict(range=[0, 105], title="%"),
        xaxis=dict(tickformat="%-m月"),
        legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0),
        font=dict(family=FONT),
    )
    return fig


def completion_bars(
    labels: list[str],
    completion: list[float],
    expected: list[float],
    hover: list[str] | None = None,
    height: int | None = None,
) -> go.Figure:
    """Horizontal bars of weighted completion, coloured by how far each is behind its 序时进度,
    with the 序时进度 as a tick mark; the first label on top."""
    yellow, red = lag_thresholds()
    colors = []
    for c, e in zip(completion, expected, strict=True):
        lag = -fmt.shown_gap(c, e)  # on the percents shown: two bars reading 79% agree
        colors.append(LAG_COLORS[RED] if lag > red else LAG_COLORS[YELLOW] if lag >= yellow else LAG_COLORS[ON_TRACK])
    fig = go.Figure()
    fig.add_bar(
        y=labels,
        x=completion,
        orientation="h",
        name="加权完成率",
        marker_color=colors,
        text=[fmt.pct(c) for c in completion],
        textposition="inside",
        insidetextanchor="end",
        textfont=dict(color="white"),
        customdata=hover or labels,
        hovertemplate="%{customdata}<br>加权完成率 %{x:.0f}%<extra></extra>",
    )
    fig.add_scatter(
        y=labels,
        x=expected,
        mode="markers",
        name="序时进度",
        marker=dict(symbol="line-ns-open", size=14, color="#212121", line=dict(width=3, color="#212121")),
        hovertemplate="序时进度 %{x:.0f}%<extra></extra>",
    )
    fig.update_layout(
        height=height or max(260, 28 * len(labels) + 80),
        margin=dict(t=30, l=10, r=30, b=10),
        xaxis=dict(range=[0, 110], title="%"),
        yaxis=dict(autorange="reversed", automargin=True),
        legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0),
        font=dict(family=FONT),
        bargap=0.35,
    )
    return fig


def score_waterfall(steps: pd.DataFrame, total: float, start: float = 100.0) -> go.Figure:
    """From the full score down to the projected total: one bar per step (points lost per group
    or indicator, then 加分 / 扣分)."""
    labels = ["满分", *steps["label"].astype(str), "预计得分"]
    measures = ["absolute", *["relative"] * len(steps), "total"]
    values = [start, *steps["delta"].astype(float), total]
    fig = go.Figure(
        go.Waterfall(
            x=labels,
            y=values,
            measure=measures,
            text=[
                fmt.points(v, unit=False) if i in (0, len(values) - 1) else f"{v:+.1f}" for i, v in enumerate(values)
            ],
            textposition="outside",
            decreasing=dict(marker=dict(color=LAG_COLORS[RED])),
            increasing=dict(marker=dict(color=LAG_COLORS[ON_TRACK])),
            totals=dict(marker=dict(color="#1565c0")),
            connector=dict(line=dict(color="#bdbdbd")),
            hovertemplate="%{x}：%{y:.2f} 分<extra></extra>",
        )
    )
    low = min(total, start) - max(2.0, 0.15 * (start - min(total, start)))
    fig.update_layout(
        height=380,
        margin=dict(t=30, l=10, r=10, b=10),
        yaxis=dict(range=[max(0.0, low), max(start, total) + 3], title="分"),
        xaxis=dict(tickangle=-35 if len(labels) > 10 else 0),
        font=dict(family=FONT),
        showlegend=False,
    )
    return fig


def score_histogram(totals, bands: tuple[tuple[str, float], ...], base_total: float | None = None) -> go.Figure:
    """The Monte Carlo distribution of the total, with the grade band cut-offs marked."""
    fig = go.Figure()
    fig.add_histogram(
        x=totals,
        nbinsx=60,
        marker_color="#90caf9",
        name="模拟总分",
        hovertemplate="总分 %{x}<br>次数 %{y}<extra></extra>",
    )
    low, high = float(min(totals)), float(max(totals))
    for name, cut in bands:
        if cut <= 0 or not low - 3 <= cut <= high + 3:  # far-off cut-offs would squash the histogram
            continue
        fig.add_vline(
            x=cut,
            line=dict(color="#424242", dash="dash"),
            annotation_text=f"{name} ≥ {cut:g}",
            annotation_position="top left",
        )
    if base_total is not None:
        fig.add_vline(
            x=base_total, line=dict(color="#1565c0", width=2), annotation_text="预测值", annotation_position="top right"
        )
    fig.update_layout(
        height=340,
        margin=dict(t=40, l=10, r=10, b=10),
        xaxis_title="总分",
        yaxis_title="模拟次数",
        font=dict(family=FONT),
        showlegend=False,
        bargap=0.02,
    )
    return fig


def backtest_band(weeks: pd.DataFrame, actual_label: str) -> go.Figure:
    """The backtest (forecast.backtest): each week's forecast of the total with its 80% interval,
    and the total that came about, so a reader sees how often the band held it."""
    fig = go.Figure()
    fig.add_scatter(
        x=weeks["as_of"], y=weeks["high"], mode="lines", line=dict(width=0), showlegend=False, hoverinfo="skip"
    )
    fig.add_scatter(
        x=weeks["as_of"],
        y=weeks["low"],
        mode="lines",
        line=dict(width=0),
        fill="tonexty",
        fillcolor="rgba(144,202,249,0.45)",
        name="80% 区间",
        hoverinfo="skip",
    )
    fig.add_scatter(
        x=weeks["as_of"],
        y=weeks["forecast"],
        mode="lines+markers",
        line=dict(color="#1565c0", width=2),
        name="当时的预测",
        hovertemplate="%{x|%m-%d} 预测 %{y:.2f} 分<extra></extra>",
    )
    fig.add_scatter(
        x=weeks["as_of"],
        y=weeks["actual"],
        mode="lines",
        line=dict(color="#424242", dash="dash"),
        name=actual_label,
        hovertemplate="实际 %{y:.2f} 分<extra></extra>",
    )
    fig.update_layout(
        height=320,
        margin=dict(t=30, l=10, r=10, b=10),
        xaxis_title="预测所用的统计日期",
        yaxis_title="总分",
        font=dict(family=FONT),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
    )
    return fig
