"""方案管理: the office brings in a year's plan — the Word file as published, its text export or the
Excel template — sees what was read and every check, how it differs from the stored plan of the
same unit and year, and imports it; downloads a stored plan as the template; confirms which
targets carry over from last year."""

from datetime import date

import pandas as pd
import streamlit as st

from perfdash.app import actions, reads, ui
from perfdash.core import fmt
from perfdash.workflows import periods, plans

ctx = ui.page_setup("方案管理")
st.title("方案管理")
ui.flash()
if ctx.actor.role != "office":
    st.info("方案由绩效办导入和管理。")
    st.stop()

tab_import, tab_stored, tab_periods = st.tabs(["导入方案", "库中的方案", "填报周期"])

with tab_import:
    st.caption(
        "上传本单位印发的《绩效工作方案》Word 文件（.docx，附件中含“××××年度绩效目标考评表”），"
        "也可以上传其另存的文本（.txt）或本页下载的 Excel 模板（.xlsx）。单位和年度取自考评表标题；"
        "目标组、分值结构取自表中的标签和小计、合计行。导入前先预览，确认后才写入。"
    )
    imported = st.session_state.get("plans_imported", 0)  # a fresh uploader after each import
    uploaded = st.file_uploader(
        "方案文件",
        type=["docx", "txt", "xlsx", "doc", "wps", "pdf"],
        key=f"plan_upload_{imported}" if imported else "plan_upload",
        max_upload_size=10,
    )
    if uploaded is not None:
        plan, problem = ui.parse_once(uploaded, plans.read_upload)
        if problem:
            st.error(fmt.md(problem))
        else:
            st.subheader(f"{fmt.md(plan.unit or '（单位缺失）')} {plan.year}年度", anchor=False)
            m = st.columns(3)
            m[0].metric("年度工作目标", f"{len(plan.targets)} 项")
            m[1].metric("一级指标", f"{len(plan.indicators())} 个")
            m[2].metric("总分", fmt.points(plan.total_points))
            groups = pd.DataFrame(
                {
                    "目标组": plan.group_names(),
                    "考评表标注": [
                        fmt.points(next((g.stated_points for g in plan.groups if g.name == n), None))
                        for n in plan.group_names()
                    ],
                    "目标合计": [
                        fmt.points(sum(t.points for t in plan.targets if t.group == n)) for n in plan.group_names()
                    ],
                }
            )
            st.dataframe(groups, hide_index=True, width="content", key="plan_groups")
            warnings = plan.warnings
            if warnings:
                ui.problems(
                    f"{len(plan.checks)} 项校验中有 {len(warnings)} 项提示，请核对：", [c.message for c in warnings]
                )
            else:
                st.success(f"{len(plan.checks)} 项校验全部一致。")
            diff = reads.plan_diff(ctx, plan)
            st.subheader("导入后会怎样")
            for line in diff.consequences():
                st.markdown(f"- {fmt.md(line)}")
            if diff.changes:
                st.dataframe(
                    pd.DataFrame(diff.changes, columns=["编号", "内容", "原来", "现在"]),
                    hide_index=True,
                    width="stretch",
                    key="plan_changes",
                )
            with st.expander(f"读出的 {len(plan.targets)} 项目标"):
                st.dataframe(
                    pd.DataFrame(
                        {
                            "编号": [t.code for t in plan.targets],
                            "目标组": [t.group for t in plan.targets],
                            "一级指标": [t.indicator for t in plan.targets],
                            "年度工作目标": [t.target for t in plan.targets],
                            "分值": [t.points for t in plan.targets],
                            "完成时限": [fmt.day(t.deadline) for t in plan.targets],
                            "责任科室": ["、".join(t.sections) for t in plan.targets],
                            "责任人": ["、".join(t.persons) for t in plan.targets],
                            "分管领导": ["、".join(t.leaders) for t in plan.targets],
                        }
                    ),
                    hide_index=True,
                    width="stretch",
                    key="plan_targets",
                )
            marks = False
            if plan.suggested_milestones:
                marks = st.checkbox(
                    f"把 {len(plan.suggested_milestones)} 项目标完成时限中列出的较早时点设为节点"
                    f"（{'、'.join(plan.suggested_milestones)}）",
                    value=True,
                    key="plan_marks",
                )
            if diff.same:
                st.info("与库中的方案完全一致，无需导入。")
            elif st.button("确认导入", type="primary", key="plan_import", disabled=not plan.unit):

                def bring_in() -> None:
                    result = actions.import_plan(ctx, plan, marks)
                    ui.show_plan(result.plan_id)  # the plan just brought in is the one shown next
                    st.session_state["plans_imported"] = imported + 1
                    ui.flash(f"{plan.unit}{plan.year}年度：{result.describe()}")

                try:
                    bring_in()
                except actions.StoreError as exc:
                    st.error(fmt.md(str(exc)))
                else:
                    st.rerun()

with tab_stored:
    shown = reads.visible_plans(ctx, ctx.actor)
    st.dataframe(
        pd.DataFrame(
            {
                "单位": shown["unit"],
                "年度": shown["year"].astype(str),
                "目标数": shown["targets"],
                "最近填报": [fmt.day(d) if pd.notna(d) else "—" for d in shown["latest_report"]],
            }
        ),
        hide_index=True,
        width="stretch",
        key="stored_plans",
    )
    st.download_button(
        f"下载 {ctx.unit}{ctx.year}年度方案的 Excel 模板",
        lambda: reads.plan_template(ctx, ctx.plan_id),  # built only when asked for
        file_name=f"{ctx.unit}{ctx.year}年度绩效目标考评表.xlsx",
        key="plan_template",
    )
    previous = reads.previous_plan(ctx, ctx.unit, ctx.year)
    if previous is not None:
        st.subheader(f"延续自{int(previous['year'])}年度的目标")
        previous_id, previous_year = int(previous["plan_id"]), int(previous["year"])
        previous_as_of = reads.reporting_calendar(ctx, previous_id).as_of(date.today())  # that plan's 统计日期
        before = reads.carryover(ctx, ctx.plan_id, ctx.as_of, ctx.year, previous_id, previous_year, previous_as_of)
        done = reads.carryovers_confirmed(ctx, ctx.plan_id)
        agreed = set(zip(done["code"], done["prev_code"], strict=True))
        table = before.assign(
            confirm=[(c, p) in agreed for c, p in zip(before["code"], before["prev_code"], strict=True)]
        )
        st.caption("按一级指标和目标文字的相似程度配对，请逐项确认；确认后的配对用于跨年度对比。")
        edited = st.data_editor(
            table[["confirm", "code", "target", "prev_code", "prev_target", "similarity"]],
            hide_index=True,
            width="stretch",
            disabled=["code", "target", "prev_code", "prev_target", "similarity"],
            column_config={
                "confirm": st.column_config.CheckboxColumn("确认"),
                "code": st.column_config.TextColumn("本年编号"),
                "target": st.column_config.TextColumn("本年目标", width="large"),
                "prev_code": st.column_config.TextColumn("上年编号"),
                "prev_target": st.column_config.TextColumn("上年目标", width="large"),
                "similarity": st.column_config.NumberColumn("相似度", format="%.2f"),
            },
            key="carry_editor",
        )
        if st.button("保存确认", key="carry_save"):
            pairs = [(r.code, r.prev_code) for r in edited.itertuples() if r.confirm]
            actions.save(
                lambda: actions.confirm_carryovers(ctx, previous_id, pairs),
                f"已确认 {len(pairs)} 项延续目标。",
            )

with tab_periods:
    rules = ctx.reporting or periods.Calendar(ctx.year)
    today = ui.today()
    open_now = rules.open_period(today)
    board = rules.as_of(today)
    st.caption(
        "各科室按填报周期报送进度。绩效办关闭一期后，所有页面、周会大屏和命令行的默认统计日期一起移到该期的截止日；"
        "本期截止日之后的日期不能填报；已关闭的周期或过了截止时间再报的，记为迟报（保留并记入审计日志，按其填报日期计算）。"
    )
    m = st.columns(3)
    m[0].metric("填报周期", rules.describe())
    m[1].metric("已关闭至", fmt.day(rules.closed_through) if rules.closed_through else "尚未关闭")
    m[2].metric("看板统计日期", fmt.day(board), help=rules.status(board), delta_color="off")
    if open_now is None:
        st.info(f"{ctx.year}年度的填报周期已全部关闭。")
    else:
        st.markdown(f"**本期**：{open_now.label}，截止 {fmt.day(open_now.end)} {rules.cutoff_time:%H:%M}")
        # What closing brings onto the dashboards: the reports dated in the open period, and who is missing.
        waiting = reads.period_reports(ctx, ctx.plan_id, open_now.start, open_now.end)
        silent = reads.not_reported(ctx, ctx.plan_id, open_now.start, open_now.end)
        if waiting.empty:
            st.markdown("本期还没有收到进度记录。")
        else:
            st.markdown(
                f"本期已收到 **{int(waiting['reports'].sum())} 条**进度记录，来自 {len(waiting)} 个填报人（"
                + "、".join(f"{fmt.md(r.reporter)} {r.reports} 条" for r in waiting.itertuples())
                + f"），关闭本期后计入看板（看板现统计截至 {fmt.day(board)}）。"
            )
            st.dataframe(
                waiting.assign(last_day=[fmt.day(d) for d in waiting["last_day"]]).rename(
                    columns={
                        "reporter": "填报人",
                        "reports": "条数",
                        "targets": "目标数",
                        "late": "其中迟报",
                        "last_day": "最近填报日期",
                    }
                ),
                hide_index=True,
                width="stretch",
                key="period_waiting",
            )
        st.markdown(
            f"本期未报送的科室（{len(silent)} 个）：{fmt.md('、'.join(silent['section']))}"
            if not silent.empty
            else "有未完成目标的科室本期都已报送。"
        )
        blocked = rules.close_blocker(today)
        early = False
        reason = ""
        if blocked:
            st.info(f"现在还不能关闭本期：{blocked}。确需提前关闭的，请勾选下面的确认并填写理由。")
            early = st.checkbox(
                f"提前关闭{open_now.name}：看板统计日期将移到本期截止日（{fmt.day(open_now.end)}），"
                "此后本期内再报的进度记为迟报",
                key="period_early",
            )
            reason = st.text_input(
                "提前关闭的理由（必填，记入审计日志）", key="period_early_reason", disabled=not early
            )
        if st.button(
            f"{'提前' if blocked else ''}关闭本期（{open_now.start:%m-%d} 至 {open_now.end:%m-%d}）",
            type="primary",
            key="period_close",
            disabled=bool(blocked) and not early,
        ):
            actions.save(
                lambda: actions.close_period(ctx, reason if blocked else None),
                f"已{'提前' if blocked else ''}关闭{open_now.label}。",
            )
    if rules.closed_through is not None and st.button("重新打开最近关闭的一期", key="period_reopen"):
        actions.save(lambda: actions.reopen_period(ctx), "已重新打开最近关闭的一期。")

    with st.form("period_rhythm"):
        st.markdown("**周期设置**")
        c1, c2, c3 = st.columns(3)
        rhythm = c1.radio(
            "周期",
            list(periods.RHYTHMS),
            format_func=periods.RHYTHMS.get,
            horizontal=True,
            key="period_rhythm_kind",
            index=list(periods.RHYTHMS).index(rules.rhythm),
        )
        weekday = c2.selectbox(
            "每周截止日",
            range(7),
            format_func=lambda d: periods.WEEKDAYS[d],
            index=rules.cutoff_weekday,
            key="period_weekday",
            help="按月填报时，截止日为每月最后一天",
        )
        cutoff = c3.time_input("截止时间", value=rules.cutoff_time, key="period_time", step=1800)
        if st.form_submit_button("保存周期设置"):
            actions.save(lambda: actions.set_rhythm(ctx, rhythm, weekday, cutoff), "已保存周期设置。")

    with st.form("period_pin"):
        st.markdown("**指定看板统计日期**（一般不需要：默认为最近关闭的一期的截止日）")
        pinned = st.date_input(
            "统计日期",
            value=rules.pinned_as_of or board,
            min_value=date(ctx.year, 1, 1),
            max_value=date(ctx.year, 12, 31),
            key="period_pin_day",
        )
        p1, p2 = st.columns(2)
        if p1.form_submit_button("指定为看板统计日期"):
            actions.save(lambda: actions.pin_as_of(ctx, pinned), f"看板统计日期已指定为 {fmt.day(pinned)}。")
        if p2.form_submit_button("取消指定", disabled=rules.pinned_as_of is None):
            actions.save(lambda: actions.pin_as_of(ctx, None), "已取消指定，恢复为最近关闭的一期。")

    table = reads.period_table(ctx, ctx.plan_id, today)
    st.dataframe(table, hide_index=True, width="stretch", key="period_table")
