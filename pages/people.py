"""按领导 / 责任人: per supervising leader and per responsible person, points, completion and
late items; a leader sees their own portfolio first once identified."""

import streamlit as st

from perfdash.app import ui, widgets
from perfdash.core import fmt
from perfdash.db import rollups
from perfdash.present import charts, tables

ctx = ui.page_setup("按领导/责任人", with_filters=True)
actor = ctx.actor
everything = ui.target_state(ctx)
state = ctx.filters.apply(everything)

st.title("按分管领导 / 责任人")
st.caption(
    f"统计截至 {fmt.day(ctx.as_of)}{ui.demo_badge(ctx)}；{widgets.filter_note(ctx, len(state), len(everything))}。"
)
if state.empty:
    st.info("没有符合筛选条件的目标。")
    st.stop()

if actor.role == "leader":
    mine = rollups.portfolio(state, actor.name)
    st.subheader(f"我的分管目标（{fmt.md(actor.name)}）")
    if mine.empty:
        st.info("筛选条件下，您没有分管的目标。")
    else:
        head = rollups.summary(mine)
        cols = st.columns(4)
        cols[0].metric("分管目标", f"{head['targets']} 项")
        cols[1].metric("分管分值", fmt.points(head["points"]))
        cols[2].metric("加权完成率", fmt.pct(head["completion_pct"]))
        cols[3].metric("滞后", f"{head['late']} 项")
        st.dataframe(
            tables.target_list(mine),
            hide_index=True,
            width="stretch",
            column_config=widgets.percent_columns("完成率", "序时进度"),
        )
    st.divider()

leaders = ui.rollup(ctx, "leader")
st.subheader("分管领导")
st.caption(rollups.LEADER_RULE)
left, right = st.columns([2, 3])
with left:
    st.plotly_chart(
        ui.figure(
            ctx,
            lambda: charts.completion_bars(
                list(leaders["leader"]), list(leaders["completion_pct"]), list(leaders["expected_pct"])
            ),
        ),
        config={"displaylogo": False},
        key="leader_bars",
    )
with right:
    st.dataframe(
        tables.leaders(leaders),
        hide_index=True,
        width="stretch",
        column_config=widgets.percent_columns("加权完成率", "序时进度"),
    )
pick = st.selectbox("查看分管领导的目标", list(leaders["leader"]), key="drill_leader")
st.dataframe(
    tables.target_list(rollups.portfolio(state, pick)),
    hide_index=True,
    width="stretch",
    column_config=widgets.percent_columns("完成率", "序时进度"),
)

st.subheader("责任人")
st.caption(rollups.PERSON_RULE)
st.dataframe(
    tables.persons(ui.rollup(ctx, "person")),
    hide_index=True,
    width="stretch",
    column_config=widgets.percent_columns("牵头完成率"),
)
