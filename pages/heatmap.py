"""截止热力图: what falls due when, per section, and each target's lag behind 序时进度 week by week."""

import streamlit as st

from perfdash.app import reads, ui, widgets
from perfdash.core import fmt, schedule
from perfdash.present import charts_html, charts_time

ctx = ui.page_setup("截止热力图", with_filters=True)
everything = reads.target_state(ctx, ctx.plan_id, ctx.as_of, ctx.year)
state = ctx.filters.apply(everything)
head = reads.headline(ctx, ctx.plan_id, ctx.as_of, ctx.year, ctx.filters)

st.title("截止热力图")
st.caption(
    f"统计截至 {fmt.day(ctx.as_of)}{ui.demo_badge(ctx)}；{widgets.filter_note(ctx, len(state), len(everything))}。"
)
if state.empty:
    st.info("没有符合筛选条件的目标，请调整左侧筛选。")
    st.stop()

cols = st.columns(4)
cols[0].metric("目标", f"{head['targets']} 项", help=f"合计分值 {fmt.points(head['points'])}")
cols[1].metric("未完成", f"{head['targets'] - head['done']} 项")
cols[2].metric("滞后（含逾期）", f"{head['late']} 项", help=schedule.lag_rule_text())
cols[3].metric("逾期未完成", f"{head['overdue']} 项")

st.subheader("科室 × 月份：到期目标")
matrix = reads.due_matrix(ctx, ctx.plan_id, ctx.as_of, ctx.year, ctx.filters)
pick = st.columns([2, 2, 3])
color = pick[0].radio(
    "颜色表示",
    list(charts_html.DUE_COLOR_MEASURES),
    format_func=charts_html.DUE_COLOR_MEASURES.get,
    horizontal=True,
    key="due_color",
)
label = pick[1].radio(
    "格内数字",
    list(charts_html.DUE_TEXT_MEASURES),
    format_func=charts_html.DUE_TEXT_MEASURES.get,
    horizontal=True,
    key="due_text",
)
# Drawn as an HTML table (charts_html.due_table): the cells, colours and hover text the Plotly
# heat map had, at a fraction of its drawing time (bench --browser, same-content floor).
st.html(reads.due_table(ctx, ctx.plan_id, ctx.as_of, ctx.year, ctx.filters, color, label))
st.caption(
    "按完成时限所在月份统计。一个目标计入它的每个责任科室（牵头和协作都算），所以各科室之和大于目标总数；"
    "悬停可见其中牵头的项数和目标编号。滞后指黄色滞后、红色滞后或逾期未完成（统计日的状态）。"
)
if st.toggle("显示到期明细表", key="due_details"):  # drawn on demand: nothing is sent while off
    st.dataframe(
        matrix.assign(month=matrix["month"].dt.strftime("%Y-%m")).rename(
            columns={
                "section": "责任科室",
                "month": "到期月份",
                "targets": "到期目标",
                "lead_targets": "其中牵头",
                "points": "到期分值",
                "unfinished": "未完成",
                "at_risk": "滞后（含逾期）",
                "codes": "目标编号",
            }
        ),
        hide_index=True,
        width="stretch",
        column_config={"到期分值": st.column_config.NumberColumn(format="%.1f")},
        key="due_table",
    )

st.subheader("目标 × 周：落后序时进度")
# The week-by-week grid of every target is the page's heaviest drawing (61 × 47 cells on the city's
# plans): drawn once an order is chosen, not at first sight; nothing is sent before.
order = st.columns([2, 3])[0].selectbox(
    "排序",
    list(reads.LAG_ORDERS),
    index=None,
    format_func=reads.LAG_ORDERS.get,
    placeholder=f"选择后绘制（{len(state)} 项目标）",
    key="lag_order",
)
if order is None:
    st.caption("每个目标每周一格，颜色为当周的滞后状态，可看出哪些目标从何时开始落后。选择排序方式后绘制。")
else:
    steps = "；".join(charts_time.calendar_labels(reads.plan_calendar(ctx, ctx.plan_id), ctx.year))
    lag_figure = reads.lag_heatmap(ctx, ctx.plan_id, ctx.year, ctx.as_of, ctx.filters, order)
    st.plotly_chart(lag_figure, config={"displaylogo": False}, key="lag_heatmap")
    st.caption(
        "每列为一周（周五为周末，当前周截至统计日），每格为该目标当时的状态：取该日及以前最近一次填报的完成率，"
        f"与当时的序时进度比较。{schedule.lag_rule_text()}" + (f" 色带为方案的考评安排：{steps}。" if steps else "")
    )
