"""量化指标: each target's numeric commitments (reviewed by the office), their actuals, and
whether a target's completion is computed from them."""

from datetime import date

import pandas as pd
import streamlit as st

from perfdash.app import actions, reads, ui, widgets
from perfdash.core import fmt
from perfdash.plan.kpis import COMPARATOR_LABELS
from perfdash.present import tables

ctx = ui.page_setup("量化指标")
actor = ctx.actor
st.title("量化指标")
ui.flash()
state = reads.target_state(ctx, ctx.plan_id, ctx.as_of, ctx.year)
table = reads.kpis_with_actuals(ctx, ctx.plan_id, ctx.as_of)
with_kpis = table["code"].nunique()
st.caption(
    f"{len(state)} 项目标中 {with_kpis} 项含量化指标，共 {len(table)} 项；其中 "
    f"{int(table.drop_duplicates('code')['reviewed'].sum())} 项目标的指标已经绩效办审核（其余为系统从目标文本中提取）。"
    "完成率默认由科室直接填报；设为“按量化指标计算”的目标，完成率取各指标实际值与目标值之比（封顶 100%）的平均。"
)
widgets.table(
    tables.kpi_table(table),
    "方案中没有含量化指标的目标。",
    width="stretch",
    height=320,
    column_config=widgets.percent_columns("达成率"),
)

labels = {r.code: f"{r.code} {r.target[:30]}" for r in state.itertuples()}
code = st.selectbox("目标", list(labels), format_func=labels.get, key="kpi_code")
row = state.set_index("code").loc[code]
st.markdown(f"**{fmt.md(code)}** {fmt.md(row['target'])}")
mine = table[table["code"] == code]
st.caption(f"完成率来源：{row['completion_source']}；当前完成率 {fmt.pct(row['completion_pct'])}。")

if actor.role == "office":
    st.subheader("审核指标")
    frame = pd.DataFrame(
        {
            "value": mine["value"].astype(float),
            "unit": mine["unit"].astype(str),
            "comparator": mine["comparator"].astype(str),
            "subject": mine["subject"].astype(str),
            "phrase": mine["phrase"].astype(str),
        }
    ).reset_index(drop=True)
    edited = st.data_editor(
        frame,
        num_rows="dynamic",
        key=f"kpi_editor_{code}",
        hide_index=True,
        width="stretch",
        column_config={
            "value": st.column_config.NumberColumn("目标值", min_value=0.0, required=True),
            "unit": st.column_config.TextColumn("单位"),
            "comparator": st.column_config.SelectboxColumn("比较", options=list(COMPARATOR_LABELS), required=True),
            "subject": st.column_config.TextColumn("计量对象"),
            "phrase": st.column_config.TextColumn("原文短语", required=True),
        },
    )
    c1, c2 = st.columns(2)
    if c1.button("保存审核结果", key="kpi_review"):
        rows = edited.dropna(subset=["value", "comparator", "phrase"]).to_dict("records")
        actions.save(lambda: actions.review_kpis(ctx, code, rows), f"已保存 {code} 的 {len(rows)} 项量化指标。")
    by_kpi = reads.uses_kpis(ctx, ctx.plan_id, code)
    if c2.toggle("按量化指标计算完成率", value=by_kpi, key=f"kpi_mode_{code}") != by_kpi:
        actions.save(
            lambda: actions.set_completion_mode(ctx, code, "direct" if by_kpi else "kpi"),
            "已更新完成率来源。",
        )

if actor.role in ("office", "section") and not mine.empty:
    st.subheader("填报实际值")
    with st.form(f"kpi_actuals_{code}"):
        day = st.date_input(
            "填报日期",
            value=ctx.report_day,
            min_value=date(ctx.year, 1, 1),
            max_value=ctx.report_day,
            key="kpi_day",
        )
        values = {}
        for r in mine.itertuples():
            values[r.phrase] = st.number_input(
                f"{r.phrase}（目标 {COMPARATOR_LABELS[r.comparator]} {r.value:g}{r.unit}）",
                min_value=0.0,
                value=None if pd.isna(r.actual) else float(r.actual),
                key=f"kpi_actual_{code}_{r.seq}",
            )
        if st.form_submit_button("保存实际值"):
            given = {p: v for p, v in values.items() if v is not None}
            actions.save(
                lambda: actions.report_kpi_actuals(ctx, code, given, day),
                f"已保存 {len(given)} 项实际值。",
            )
