"""The widgets pages compose from the shared helpers: a target in full, table heights, percent
columns, the filter note."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from perfdash.app import reads
from perfdash.app.ui import PageContext
from perfdash.core import fmt
from perfdash.core.schedule import DONE, ON_TRACK, OVERDUE, RED, YELLOW
from perfdash.present import tables


def target_panel(ctx: PageContext, state: pd.DataFrame, code: str) -> None:
    """One target in full: fields, responsibilities, and the timeline of its reports up to as-of.
    Shared by 目标详情 and every drill-down."""
    row = state.set_index("code").loc[code]
    st.markdown(f"**{fmt.md(code)}** {fmt.md(row['target'])}")
    cols = st.columns(5)
    cols[0].metric("分值", fmt.points(row["points"]))
    cols[1].metric("完成率", fmt.pct(row["completion_pct"]), help=f"来源：{row.get('completion_source', '填报')}")
    cols[2].metric("序时进度", fmt.pct(row["expected_pct"]))
    cols[3].metric("滞后状态", row["lag_status"])
    cols[4].metric("完成时限", fmt.day(row["deadline"]))
    info = st.columns(3)
    note = f"  \n来源：{fmt.md(row['source_note'])}" if row.get("source_note") else ""
    info[0].markdown(
        f"**一级指标** {fmt.md(row['indicator_code'])}（{fmt.points(row['indicator_points'])}）  \n"
        f"{fmt.md(row['indicator'])}{note}"
    )
    pairs = [
        f"{fmt.md(s)}（{fmt.md(p)}）" if p else fmt.md(s) for s, p in zip(row["sections"], row["persons"], strict=False)
    ]
    info[1].markdown(
        "**责任科室（责任人）**  \n" + "  \n".join(("牵头：" if i == 0 else "协作：") + x for i, x in enumerate(pairs))
    )
    info[2].markdown("**分管领导**  \n" + "、".join(fmt.md(name) for name in row["leaders"]))
    timeline = reads.target_timeline(ctx, ctx.plan_id, ctx.as_of, ctx.year, code)
    if timeline.empty:
        st.info("截至统计日期，该目标还没有任何进度填报。")
        return
    st.plotly_chart(
        reads.timeline_chart(ctx, ctx.plan_id, ctx.as_of, ctx.year, code),
        config={"displaylogo": False},
        key=f"timeline_{code}",
    )
    st.dataframe(tables.target_history(timeline.iloc[::-1]), hide_index=True, width="stretch")


def table_height(rows: int, limit: int) -> int:
    """A st.dataframe height that shows ``rows`` rows and the header without blank rows below,
    up to ``limit`` pixels (then the table scrolls). Streamlit draws rows 35 px high."""
    return min(35 * (rows + 1) + 3, limit)


def percent_columns(*names: str) -> dict[str, object]:
    """Column configs that draw percents as progress bars (0–100)."""
    return {n: st.column_config.ProgressColumn(n, format="%.0f%%", min_value=0, max_value=100) for n in names}


def filter_note(ctx: PageContext, shown: int, total: int) -> str:
    """One line saying which filters are in force and how many targets they keep."""
    if not ctx.filters.active:
        return f"全部 {total} 项目标"
    return f"筛选后 {shown} / {total} 项目标（{ctx.filters.describe()}）"


# The colour of each status in a target card (Streamlit's markdown badges).
STATUS_BADGE = {DONE: "blue", ON_TRACK: "green", YELLOW: "orange", RED: "red", OVERDUE: "red"}


def target_cards(state: pd.DataFrame, key: str, text_chars: int = 40) -> None:
    """Targets as a compact list for a phone: each a link to 目标详情 showing its status in colour,
    完成率 against 序时进度, and the deadline; one tap opens the target."""
    for row in state.itertuples():
        text = str(row.target)
        short = text[:text_chars] + ("…" if len(text) > text_chars else "")
        colour = STATUS_BADGE.get(row.lag_status, "gray")
        label = (
            f":{colour}-badge[{row.lag_status}] **{fmt.md(row.code)}** {fmt.md(short)}  \n"
            f"完成率 **{fmt.pct(row.completion_pct)}** · 序时进度 {fmt.pct(row.expected_pct)}"
            f" · 时限 {fmt.month_day(row.deadline)}"
        )
        with st.container(key=f"card_{key}_{row.code}", border=True):
            try:
                st.page_link("pages/target.py", label=label, query_params={"code": str(row.code)}, width="stretch")
            except StreamlitAPIException:  # the page run by itself, outside app.py's navigation (a smoke test)
                st.markdown(label)


def table(frame: pd.DataFrame, empty: str, column_config: dict | None = None, **kwargs: object) -> None:
    """A table as every page shows one: a sentence instead of an empty table (Streamlit writes
    "empty" in it), "—" instead of a missing value; a column with a gap is shown as text (a percent
    as 86%, without its bar)."""
    if frame.empty:
        st.caption(empty)
        return
    config = dict(column_config or {})
    gaps = [n for n in frame.columns if frame[n].map(tables.is_missing).any()]
    percent = [n for n in gaps if _is_percent(config.get(n))]
    for name in gaps:
        if name in config:
            label = config[name].get("label") if isinstance(config[name], dict) else None
            config[name] = st.column_config.TextColumn(label or name)
    st.dataframe(tables.without_gaps(frame, percent), hide_index=True, column_config=config or None, **kwargs)


def _is_percent(config: object) -> bool:
    kind = config.get("type_config", {}) if isinstance(config, dict) else {}
    return "%%" in str(kind.get("format") or "")


NO_REPORTS = "尚无填报"


def no_reports_yet(ctx: PageContext, state: pd.DataFrame) -> None:
    """A plan with nothing reported by the 统计日期: its counts and what comes next — no score, no
    forecast and no red from zero reports."""
    cols = st.columns(3)
    cols[0].metric("年度工作目标", f"{len(state)} 项")
    cols[1].metric("总分值", fmt.points(float(state["points"].sum())))
    cols[2].metric("进度", NO_REPORTS)
    st.info(
        f"{NO_REPORTS}：截至 {fmt.day(ctx.as_of)}，本方案还没有进度记录。填报周期：{ctx.calendar.describe()}。"
        "科室报送、绩效办关闭第一个填报周期后，这里显示完成率、滞后情况、当前得分和年终预测。"
    )
    groups = state.groupby("group", sort=False).agg(targets=("code", "size"), points=("points", "sum"))
    st.dataframe(
        groups.reset_index().rename(columns={"group": "目标组", "targets": "目标数", "points": "分值"}),
        hide_index=True,
        width="stretch",
    )
    listed = state[["code", "target", "lead_section", "deadline"]]
    with st.expander(f"全部 {len(listed)} 项目标"):
        st.dataframe(
            listed.assign(deadline=[fmt.day(d) for d in listed["deadline"]]).rename(
                columns={"code": "编号", "target": "年度工作目标", "lead_section": "牵头科室", "deadline": "完成时限"}
            ),
            hide_index=True,
            width="stretch",
            height=table_height(len(listed), 420),
        )


def period_note(ctx: PageContext) -> None:
    """A section's own reporting this period: 本期已报 N 条 ✓ (on the dashboards once the office
    closes the period), or that it has not reported yet and by when. Nothing for other roles."""
    if ctx.actor.role != "section":
        return
    period = ctx.this_period
    n = reads.section_reports(ctx, ctx.plan_id, ctx.actor.name, period.start, period.end)
    if n:
        st.success(f"本期已报 {n} 条 ✓，关闭本期后计入看板（本期：{period.name}，{period.days}）。")
    else:
        cutoff = ctx.calendar.cutoff(period)
        st.info(
            f"本期（{period.name}，{period.days}）{ctx.actor.name}还没有报送进度；"
            f"截止时间 {cutoff.month}月{cutoff.day}日 {cutoff:%H:%M}。"
        )
