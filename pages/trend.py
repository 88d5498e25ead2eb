"""完成趋势: points-weighted completion week by week against the 序时进度 curve, overall and per group."""

import streamlit as st

from perfdash.app import reads, ui, widgets
from perfdash.core import fmt

ctx = ui.page_setup("完成趋势", with_filters=True)
everything = reads.target_state(ctx, ctx.plan_id, ctx.as_of, ctx.year)
shown = ctx.filters.apply(everything)
trend = reads.weekly_trend(ctx, ctx.plan_id, ctx.year, ctx.as_of, ctx.filters)
ends = reads.trend_at_end(ctx, ctx.plan_id, ctx.year, ctx.as_of, ctx.filters)

st.title("完成趋势")
st.caption(
    f"统计截至 {fmt.day(ctx.as_of)}{ui.demo_badge(ctx)}；{widgets.filter_note(ctx, len(shown), len(everything))}。"
    "完成率和序时进度均按分值加权；每周以周五为周末（当前周截至统计日），取各目标该日及以前最近一次填报。"
)
if trend.empty:
    st.info("没有符合筛选条件的目标，或统计日期早于方案年度的第一周。")
    st.stop()

overall = ends[ends["group"] == reads.ALL].iloc[0]
cols = st.columns(4)
cols[0].metric(
    "加权完成率",
    fmt.pct(overall["completion_pct"]),
    help=f"{int(overall['targets'])} 项目标，{fmt.points(overall['points'])}",
)
cols[1].metric("序时进度", fmt.pct(overall["expected_pct"]), help="各目标序时进度按分值加权")
cols[2].metric("较序时进度", f"{overall['gap_pct']:+.0f} 个百分点")
cols[3].metric("近四周提升", f"{overall['change_pct']:+.0f} 个百分点")

groups = [g for g in ends["group"] if g != reads.ALL]
shown = st.selectbox(
    "目标组",
    [reads.ALL, *groups],
    format_func=lambda g: "全部目标" if g == reads.ALL else g,
    key="trend_group",
)
# Drawn as HTML (charts_html.trend): the two lines and each week's numbers on hover, without a
# Plotly chart to draw on every page switch (bench --browser, same-content floor).
st.html(reads.trend_html(ctx, ctx.plan_id, ctx.year, ctx.as_of, ctx.filters, shown))

st.subheader("分组趋势")
st.dataframe(
    ends.rename(
        columns={
            "group": "目标组",
            "targets": "目标数",
            "points": "分值",
            "completion_pct": "加权完成率",
            "expected_pct": "序时进度",
            "gap_pct": "较序时进度",
            "change_pct": "近四周提升",
        }
    ),
    hide_index=True,
    width="stretch",
    column_config={
        "分值": st.column_config.NumberColumn(format="%.1f"),
        "加权完成率": st.column_config.ProgressColumn(format="%.0f%%", min_value=0, max_value=100),
        "序时进度": st.column_config.NumberColumn(format="%.0f%%"),
        "较序时进度": st.column_config.NumberColumn(format="%+.0f"),
        "近四周提升": st.column_config.NumberColumn(format="%+.0f"),
    },
    key="trend_table",
)
# The small multiples (one panel per group) cost a page switch more drawing than the rest of the
# page together: drawn on demand, nothing sent while off. One group alone would repeat the chart above.
if len(groups) > 1 and st.toggle("并列显示各目标组的趋势（小图）", key="group_trends_shown"):
    st.plotly_chart(
        reads.group_trends(ctx, ctx.plan_id, ctx.year, ctx.as_of, ctx.filters),
        config={"displaylogo": False},
        key="group_trends",
    )
