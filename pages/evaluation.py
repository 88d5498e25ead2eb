"""综合评估: the office scores every target against the self-assessments, sets the plan's official
scoring rules, records the official 加分/扣分/一票否决, selects innovations toward 6-5, keeps the
survey sample list, locks the year and writes the 绩效评估报告."""

import pandas as pd
import streamlit as st

from perfdash.app import actions, reads, ui, widgets
from perfdash.core import fmt
from perfdash.present import exports, tables
from perfdash.workflows import evaluation
from perfdash.workflows import official as official_rules
from perfdash.workflows.scoring import ADJUSTMENT_KINDS, RULE_LABELS

ctx = ui.page_setup("综合评估")
actor = ctx.actor
st.title("综合评估")
ui.flash()
official = reads.official_rules(ctx, ctx.plan_id)
sheet = reads.score_sheet(ctx, ctx.plan_id, ctx.as_of, ctx.year, official.rules.to_json())
locked = reads.locked(ctx, ctx.plan_id)

m = st.columns(4)
m[0].metric("评估总分", fmt.score(sheet.result.total, unit=True))
m[1].metric("等次", official.grade_label(sheet.result.grade) + ("（一票否决封顶）" if sheet.result.vetoed else ""))
m[2].metric("已评定", f"{int(sheet.rows['final_score'].notna().sum())} / {len(sheet.rows)} 项")
m[3].metric("年度状态", "已锁定" if locked else "未锁定")
st.caption(
    f"统计截至 {fmt.day(ctx.as_of)}{ui.demo_badge(ctx)}。"
    "每项目标按“评定得分 → 自评得分 → 按完成率计算的得分”的顺序取值"
    "（完成率按核验口径：报完成的填报经核验通过后才计入）；"
    f"6-5 按遴选的创新成果计完成；加分 {fmt.score(sheet.result.bonus)}、扣分 {fmt.score(sheet.result.deduction)}。"
    f"{official.source()}：{official_rules.describe(official.rules)}。"
)
if actor.role != "office":
    st.info("综合评估由绩效办进行；您可以查看评分表。")
    widgets.table(tables.evaluation_sheet(sheet.rows), "方案中没有目标。", width="stretch")
    st.stop()

tab_score, tab_rules, tab_innov, tab_samples, tab_report = st.tabs(
    ["逐项评分", "计分规则与加减分", "创新成果", "公众评议样本", "评估报告与锁定"]
)

with tab_score:
    # 填报完成率 and 计分完成率 (核验口径) side by side while some target's differ (#34)
    checked = ["reported_pct", "completion_pct", "claim_state"] if tables.sheet_differs(sheet.rows).any() else []
    shown = ["code", "points", "lead_section", *checked, "computed_score", "proposed_score", "evidence", "signed_by"]
    editor_rows = sheet.rows.assign(
        signed_by=[s if isinstance(s, str) else "" for s in sheet.rows["signed_by"]],
        final_score=sheet.rows["settled_score"],  # the score the total counts (official.score_sheet)
        reason="",
    )[[*shown, "final_score", "reason"]].reset_index(drop=True)
    edited = st.data_editor(
        tables.without_gaps(editor_rows),  # a target without a self-assessment: "—", not "None"
        key="eval_editor",
        hide_index=True,
        width="stretch",
        height=420,
        disabled=shown,  # the office types only 评定得分 and its reason
        # widths in pixels: with 填报完成率 / 计分完成率 / 核验 beside them the columns still fit 1440 px
        column_config={
            "code": st.column_config.TextColumn("编号", width=56),
            "points": st.column_config.NumberColumn("分值", format="%.1f", width=48),
            "lead_section": st.column_config.TextColumn("牵头科室", width=86),
            "reported_pct": st.column_config.NumberColumn("填报完成率", format="%.0f%%", width=86),
            "completion_pct": st.column_config.NumberColumn(
                "计分完成率", format="%.0f%%", width=86, help="核验口径：报完成的填报经核验通过后才计入"
            ),
            "claim_state": st.column_config.TextColumn("核验", width=56),
            "computed_score": st.column_config.NumberColumn("计算得分", format="%.2f", width=70),
            "proposed_score": st.column_config.TextColumn("自评得分", width=70),
            "evidence": st.column_config.NumberColumn("材料数", width=56),
            "signed_by": st.column_config.TextColumn("审签", width=52),
            "final_score": st.column_config.NumberColumn("评定得分", min_value=0.0, step=0.01, format="%.2f", width=92),
            "reason": st.column_config.TextColumn("调整理由（与自评不同时必填）"),
        },
    )
    st.caption("修改“评定得分”或填写理由后保存；未改动的行按表中数值一并确认为评定得分。")
    if st.button("保存评定", type="primary", key="save_evaluation"):
        scores = [
            (
                old.code,
                float(new.final_score),
                str(new.reason or ""),
                old.proposed_score if pd.notna(old.proposed_score) else old.computed_score,
            )
            for old, new in zip(editor_rows.itertuples(), edited.itertuples(), strict=True)
        ]
        try:  # one transaction: every score saved, or none
            actions.evaluate_many(ctx, scores)
        except actions.StoreError as exc:
            ui.problems("未保存任何评定得分，请修改以下问题后重试：", str(exc).splitlines())
        else:
            ui.flash("已保存全部评定得分。")
            del st.session_state["eval_editor"]
            st.rerun()
    st.caption("加分 / 扣分 / 一票否决在“计分规则与加减分”中录入，计入这里的总分。")

with tab_rules:
    st.markdown("**计分规则**（本方案的正式规则：总览、我的分管、周会大屏、评估报告、导出和命令行都按它计分）")
    st.caption(f"{official.source()}。")
    current = official.rules
    with st.form("official_rules"):
        r1, r2, r3 = st.columns(3)
        rule = r1.radio(
            "计分方式",
            list(RULE_LABELS),
            index=list(RULE_LABELS).index(current.rule),
            format_func=RULE_LABELS.get,
            key="rules_rule",
        )
        late = r2.number_input(
            "逾期每月扣该目标分值的(%)", 0, 100, round(current.late_share_per_month * 100), step=5, key="rules_late"
        )
        cap = r3.number_input("逾期扣分上限(%)", 0, 100, round(current.late_cap * 100), step=10, key="rules_cap")
        steps_text = st.text_input(
            "分档计分的档位（完成率:得分比例，逗号分隔；100% 得满分）",
            "，".join(f"{t:g}:{s:g}" for t, s in sorted(current.steps, reverse=True)),
            key="rules_steps",
        )
        floor = st.number_input("分档计分：低于此完成率(%)不得分", 0, 100, round(current.floor), key="rules_floor")
        b = st.columns(len(current.bands))
        cuts = [
            b[i].number_input(f"{name} ≥ (%)", 0.0, 100.0, float(cut), step=1.0, key=f"rules_band_{i}")
            if i < len(current.bands) - 1
            else b[i].number_input(f"{name}", 0.0, 0.0, 0.0, disabled=True, key=f"rules_band_{i}")
            for i, (name, cut) in enumerate(current.bands)
        ]
        names = [n for n, _ in current.bands]
        veto = st.selectbox("一票否决时，等次至多为", names, index=names.index(current.veto_grade), key="rules_veto")
        if st.form_submit_button("保存计分规则", type="primary"):
            form = {
                "rule": rule,
                "steps": steps_text,
                "floor": floor,
                "late_pct": late,
                "cap_pct": cap,
                "bands": list(zip(names, cuts, strict=True)),
                "veto_grade": veto,
            }
            actions.save(lambda: actions.set_rules(ctx, form), "已保存计分规则，正式得分已按新规则计算。")
    st.divider()
    st.markdown("**加分 / 扣分 / 一票否决**（正式，计入评估总分；撤销后记录保留）")
    entries = reads.adjustments(ctx, ctx.plan_id)
    widgets.table(tables.adjustments(entries), "暂无加减分记录。", width="stretch")
    with st.form("add_adjustment", clear_on_submit=True):
        a1, a2 = st.columns([1, 1])
        kind = a1.selectbox("类型", list(ADJUSTMENT_KINDS), format_func=ADJUSTMENT_KINDS.get, key="adj_kind")
        points = a2.number_input("分值（一票否决不计分值）", 0.0, 100.0, 0.5, step=0.5, key="adj_points")
        reason = st.text_input("事由（如 察访核验发现问题、创新成果获省级推广）", key="adj_note")
        basis = st.text_input("依据（文件或通报名称、文号，可不填）", key="adj_basis")
        if st.form_submit_button("录入"):
            actions.save(lambda: actions.add_adjustment(ctx, kind, points, reason, basis), "已录入，计入评估总分。")
    if not entries.empty:
        w1, w2 = st.columns([3, 1])
        labels = {
            int(r.adjustment_id): f"#{r.adjustment_id} {ADJUSTMENT_KINDS[r.kind]} {r.points:g} 分 {r.note}"
            for r in entries.itertuples()
        }
        withdraw = w1.selectbox("撤销记录", list(labels), format_func=labels.get, key="adj_withdraw_pick")
        if w2.button("撤销", key="adj_withdraw"):
            actions.save(lambda: actions.withdraw_adjustment(ctx, int(withdraw)), "已撤销该条加减分（记录保留）。")

with tab_innov:
    innov = reads.innovations(ctx, ctx.plan_id)
    if innov.empty:
        st.caption("尚无申报的创新成果。")
    else:
        st.dataframe(
            innov.rename(
                columns={
                    "innovation_id": "编号",
                    "title": "名称",
                    "level": "级别",
                    "section": "科室",
                    "description": "简介",
                    "selected": "已遴选",
                    "evidence": "材料数",
                }
            ).drop(columns=["created_by", "created_at"]),
            hide_index=True,
            width="stretch",
        )
        pick = st.selectbox(
            "遴选 / 取消遴选",
            list(innov["innovation_id"]),
            format_func=dict(zip(innov["innovation_id"], innov["title"], strict=True)).get,
            key="innov_pick",
        )
        chosen = bool(innov.set_index("innovation_id").loc[pick, "selected"])
        if st.button("取消遴选" if chosen else "遴选，计入 6-5", key="innov_toggle"):
            actions.save(lambda: actions.select_innovation(ctx, int(pick), not chosen), "已更新遴选。")
    sections, _ = reads.sections_and_leaders(ctx, ctx.plan_id)
    with st.form("new_innovation", clear_on_submit=True):
        c1, c2, c3 = st.columns([2, 1, 1])
        title = c1.text_input("名称", key="innov_title")
        level = c2.selectbox("级别", evaluation.INNOVATION_LEVELS, key="innov_level")
        section = c3.selectbox("科室", sections, key="innov_section")
        description = st.text_area("简介", key="innov_desc")
        if st.form_submit_button("登记创新成果"):
            actions.save(
                lambda: actions.add_innovation(ctx, title, level, section, description),
                "已登记创新成果。",
            )

with tab_samples:
    samples = reads.survey_samples(ctx, ctx.plan_id)
    widgets.table(tables.survey_samples(samples), "还没有评议样本。", width="stretch")
    st.download_button(
        "导出评议样本（Excel，报统计部门）",
        lambda: exports.survey_samples_xlsx(samples, ctx.unit, ctx.year, demo=ctx.is_demo),  # built only when asked for
        file_name=f"公众评议样本_{ctx.year}{'_演示数据' if ctx.is_demo else ''}.xlsx",
        key="export_samples",
    )
    with st.form("new_sample", clear_on_submit=True):
        c1, c2, c3 = st.columns(3)
        name = c1.text_input("姓名", key="sample_name")
        org = c2.text_input("单位", key="sample_org")
        cat = c3.selectbox("类别", ["人大代表", "政协委员", "学校", "家长", "企业", "其他"], key="sample_cat")
        phone = c1.text_input("联系电话", key="sample_phone")
        sec = c2.selectbox("联系科室", sections, key="sample_section")
        note = c3.text_input("备注", key="sample_note")
        if st.form_submit_button("登记样本"):
            actions.save(
                lambda: actions.add_survey_sample(ctx, name, org, cat, phone, sec, note),
                "已登记评议样本。",
            )

with tab_report:
    notes = reads.report_notes(ctx, ctx.plan_id)
    with st.form("report_notes"):
        problems = st.text_area("存在问题", value=notes["problems"], key="report_problems")
        measures = st.text_area("改进措施", value=notes["measures"], key="report_measures")
        if st.form_submit_button("保存"):
            actions.save(lambda: actions.set_report_notes(ctx, problems, measures), "已保存问题与改进措施。")
    c1, c2, c3 = st.columns(3)
    c1.download_button(
        "下载绩效评估报告（Word）",
        lambda: reads.evaluation_report(ctx, ctx.plan_id, ctx.as_of),  # built only when asked for
        file_name=f"{ctx.unit}{ctx.year}年度绩效评估报告{'_演示数据' if ctx.is_demo else ''}.docx",
        key="download_report",
    )
    c2.download_button(
        "下载自评表（Excel）",
        lambda: exports.self_assessment_xlsx(
            sheet.result,
            ctx.unit,
            ctx.year,
            ctx.as_of,
            dict(zip(sheet.rows["code"], sheet.rows["note"], strict=True)),
            demo=ctx.is_demo,
            provisional=official.provisional,
        ),
        file_name=f"{ctx.unit}{ctx.year}年度自评表{'_演示数据' if ctx.is_demo else ''}.xlsx",
        key="download_sheet",
    )
    c3.download_button(
        "下载量化指标完成情况（Excel）",
        lambda: exports.kpi_xlsx(
            reads.kpis_with_actuals(ctx, ctx.plan_id, ctx.as_of), ctx.unit, ctx.year, ctx.as_of, demo=ctx.is_demo
        ),
        file_name=f"{ctx.unit}{ctx.year}年度量化指标完成情况{'_演示数据' if ctx.is_demo else ''}.xlsx",
        key="download_kpis",
    )
    st.divider()
    if locked:
        st.warning("本年度已锁定：科室不能再修改进度、自评和材料；绩效办的修改都记入审计日志。")
        if st.button("解除锁定", key="unlock"):
            actions.save(lambda: actions.set_lock(ctx, False), "已解除锁定。")
    elif st.button("锁定本年度", type="primary", key="lock"):
        actions.save(lambda: actions.set_lock(ctx, True), "已锁定本年度。")
