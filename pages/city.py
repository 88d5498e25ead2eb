"""全市总览 (#38): every unit of the city in one table — plan, this period's reporting, completion
against 序时进度, score and grade under its own plan's rules, 滞后/逾期, 督办, year-end status —
ranked within the city's groups; the groups side by side; the shared indicators compared across
units; a row opens that unit's own pages (read-only for the city)."""

import streamlit as st

from perfdash.app import actions, city_view, reads, ui, widgets
from perfdash.core import fmt
from perfdash.present import city_board

# 全市一览's columns: eighteen under the page's 904 px at 1366 (sidebar open), short headers with the
# meaning in each one's help; a column with a gap (a unit without a plan) is shown as text.
COLUMNS = {
    "单位": st.column_config.TextColumn(width=100, pinned=True),
    "分组": st.column_config.TextColumn(width=70),
    "组内排名": st.column_config.NumberColumn("排名", width=40, help="组内按当前得分排名"),
    "本期报送": st.column_config.TextColumn("报送", width=46, help="本期已报送的科室 / 应报送的科室"),
    "最近填报": st.column_config.DateColumn("最近", format="MM-DD", width=46, help="最近一次填报的日期"),
    "完成率": st.column_config.NumberColumn("完成", format="%d%%", width=44, help="按分值加权的完成率"),
    "序时进度": st.column_config.NumberColumn("序时", format="%d%%", width=44, help="序时进度（按分值加权）"),
    "差距": st.column_config.NumberColumn(format="%+d", width=40, help="完成率与序时进度之差（百分点）"),
    "当前得分": st.column_config.NumberColumn("得分", format="%.2f", width=50, help="当前得分（正式口径）"),
    "预计得分": st.column_config.NumberColumn("预计", format="%.2f", width=50, help="预计年终得分"),
    "等次": st.column_config.TextColumn(width=40, help="当前等次"),
    "滞后": st.column_config.NumberColumn(width=36, help="滞后的目标（黄色、红色和逾期）"),
    "逾期": st.column_config.NumberColumn(width=36, help="逾期未完成的目标"),
    "督办": st.column_config.NumberColumn(width=36, help="未办结的督办单"),
    "督办逾期": st.column_config.NumberColumn("超期", width=36, help="逾期未办结的督办单"),
    "自评": st.column_config.TextColumn(width=46, help="已提交自评的目标 / 全部目标"),
    "佐证缺项": st.column_config.NumberColumn("缺项", width=36, help="迎检佐证材料的缺项"),
    "需要关注": st.column_config.TextColumn("关注", width=60, help="需要关注的原因（全文见上方“需要关注”）"),
}

ctx = city_view.setup("全市总览")
ui.flash()
everything = reads.city_table(ctx, ctx.year, ctx.as_of)
table = ctx.pick(everything)

st.title(f"{ctx.year}年度市直单位绩效目标 · 全市总览")
demo = "（演示数据）" if ctx.is_demo else ""
scope = f"已筛选 {len(table)}/{len(everything)} 个单位" if ctx.groups else f"共 {len(everything)} 个单位"
st.caption(
    f"统计截至 {fmt.day(ctx.as_of)}{demo}；{scope}。完成率按各单位方案的分值加权，"
    "得分和等次按各单位方案存储的计分规则；排名在组内按当前得分。点表中的一行，打开该单位的看板（只读）。"
)
if table.empty:
    st.info("所选分组中没有单位。")
    st.stop()

head = city_board.headline(table)
cols = st.columns(5)
cols[0].metric("单位", f"{head['units']} 个")
cols[1].metric("已导入方案", f"{head['plans']} 个", help="本年度已导入绩效方案的单位")
cols[2].metric(
    "本期全部报送",
    f"{head['all_reported']} 个",
    help=f"本期各科室都已报送进度的单位；已报送的科室合计 {head['sections_reported']}/{head['sections_total']}",
)
if head["completion"] is None:
    cols[3].metric("平均完成率", "—")
else:
    cols[3].metric(
        "平均完成率",
        fmt.pct(head["completion"]),
        delta=f"{head['gap']:+d} 个百分点",
        help=f"各单位加权完成率的平均，对比各单位序时进度的平均 {fmt.pct(head['expected'])}",
    )
cols[4].metric(
    "需要关注", f"{head['attention']} 个", help="无方案、尚无填报、连续两期未报送、远落后于序时进度或督办逾期的单位"
)
st.caption(f"当前等次分布：{city_board.grade_text(head['grades'])}。")

VIEWS = ["全市一览", "分组排名", "共同指标"]
if ctx.account.role == city_view.CITY_ROLE:
    VIEWS.append("分组设置")
view = st.segmented_control("查看", VIEWS, default=VIEWS[0], key="city_view", label_visibility="collapsed")
view = view or VIEWS[0]

if view == "全市一览":
    concerned = ctx.pick(reads.city_attention(ctx, ctx.year, ctx.as_of))
    if len(concerned):
        st.subheader(f"需要关注（{concerned['unit'].nunique()} 个单位）")
        widgets.table(
            concerned.rename(columns={"unit": "单位", "group": "分组", "reason": "原因"})[["单位", "分组", "原因"]],
            "没有需要关注的单位。",
            width="stretch",
            height=widgets.table_height(len(concerned), 250),
            key="city_attention",
        )
    st.subheader("各单位一览")
    shown = city_board.chinese(city_board.board(city_board.ordered(table)))
    opened = city_board.board(city_board.ordered(table))["plan_id"]
    shown, config = city_view.gapless(shown, COLUMNS)
    event = st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        height=widgets.table_height(len(shown), 640),
        on_select="rerun",
        selection_mode="single-row",
        key="city_table",
        column_config=config,
    )
    picked = event.selection.rows if event is not None else []
    if picked and opened.iloc[picked[0]] is not None and str(opened.iloc[picked[0]]) != "<NA>":
        city_view.open_unit(ctx, int(opened.iloc[picked[0]]))
    with_plan = [(u, int(p)) for u, p in zip(shown["单位"], opened, strict=True) if str(p) != "<NA>"]
    left, _, far = st.columns([3, 2, 3], vertical_alignment="bottom")
    # choosing a unit opens it at once, as a row of the table does (a widget's value, unlike a
    # button's click, survives the run Streamlit's page-folder mode may start over)
    unit = left.selectbox(
        "打开单位的看板",
        [u for u, _ in with_plan],
        index=None,
        placeholder="选择单位，打开其总览…",
        key="city_open_unit",
    )
    if unit is not None:
        city_view.open_unit(ctx, dict(with_plan)[unit])
    far.download_button(
        "下载全市汇总表（Excel）",
        lambda: reads.city_summary_xlsx(ctx, ctx.year, ctx.as_of, ctx.groups),
        file_name=f"全市绩效汇总表_{ctx.year}_{ctx.as_of.isoformat()}{'_演示数据' if ctx.is_demo else ''}.xlsx",
        key="city_xlsx",
    )

elif view == "分组排名":
    st.subheader("各组情况")
    groups = city_board.groups_board(table)
    widgets.table(
        groups,
        "没有分组。",
        width="stretch",
        height=widgets.table_height(len(groups), 400),
        key="city_groups_table",
        column_config={
            "平均完成率": st.column_config.NumberColumn(format="%d%%"),
            "序时进度": st.column_config.NumberColumn(format="%d%%"),
            "差距": st.column_config.NumberColumn(format="%+d", help="平均完成率与序时进度之差（百分点）"),
        },
    )
    st.subheader("各单位完成率与序时进度")
    st.plotly_chart(
        reads.city_chart(ctx, ctx.year, ctx.as_of, ctx.groups), config={"displaylogo": False}, key="city_chart"
    )
    st.caption("每个点是一个单位的加权完成率（颜色按落后序时进度的程度），短横线是它的序时进度；按分组、组内排名排列。")

elif view == "共同指标":
    shared = ctx.pick(reads.city_shared(ctx, ctx.year, ctx.as_of))
    st.subheader("共同指标")
    st.caption(
        "各单位方案中的行政能力和共同指标（精神文明、平安建设、安全生产、消防安全等），按编号和名称对应；格内为该指标的加权完成率。"
    )
    if shared.empty:
        st.info("所选单位的方案中没有能对应起来的共同指标。")
    else:
        pivot = city_board.shared_pivot(shared)
        widgets.table(
            pivot,
            "没有共同指标。",
            width="stretch",
            height=widgets.table_height(len(pivot), 640),
            key="city_shared_table",
            column_config={"单位": st.column_config.TextColumn(width=100, pinned=True)}
            | {c: st.column_config.NumberColumn(format="%d%%") for c in pivot.columns if c not in ("单位", "分组")},
        )

else:  # 分组设置: the city's groups and whether a unit sees its peers' names
    st.subheader("分组设置")
    st.caption(
        "分类考评：单位在组内排名。组名直接输入（如 经济调节、市场监管、社会管理、公共服务）；"
        "组名留空即未分组，未分组的单位在“未分组”中排名，不显示同组单位。"
    )
    current = reads.city_groups(ctx)
    edited = st.data_editor(
        city_board.group_editor(current),
        hide_index=True,
        width="stretch",
        disabled=["单位"],
        key="city_group_editor",
        height=widgets.table_height(len(current), 520),
    )
    if st.button("保存分组", type="primary", key="city_group_save"):
        actions.save(
            lambda: actions.set_unit_groups(ctx, dict(zip(edited["单位"], edited["分组"], strict=True))),
            "已保存分组。",
        )
    visible = reads.city_names_visible(ctx)
    shown = st.toggle("各单位可以看到同组其他单位的名称", value=visible, key="city_names_visible")
    if shown != visible:
        actions.save(lambda: actions.set_names_visible(ctx, shown), "已保存。")
