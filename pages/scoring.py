"""评分模拟: project the year-end score against 70/20/4/4/1/1, try what-ifs, save and compare
scenarios, record 加分/扣分, export the 自评表."""

import streamlit as st

from perfdash.app import actions, reads, ui
from perfdash.core import fmt
from perfdash.present import exports, tables
from perfdash.workflows import forecast, scoring
from perfdash.workflows.scoring import ADJUSTMENT_KINDS, BASES, RULE_LABELS, Rules

ctx = ui.page_setup("评分模拟")
actor = ctx.actor
st.title("评分模拟")
ui.flash()
state = reads.target_state(ctx, ctx.plan_id, ctx.as_of, ctx.year)
adjustment_rows = reads.adjustments(ctx, ctx.plan_id)
adjustments = scoring.adjustments_of(adjustment_rows)

# -- settings ------------------------------------------------------------------------------------
if "_sim_rule_loaded" in st.session_state:  # a loaded scenario brings its rule (set before the widget exists)
    st.session_state["sim_rule"] = st.session_state.pop("_sim_rule_loaded")
c1, c2, c3, c4 = st.columns([2, 2, 1, 1])
base = c1.radio("起点", list(BASES), format_func=BASES.get, horizontal=True, key="sim_base")
rule = c2.radio("计分规则", list(RULE_LABELS), format_func=RULE_LABELS.get, horizontal=True, key="sim_rule")
late = c3.number_input("逾期每月扣分比例(%)", 0, 100, 0, step=5, key="sim_late")
cap = c4.number_input("逾期扣分上限(%)", 0, 100, 50, step=10, key="sim_late_cap")
rules = Rules(rule=rule, late_share_per_month=late / 100, late_cap=cap / 100)
steps = "、".join(f"≥{t:g}% 得 {p:.0%}" for t, p in rules.steps)
st.caption(
    f"等次按得分占方案总分（{fmt.points(float(state['points'].sum()))}）的比例：优秀 ≥ 90%、良好 ≥ 80%、"
    "一般 ≥ 60%、较差 < 60%；这些分界和分档计分的档位是本局暂定的，并非官方标准，由绩效办确定。"
    f"分档计分：100% 得满分，{steps}，低于 {rules.floor:g}% 不得分。统计截至 {fmt.day(ctx.as_of)}{ui.demo_badge(ctx)}。"
)

fc = (
    reads.forecast(ctx, ctx.plan_id, ctx.as_of, ctx.year, rules.to_json(), forecast.DRAWS, 2025)[0]
    if base == "forecast"
    else None
)
if st.session_state.get("_sim_base_seen") != base:  # a new starting point starts clean
    st.session_state["_sim_base_seen"] = base
    st.session_state["sim_overrides"] = {}
    st.session_state.pop("sim_editor", None)
    st.session_state.pop("sim_name", None)
overrides: dict[str, float] = st.session_state.setdefault("sim_overrides", {})
values = scoring.base_values(state, base, fc) | overrides

# -- bulk changes and per-target edits ------------------------------------------------------------
with st.expander("批量调整（如：中教科的全部目标按 90% 计）", expanded=False):
    b1, b2, b3, b4 = st.columns([1, 2, 1, 1])
    dims = {"section": "责任科室", "indicator": "一级指标", "leader": "分管领导", "group": "目标组"}
    by = b1.selectbox("维度", list(dims), format_func=dims.get, key="sim_bulk_by")
    sections, leaders = reads.sections_and_leaders(ctx, ctx.plan_id)
    choices = {
        "section": sections,
        "indicator": list(dict.fromkeys(state["indicator_code"])),
        "leader": leaders,
        "group": list(dict.fromkeys(state["group"])),
    }[by]
    which = b2.selectbox("对象", choices, key="sim_bulk_value")
    pct = b3.number_input("完成率(%)", 0.0, 100.0, 90.0, step=5.0, key="sim_bulk_pct")
    b4.button("应用", key="sim_bulk_apply")
    st.button("恢复起点数值", key="sim_reset")

frame = scoring.simulation_frame(state, values)
edited = st.data_editor(
    frame,
    key="sim_editor",
    hide_index=True,
    width="stretch",
    height=320,
    disabled=["code", "target", "lead_section", "points", "current_pct"],
    column_config={
        "code": st.column_config.TextColumn("编号", width="small"),
        "target": st.column_config.TextColumn("年度工作目标", width="large"),
        "lead_section": st.column_config.TextColumn("牵头科室"),
        "points": st.column_config.NumberColumn("分值", format="%.1f"),
        "current_pct": st.column_config.ProgressColumn("当前完成率", format="%.0f%%", min_value=0, max_value=100),
        "sim_pct": st.column_config.NumberColumn("模拟完成率(%)", min_value=0, max_value=100, step=1),
    },
)
values = dict(zip(edited["code"], edited["sim_pct"].fillna(0).astype(float), strict=True))
if st.session_state.get("sim_bulk_apply") or st.session_state.get("sim_reset"):
    if st.session_state.get("sim_reset"):
        st.session_state["sim_overrides"] = {}
        st.session_state.pop("sim_name", None)
    else:
        changed = {c: v for c, v in values.items() if v != frame.set_index("code").loc[c, "sim_pct"]}
        st.session_state["sim_overrides"] = overrides | changed | scoring.bulk_set(state, by, which, pct)
    st.session_state.pop("sim_editor", None)
    st.rerun()

# -- the result ----------------------------------------------------------------------------------
what_if = tuple(sorted(values.items()))  # the simulated completions: part of the cache key
sheet = reads.evaluation_sheet(ctx, ctx.plan_id, ctx.as_of, ctx.year, rules.to_json())  # the one score
now = sheet.result
result = reads.what_if(ctx, ctx.plan_id, ctx.as_of, ctx.year, rules.to_json(), what_if)
changed = len(scoring.changed_codes(state, values))
label = scoring.simulation_label(st.session_state.get("sim_name", ""), base, rules, changed, ctx.as_of)
st.warning(f"**{label.banner}**（起点：{BASES[base]}，改动完成率的目标 {changed} 项）。正式自评表在“综合评估”导出。")
m = st.columns(4)
m[0].metric("模拟总分", fmt.score(result.total, unit=True), delta=f"{result.total - now.total:+.2f} 分（对比当前）")
m[1].metric("模拟等次", result.grade + ("（一票否决封顶）" if result.vetoed else ""))
m[2].metric("加分 / 扣分", f"+{fmt.score(result.bonus)} / −{fmt.score(result.deduction)}")
m[3].metric(
    "当前得分",
    f"{fmt.score(now.total, unit=True)} · {now.grade}",
    help="与“综合评估”、评估报告和命令行相同：绩效办评分优先，其次科室自评得分，其余按统计日期的完成率计分",
)

left, right = st.columns([2, 3])
with left:
    st.subheader("分组得分")
    st.dataframe(tables.group_scores(scoring.group_table(result)), hide_index=True, width="stretch")
with right:
    by_what = st.radio(
        "瀑布图",
        ["group", "indicator"],
        format_func={"group": "按目标组", "indicator": "按一级指标"}.get,
        horizontal=True,
        key="sim_waterfall_by",
    )
    st.plotly_chart(
        reads.score_waterfall(ctx, ctx.plan_id, ctx.as_of, ctx.year, rules.to_json(), what_if, by_what),
        config={"displaylogo": False},
        key="waterfall",
    )

st.download_button(
    "导出模拟测算表（Excel）",
    lambda: exports.simulation_xlsx(result, ctx.unit, ctx.year, ctx.as_of, label),
    file_name=exports.simulation_file_name(label, ctx.unit, ctx.year, ctx.as_of),
    key="export_self_assessment",
    help="每个工作表的标题都注明“模拟，非正式结果”，另附模拟假设；上报用的自评表请在“综合评估”导出。",
)

# -- scenarios -----------------------------------------------------------------------------------
st.divider()
st.subheader("情景")
saved = reads.scenarios(ctx, ctx.plan_id)
with st.form("save_scenario", clear_on_submit=True):
    f1, f2 = st.columns([1, 2])
    name = f1.text_input("情景名称", key="scenario_name")
    note = f2.text_input("说明", key="scenario_note")
    if st.form_submit_button("保存当前模拟为情景", disabled=actor.role != "office"):
        st.session_state["sim_name"] = name.strip()  # the saved simulation goes on under its name
        actions.save(
            lambda: actions.save_scenario(ctx, name, note, base, rules.to_json(), values),
            f"已保存情景“{name.strip()}”。",
        )
if actor.role != "office":
    st.caption("只有绩效办可以保存、删除情景和录入加减分；其他身份可以试算。")

if saved.empty:
    st.info("还没有保存的情景。")
else:
    st.dataframe(tables.scenarios(saved), hide_index=True, width="stretch")
    names = dict(zip(saved["name"], saved["scenario_id"], strict=True))
    l1, l2, l3 = st.columns([2, 1, 1])
    pick = l1.selectbox("选择情景", list(names), key="scenario_pick")
    if l2.button("载入", key="scenario_load"):
        row = saved[saved["name"] == pick].iloc[0]
        st.session_state["sim_overrides"] = reads.scenario_values(ctx, int(row["scenario_id"]))
        st.session_state["_sim_rule_loaded"] = Rules.from_json(row["rules_json"]).rule
        st.session_state["sim_name"] = pick
        st.session_state.pop("sim_editor", None)
        ui.flash(f"已载入情景“{pick}”。")
        st.rerun()
    if l3.button("删除", key="scenario_delete", disabled=actor.role != "office"):
        actions.delete_scenario(ctx, int(names[pick]))
        ui.flash(f"已删除情景“{pick}”。")
        st.rerun()
    chosen = st.multiselect("对比情景（2–3 个）", list(names), max_selections=3, key="scenario_compare")
    if len(chosen) >= 2:
        named, labels = [], []
        for n in chosen:
            row = saved[saved["name"] == n].iloc[0]
            scenario_values, scenario_rules = (
                reads.scenario_values(ctx, int(row["scenario_id"])),
                Rules.from_json(row["rules_json"]),
            )
            named.append((n, scenario_values, scenario_rules))
            moved = len(scoring.changed_codes(state, scenario_values))
            labels.append(
                scoring.simulation_label(n, row["base"], scenario_rules, moved, ctx.as_of, str(row["note"] or ""))
            )

        def one_score(values: dict[str, float], r: Rules) -> scoring.Score:
            return reads.what_if(ctx, ctx.plan_id, ctx.as_of, ctx.year, r.to_json(), tuple(sorted(values.items())))

        summary, differing = scoring.compare(state, named, adjustments, ctx.as_of, scorer=one_score)
        st.dataframe(tables.scenario_summary(summary), hide_index=True, width="stretch")
        st.caption(f"{len(differing)} 项目标在这些情景中的完成率或得分不同：")
        st.dataframe(differing, hide_index=True, width="stretch")
        st.download_button(
            "导出情景对比（Excel）",
            lambda: exports.comparison_xlsx(summary, differing, labels, ctx.unit, ctx.as_of),
            file_name=f"模拟_情景对比_{ctx.unit}{ctx.year}_{fmt.day(ctx.as_of)}.xlsx",
            key="export_comparison",
        )

# -- adjustments ---------------------------------------------------------------------------------
st.divider()
st.subheader("加分 / 扣分 / 一票否决")
current_adj = adjustment_rows
if current_adj.empty:
    st.caption("暂无加减分记录。")
else:
    st.dataframe(tables.adjustments(current_adj), hide_index=True, width="stretch")
if actor.role == "office":
    with st.form("add_adjustment", clear_on_submit=True):
        a1, a2, a3 = st.columns([1, 1, 3])
        kind = a1.selectbox("类型", list(ADJUSTMENT_KINDS), format_func=ADJUSTMENT_KINDS.get, key="adj_kind")
        points = a2.number_input("分值", 0.0, 100.0, 0.5, step=0.5, key="adj_points")
        reason = a3.text_input("事由（如 察访核验发现问题、创新成果获省级推广）", key="adj_note")
        if st.form_submit_button("录入"):
            actions.save(lambda: actions.add_adjustment(ctx, kind, points, reason), "已录入加减分。")
    if not current_adj.empty:
        w1, w2 = st.columns([3, 1])
        labels = {
            int(r.adjustment_id): f"#{r.adjustment_id} {ADJUSTMENT_KINDS[r.kind]} {r.points:g} 分 {r.note}"
            for r in current_adj.itertuples()
        }
        withdraw = w1.selectbox("撤销记录", list(labels), format_func=labels.get, key="adj_withdraw_pick")
        if w2.button("撤销", key="adj_withdraw"):
            actions.withdraw_adjustment(ctx, int(withdraw))
            ui.flash("已撤销该条加减分（记录保留）。")
            st.rerun()
