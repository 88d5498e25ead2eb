"""评分模拟: project the year-end score against the plan's structure, try what-ifs (completions,
rules, hypothetical 加分/扣分) starting from the official rules, save and compare scenarios. Official
加分/扣分 are entered on 综合评估."""

import streamlit as st

from perfdash.app import actions, reads, ui
from perfdash.core import fmt
from perfdash.present import exports, tables
from perfdash.workflows import forecast, scoring
from perfdash.workflows import official as official_rules
from perfdash.workflows.scoring import ADJUSTMENT_KINDS, BASES, RULE_LABELS, Adjustment, Rules

ctx = ui.page_setup("评分模拟")
actor = ctx.actor
st.title("评分模拟")
ui.flash()
state = reads.target_state(ctx, ctx.plan_id, ctx.as_of, ctx.year)
adjustment_rows = reads.adjustments(ctx, ctx.plan_id)
adjustments = scoring.adjustments_of(adjustment_rows)
official = reads.official_rules(ctx, ctx.plan_id)


def start_from(rules: Rules) -> None:
    """Put the rule widgets at ``rules`` (before they are drawn)."""
    st.session_state["sim_rule"] = rules.rule
    st.session_state["sim_late"] = round(rules.late_share_per_month * 100)
    st.session_state["sim_late_cap"] = round(rules.late_cap * 100)


# -- settings ------------------------------------------------------------------------------------
if st.session_state.get("_sim_rules_from") != (ctx.plan_id, official.rules):  # the official rules, fresh
    st.session_state["_sim_rules_from"] = (ctx.plan_id, official.rules)
    start_from(official.rules)
if "_sim_rules_loaded" in st.session_state:  # a loaded scenario brings its rules (set before the widgets exist)
    start_from(st.session_state.pop("_sim_rules_loaded"))
c1, c2, c3, c4 = st.columns([2, 2, 1, 1])
base = c1.radio("起点", list(BASES), format_func=BASES.get, horizontal=True, key="sim_base")
rule = c2.radio("计分规则", list(RULE_LABELS), format_func=RULE_LABELS.get, horizontal=True, key="sim_rule")
late = c3.number_input("逾期每月扣分比例(%)", 0, 100, step=5, key="sim_late")
cap = c4.number_input("逾期扣分上限(%)", 0, 100, step=10, key="sim_late_cap")
rules = official.rules.with_rule(rule).with_lateness(late / 100, cap / 100)
differs = rules != official.rules
st.caption(
    f"正式{official.source().removeprefix('计分规则：')}：{official_rules.describe(official.rules)}。"
    + ("**本模拟改用：" + official_rules.describe(rules) + "。**" if differs else "本模拟从正式规则出发；")
    + f"等次按得分占方案总分（{fmt.points(float(state['points'].sum()))}）的比例。"
    f"统计截至 {fmt.day(ctx.as_of)}{ui.demo_badge(ctx)}。"
)
if differs and st.button("恢复正式计分规则", key="sim_rules_reset"):
    st.session_state["_sim_rules_loaded"] = official.rules
    st.rerun()

fc = (
    reads.forecast(ctx, ctx.plan_id, ctx.as_of, ctx.year, rules.to_json(), forecast.DRAWS, forecast.SEED)[0]
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

# -- hypothetical entries (only in this simulation) ----------------------------------------------
entries = [Adjustment(**e) for e in st.session_state.setdefault("sim_entries", [])]
with st.expander(f"假设的加分 / 扣分 / 一票否决（只计入本模拟，{len(entries)} 条）", expanded=bool(entries)):
    st.caption("这里的加减分只用于试算，随情景保存，不计入正式得分；正式的加减分由绩效办在“综合评估”录入。")
    if entries:
        st.dataframe(
            tables.hypothetical_entries(entries),
            hide_index=True,
            width="stretch",
        )
    with st.form("sim_entry", clear_on_submit=True):
        h1, h2, h3 = st.columns([1, 1, 3])
        kind = h1.selectbox("类型", list(ADJUSTMENT_KINDS), format_func=ADJUSTMENT_KINDS.get, key="sim_entry_kind")
        points = h2.number_input("分值", 0.0, 100.0, 0.5, step=0.5, key="sim_entry_points")
        reason = h3.text_input("假设（如 察访核验扣 0.5 分）", key="sim_entry_note")
        if st.form_submit_button("加入模拟"):
            entry = {"kind": kind, "points": 0.0 if kind == "veto" else float(points), "note": reason.strip() or "假设"}
            st.session_state["sim_entries"] = [*st.session_state["sim_entries"], entry]
            st.rerun()
    if entries and st.button("清除假设的加减分", key="sim_entries_clear"):
        st.session_state["sim_entries"] = []
        st.rerun()
hypothetical = scoring.adjustments_json(entries) if entries else ""

# -- the result ----------------------------------------------------------------------------------
what_if = tuple(sorted(values.items()))  # the simulated completions: part of the cache key
now = reads.score_sheet(ctx, ctx.plan_id, ctx.as_of, ctx.year, official.rules.to_json()).result  # the one score
result = reads.what_if(ctx, ctx.plan_id, ctx.as_of, ctx.year, rules.to_json(), what_if, hypothetical)
changed = len(scoring.changed_codes(state, values))
label = scoring.simulation_label(
    st.session_state.get("sim_name", ""), base, rules, changed, ctx.as_of, official=official.rules, hypothetical=entries
)
st.warning(f"**{label.banner}**（起点：{BASES[base]}，改动完成率的目标 {changed} 项）。正式自评表在“综合评估”导出。")
m = st.columns(4)
m[0].metric("模拟总分", fmt.score(result.total, unit=True), delta=f"{result.total - now.total:+.2f} 分（对比当前）")
sim_grade = result.grade if differs else official.grade_label(result.grade)
m[1].metric("模拟等次", sim_grade + ("（一票否决封顶）" if result.vetoed else ""))
m[2].metric("加分 / 扣分", f"+{fmt.score(result.bonus)} / −{fmt.score(result.deduction)}")
m[3].metric(
    "当前得分",
    f"{fmt.score(now.total, unit=True)} · {official.grade_label(now.grade)}",
    help="正式计分规则下的得分，与“综合评估”、评估报告和命令行相同：绩效办评分优先，其次科室自评得分，"
    "其余按统计日期的完成率计分",
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
        reads.score_waterfall(ctx, ctx.plan_id, ctx.as_of, ctx.year, rules.to_json(), what_if, by_what, hypothetical),
        config={"displaylogo": False},
        key="waterfall",
    )

st.download_button(
    "导出模拟测算表（Excel）",
    lambda: exports.simulation_xlsx(result, ctx.unit, ctx.year, ctx.as_of, label, demo=ctx.is_demo),
    file_name=exports.simulation_file_name(label, ctx.unit, ctx.year, ctx.as_of, demo=ctx.is_demo),
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
            lambda: actions.save_scenario(ctx, name, note, base, rules.to_json(), values, hypothetical or None),
            f"已保存情景“{name.strip()}”。",
        )
if actor.role != "office":
    st.caption("只有绩效办可以保存、删除情景；其他身份可以试算。")

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
        st.session_state["_sim_rules_loaded"] = Rules.from_json(row["rules_json"])
        st.session_state["sim_entries"] = [
            {"kind": a.kind, "points": a.points, "note": a.note}
            for a in scoring.adjustments_from_json(row["adjustments_json"])
        ]
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
        named, labels, hypotheticals = [], [], {}
        for n in chosen:
            row = saved[saved["name"] == n].iloc[0]
            scenario_values, scenario_rules = (
                reads.scenario_values(ctx, int(row["scenario_id"])),
                Rules.from_json(row["rules_json"]),
            )
            named.append((n, scenario_values, scenario_rules))
            moved = len(scoring.changed_codes(state, scenario_values))
            own = scoring.adjustments_from_json(row["adjustments_json"])
            hypotheticals[n] = scoring.adjustments_json(own) if own else ""
            labels.append(
                scoring.simulation_label(
                    n, row["base"], scenario_rules, moved, ctx.as_of, str(row["note"] or ""), official.rules, own
                )
            )

        def one_score(name: str, values: dict[str, float], r: Rules) -> scoring.Score:
            return reads.what_if(
                ctx, ctx.plan_id, ctx.as_of, ctx.year, r.to_json(), tuple(sorted(values.items())), hypotheticals[name]
            )

        summary, differing = scoring.compare(state, named, adjustments, ctx.as_of, scorer=one_score)
        st.dataframe(tables.scenario_summary(summary), hide_index=True, width="stretch")
        st.caption(f"{len(differing)} 项目标在这些情景中的完成率或得分不同：")
        st.dataframe(differing, hide_index=True, width="stretch")
        st.download_button(
            "导出情景对比（Excel）",
            lambda: exports.comparison_xlsx(summary, differing, labels, ctx.unit, ctx.as_of, demo=ctx.is_demo),
            file_name=(
                f"模拟_情景对比_{ctx.unit}{ctx.year}_{fmt.day(ctx.as_of)}{'_演示数据' if ctx.is_demo else ''}.xlsx"
            ),
            key="export_comparison",
        )

# -- official entries (read here, entered on 综合评估) ----------------------------------------------
st.divider()
st.subheader("正式的加分 / 扣分 / 一票否决")
if adjustment_rows.empty:
    st.caption("暂无正式的加减分记录。正式的加减分由绩效办在“综合评估”录入，计入正式得分和这里的每个模拟。")
else:
    st.dataframe(tables.adjustments(adjustment_rows), hide_index=True, width="stretch")
    st.caption("正式的加减分由绩效办在“综合评估”录入和撤销，计入正式得分和这里的每个模拟。")
