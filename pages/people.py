"""按领导 / 责任人: per supervising leader and per responsible person, points, completion and
late items; a leader sees their own portfolio first once identified."""

import streamlit as st

from perfdash.app import reads, ui, widgets
from perfdash.core import fmt
from perfdash.present import tables

ctx = ui.page_setup("按领导/责任人", with_filters=True)
actor = ctx.actor
everything = reads.target_state(ctx, ctx.plan_id, ctx.as_of, ctx.year)
state = ctx.filters.apply(everything)

st.title("按分管领导 / 责任人")
st.caption(
    f"统计截至 {fmt.day(ctx.as_of)}{ui.demo_badge(ctx)}；{widgets.filter_note(ctx, len(state), len(everything))}。"
)
if state.empty:
    st.info("没有符合筛选条件的目标。")
    st.stop()

if actor.role == "leader":
    mine, head = reads.portfolio(ctx, ctx.plan_id, ctx.as_of, ctx.year, actor.name, ctx.filters)
    st.subheader(f"我的分管目标（{fmt.md(actor.name)}）")
    if mine.empty:
        st.info("筛选条件下，您没有分管的目标。")
    else:
        cols = st.columns(4)
        cols[0].metric("分管目标", f"{head['targets']} 项")
        cols[1].metric("分管分值", fmt.points(head["points"]))
        cols[2].metric("加权完成率", fmt.pct(head["completion_pct"]))
        cols[3].metric("滞后", f"{head['late']} 项")
        shown = tables.target_list(mine)
        st.dataframe(shown, hide_index=True, width="stretch", column_config=widgets.target_list_columns(shown))
    st.divider()

leaders = reads.rollup(ctx, ctx.plan_id, ctx.as_of, ctx.year, "leader", ctx.filters)
st.subheader("分管领导")
st.caption(reads.LEADER_RULE)
st.plotly_chart(
    reads.ranking_bars(ctx, ctx.plan_id, ctx.as_of, ctx.year, "leader", ctx.filters),
    config={"displaylogo": False},
    key="leader_bars",
)
# under the chart, the page's full width: its eight columns do not fit beside it at 1366 px
st.dataframe(
    tables.leaders(leaders),
    hide_index=True,
    width="stretch",
    column_config=widgets.percent_columns("加权完成率", "序时进度"),
)
pick = st.selectbox("查看分管领导的目标", list(leaders["leader"]), key="drill_leader")
shown = tables.target_list(reads.portfolio(ctx, ctx.plan_id, ctx.as_of, ctx.year, pick, ctx.filters)[0])
st.dataframe(shown, hide_index=True, width="stretch", column_config=widgets.target_list_columns(shown))

st.subheader("责任人")
st.caption(reads.PERSON_RULE)
st.dataframe(
    tables.persons(reads.rollup(ctx, ctx.plan_id, ctx.as_of, ctx.year, "person", ctx.filters)),
    hide_index=True,
    width="stretch",
    column_config=widgets.percent_columns("牵头完成率"),
)
