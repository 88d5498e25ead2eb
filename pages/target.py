"""目标详情: one target's fields, responsibilities and the timeline of its reports."""

import streamlit as st

from perfdash import charts, fmt, progress, queries, tables, ui

ctx = ui.page_setup("目标详情")
state = queries.target_state(ctx.store, ctx.plan_id, ctx.as_of, ctx.year)
codes = state["code"].tolist()
labels = {r.code: f"{r.code} {r.target[:30]}" for r in state.itertuples()}
if st.query_params.get("code") in labels and "target_code" not in st.session_state:
    st.session_state["target_code"] = st.query_params["code"]
code = st.selectbox("年度工作目标", codes, format_func=labels.get, key="target_code")
st.query_params["code"] = code
row = state.set_index("code").loc[code]

st.title(f"{code} 目标详情")
st.caption(f"统计截至 {fmt.day(ctx.as_of)}{ui.demo_badge(ctx)}")
st.markdown(f"**{row['target']}**")
cols = st.columns(5)
cols[0].metric("分值", fmt.points(row["points"]))
cols[1].metric("完成率", fmt.pct(row["completion_pct"]))
cols[2].metric("序时进度", fmt.pct(row["expected_pct"]))
cols[3].metric("滞后状态", row["lag_status"])
cols[4].metric("完成时限", fmt.day(row["deadline"]))

info = st.columns(3)
info[0].markdown(
    f"**一级指标** {row['indicator_code']}（{fmt.points(row['indicator_points'])}）  \n{row['indicator']}"
    + (f"  \n<small>来源：{row['source_note']}</small>" if row.get("source_note") else "")
)
pairs = [f"{s}（{p}）" if p else s for s, p in zip(row["sections"], row["persons"], strict=False)]
info[1].markdown(
    "**责任科室（责任人）**  \n" + "  \n".join(("牵头：" if i == 0 else "协作：") + x for i, x in enumerate(pairs))
)
info[2].markdown("**分管领导**  \n" + "、".join(row["leaders"]))

history = queries.target_history(ctx.store, ctx.plan_id, code, ctx.as_of)
if history.empty:
    st.info("截至统计日期，该目标还没有任何进度填报。")
else:
    timeline = progress.history_with_expected(history, row["deadline"], ctx.year)
    st.subheader("进度时间线")
    st.plotly_chart(charts.target_timeline(timeline), config={"displaylogo": False}, key="timeline")
    st.dataframe(tables.target_history(timeline.iloc[::-1]), hide_index=True, width="stretch", key="history")
