"""我的分管: a leader's own targets, worst first, as a list that reads on a phone; each opens its
目标详情 with one tap. Others pick a leader to see the same view."""

import streamlit as st

from perfdash.app import reads, ui, widgets
from perfdash.core import fmt, schedule

ctx = ui.page_setup("我的分管")
actor = ctx.actor
_, leaders = reads.sections_and_leaders(ctx, ctx.plan_id)
if actor.role == "leader":
    leader = actor.name
    st.title("我的分管")
else:
    st.title("分管领导的目标")
    leader = st.selectbox("分管领导", leaders, key="mine_leader")
mine, head = reads.portfolio(ctx, ctx.plan_id, ctx.as_of, ctx.year, leader)
st.caption(f"{fmt.md(leader)} · 统计截至 {fmt.day(ctx.as_of)}{ui.demo_badge(ctx)}")
if mine.empty:
    st.info("方案中没有列在该分管领导名下的目标。")
    st.stop()
if not reads.reported(ctx, ctx.plan_id, ctx.as_of):  # a new plan: no 滞后, no 0 %, no red
    widgets.no_reports_yet(ctx, mine)
    st.stop()

gap = fmt.shown_gap(head["completion_pct"], head["expected_pct"])
cols = st.columns(4)
cols[0].metric("分管目标", f"{head['targets']} 项")
cols[1].metric("加权完成率", fmt.pct(head["completion_pct"]))
cols[2].metric("序时进度", fmt.pct(head["expected_pct"]))
cols[3].metric("滞后", f"{head['late']} 项")
st.caption(
    f"加权完成率{'领先' if gap >= 0 else '落后'}序时进度 {abs(gap)} 个百分点（按分值加权）；"
    f"滞后 {head['late']} 项中红色滞后或逾期 {head['at_risk']} 项，已完成 {head[schedule.DONE]} 项。"
)
st.subheader("分管的目标", help=None)
st.caption("滞后的在前；点击一项查看详情。")
widgets.target_cards(mine, "mine")
st.caption(f"{schedule.lag_rule_text()}{reads.LEADER_RULE}")
