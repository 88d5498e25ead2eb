"""目标详情: one target's fields, responsibilities and the timeline of its reports."""

import streamlit as st

from perfdash.app import ui, widgets
from perfdash.core import fmt

ctx = ui.page_setup("目标详情")
state = ui.target_state(ctx)
labels = {r.code: f"{r.code} {r.target[:30]}" for r in state.itertuples()}
if st.query_params.get("code") in labels and "target_code" not in st.session_state:
    st.session_state["target_code"] = st.query_params["code"]
st.title("目标详情")
code = st.selectbox("年度工作目标", list(labels), format_func=labels.get, key="target_code")
st.query_params["code"] = code

st.caption(f"统计截至 {fmt.day(ctx.as_of)}{ui.demo_badge(ctx)}")
widgets.target_panel(ctx, state, code)
