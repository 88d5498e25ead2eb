"""按科室: per section, lead targets and co-targets apart, weighted completion, late items,
a ranking, and a drill-down."""

import streamlit as st

from perfdash.app import reads, ui, widgets
from perfdash.core import fmt
from perfdash.present import tables

ctx = ui.page_setup("按科室", with_filters=True)
everything = reads.target_state(ctx, ctx.plan_id, ctx.as_of, ctx.year)
state = ctx.filters.apply(everything)
rows = reads.rollup(ctx, ctx.plan_id, ctx.as_of, ctx.year, "section", ctx.filters)

st.title("按责任科室")
st.caption(
    f"统计截至 {fmt.day(ctx.as_of)}{ui.demo_badge(ctx)}；{widgets.filter_note(ctx, len(state), len(everything))}。"
)
st.info(reads.CO_SECTION_RULE)
if ctx.actor.role == "section":  # its own assessment first: never the other sections' numbers (#35)
    widgets.own_assessment(ctx)
if rows.empty:
    st.info("没有符合筛选条件的目标。")
    st.stop()

# one above the other: the table's columns do not fit three fifths of the page at 1366 px
st.subheader("牵头目标完成率排名")
# Drawn as HTML (charts_html.ranking): the bars, colours and marks of a Plotly bar chart without
# its drawing time on a page switch (bench --browser, same-content floor).
st.html(reads.ranking_html(ctx, ctx.plan_id, ctx.as_of, ctx.year, "section", ctx.filters))
st.subheader("各科室一览")
widgets.table(
    tables.sections(rows),
    "没有科室。",
    width="stretch",
    height=widgets.table_height(len(rows), 860),
    column_config={  # eleven columns under the page's 904 px at 1366
        n: st.column_config.ProgressColumn(n, format="%.0f%%", min_value=0, max_value=100, width=84)
        for n in ("牵头完成率", "序时进度", "协作完成率")
    }
    | {"科室": st.column_config.TextColumn(width=110)},
)

if ctx.actor.role in ("office", "leader"):  # 科室考评 as it stands (#35): the same result as its page
    standing = reads.assessment_result(ctx, ctx.plan_id, ctx.as_of, ctx.year)
    weighed = any(s.leader for s in reads.assessment_schemes(ctx, ctx.plan_id).values())
    st.subheader(f"科室考评（{'已锁定' if standing.locked else '预估'}）")
    st.caption(
        "按绩效办的考评方案计算的各部分得分、调整、合计，排名和等次在组内评定；不受左侧筛选条件影响。"
        + ("" if standing.locked else "年终由绩效办锁定前均为预估，随填报变化。")
    )
    board = tables.assessment_results(standing.table, group=True, leader=weighed)
    widgets.table(
        board,
        "方案中没有可考评的科室。",
        width="stretch",
        height=widgets.table_height(len(board), 760),
        column_config=widgets.assessment_columns(board),
    )
    widgets.page_link("pages/assessment.py", "到“科室考评”查看各部分的计算和明细 →")

st.subheader("科室明细")
section = st.selectbox("科室", list(rows["section"]), key="drill_section")
mine = state[state["sections"].map(lambda secs: section in list(secs))]
lead = mine[mine["lead_section"] == section]
co = mine[mine["lead_section"] != section]
# One list at a time (tabs would send and draw both), and a target's panel (its timeline chart)
# once one is chosen: what the page draws at first sight is the ranking and the tables.
labels = {"lead": f"牵头目标（{len(lead)}）", "co": f"协作目标（{len(co)}）"}
part = st.radio(
    "目标清单", list(labels), format_func=labels.get, horizontal=True, label_visibility="collapsed", key="drill_part"
)
shown = tables.target_list(lead if part == "lead" else co)
empty = "该科室没有牵头的目标。" if part == "lead" else "该科室没有协作的目标。"
widgets.table(shown, empty, width="stretch", column_config=widgets.target_list_columns(shown))
if len(mine):
    target = st.selectbox(
        "查看目标",
        list(mine["code"]),
        index=None,
        format_func=lambda c: f"{c} {mine.set_index('code').loc[c, 'target'][:40]}",
        placeholder="选择一个目标，查看它的各项信息和填报记录",
        key="drill_target",
    )
    if target is not None:
        widgets.target_panel(ctx, state, target)
