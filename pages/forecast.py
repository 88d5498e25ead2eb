"""年终预测: each target's year-end forecast, the Monte Carlo distribution of the total with the
probability of each grade, and the points at risk (the office's to-do list)."""

import streamlit as st

from perfdash.app import ui, widgets
from perfdash.core import fmt
from perfdash.present import charts, tables
from perfdash.workflows import forecast
from perfdash.workflows.scoring import RULE_LABELS, Rules

ctx = ui.page_setup("年终预测")
st.title("年终得分预测")
c1, c2, c3 = st.columns([2, 1, 1])
rule = c1.radio("计分规则", list(RULE_LABELS), format_func=RULE_LABELS.get, horizontal=True, key="fc_rule")
draws = c2.number_input("模拟次数", 10_000, 100_000, 10_000, step=10_000, key="fc_draws")
seed = c3.number_input("随机种子", 0, 10**6, 2025, key="fc_seed")
rules = Rules(rule=rule)

fc, sim, risk = ui.forecast(ctx, rules.to_json(), int(draws), int(seed))
st.caption(
    f"统计截至 {fmt.day(ctx.as_of)}{ui.demo_badge(ctx)}。每个目标按最近 {forecast.RECENT_WEEKS} 周的填报拟合推进速度，"
    "延续到完成时限（不超过 100%、不低于当前），不确定性来自其填报的波动、剩余时间和状态；"
    f"对全部目标做 {int(draws):,} 次模拟。等次按得分占方案总分的比例划分，分界为本局暂定，并非官方标准。"
)

m = st.columns(len(sim.grade_probability) + 1)
m[0].metric(
    "预测总分", fmt.points(sim.base_total), help=f"模拟中位数 {float(sorted(sim.totals)[len(sim.totals) // 2]):.1f} 分"
)
for col, (name, p) in zip(m[1:], sim.grade_probability.items(), strict=True):
    col.metric(f"{name}的概率", fmt.pct(p * 100))

left, right = st.columns([3, 2])
with left:
    st.subheader("总分分布")
    histogram = ui.figure(
        ctx, lambda: charts.score_histogram(sim.totals, rules.bands, sim.base_total), rule, draws, seed
    )
    st.plotly_chart(histogram, config={"displaylogo": False}, key="histogram")
with right:
    st.subheader("失分风险最大的目标")
    top = risk.attrs["top_grade"]
    st.caption(
        f"按预计失分（分值 × (1 − 预测完成率)）排序；“{top}概率提升”为该目标如期完成时，"
        f"获评{top}的概率（当前 {fmt.pct(risk.attrs['top_grade_probability'] * 100)}）能提高多少。"
    )
    st.dataframe(
        tables.points_at_risk(risk.head(15)),
        hide_index=True,
        width="stretch",
        column_config=widgets.percent_columns("当前完成率", "预测完成率"),
    )

with st.expander("全部目标的预测"):
    st.dataframe(
        tables.points_at_risk(risk),
        hide_index=True,
        width="stretch",
        column_config=widgets.percent_columns("当前完成率", "预测完成率"),
    )
