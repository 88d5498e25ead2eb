"""进度填报: sections report progress on their own targets, online or by uploading their ledger."""

from datetime import date

import streamlit as st

from perfdash.app import actions, reads, ui, widgets
from perfdash.core import fmt, schedule
from perfdash.core.settings import STATUSES
from perfdash.present import tables, templates
from perfdash.workflows import claims, ledger, progress, supervision


def widget_key(name: str) -> str:
    """The key of a widget the browser must forget after a save: the grid keeps its edits and the
    uploader its file under their key, and sends them again on the next click (a note-only save
    leaves the grid's data as it was). A new key after each save (``renew``) starts them empty."""
    saves = st.session_state.get(f"_saves_{name}", 0)
    return f"{name}_{saves}" if saves else name


def renew(name: str) -> None:
    """After a save: forget the widget's value, and give it a new key on the next run."""
    st.session_state.pop(widget_key(name), None)
    st.session_state[f"_saves_{name}"] = st.session_state.get(f"_saves_{name}", 0) + 1


ctx = ui.page_setup("进度填报")
actor = ctx.actor
st.title("进度填报")
ui.flash()

today_default = ctx.report_day  # the open reporting period's cut-off day (or today, if earlier)
state = reads.target_state(ctx, ctx.plan_id, today_default, ctx.year)
mine = progress.targets_for(state, actor)
if actor.role == "leader":
    st.info(
        f"您是分管领导（{fmt.md(actor.name)}）：领导查看进度，由各科室填报。可在“按领导/责任人”中查看您分管的目标。"
    )
    st.stop()
st.caption(
    f"当前身份：**{actor.label}**，可填报 {len(mine)} 项目标"
    + ("（全部目标）" if actor.role == "office" else "（本科室牵头或协作的目标）")
    + f"。{schedule.lag_rule_text()}"
)
widgets.period_note(ctx)  # a section: 本期已报 N 条 ✓, on the dashboards once the office closes the period
if actor.role == "section" and (flags := progress.flag_summary(state, actor, ctx.this_period)):
    st.info(flags, icon=":material/campaign:")  # what the leaders' 需要协调的事项 will list of ours

if actor.role == "section":
    mine_orders = reads.orders(ctx, ctx.plan_id, ui.today())  # as 督办与催报 colours them: today
    mine_orders = mine_orders[(mine_orders["section"] == actor.name) & (mine_orders["level"] != supervision.CLOSED)]
    for o in mine_orders.itertuples():
        code = f"{fmt.md(o.code)}：" if isinstance(o.code, str) else ""  # a meeting decision may name no target
        st.warning(
            f"督办（{o.level}）#{o.order_id} {code}{fmt.md(o.what)}，时限 {fmt.day(o.due_date)}。"
            "请在“督办与催报”中答复。"
        )
    todo = reads.section_todo(ctx, ctx.plan_id, actor.name, ui.today())  # 督办 waiting for us (#36)
    if todo["to_sign"] or todo["returned"]:
        with st.container(border=True, key="orders_todo"):
            st.markdown(f"待签收督办 **{todo['to_sign']}** 项 · 退回待重新答复 **{todo['returned']}** 项")
            widgets.page_link("pages/supervision.py", "到“督办与催报”签收、答复 →")
    # 迎检材料缺项: returned claims at any time (the section must act), the rest from the office's day
    # on; a summary line, the list folded, nothing asked of the weekly report below.
    shown, gaps_start, gaps = reads.gaps_shown(ctx, ctx.plan_id, ctx.year, ui.today(), actor.name)
    returned = gaps[gaps["kind"] == claims.GAP_KINDS[0]]
    for r in returned.head(3).itertuples():
        st.warning(f"已退回待修改 {fmt.md(r.code)}：{fmt.md(r.what)}。请补充佐证后在“核验与迎检”中重新提交。")
    if len(returned) > 3:
        st.warning(f"另有 {len(returned) - 3} 项退回待修改，详见“核验与迎检”。")
    if shown:
        with st.container(border=True, key="gaps_block"):
            st.markdown(
                f"**迎检材料缺项**（{fmt.day(gaps_start)} 起提示）：{claims.gaps_summary(gaps)}"
                + ("。" if gaps.empty else "，年底前请补齐佐证材料。")
            )
            if not gaps.empty:
                with st.expander(f"查看缺项明细（{len(gaps)} 项）", key="gaps_detail"):
                    widgets.gap_list(gaps)
                widgets.page_link("pages/verification.py", "到“核验与迎检”上传佐证、重新提交 →")
    elif len(returned):
        widgets.page_link("pages/verification.py", "到“核验与迎检”修改并重新提交 →")

tab_edit, tab_upload, tab_log = st.tabs(["在线填报", "上传台账", "填报记录"])

with tab_edit:
    report_date = st.date_input(
        "填报日期",
        value=today_default,
        min_value=date(ctx.year, 1, 1),
        max_value=today_default,
        key="report_date",
    )
    before = progress.editor_frame(state, actor)
    # Column widths in pixels: the whole grid, 进展说明 included, fits the page from 1366 px up
    # (sidebar open); the target's full text opens with a double click on its cell.
    after = st.data_editor(
        before,
        key=widget_key("editor"),
        hide_index=True,
        width="stretch",
        disabled=["code", "target", "deadline", "role", "current_pct"],
        column_config={
            "code": st.column_config.TextColumn("编号", width=56),
            "target": st.column_config.TextColumn("年度工作目标", width=156, help="双击单元格可看全文"),
            "deadline": st.column_config.DateColumn("完成时限", format="YYYY-MM-DD", width=92),
            "role": st.column_config.TextColumn("角色", width=48),
            "current_pct": st.column_config.ProgressColumn(
                "当前进度", format="%.0f%%", min_value=0, max_value=100, width=86
            ),
            "completion_pct": st.column_config.NumberColumn(
                "本次完成率(%)", min_value=0, max_value=100, step=1, width=120
            ),
            "status": st.column_config.SelectboxColumn("状态", options=list(STATUSES), required=True, width=80),
            "note": st.column_config.TextColumn("进展说明", max_chars=500, width=160),
            "coordinate": st.column_config.CheckboxColumn(
                "需协调", width=72, help="需要分管领导协调解决的，勾选后列入周例会“需要协调的事项”"
            ),
        },
    )
    edits = progress.edited_rows(before, after, report_date)
    st.caption(
        f"已修改 {len(edits)} 项，其余 {len(before) - len(edits)} 项未改动、不会保存。"
        f"只有改动了完成率、状态、需协调或填写了说明的目标才会保存；{progress.STATUS_RULE}。"
        f"{progress.COORDINATE_RULE}。"
    )
    clashes = progress.edit_problems(before, edits)  # the same rule the save applies, shown before the click
    if clashes:
        ui.problems("状态与完成率不一致，请修改后再保存：", clashes)
    if st.button("保存修改", type="primary", key="save_edits", disabled=not edits or bool(clashes)):
        try:
            n = actions.report_progress(ctx, edits)
        except actions.StoreError as exc:
            ui.problems("未保存，请修改后重试：", str(exc).splitlines())
        else:
            ui.flash(f"已保存 {progress.saved_text(n, len(edits))}。填报日期 {fmt.day(report_date)}。")
            renew("editor")
            st.rerun()

with tab_upload:
    st.download_button(
        "下载本科室进度台账模板（.xlsx）" if actor.role == "section" else "下载全部目标的进度台账模板（.xlsx）",
        data=lambda: templates.ledger_template_xlsx(state, actor, today_default, demo=ctx.is_demo),
        file_name=f"进度台账_{actor.name}_{fmt.day(today_default)}{'_演示数据' if ctx.is_demo else ''}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="download_template",
    )
    st.caption(
        f"可上传填好的模板，或按模板表头另存的 CSV（UTF-8 或 GBK）。文件不超过 "
        f"{ledger.MAX_BYTES // 1024 // 1024} MB、{ledger.MAX_ROWS} 行。"
        "整份文件全部通过校验才会保存，否则不写入任何数据；"
        f"{progress.UNCHANGED_RULE}。"
    )
    uploaded = st.file_uploader(
        "上传进度台账",
        type=["xlsx", "csv"],
        key=widget_key("ledger_upload"),
        max_upload_size=ledger.MAX_BYTES // 1024 // 1024,
    )
    if uploaded is not None:
        up = ui.parse_once(uploaded, ledger.read_upload)
        up = reads.upload_problems(ctx, ctx.plan_id, actor, up, date.today())  # every row's problems, in one pass
        if up.errors:
            st.error(f"文件有 {len(up.errors)} 处问题，未写入任何数据：")
            st.dataframe(tables.upload_errors(up.errors), hide_index=True, width="stretch", key="upload_errors")
        else:
            diff = progress.changes(state, up.rows, up.unchanged)
            changed, same = up.changed_count, len(up.rows) - up.changed_count
            st.info(
                f"共 {len(diff)} 行：{changed} 行有变化，将保存为新的进度记录；{same} 行与该目标最近一次填报相同"
                f"（{progress.UNCHANGED_WHAT}），将跳过。" + ("确认无误后保存：" if changed else "没有需要保存的内容。")
            )
            st.dataframe(tables.changes(diff), hide_index=True, width="stretch", key="upload_preview")
            if st.button("确认保存", type="primary", key="commit_upload", disabled=not changed):
                try:
                    n = actions.report_progress(ctx, up.rows)
                except actions.StoreError as exc:
                    st.error(fmt.md(str(exc)))
                else:
                    ui.flash(f"已从 {uploaded.name} 保存 {progress.saved_text(n, len(up.rows))}。")
                    renew("ledger_upload")
                    st.rerun()

with tab_log:
    log = reads.reports_by(ctx, ctx.plan_id, actor.name if actor.role == "section" else None)
    st.caption(f"最近的 {len(log)} 条填报记录" + ("（全部科室）" if actor.role == "office" else ""))
    st.dataframe(tables.report_log(log), hide_index=True, width="stretch", key="report_log")
