"""目标详情: one target's fields, responsibilities and the timeline of its reports."""

import streamlit as st

from perfdash.app import reads, ui, widgets
from perfdash.core import fmt

ctx = ui.page_setup("目标详情")
state = reads.target_state(ctx, ctx.plan_id, ctx.as_of, ctx.year)
order = reads.own_first(ctx, ctx.plan_id, ctx.as_of, ctx.year, ctx.actor)
labels = {r.code: f"{r.code} {r.target[:30]}" for r in order.itertuples()}
url_code = st.query_params.get("code")
if url_code in labels and st.session_state.get("_target_url_code") != url_code:
    st.session_state["target_code"] = url_code  # a link (a card, a bookmark) names the target
st.title("目标详情")
code = st.selectbox("年度工作目标", list(labels), format_func=labels.get, key="target_code")
st.session_state["_target_url_code"] = code
if url_code != code:  # written only when it changes: each write is an entry of the browser's history
    st.query_params["code"] = code

st.caption(f"统计截至 {fmt.day(ctx.as_of)}{ui.demo_badge(ctx)}")
widgets.target_summary(ctx, state, code)  # first: status, the latest note in full, who answers for it
widgets.target_panel(ctx, state, code)
