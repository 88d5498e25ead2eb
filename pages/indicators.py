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

INDICATOR_WIDTHS = {"编号": 50, "目标组": 70, "一级指标": 200, "分值": 44, "目标数": 44, "已完成": 50}
INDICATOR_WIDTHS |= {"正常": 44, "黄色滞后": 60, "红色滞后": 60, "逾期": 44}
# one above the other: the table's columns do not fit three fifths of the page at 1366 px
st.dataframe(
    tables.indicators(rows),
    hide_index=True,
    width="stretch",
    height=widgets.table_height(len(rows), 940),
    # twelve columns together under the page's 904 px at 1366 (a long 一级指标 is cut; full text on hover)
    column_config={n: st.column_config.Column(n, width=w) for n, w in INDICATOR_WIDTHS.items()}
    | {
        n: st.column_config.ProgressColumn(n, format="%.0f%%", min_value=0, max_value=100, width=84)
        for n in ("加权完成率", "序时进度")
    },
)
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
shown = tables.target_list(targets)
st.dataframe(shown, hide_index=True, width="stretch", column_config=widgets.target_list_columns(shown))
target = st.selectbox(
    "年度工作目标",
    list(targets["code"]),
    format_func=lambda c: f"{c} {targets.set_index('code').loc[c, 'target'][:40]}",
    key="drill_target",
)
widgets.target_panel(ctx, state, target)
