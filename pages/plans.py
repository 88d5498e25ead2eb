"""方案管理: the office brings in a year's plan — the Word file as published, its text export or the
Excel template — sees what was read and every check, how it differs from the stored plan of the
same unit and year, and imports it; downloads a stored plan as the template; confirms which
targets carry over from last year."""

from datetime import date

import pandas as pd
import streamlit as st

from perfdash.app import actions, plan_import_view, reads, ui
from perfdash.core import fmt
from perfdash.ops import backup_folder  # who may back up (a delete backs up first), as on 账户与审计
from perfdash.workflows import periods, plans

ctx = ui.page_setup("方案管理")
st.title("方案管理")
ui.flash()
if ctx.actor.role != "office":
    st.info("方案由绩效办导入和管理。")
    st.stop()

# keyed: a save on one tab reruns the page on that tab (closing a period stays on 填报周期)
tab_import, tab_stored, tab_periods = st.tabs(["导入方案", "库中的方案", "填报周期"], key="plans_tab")

with tab_import:
    plan_import_view.render(ctx)

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
    with st.expander("删除方案"):
        st.caption(
            "误导入的方案可以删除：方案及其全部进度、节点、督办、自评、加减分等记录一并删除（记入审计日志）。"
            "删除前自动备份整个数据库，备份文件可在“账户与审计 → 备份”中下载，需要时按该页说明恢复。"
            "已有综合评估或已锁定年度的方案不能删除。"
        )
        names = {int(r.plan_id): f"{r.unit} {r.year}年度" for r in shown.itertuples()}
        ids = list(names)
        doomed = st.selectbox(
            "要删除的方案",
            ids,
            index=ids.index(ctx.plan_id) if ctx.plan_id in ids else 0,
            format_func=names.get,
            key="plan_delete_pick",
        )
        blocker = reads.plan_delete_blocker(ctx, doomed)
        if blocker:
            st.warning(fmt.md(blocker))
        elif len(ids) == 1:
            st.info("这是库中唯一的方案：请先导入正确的方案，再删除这一份。")
        elif not backup_folder.may_back_up(ctx.actor):
            st.info("删除前要备份全部单位的数据：只有不限单位的绩效办账户可以删除方案。")
        else:
            sure = st.checkbox(
                "我确认删除该方案及其全部进度记录（删除前自动备份）",
                key=f"plan_delete_sure_{doomed}",  # another plan picked: confirm again
            )
            why = st.text_input("删除理由（必填，记入审计日志）", max_chars=500, key="plan_delete_reason")
            if st.button(
                f"删除 {names[doomed]}方案",
                type="primary",
                key="plan_delete",
                disabled=not (sure and why.strip()),
            ):
                try:
                    made, gone = actions.delete_plan(ctx, doomed, why)
                except actions.StoreError as exc:
                    st.error(fmt.md(str(exc)))
                else:
                    rest = shown[shown["plan_id"] != doomed]
                    ui.show_plan(plans.default_plan(rest, ui.today()) if doomed == ctx.plan_id else ctx.plan_id)
                    for key in ("plan_delete_pick", "plan_delete_reason", f"plan_delete_sure_{doomed}"):
                        st.session_state.pop(key, None)
                    ui.flash(f"{gone.describe()}。删除前已备份：{made.path.name}（“账户与审计 → 备份”中可下载）")
                    st.rerun()
    previous = reads.previous_plan(ctx, ctx.unit, ctx.year)
    if previous is not None:
        st.subheader(f"延续自{int(previous['year'])}年度的目标")
        previous_id, previous_year = int(previous["plan_id"]), int(previous["year"])
        previous_as_of = reads.reporting_calendar(ctx, previous_id).as_of(date.today())  # that plan's 统计日期
        before = reads.carryover(ctx, ctx.plan_id, ctx.as_of, ctx.year, previous_id, previous_year, previous_as_of)
        done = reads.carryovers_confirmed(ctx, ctx.plan_id)
        agreed = set(zip(done["code"], done["prev_code"], strict=True))
        offered = list(zip(before["code"], before["prev_code"], before["similarity"], strict=True))
        st.caption("按一级指标和目标文字的相似程度配对，请逐项确认；确认后的配对用于跨年度对比。")
        # The ticks the buttons set live in the session with a version: a new version is a new
        # editor key, so the editor draws afresh from them (an editor keeps its own edits per key).
        picked_key = f"_carry_picked_{ctx.plan_id}_{previous_id}"
        ticked, version = st.session_state.get(picked_key, (agreed, 0))
        b_all, b_none, b_at, b_similar = st.columns([1, 1, 2, 2], vertical_alignment="bottom")
        at_least = b_at.number_input(
            "相似度不低于", min_value=0.0, max_value=1.0, value=0.6, step=0.05, format="%.2f", key="carry_threshold"
        )
        pick = None
        if b_all.button("全选", key="carry_all", width="stretch"):
            pick = {(c, p) for c, p, _ in offered}
        if b_none.button("全不选", key="carry_none", width="stretch"):
            pick = set()
        if b_similar.button("按相似度选择", key="carry_similar", width="stretch"):
            pick = {(c, p) for c, p, s in offered if round(float(s), 2) >= round(at_least, 2)}
        if pick is not None:
            ticked, version = pick, version + 1
            st.session_state[picked_key] = (ticked, version)
        table = before.assign(confirm=[(c, p) in ticked for c, p, _ in offered])
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
            key=f"carry_editor_{version}",
        )
        if st.button("保存确认", key="carry_save"):
            pairs = [(r.code, r.prev_code) for r in edited.itertuples() if r.confirm]

            def confirm() -> None:
                actions.confirm_carryovers(ctx, previous_id, pairs)
                st.session_state[picked_key] = (set(pairs), version + 1)  # drawn afresh from what was saved

            actions.save(confirm, f"已确认 {len(pairs)} 项延续目标。")

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
