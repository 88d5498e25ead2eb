"""总览: the plan's structure, headline numbers and the plan's validation."""

import streamlit as st

from perfdash.app import city_view, reads, ui, widgets
from perfdash.core import fmt, schedule
from perfdash.workflows import forecast, supervision

ctx = ui.page_setup("总览", with_filters=True)
everything = reads.target_state(ctx, ctx.plan_id, ctx.as_of, ctx.year)
state = ctx.filters.apply(everything)
head = reads.headline(ctx, ctx.plan_id, ctx.as_of, ctx.year, ctx.filters)
checks = reads.plan_checks(ctx, ctx.plan_id)

st.title(f"{fmt.md(ctx.unit)}{ctx.year}年度绩效目标 · 总览")
st.caption(
    f"统计截至 {fmt.day(ctx.as_of)}{ui.demo_badge(ctx)}；{widgets.filter_note(ctx, len(state), len(everything))}。"
    "完成率按分值加权。"
)
widgets.period_note(ctx)  # a section: 本期已报 N 条 ✓, on the dashboards once the period is closed
if state.empty:
    st.info("没有符合筛选条件的目标。")
    st.stop()
if not reads.reported(ctx, ctx.plan_id, ctx.as_of):  # a new plan: counts, no score, no forecast, no red
    widgets.no_reports_yet(ctx, state)
    st.stop()

cols = st.columns(5)
cols[0].metric("年度工作目标", f"{head['targets']} 项", help="考评表中的年度工作目标数")
cols[1].metric("总分值", fmt.points(head["points"]))
cols[2].metric(
    "加权完成率",
    fmt.pct(head["completion_pct"]),
    delta=f"{fmt.shown_gap(head['completion_pct'], head['expected_pct']):+d} 个百分点",
    help=f"对比序时进度 {fmt.pct(head['expected_pct'])}（按分值加权）",
    delta_color="normal",
)
cols[3].metric("已完成", f"{head['done']} 项")
cols[4].metric("滞后", f"{head['late']} 项", help=f"其中逾期未完成 {head['overdue']} 项。{schedule.lag_rule_text()}")
# 核验口径 (#34): a completion reported but not yet accepted by the office does not count in the
# official score; where any target's counted completion differs, say so beside the headline.
counted = reads.counted_headline(ctx, ctx.plan_id, ctx.as_of, ctx.year, ctx.filters)
if counted["differs"]:
    waiting = "、".join(
        f"{label} {counted[key]} 项" for key, label in (("pending", "待核验"), ("returned", "已退回")) if counted[key]
    )
    # one decimal when the whole percents would read the same (86% beside 86% says nothing)
    same = round(counted["completion_pct"]) == round(head["completion_pct"])
    shown = (lambda x: f"{x:.1f}%") if same else fmt.pct
    c1, c2 = st.columns([4, 1], vertical_alignment="center")
    c1.markdown(
        f"核验口径加权完成率 **{shown(counted['completion_pct'])}**（填报 {shown(head['completion_pct'])}）："
        f"{waiting or str(counted['differs']) + ' 项目标未经核验'}，正式得分按核验口径计",
        help="报完成（已完成或 100%）的填报经绩效办核验通过后才计入正式得分；待核验、已退回的目标按此前的完成率计分。",
    )
    with c2:
        widgets.page_link("pages/verification.py", "核验与迎检 →")

# The whole plan's standing, whatever the filters: the one score (as 综合评估, the report and the CLI
# count it) and the year-end forecast (as the meeting screen shows it).
official = reads.official_rules(ctx, ctx.plan_id)  # the plan's stored rules (defaults: grades 暂定)
rules_json = official.rules.to_json()
now = reads.score_sheet(ctx, ctx.plan_id, ctx.as_of, ctx.year, rules_json).result
_, sim, _ = reads.forecast(ctx, ctx.plan_id, ctx.as_of, ctx.year, rules_json, forecast.DRAWS, forecast.SEED)
possible = float(everything["points"].sum())
previous = reads.previous_plan(ctx, ctx.unit, ctx.year)
y = st.columns(4)  # a score and its grade side by side: "85.53 分 · 良好（暂定）" does not fit one column
y[0].metric(
    "当前得分",
    fmt.score(now.total, unit=True),
    help=f"满分 {fmt.points(possible)}；绩效办评分优先，其次科室自评得分，其余按统计日期的完成率计分"
    "（核验口径：报完成的填报经绩效办核验通过后才计入）。"
    f"{official.source()}",
)
# 暂定 beside the label, not the value: "良好（暂定）" in a metric's large type is cut at 1366 px
provisional = official.grade_label("")  # "（暂定）" under rules nobody set, else ""
y[1].metric(f"当前等次{provisional}", now.grade, help=official.source())
y[2].metric(
    f"预计年终得分（{ctx.year}）",
    fmt.score(sim.base_total, unit=True),
    help="按各目标的推进速度预测年终（模拟的中位数），预测，非正式结果",
)
y[3].metric(f"预计等次{provisional}", sim.base_grade, help=official.source())
if previous is not None:  # the same unit's previous year, beside this one (under its own rules)
    last = reads.year_result(ctx, int(previous["plan_id"]))
    carried = reads.carryovers_confirmed(ctx, ctx.plan_id)
    st.caption(
        f"上年度（{last.year}）{'最终' if last.final else '截至 ' + fmt.day(last.as_of)}："
        f"{fmt.score(last.total, unit=True)} · {last.grade_label}（满分 {fmt.points(last.possible)}）；"
        f"延续上年度的目标（已确认）{len(carried)} 项，在“方案管理”中确认。"
    )

# 未报送 is about 本期, the open reporting period, as on 督办与催报 (a report in it takes a section off).
period = ctx.open_period
silent = reads.not_reported(ctx, ctx.plan_id, period.start, period.end) if period else None
levels = reads.orders(ctx, ctx.plan_id, ui.today())["level"].value_counts()  # 督办 runs on the calendar
notes = []
if silent is not None and not silent.empty:
    notes.append(f"本期（{period.name}，{period.days}）未报送的科室：{'、'.join(silent['section'])}")
if levels.drop(supervision.CLOSED, errors="ignore").sum():
    notes.append(
        "未办结督办："
        + "，".join(
            f"{lv} {int(levels.get(lv, 0))} 件" for lv in (supervision.RED, supervision.ORANGE, supervision.BLUE)
        )
    )
if notes:
    st.warning("；".join(notes) + "。详见“督办与催报”。")

st.subheader("分组完成情况")
left, right = st.columns([3, 2])
with left:  # bars drawn as HTML (charts_html.points_bars): no Plotly to draw at first sight
    st.html(reads.group_bars_html(ctx, ctx.plan_id, ctx.as_of, ctx.year, ctx.filters))
with right:
    groups = reads.group_summary(ctx, ctx.plan_id, ctx.as_of, ctx.year, ctx.filters)
    st.dataframe(
        groups.drop(columns=["structure_points"]).rename(
            columns={
                "group": "目标组",
                "targets": "目标数",
                "points": "分值",
                "completion_pct": "加权完成率",
                "earned_points": "折算得分",
            }
        ),
        hide_index=True,
        width="stretch",
        # narrow columns: the table sits in two fifths of the page and must fit at 1366 px
        column_config={
            "目标组": st.column_config.TextColumn(width=70),
            "目标数": st.column_config.NumberColumn("目标", width=44),
            "分值": st.column_config.NumberColumn(width=50),
            "加权完成率": st.column_config.ProgressColumn(
                "完成率", format="%.0f%%", min_value=0, max_value=100, width=90
            ),
            "折算得分": st.column_config.NumberColumn(
                "得分", format="%.1f", width=56, help="分值 × 填报完成率；正式得分（核验口径）见上方“当前得分”"
            ),
        },
        key="group_table",
    )
st.caption(schedule.lag_rule_text())

# The sunburst is the page's costliest drawing (every target a sector with its label): drawn on
# demand, nothing is sent while the toggle is off.
st.subheader("目标结构（目标组 → 一级指标 → 年度工作目标）")
if st.toggle("显示目标结构图（旭日图，点击扇区可逐级展开）", key="structure_shown"):
    sunburst = reads.plan_sunburst(ctx, ctx.plan_id, ctx.as_of, ctx.year, ctx.filters)
    st.plotly_chart(sunburst, config={"displaylogo": False}, key="sunburst")
    st.caption("扇区大小为分值，颜色为按分值加权的完成率。点击扇区可逐级展开。")

st.subheader("方案校验")
bad = checks[~checks["ok"]]
if bad.empty:
    st.success(f"考评表结构完整：{len(checks)} 项校验全部一致。")
else:
    st.warning(f"{len(checks)} 项校验中有 {len(bad)} 项提示：")
    for message in bad["message"]:
        st.markdown(f"- {fmt.md(message)}")
with st.expander("全部校验项"):
    st.dataframe(
        checks.rename(
            columns={
                "check_name": "校验",
                "subject": "对象",
                "expected": "应为",
                "actual": "实际",
                "ok": "一致",
                "message": "说明",
            }
        ),
        hide_index=True,
        width="stretch",
        key="checks_table",
    )

# 同组单位 (#38): an account of a unit sees its rank in the city's group and its peers (anonymous
# unless the city shows names); nothing until the city has put the unit in a group.
city_view.peer_block(ctx)
