"""年终预测: each target's year-end forecast, the Monte Carlo distribution of the total with the
probability of each grade, and the points at risk (the office's to-do list)."""

import streamlit as st

from perfdash.app import reads, ui, widgets
from perfdash.core import fmt
from perfdash.present import tables
from perfdash.workflows import forecast
from perfdash.workflows.scoring import RULE_LABELS

ctx = ui.page_setup("年终预测")
st.title("年终得分预测")
official = reads.official_rules(ctx, ctx.plan_id)  # the plan's stored rules: the forecast's by default
rule = st.radio(
    "计分规则",
    list(RULE_LABELS),
    index=list(RULE_LABELS).index(official.rules.rule),
    format_func=RULE_LABELS.get,
    horizontal=True,
    key="fc_rule",
    help="默认为本方案的正式计分规则；改换计分方式即为模拟",
)
rules = official.rules.with_rule(rule)

# Leaders see the forecast; the method's settings (draws, seed) and its backtest (coverage, Brier
# score) are the office's, in 方法与可靠性 below the forecast. The forecast's place on the page is
# taken first, so that the settings, read further down, come before the numbers they shape.
office = ctx.actor.role == "office"
shown = st.container()
draws, seed = forecast.DRAWS, forecast.SEED  # the fixed simulation every page and the CLI use
if office:
    method = st.expander("方法与可靠性")
    with method:
        c1, c2 = st.columns(2)
        draws = c1.number_input("模拟次数", 10_000, 100_000, forecast.DRAWS, step=10_000, key="fc_draws")
        seed = c2.number_input("随机种子", 0, 10**6, forecast.SEED, key="fc_seed")
        st.caption(
            f"每个目标按最近 {forecast.RECENT_WEEKS} 周的填报拟合推进速度，延续到年底（不超过 100%、不低于当前）；"
            "不确定性随剩余时间增长，并取决于该目标填报的波动、"
            "推进速度的可信程度和状态；各目标还共同受全局因素影响。"
            f"对全部目标做 {int(draws):,} 次模拟，预测总分取模拟的中位数；同一随机种子得到同一结果。"
        )

fc, sim, risk = reads.forecast(ctx, ctx.plan_id, ctx.as_of, ctx.year, rules.to_json(), int(draws), int(seed))
with shown:
    st.caption(
        f"统计截至 {fmt.day(ctx.as_of)}{ui.demo_badge(ctx)}。预测，非正式结果：按各目标近期的推进速度估算到年底，"
        "绩效办已评分和科室已自评的目标按其得分计。等次按得分占方案总分的比例划分。"
        + (f"{official.source()}。" if rules == official.rules else "**计分方式与正式规则不同：模拟。**")
    )

    low, high = sim.interval()
    m = st.columns(len(sim.grade_probability) + 1)
    m[0].metric(
        "预测总分", fmt.score(sim.base_total, unit=True), help=f"80% 的模拟落在 {fmt.score(low)}–{fmt.score(high)} 分"
    )
    for col, (name, p) in zip(m[1:], sim.grade_probability.items(), strict=True):
        col.metric(f"{name}的概率", fmt.pct(p * 100))

    st.subheader("总分分布")
    histogram = reads.score_histogram(ctx, ctx.plan_id, ctx.as_of, ctx.year, rules.to_json(), int(draws), int(seed))
    st.plotly_chart(histogram, config={"displaylogo": False}, key="histogram")
    with st.container():  # the page's full width: eight columns do not fit beside the histogram at 1366 px
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

if office:
    with method:
        st.markdown("**预测的可靠性**")
        st.caption(
            "回测：从历史上每个周截止日出发，只用当时已知的填报预测年终，再与最近一次填报时的实际情况对比。"
            "80% 区间应覆盖约 80% 的结果：明显更高说明预测过于保守，更低说明过于自信。"
            "Brier 分数衡量等次概率，0 为完全准确。"
        )
        if st.toggle("运行回测（约需数秒）", key="fc_backtest"):
            try:
                bt = reads.backtest(ctx, ctx.plan_id, ctx.year, rules.to_json())
            except reads.StoreError as exc:
                st.info(str(exc))
            else:
                if bt.weeks.empty:
                    st.info("历史填报还不够长（至少需要 9 周），暂时无法回测。")
                else:
                    b = st.columns(3)
                    b[0].metric(
                        "目标的 80% 区间覆盖率",
                        fmt.pct(bt.target_coverage * 100),
                        help=f"{bt.checked} 个未完成目标的预测",
                    )
                    b[1].metric(
                        "总分的 80% 区间覆盖率", fmt.pct(bt.total_coverage * 100), help=f"{len(bt.weeks)} 个周截止日"
                    )
                    b[2].metric("等次概率的 Brier 分数", f"{bt.brier:.3f}")
                    st.plotly_chart(
                        reads.backtest_band(ctx, ctx.plan_id, ctx.year, rules.to_json()),
                        config={"displaylogo": False},
                        key="backtest",
                    )
                    st.dataframe(tables.backtest_weeks(bt.weeks), hide_index=True, width="stretch")
