"""督办: reporting discipline (催报) with reminders (with the sections' 督办 items due, overdue or not
signed for), 督办 items of every source (绩效办督办, 周例会, 领导批示) signed for and answered with
files by the sections and reviewed by the office (办结销号 or 退回), their 三色 escalation, the
office's 签收 and 临近提醒 days, milestones (节点) and dynamic targets (动态工作目标)."""

from datetime import date, timedelta
from functools import partial

import pandas as pd
import streamlit as st

from perfdash.app import actions, reads, ui, widgets
from perfdash.core import fmt
from perfdash.core import settings as config
from perfdash.core.schedule import LATE_STATUSES
from perfdash.ops import notify
from perfdash.present import exports, tables
from perfdash.workflows import claims, decisions, evaluation, supervision

ctx = ui.page_setup("督办与催报")
actor = ctx.actor
st.title("督办与催报")
ui.flash()
state = reads.target_state(ctx, ctx.plan_id, ctx.as_of, ctx.year)
office = actor.role == "office"
today = ui.today()  # 签收 and 办理 run on the calendar: an item's status and level are as of today
sign_days, remind_days = reads.supervision_settings(ctx, ctx.plan_id)
due = reads.due_reminders(ctx, ctx.plan_id, today)  # what today's reminders carry of the 督办 items
# 迎检缺项 (#34): every section's evidence gaps from the office's day on, for the office and leaders;
# they also go into the reminders from that day.
gaps_on, gaps_start, all_gaps = reads.gaps_shown(ctx, ctx.plan_id, ctx.year, ui.today())
names = ["催报", "督办单", "节点", "动态目标"] + (["迎检缺项"] if actor.role in ("office", "leader") else [])
tab_remind, tab_orders, tab_marks, tab_dynamic, *tab_gaps = st.tabs(names)

# --- 督办单: every item, signed for and answered by its section, reviewed by the office ----------------
BADGES = {
    decisions.UNSIGNED: "gray",
    decisions.SIGN_LATE: "red",
    decisions.WORKING: "blue",
    decisions.REVIEW: "orange",
    decisions.OVERDUE: "red",
    decisions.CLOSED: "green",
}
LEVEL_BADGES = {supervision.RED: "red", supervision.ORANGE: "orange", supervision.BLUE: "blue"}
STATUSES = (
    decisions.UNSIGNED,
    decisions.SIGN_LATE,
    decisions.WORKING,
    decisions.REVIEW,
    decisions.OVERDUE,
    decisions.CLOSED,
)


def day(value: object) -> str:
    return "—" if value is None or pd.isna(value) else fmt.day(value)


def when(value: object) -> str:
    return "—" if value is None or pd.isna(value) else f"{pd.Timestamp(value):%Y-%m-%d %H:%M}"


def text_of(value: object) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def source_of(row: pd.Series) -> str:
    """周例会（2025-11-24）, 领导批示（林长华）, 绩效办督办."""
    label = str(row["source_label"])
    if row["source"] == "meeting" and not pd.isna(row["source_day"]):
        return f"{label}（{day(row['source_day'])}）"
    if row["source"] == "instruction" and text_of(row["source_leader"]):
        return f"{label}（{text_of(row['source_leader'])}）"
    return label


def due_table(frame: pd.DataFrame) -> pd.DataFrame:
    """decisions.due_reminders for display."""
    return pd.DataFrame(
        {
            "提醒": frame["kind"],
            "编号": frame["order_id"],
            "责任科室": frame["section"],
            "目标": [text_of(c) or "—" for c in frame["code"]],
            "督办事项": frame["what"],
            "办理时限": [day(d) for d in frame["due_date"]],
            "签收时限": [day(d) for d in frame["sign_due"]],
        }
    )


def board_table(frame: pd.DataFrame) -> pd.DataFrame:
    """reads.order_board for display."""
    return pd.DataFrame(
        {
            "编号": frame["order_id"],
            "状态": [
                f"{s}（已过时限）" if s == decisions.REVIEW and late else s
                for s, late in zip(frame["status"], frame["past_due"], strict=True)
            ],
            "等级": frame["level"],
            "来源": [source_of(r) for _, r in frame.iterrows()],
            "目标": [text_of(c) or "—" for c in frame["code"]],
            "责任科室": frame["section"],
            "督办事项": frame["what"],
            "办理时限": [day(d) for d in frame["due_date"]],
            "签收": [
                day(s) if not pd.isna(s) else f"限 {day(d)}"
                for s, d in zip(frame["signed_at"], frame["sign_due"], strict=True)
            ],
        }
    )


def status_metrics(frame: pd.DataFrame, shown: tuple[str, ...]) -> None:
    counts = frame["status"].value_counts()
    for col, name in zip(st.columns(len(shown)), shown, strict=True):
        col.metric(name, f"{int(counts.get(name, 0))} 件")


def file_downloads(oid: int, seq: int | None, key: str) -> None:
    """Download buttons for the files of one reply (``seq``; None: every reply); each file is read
    only when its button is pressed."""
    files = reads.order_file_list(ctx, oid)
    if seq is not None:
        files = files[files["seq"] == seq]
    for n, f in enumerate(files.itertuples()):
        kb = int(f.size_bytes) / 1024
        size = f"{max(1, round(kb))} KB" if kb < 1024 else f"{kb / 1024:.1f} MB"
        st.download_button(
            f"下载 {f.file_name}（{size}）",
            data=partial(lambda o, h: reads.order_file(ctx, o, h)[2], oid, str(f.content_sha256)),
            file_name=str(f.file_name),
            mime=str(f.mime),
            key=f"order_file_{key}_{oid}_{int(f.seq)}_{n}",
            on_click="ignore",
            icon=":material/download:",
        )


def history_view(oid: int, key: str) -> None:
    """An item's course: decided, signed, replies with their files, returns, closing."""
    course = reads.order_history(ctx, oid)
    lines = []
    for r in course.itertuples():
        said = f"：{fmt.md(r.text)}" if text_of(r.text) else ""
        files = f"（附件：{fmt.md(r.files)}）" if text_of(r.files) else ""
        lines.append(f"- {when(r.at)} **{r.event}** · {fmt.md(r.by)}{said}{files}")
    st.markdown("\n".join(lines) or "—")
    file_downloads(oid, None, key)


def item_head(row: pd.Series) -> None:
    oid = int(row["order_id"])
    level = LEVEL_BADGES.get(row["level"])
    shown = f"{row['status']}（已过时限）" if row["status"] == decisions.REVIEW and row["past_due"] else row["status"]
    badges = f":{BADGES.get(row['status'], 'gray')}-badge[{shown}]" + (
        f" :{level}-badge[{row['level']}]" if level else ""
    )
    code = f"**{fmt.md(row['code'])}** " if text_of(row["code"]) else ""
    st.markdown(f"{badges} **#{oid}** {code}{fmt.md(row['what'])}")
    person = f"（{fmt.md(row['person'])}）" if text_of(row["person"]) else ""
    signed = f"{when(row['signed_at'])} 签收" if not pd.isna(row["signed_at"]) else f"签收时限 {day(row['sign_due'])}"
    st.caption(
        f"{fmt.md(source_of(row))} · 责任科室 {fmt.md(row['section'])}{person} · "
        f"办理时限 {day(row['due_date'])} · {signed}"
    )


def latest_reply(row: pd.Series, key: str) -> None:
    if not text_of(row["last_reply"]):
        return
    st.markdown(
        f"**最近答复**（{fmt.md(text_of(row['last_reply_by']))}，{when(row['last_reply_at'])}）：{fmt.md(row['last_reply'])}"
    )
    file_downloads(int(row["order_id"]), int(row["last_reply_seq"]), key)


def review_card(row: pd.Series, decide: bool) -> None:
    """A 待复核 item for the office (its latest reply and files, 办结销号 / 退回) or a leader (read)."""
    oid = int(row["order_id"])
    with st.container(border=True, key=f"review_{oid}"):
        item_head(row)
        if text_of(row["last_return"]):
            st.caption(f"上次退回理由：{fmt.md(row['last_return'])}")
        latest_reply(row, "review")
        if decide:
            with st.form(f"review_form_{oid}", border=False):
                note = st.text_area(
                    "复核意见（退回时必填，写明需要补充什么；办结时作为办结说明）", key=f"review_note_{oid}", height=80
                )
                c1, c2 = st.columns(2)
                if c1.form_submit_button("办结销号", type="primary", key=f"close_{oid}", width="stretch"):
                    actions.save(partial(actions.close_order, ctx, oid, note), f"督办单 #{oid} 已办结销号。")
                if c2.form_submit_button("退回", key=f"return_{oid}", width="stretch"):
                    done = f"已退回督办单 #{oid}，{row['section']}会在“督办与催报”看到退回理由。"
                    actions.save(partial(actions.return_order, ctx, oid, note), done)
        with st.expander("办理经过", key=f"review_course_{oid}"):
            history_view(oid, "review_course")


def other_close(open_: pd.DataFrame) -> None:
    """其他操作: the office closes (办结销号) any open item it holds, answered or not: one recorded by
    mistake or no longer needed, with a note saying why."""
    with st.expander("其他操作：直接办结销号", key="other_ops"):
        if open_.empty:
            st.caption("没有未办结的督办事项。")
            return
        st.caption("事项记录有误或已无需办理时，可直接办结销号（须写明办结说明）；已答复的事项请在上面的待复核中办理。")
        labels = {
            int(r.order_id): f"#{r.order_id} {r.section} · {str(r.what)[:30]}（{r.status}）" for r in open_.itertuples()
        }
        with st.form("other_close_form", border=False):
            oid = st.selectbox("督办事项", list(labels), format_func=labels.get, key="other_close_pick")
            note = st.text_area("办结说明（必填）", key="other_close_note", height=80)
            if st.form_submit_button("办结销号", key="other_close"):
                actions.save(partial(actions.close_order, ctx, int(oid), note), f"督办单 #{oid} 已办结销号。")


def reply_form(row: pd.Series) -> None:
    """The section's 办理情况 with its files; the form starts empty again after a saved reply."""
    oid = int(row["order_id"])
    n = st.session_state.get(f"_replies_{oid}", 0)
    with st.form(f"reply_form_{oid}", border=False):
        text = st.text_area("办理情况", key=f"reply_text_{oid}_{n}", height=90, max_chars=1000)
        files = st.file_uploader(
            "佐证材料（可多选）",
            type=[e.lstrip(".") for e in evaluation.EVIDENCE_TYPES],
            accept_multiple_files=True,
            key=f"reply_files_{oid}_{n}",
        )
        if st.form_submit_button("提交答复", type="primary", key=f"reply_{oid}"):

            def send() -> None:
                actions.reply_order(ctx, oid, text, [(f.name, f.getvalue()) for f in files or []])
                st.session_state[f"_replies_{oid}"] = n + 1

            done = (
                f"已提交督办单 #{oid} 的答复" + (f"（附 {len(files)} 个文件）" if files else "") + "，等待绩效办复核。"
            )
            actions.save(send, done)


def section_card(row: pd.Series) -> None:
    """One of the section's open items: 签收 first, then the reply; a returned one says why."""
    oid = int(row["order_id"])
    with st.container(border=True, key=f"item_{oid}"):
        item_head(row)
        if decisions.returned(row):
            st.warning(f"绩效办退回：{fmt.md(str(row['last_return']).rstrip('。'))}。请补充后重新答复。")
        if not decisions.signed(row):
            st.caption(f"请在 {day(row['sign_due'])} 前签收；签收后填写办理情况。")
            if st.button("签收", type="primary", key=f"sign_{oid}"):
                actions.save(partial(actions.sign_order, ctx, oid), f"已签收督办单 #{oid}。")
        elif decisions.awaiting_review(row):
            latest_reply(row, "mine")
            st.caption("已答复，等待绩效办复核（办结销号或退回）。")
        else:
            reply_form(row)
        with st.expander("办理经过", key=f"item_course_{oid}"):
            history_view(oid, "item_course")


def settings_form() -> None:
    with st.expander(f"签收与提醒时限（签收 {sign_days} 天，到期前 {remind_days} 天提醒）"):
        st.caption(
            "签收时限：会议决定、领导批示和督办单记录后，责任科室须在几天内签收（对之后记录的事项生效）；"
            "临近提醒：办理时限前几天起随催报提醒。"
        )
        with st.form("order_settings", border=False):
            c1, c2 = st.columns(2)
            sign = c1.number_input("签收时限（天）", 0, 30, sign_days, step=1, key="settings_sign_days")
            remind = c2.number_input("临近提醒（天）", 0, 30, remind_days, step=1, key="settings_remind_days")
            if st.form_submit_button("保存时限"):
                actions.save(
                    partial(actions.set_supervision_settings, ctx, int(sign), int(remind)),
                    f"已保存：签收时限 {int(sign)} 天，到期前 {int(remind)} 天提醒。",
                )


def orders_tab() -> None:
    esc = f"逾期超过 {config.escalate_days()} 天为红色"
    rule = (
        f"状态和等级按今天（{fmt.day(today)}）判断。等级：到期前为蓝色，逾期未办结为橙色，{esc}；"
        f"超过签收时限（{sign_days} 天）未签收的同样升级。科室答复后由绩效办复核：办结销号或退回；"
        "等待复核期间不再升级，过了办理时限的标“已过时限”。"
    )
    if actor.role == "section":
        mine = reads.order_board(ctx, ctx.plan_id, today, actor.name)
        todo = reads.section_todo(ctx, ctx.plan_id, actor.name, today)
        c = st.columns(4)
        c[0].metric("待签收", f"{todo['to_sign']} 件")
        c[1].metric("退回待重新答复", f"{todo['returned']} 件")
        c[2].metric("待复核", f"{int((mine['status'] == decisions.REVIEW).sum())} 件")
        c[3].metric("已办结", f"{int((mine['status'] == decisions.CLOSED).sum())} 件")
        st.caption(rule)
        open_ = mine[mine["status"] != decisions.CLOSED]
        # What the section must do first: sign, then answer the returned ones, then the rest.
        first = [0 if not decisions.signed(r) else 1 if decisions.returned(r) else 2 for _, r in open_.iterrows()]
        open_ = open_.assign(_first=first).sort_values("_first", kind="stable")
        if open_.empty:
            st.info("本科室没有未办结的督办事项。")
        for _, row in open_.iterrows():
            section_card(row)
        done = mine[mine["status"] == decisions.CLOSED]
        if not done.empty:
            with st.expander(f"已办结（{len(done)} 件）", key="mine_closed"):
                widgets.table(board_table(done), "", width="stretch")
                pick = st.selectbox("查看办理经过", list(done["order_id"]), key="mine_closed_pick")
                history_view(int(pick), "mine_closed")
        return

    board = reads.order_board(ctx, ctx.plan_id, today)
    status_metrics(board, STATUSES)
    st.caption(rule)
    c1, c2, c3 = st.columns(3)
    statuses = c1.multiselect("状态", STATUSES, key="order_status", placeholder="全部状态")
    sources = c2.multiselect("来源", list(decisions.SOURCES.values()), key="order_source", placeholder="全部来源")
    sections = sorted(set(board["section"]))
    section = c3.selectbox("责任科室", ["全部科室", *sections], key="order_section")
    shown = board
    if statuses:
        shown = shown[shown["status"].isin(statuses)]
    if sources:
        shown = shown[shown["source_label"].isin(sources)]
    if section != "全部科室":
        shown = shown[shown["section"] == section]
    widgets.table(board_table(shown), "没有符合条件的督办事项。", width="stretch", key="order_board")
    # The office's turn: every answer since the item was signed or last returned, past its due day or not.
    waiting = shown[
        pd.Series(
            [decisions.awaiting_review(r) and r["status"] != decisions.CLOSED for _, r in shown.iterrows()],
            index=shown.index,
            dtype=bool,
        )
    ]
    st.subheader(f"待复核（{len(waiting)} 件）")
    if waiting.empty:
        st.caption("没有等待复核的答复。")
    for _, row in waiting.iterrows():
        review_card(row, decide=office)
    if office:
        other_close(board[board["status"] != decisions.CLOSED])  # every open item, whatever the filters
    if not shown.empty:
        with st.expander("查看任一事项的办理经过", key="order_course"):
            labels = {int(r.order_id): f"#{r.order_id} {str(r.what)[:30]}" for r in shown.itertuples()}
            pick = st.selectbox("督办事项", list(labels), format_func=labels.get, key="order_course_pick")
            history_view(int(pick), "order_course")
    if office:
        lagging = state[state["lag_status"].isin(LATE_STATUSES)]
        with st.form("issue_order", clear_on_submit=True):
            st.markdown("**下发督办单**（给滞后目标的牵头科室）")
            pool = list(lagging["code"]) or list(state["code"])
            code = st.selectbox("滞后目标", pool, key="order_code")
            what = st.text_input("督办事项", key="order_what")
            due_day = st.date_input("办理时限", value=today + timedelta(days=14), key="order_due")
            if st.form_submit_button("下发督办单", type="primary"):
                actions.save(
                    lambda: actions.issue_order(ctx, code, what, due_day),
                    f"已向 {code} 的牵头科室下发督办单。",
                )
        settings_form()


with tab_remind:
    # 未报送 is about a reporting period: 本期 (the open one) unless the office looks at an earlier one.
    now, calendar = ctx.this_period, ctx.reporting
    choices = [p for p in calendar.periods() if p.start <= now.end][::-1] if calendar else [now]
    period = st.selectbox(
        "填报周期",
        choices,
        format_func=lambda p: (
            f"{p.name}（{p.days}）"
            + ("· 已关闭" if calendar and calendar.closed(p) else "· 本期" if p == now else "· 未关闭")
        ),
        key="remind_period",
    )
    widgets.period_note(ctx)
    missing = reads.not_reported(ctx, ctx.plan_id, period.start, period.end)
    st.caption(
        f"{period.name}（{period.days}）：{len(missing)} 个科室有未完成的牵头目标、在这一期没有报送任何进度"
        "（科室在这一期报送一条即不再列入）。本期已报的进度在绩效办关闭本期后计入看板"
        f"（看板统计截至 {fmt.day(ctx.as_of)}）。"
    )
    widgets.table(tables.not_reported(missing), f"各科室在{period.name}都已报送。", width="stretch")
    if actor.role in ("office", "leader"):
        st.caption(
            f"督办提醒（{fmt.day(today)}）：即将到期（{remind_days} 天内）、已逾期和超过签收时限未签收的督办事项"
            f"共 {len(due)} 项，随催报一起发给责任科室（已答复、等待复核的不再提醒）。"
        )
        widgets.table(due_table(due), "今天没有需要提醒的督办事项。", width="stretch")
    candidates = list(dict.fromkeys([*missing["section"], *due["section"]]))
    if office and candidates:
        who = st.multiselect("催报科室", candidates, default=candidates, key="remind_who")
        by_mail, by_robot = notify.email_configured(), notify.robot_configured()
        robot = supervision.CHANNEL_LABELS[notify.robot_kind()] if by_robot else "工作群"
        c1, c2 = st.columns(2)
        for col, channel, label, ready, setting in (
            (c1, "email", "发送邮件", by_mail, "PERFDASH_SMTP_HOST"),
            (c2, "webhook", f"发到{robot}", by_robot, "PERFDASH_WEBHOOK_URL"),
        ):
            if col.button(
                label,
                key=f"remind_{channel}",
                disabled=not who or not ready,
                help=None if ready else f"未配置（{setting}），请用下面的文字手工发送",
            ):
                sent, message = actions.remind(ctx, who, channel, period)
                (st.success if sent else st.error)(message)
        texts = supervision.reminder_texts(
            ctx.unit,
            missing[missing["section"].isin(who)],
            period,
            reads.contacts(ctx, ctx.plan_id),
            all_gaps if gaps_on else None,
            due[due["section"].isin(who)],
        )
        if gaps_on:
            st.caption(
                f"自 {fmt.day(gaps_start)} 起，催报同时列出各科室的迎检材料缺项"
                f"（邮件和手工发送的文字列出前 {supervision.GAP_ITEMS} 项，群消息只列汇总）。"
            )
        if not (by_mail or by_robot):
            st.info(
                "未配置邮件服务器和工作群机器人：请复制下面每个科室的催报文字（右上角按钮），"
                "通过微信、短信或电话发给科室；也可以下载催报清单打印。"
            )
        with st.expander("催报文字（手工发送）", expanded=not (by_mail or by_robot)):
            for r in texts.itertuples():
                reach = "　".join(x for x in (r.email, r.phone) if x) or "未设置联系方式"
                st.markdown(f"**{fmt.md(r.section)}**　{fmt.md(reach)}")
                st.code(r.text, language=None, wrap_lines=True)
            st.download_button(
                "下载催报清单（Excel）",
                data=lambda: exports.reminder_xlsx(texts, ctx.unit, period, ctx.as_of, demo=ctx.is_demo),
                file_name=f"催报清单_{ctx.as_of.isoformat()}{'_演示数据' if ctx.is_demo else ''}.xlsx",
                mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                key="remind_xlsx",
                on_click="ignore",
                disabled=texts.empty,
            )
    log = reads.reminders(ctx, ctx.plan_id)
    if not log.empty:
        st.caption("催报记录")
        st.dataframe(
            log.assign(
                sections=log["sections"].map("、".join),
                channel=log["channel"].map(lambda c: supervision.CHANNEL_LABELS.get(c, c)),
            ).rename(
                columns={
                    "reminder_id": "编号",
                    "channel": "方式",
                    "recipients": "收件人",
                    "sections": "科室",
                    "subject": "标题",
                    "ok": "成功",
                    "error": "错误",
                    "sent_by": "发送人",
                    "sent_at": "时间",
                }
            ),
            hide_index=True,
            width="stretch",
        )
    if office:
        with st.expander("科室联系方式"):
            st.caption(
                "邮箱用于催报邮件；手机号用于在工作群中 @ 科室负责人（钉钉、企业微信按手机号提醒）。"
                "保存时两项都以表单为准，留空即清除。"
            )
            reach = reads.contacts(ctx, ctx.plan_id)
            if not reach.empty:
                st.dataframe(
                    reach.rename(columns={"section": "科室", "email": "邮箱", "phone": "手机号"}),
                    hide_index=True,
                    width="stretch",
                )
            sections, _ = reads.sections_and_leaders(ctx, ctx.plan_id)
            with st.form("contact", clear_on_submit=True):
                sec = st.selectbox("科室", sections, key="contact_section")
                c1, c2 = st.columns(2)
                email = c1.text_input("邮箱", key="contact_email")
                phone = c2.text_input("手机号", key="contact_phone")
                if st.form_submit_button("保存"):
                    actions.save(
                        lambda: actions.set_section_contact(ctx, sec, email, phone),
                        f"已保存{sec}的联系方式。",
                    )

with tab_orders:
    orders_tab()

with tab_marks:
    st.caption("把目标分解为节点（日期、责任人、权重）后，该目标的序时进度按节点计算，而不是按直线。")
    labels = {r.code: f"{r.code} {r.target[:30]}" for r in state.itertuples()}
    code = st.selectbox("目标", list(labels), format_func=labels.get, key="marks_code")
    current = reads.milestones(ctx, ctx.plan_id, code)
    frame = pd.DataFrame(
        {
            "title": current["title"].astype(str),
            "due_date": pd.to_datetime(current["due_date"]).dt.date,
            "person": current["person"].astype(str),
            "weight": current["weight"].astype(float),
        }
    )
    edited = st.data_editor(
        frame,
        num_rows="dynamic",
        key=f"marks_editor_{code}",
        hide_index=True,
        width="stretch",
        column_config={
            "title": st.column_config.TextColumn("节点", required=True),
            "due_date": st.column_config.DateColumn(
                "日期", required=True, min_value=date(ctx.year, 1, 1), max_value=date(ctx.year, 12, 31)
            ),
            "person": st.column_config.TextColumn("责任人"),
            "weight": st.column_config.NumberColumn("权重", min_value=0.1, default=1.0, required=True),
        },
    )
    if st.button("保存节点", key="marks_save"):
        rows = [
            (str(r.title), r.due_date, str(r.person or ""), float(r.weight))
            for r in edited.dropna(subset=["title", "due_date", "weight"]).itertuples()
        ]
        actions.save(lambda: actions.set_milestones(ctx, code, rows), f"已保存 {code} 的 {len(rows)} 个节点。")
    row = state.set_index("code").loc[code]
    st.caption(f"{code} 当前序时进度 {fmt.pct(row['expected_pct'])}，完成率 {fmt.pct(row['completion_pct'])}。")

with tab_dynamic:
    if not office:
        st.info("动态工作目标由绩效办添加。")
    else:
        st.caption(
            "方案印发后新增的突发应急事件和重大决策部署，可列为动态工作目标（编号 3-n），"
            "但不得与重点工作目标和常规工作目标交叉重叠。"
        )
        sections, leaders = reads.sections_and_leaders(ctx, ctx.plan_id)
        text = st.text_area("目标内容", key="dyn_text")
        similar = supervision.similar_targets(text, state) if text.strip() else pd.DataFrame()
        if not similar.empty:
            st.warning("与以下已有目标相近，请确认不交叉重叠：")
            st.dataframe(
                similar.rename(columns={"code": "编号", "target": "目标", "similarity": "相似度"}),
                hide_index=True,
                width="stretch",
            )
        c1, c2, c3 = st.columns(3)
        points = c1.number_input("分值", 0.5, 20.0, 1.0, step=0.5, key="dyn_points")
        deadline = c2.date_input("完成时限", value=date(ctx.year, 12, 31), key="dyn_deadline")
        secs = c3.multiselect("责任科室（第一个为牵头）", sections, key="dyn_sections")
        persons = c1.text_input("责任人（顿号分隔，与科室对应）", key="dyn_persons")
        heads = c2.multiselect("分管领导", leaders, key="dyn_leaders")
        code = supervision.next_dynamic_code(state)
        if st.button(f"添加动态目标 {code}", type="primary", key="dyn_add"):
            try:
                target = supervision.dynamic_target(
                    code,
                    text,
                    points,
                    deadline,
                    secs,
                    [p for p in persons.replace(",", "、").split("、") if p.strip()],
                    heads,
                )
                actions.add_dynamic_target(ctx, target)
            except actions.StoreError as exc:
                st.error(fmt.md(str(exc)))
            else:
                ui.flash(f"已添加动态目标 {code}。")
                st.rerun()

for tab in tab_gaps:  # the office and leaders: every section's gaps
    with tab:
        if not gaps_on:
            st.info(
                f"迎检材料缺项自 {fmt.day(gaps_start)} 起在这里按科室列出（科室在“进度填报”中看到本科室的缺项）；"
                "在此之前，待核验和退回的填报在“核验与迎检”中办理。"
            )
            widgets.page_link("pages/verification.py", "到“核验与迎检” →")
        elif all_gaps.empty:
            st.success("各科室的佐证材料已齐全，没有待核验或退回的填报。")
        else:
            st.markdown(f"**迎检材料缺项**（{fmt.day(gaps_start)} 起）：{claims.gaps_summary(all_gaps)}")
            by_section = tables.gaps_by_section(all_gaps)
            st.dataframe(
                by_section,
                hide_index=True,
                width="stretch",
                height=widgets.table_height(len(by_section), 560),
                key="gaps_by_section",
            )
            st.caption("按牵头科室统计（协作科室在本科室的“进度填报”中也能看到）。展开科室查看明细：")
            parts = {str(k) or "—": g for k, g in all_gaps.groupby("lead_section", sort=False)}
            for section in by_section["科室"]:  # most gaps first, as the table
                part = parts[section]
                with st.expander(f"{section}：{claims.gaps_summary(part)}"):
                    widgets.gap_list(part)
            widgets.page_link("pages/verification.py", "到“核验与迎检”核验、查看佐证 →")
