"""科室考评 (#35): the office assesses the bureau's sections by class (分类考评) from what perfdash
already holds — target completion, process, year-end steps, innovations, leader scores — under a
scheme it sets per plan and group, adjusts with reasons and locks the results. Leaders read the
results and the 责任人 reference sheet; a section sees only its own parts and what would raise them."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pandas as pd
import streamlit as st

from perfdash.app import actions, reads, ui, widgets
from perfdash.core import fmt
from perfdash.present import tables
from perfdash.workflows import assessment

ctx = ui.page_setup("科室考评")
actor = ctx.actor
st.title("科室考评")
ui.flash()
# The fields a successful write empties, dropped before their widgets are drawn (so the browser
# shows them empty too); a refused write leaves every field as typed.
for _key in st.session_state.pop("_assessment_clear", []):
    st.session_state.pop(_key, None)

if actor.role == "section":
    st.caption(f"统计截至 {fmt.day(ctx.as_of)}{ui.demo_badge(ctx)}。本页只显示本科室的考评情况。")
    widgets.own_assessment(ctx)
    st.stop()
if actor.role not in ("office", "leader"):
    st.info("请以绩效办、科室或领导账户登录后使用本页。")
    st.stop()

office = actor.role == "office"
result = reads.assessment_result(ctx, ctx.plan_id, ctx.as_of, ctx.year)
schemes = reads.assessment_schemes(ctx, ctx.plan_id)
groups = reads.assessment_groups(ctx, ctx.plan_id)
adjustments = reads.section_adjustments(ctx, ctx.plan_id)
leader_weighed = any(s.leader for s in schemes.values())  # a lock keeps the scheme: nothing else to ask
LOCKED_NOTE = "结果已锁定：修改考评方案、分组、调整和领导评价须先在“考评结果”中解除锁定（须写明理由）。"

st.caption(
    f"统计截至 {fmt.day(ctx.as_of)}{ui.demo_badge(ctx)}。按绩效办设定的考评方案，"
    "从系统已有的数据（进度填报、督办、节点、科室自评、核验、创新成果）计算每个科室的各部分得分，"
    "加上绩效办的调整（须写明理由）；排名和等次在组内评定（分类考评）。"
)


def save(write: Callable[[], object], done: str, clear: Iterable[str] = ()) -> None:
    """Run one write: its refusal shown in place (one line per problem), the fields kept as typed;
    on success the page reloads with ``done`` shown and the ``clear`` fields emptied."""
    try:
        write()
    except actions.StoreError as exc:
        lines = [line for line in str(exc).splitlines() if line.strip()]
        if len(lines) > 1:
            ui.problems("未保存，请修改以下各项：", lines)
        else:
            st.error(fmt.md(lines[0] if lines else str(exc)))
    else:
        st.session_state["_assessment_clear"] = list(clear)
        ui.flash(done)
        st.rerun()


def weights_line(scheme: assessment.Scheme) -> str:
    """A group's scheme in one line: each part's points and the grade cut-offs."""
    parts = "、".join(
        f"{label} {getattr(scheme, part):g}"
        for part, label in assessment.PART_LABELS.items()
        if part != "leader" or scheme.leader
    )
    cuts = "、".join(f"{name} ≥ {cut:g}%" for name, cut in scheme.grades[:-1])
    return f"满分 {scheme.full_marks:g} 分：{parts}；等次按合计占满分的比例：{cuts}，其余为{scheme.grades[-1][0]}。"


def lock_controls() -> None:
    """锁定结果 (asked twice) or 解除锁定 (with a reason): the office's."""
    if result.locked:
        reason = st.text_input("解除锁定的理由（必填，记入审计日志）", key="sa_unlock_reason")
        if st.button("解除锁定", key="assessment_unlock"):
            save(
                lambda: actions.unlock_assessment(ctx, reason),
                "已解除锁定：结果恢复为预估，随数据变化。",
                clear=["sa_unlock_reason"],
            )
        return
    if st.session_state.get("_assessment_confirm_lock"):
        st.warning(
            f"确认锁定？锁定后结果固定为按截至 **{fmt.day(ctx.as_of)}** 的数据计算的结果（即上表），"
            "此后新的填报、方案和调整都不再改变它，直到解除锁定（须写明理由）。"
        )
        row = st.container(horizontal=True)
        if row.button("确认锁定", type="primary", key="assessment_lock_confirm"):
            st.session_state.pop("_assessment_confirm_lock", None)
            save(lambda: actions.lock_assessment(ctx), "已锁定科室考评结果。")
        if row.button("取消", key="assessment_lock_cancel"):
            st.session_state.pop("_assessment_confirm_lock", None)
            st.rerun()
    elif st.button("锁定结果", type="primary", key="assessment_lock"):
        st.session_state["_assessment_confirm_lock"] = True
        st.rerun()


def results_view() -> None:
    """Per group: the table (预估 unless locked), each section's measures, adjustments and hints."""
    if result.locked:
        when = f"{pd.Timestamp(result.locked_at):%Y-%m-%d %H:%M}" if result.locked_at is not None else ""
        st.success(
            f"**已锁定**：{fmt.md(result.locked_by)} 于 {when} 按截至 {fmt.day(result.as_of)} 的数据锁定；"
            "结果不再随数据变化，修改须先解除锁定（须写明理由）。"
        )
    else:
        st.warning(
            f"**{assessment.PROVISIONAL}**：按截至 {fmt.day(result.as_of)} 的数据和当前的考评方案计算，"
            "随填报和绩效办的设置变化；年终由绩效办锁定后为正式结果。"
        )
    if result.table.empty:
        st.info("方案中没有可考评的科室。")
        return
    for group, part in result.table.groupby("group", sort=False):
        scheme = schemes.get(str(group), schemes[""])
        mark = "，预估" if result.provisional else ""
        st.subheader(f"{group}（{len(part)} 个科室{mark}）")
        st.caption(weights_line(scheme))
        shown = tables.assessment_results(part, leader=leader_weighed)
        widgets.table(
            shown,
            "该组没有科室。",
            width="stretch",
            height=widgets.table_height(len(shown), 760),
            column_config=widgets.assessment_columns(shown),
        )
        for _, row in part.iterrows():
            section = str(row["section"])
            label = f"{int(row['rank'])}. {fmt.md(section)}　{fmt.score(row['total'])} 分 · {row['grade']}"
            with st.expander(label):
                details = result.details[section]
                widgets.assessment_parts(row, details, scheme, adjustments)
                widgets.raise_hints(details)
    documents()
    if office:
        st.divider()
        lock_controls()


def documents() -> None:
    """The two hand-in documents (《内设科室绩效考评结果》 Word and Excel) of the results shown."""
    name = f"{ctx.unit}{ctx.year}年度内设科室绩效考评结果{'（预估）' if result.provisional else ''}"
    name += "_演示数据" if ctx.is_demo else ""
    st.caption("下载的文件与上表一致（各组的排名、各部分得分、调整及理由）；未锁定时标题注明“预估”。")
    row = st.container(horizontal=True)
    row.download_button(
        "下载考评结果（Word）",
        lambda: reads.assessment_docx(ctx, ctx.plan_id, ctx.as_of),  # built only when asked for
        file_name=f"{name}.docx",
        key="assessment_docx",
    )
    row.download_button(
        "下载考评结果表（Excel）",
        lambda: reads.assessment_xlsx(ctx, ctx.plan_id, ctx.as_of),
        file_name=f"{name}.xlsx",
        key="assessment_xlsx",
    )


def scheme_view() -> None:
    """Explain a group's scheme (or the default) and edit it in a form."""
    if result.locked:
        st.warning(LOCKED_NOTE)
    own = [g for g in schemes if g]
    options = ["", *dict.fromkeys([*groups.values(), *own])]

    def name(g: str) -> str:
        if not g:
            return "默认方案（没有单独方案的分组都用它）"
        return f"{g}（{'单独方案' if g in schemes else '目前用默认方案'}）"

    chosen = st.selectbox("查看和修改", options, format_func=name, key="sa_scheme_group")
    scheme = schemes.get(chosen, schemes[""])
    st.markdown("\n".join(f"- {line}" for line in scheme.describe()))
    if chosen and chosen not in schemes:
        st.caption(f"“{chosen}”目前按默认方案考评；下面按默认方案填好，保存后该组使用自己的方案。")
    elif chosen and st.button(f"恢复为默认方案（删除“{chosen}”的单独方案）", key=f"sa_scheme_clear_{chosen}"):
        save(lambda: actions.clear_assessment_scheme(ctx, chosen), f"“{chosen}”已恢复为默认考评方案。")
    k = chosen or "默认"
    with st.form(f"sa_scheme_form_{k}"):
        st.markdown("**各部分分值**（合计为满分；领导评价为 0 时不计入）")
        cols = st.columns(len(assessment.PART_LABELS))
        parts = {
            part: cols[i].number_input(
                f"{label}（分）", 0.0, 100.0, float(getattr(scheme, part)), step=1.0, key=f"sa_{part}_{k}"
            )
            for i, (part, label) in enumerate(assessment.PART_LABELS.items())
        }
        c1, c2 = st.columns(2)
        co_factor = c1.number_input(
            "协作目标的系数（协作目标按分值乘以此系数计入目标完成）",
            0.0,
            1.0,
            float(scheme.co_factor),
            step=0.05,
            key=f"sa_co_factor_{k}",
        )
        rules = list(assessment.LEADER_RULES)
        leader_rule = c2.selectbox(
            "领导评价的计算方式",
            rules,
            index=rules.index(scheme.leader_rule),
            format_func=assessment.LEADER_RULES.get,
            key=f"sa_leader_rule_{k}",
        )
        splits = {}
        for field, labels, what in (
            ("process_split", assessment.PROCESS_LABELS, "过程管理"),
            ("year_end_split", assessment.YEAR_END_LABELS, "年终评估"),
        ):
            st.markdown(f"**{what}的分项比重**（按比例分配本项分值）")
            current = getattr(scheme, field)
            cols = st.columns(len(labels))
            splits[field] = {
                key: cols[i].number_input(
                    f"{label}", 0.0, 100.0, float(current.get(key, 0)), step=1.0, key=f"sa_{field}_{key}_{k}"
                )
                for i, (key, label) in enumerate(labels.items())
            }
        st.markdown("**创新成果按级别计分**（合计不超过“创新与加减分”的分值）")
        levels = scheme.innovation_levels
        cols = st.columns(max(len(levels), 1))
        innovation_levels = {
            level: cols[i].number_input(f"{level}（分）", 0.0, 100.0, float(v), step=1.0, key=f"sa_level_{i}_{k}")
            for i, (level, v) in enumerate(levels.items())
        }
        st.markdown("**等次分界**（合计占满分的比例，从高到低）")
        cols = st.columns(len(scheme.grades))
        cuts = [
            cols[i].number_input(f"{grade} ≥ (%)", 0.0, 100.0, float(cut), step=1.0, key=f"sa_grade_{i}_{k}")
            if i < len(scheme.grades) - 1
            else cols[i].number_input(f"{grade}", 0.0, 0.0, 0.0, disabled=True, key=f"sa_grade_{i}_{k}")
            for i, (grade, cut) in enumerate(scheme.grades)
        ]
        submitted = st.form_submit_button("保存考评方案", type="primary", key=f"sa_scheme_save_{k}")
    if submitted:
        data = {
            **parts,
            "co_factor": co_factor,
            **splits,
            "innovation_levels": innovation_levels,
            "leader_rule": leader_rule,
            "grades": [[grade, cut] for (grade, _), cut in zip(scheme.grades, cuts, strict=True)],
        }
        which = f"“{chosen}”的考评方案" if chosen else "默认考评方案"
        save(lambda: actions.set_assessment_scheme(ctx, chosen, data), f"已保存{which}，结果已按新方案重新计算。")


def groups_view() -> None:
    """Each section's group: typed in a table, or several at once."""
    if result.locked:
        st.warning(LOCKED_NOTE)
    st.caption(
        "分类考评：排名和等次在组内评定，各组可以用不同的考评方案（在“考评方案”中选择该组设置）。"
        "同一组名的科室为一组；新组名直接输入，如 业务科室、综合科室、直属单位（考试院、教科院等）。"
        f"未分组的科室在“{assessment.DEFAULT_GROUP}”中。"
    )
    members: dict[str, list[str]] = {}
    for s, g in groups.items():
        members.setdefault(g, []).append(s)
    st.markdown("\n".join(f"- **{fmt.md(g)}**（{len(m)} 个）：{fmt.md('、'.join(m))}" for g, m in members.items()))
    c1, c2, c3 = st.columns([3, 2, 1], vertical_alignment="bottom")
    chosen = c1.multiselect("科室", list(groups), key="sa_group_sections", placeholder="选择科室")
    target = c2.text_input("归入分组", key="sa_group_name", placeholder="如 业务科室")
    if c3.button("归入该组", key="sa_group_assign"):
        if not chosen:
            st.error("请先选择科室。")
        else:
            mapping = {**groups, **dict.fromkeys(chosen, target.strip())}
            save(
                lambda: actions.set_section_groups(ctx, mapping),
                f"已将 {len(chosen)} 个科室归入“{target.strip()}”。",
                clear=["sa_group_sections", "sa_group_name", "sa_groups_editor"],
            )
    frame = pd.DataFrame({"科室": list(groups), "分组": list(groups.values())})
    edited = st.data_editor(
        frame,
        key="sa_groups_editor",
        hide_index=True,
        disabled=["科室"],
        width=480,
        height=widgets.table_height(len(frame), 760),
        column_config={
            "科室": st.column_config.TextColumn("科室", width=200),
            "分组": st.column_config.TextColumn("分组（可直接修改）", width=240, max_chars=40),
        },
    )
    if st.button("保存分组", type="primary", key="sa_groups_save"):
        mapping = {
            str(s): "" if g is None or pd.isna(g) else str(g).strip()
            for s, g in zip(edited["科室"], edited["分组"], strict=True)
        }
        save(
            lambda: actions.set_section_groups(ctx, mapping), "已保存分组，结果已在组内重新排名。", ["sa_groups_editor"]
        )


def adjustments_view() -> None:
    """Adjustments with reasons (added, listed, withdrawn) and the leaders' scores."""
    if result.locked:
        st.warning(LOCKED_NOTE)
    st.markdown("**调整**（绩效办对科室考评结果的加分或减分，计入合计，须写明理由；撤销后记录保留在审计日志中）")
    with st.form("sa_adjust"):
        c1, c2 = st.columns([2, 1])
        section = c1.selectbox("科室", list(groups), key="sa_adj_section")
        points = c2.number_input("调整分（加分为正，减分为负）", -100.0, 100.0, 0.0, step=0.5, key="sa_adj_points")
        reason = st.text_input("理由（必填，如 获市级表彰、被通报批评）", key="sa_adj_reason")
        submitted = st.form_submit_button("录入调整", key="sa_adj_add")
    if submitted:
        save(
            lambda: actions.add_section_adjustment(ctx, section, points, reason),
            f"已录入{section}的调整 {points:+g} 分。",
            clear=["sa_adj_points", "sa_adj_reason"],
        )
    if adjustments.empty:
        st.caption("暂无调整。")
    for r in adjustments.itertuples():
        c1, c2 = st.columns([6, 1], vertical_alignment="center")
        c1.markdown(
            f"**{fmt.md(r.section)}** {float(r.points):+g} 分：{fmt.md(r.reason)}"
            f"（{fmt.md(r.created_by)}，{fmt.day(pd.Timestamp(r.created_at).date())}）"
        )
        if c2.button("撤销", key=f"sa_withdraw_{int(r.adjustment_id)}"):
            save(
                lambda aid=int(r.adjustment_id): actions.withdraw_section_adjustment(ctx, aid),
                f"已撤销{r.section}的调整 {float(r.points):+g} 分（记录保留）。",
            )
    st.divider()
    leader_scores()


def leader_scores() -> None:
    """The 分管领导's scores (0–100) of a section, entered together; the rule is the scheme's."""
    st.markdown("**领导评价**（各分管领导对科室的打分，0–100）")
    for g, scheme in schemes.items():
        which = f"“{g}”的方案" if g else "默认方案"
        if scheme.leader:
            rule = assessment.LEADER_RULES[scheme.leader_rule]
            st.caption(f"{which}：领导评价 {scheme.leader:g} 分，按{rule}，乘以本项分值 ÷ 100。")
        else:
            st.caption(f"{which}：领导评价为 0 分，录入的评分暂不计入；在“考评方案”中设置分值后计入。")
    _, leaders = reads.sections_and_leaders(ctx, ctx.plan_id)
    ratings = reads.leader_ratings(ctx, ctx.plan_id)
    leaders = list(dict.fromkeys([*leaders, *ratings["leader"]]))
    section = st.selectbox("科室", list(groups), key="sa_rate_section")
    mine = ratings[ratings["section"] == section]
    current = dict(zip(mine["leader"], mine["score"].astype(float), strict=True))
    with st.form(f"sa_rate_{section}"):
        cols = st.columns(4)
        values = {
            leader: cols[i % 4].number_input(
                leader,
                0.0,
                100.0,
                value=current.get(leader),
                step=1.0,
                key=f"sa_rate_{section}_{leader}",
                placeholder="未评",
            )
            for i, leader in enumerate(leaders)
        }
        submitted = st.form_submit_button("保存领导评价", key="sa_rate_save")
    if submitted:
        changes = {leader: v for leader, v in values.items() if v != current.get(leader)}
        if not changes:
            st.info("没有改动。")
        else:
            save(
                lambda: actions.rate_section(ctx, section, changes),
                f"已保存{section}的领导评价（{len(changes)} 位领导）。",
            )
    if ratings.empty:
        st.caption("尚未录入领导评价。")
        return
    table = ratings.pivot_table(index="section", columns="leader", values="score", aggfunc="first")
    table = table.reindex(columns=[name for name in leaders if name in table.columns]).reset_index()
    widgets.table(table.rename(columns={"section": "科室"}), "尚未录入领导评价。", width="content")


def person_view() -> None:
    """The 责任人 reference sheet: the office's and leaders' only, never a result."""
    st.warning(
        "**参考（仅供绩效办和局领导查看，不作为考评结果）**：每位责任人牵头的目标、分值、"
        "加权完成率（核验口径）、滞后和逾期的目标数、迟报次数，以及其最滞后目标的最新说明。"
    )
    try:
        sheet = reads.person_sheet(ctx, ctx.plan_id, ctx.as_of, ctx.year, actor)
    except reads.StoreError as exc:
        st.error(fmt.md(str(exc)))
        return
    shown = tables.person_sheet(sheet) if not sheet.empty else sheet
    widgets.table(
        shown,
        "方案中没有写明责任人的目标。",
        width="stretch",
        height=widgets.table_height(len(shown), 760),
        column_config={
            "责任人": st.column_config.TextColumn("责任人", width=72),
            "科室": st.column_config.TextColumn("科室", width=110),
            "牵头目标": st.column_config.NumberColumn("牵头目标", width=64),
            "分值": st.column_config.NumberColumn("分值", format="%.1f", width=52),
            "加权完成率": st.column_config.ProgressColumn(
                "加权完成率", format="%.0f%%", min_value=0, max_value=100, width=90
            ),
            "滞后": st.column_config.NumberColumn("滞后", width=48),
            "逾期": st.column_config.NumberColumn("逾期", width=48),
            "迟报/填报（条）": st.column_config.TextColumn(
                "迟报/填报（条）", width=100, help="牵头目标的进度记录中迟报的条数 / 全部条数"
            ),
            "最滞后目标的最新说明": st.column_config.TextColumn("最滞后目标的最新说明"),
        },
    )


if office:
    tabs = st.tabs(["考评结果", "考评方案", "分组", "调整与领导评价", "责任人参考"])
    with tabs[0]:
        results_view()
    with tabs[1]:
        scheme_view()
    with tabs[2]:
        groups_view()
    with tabs[3]:
        adjustments_view()
    with tabs[4]:
        person_view()
else:
    st.caption("领导可查看考评结果和责任人参考；考评方案、分组、调整、领导评价的录入和锁定由绩效办办理。")
    tabs = st.tabs(["考评结果", "责任人参考"])
    with tabs[0]:
        results_view()
    with tabs[1]:
        person_view()
