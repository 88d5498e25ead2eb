"""按指标: the indicators with points, weighted completion and counts by status; drill down."""

import streamlit as st

from perfdash.app import reads, ui, widgets
from perfdash.core import fmt
from perfdash.present import tables

ctx = ui.page_setup("按指标", with_filters=True)
everything = reads.target_state(ctx, ctx.plan_id, ctx.as_of, ctx.year)
state = ctx.filters.apply(everything)
rows = reads.rollup(ctx, ctx.plan_id, ctx.as_of, ctx.year, "indicator", ctx.filters)

st.title("按一级指标")
st.caption(
    f"统计截至 {fmt.day(ctx.as_of)}{ui.demo_badge(ctx)}；{widgets.filter_note(ctx, len(state), len(everything))}。"
    "完成率按目标分值加权。"
)
if rows.empty:
    st.info("没有符合筛选条件的目标。")
    st.stop()

left, right = st.columns([3, 2])
with left:
    st.dataframe(
        tables.indicators(rows),
        hide_index=True,
        width="stretch",
        height=widgets.table_height(len(rows), 940),
        column_config=widgets.percent_columns("加权完成率", "序时进度")
        | {"一级指标": st.column_config.TextColumn(width="large")},
    )
with right:
    st.plotly_chart(
        reads.ranking_bars(ctx, ctx.plan_id, ctx.as_of, ctx.year, "indicator", ctx.filters),
        config={"displaylogo": False},
        key="indicator_bars",
    )

st.subheader("逐级查看")
codes = list(rows["indicator_code"])
titles = dict(zip(rows["indicator_code"], rows["indicator"], strict=True))
code = st.selectbox("一级指标", codes, format_func=lambda c: f"{c} {titles[c][:40]}", key="drill_indicator")
targets = state[state["indicator_code"] == code]
st.dataframe(
    tables.target_list(targets),
    hide_index=True,
    width="stretch",
    column_config=widgets.percent_columns("完成率", "序时进度"),
)
target = st.selectbox(
    "年度工作目标",
    list(targets["code"]),
    format_func=lambda c: f"{c} {targets.set_index('code').loc[c, 'target'][:40]}",
    key="drill_target",
)
widgets.target_panel(ctx, state, target)
