"""督办: reporting discipline (催报) with reminders, supervision orders (三色督办), milestones (节点)
and dynamic targets (动态工作目标)."""

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from perfdash.app import actions, reads, ui, widgets
from perfdash.core import fmt
from perfdash.core.schedule import LATE_STATUSES
from perfdash.ops import notify
from perfdash.present import exports, tables
from perfdash.workflows import claims, supervision

ctx = ui.page_setup("督办与催报")
actor = ctx.actor
st.title("督办与催报")
ui.flash()
state = reads.target_state(ctx, ctx.plan_id, ctx.as_of, ctx.year)
office = actor.role == "office"
# 迎检缺项 (#34): every section's evidence gaps from the office's day on, for the office and leaders;
# they also go into the reminders from that day.
gaps_on, gaps_start, all_gaps = reads.gaps_shown(ctx, ctx.plan_id, ctx.year, ui.today())
names = ["催报", "督办单", "节点", "动态目标"] + (["迎检缺项"] if actor.role in ("office", "leader") else [])
tab_remind, tab_orders, tab_marks, tab_dynamic, *tab_gaps = st.tabs(names)

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
    if office and not missing.empty:
        who = st.multiselect("催报科室", list(missing["section"]), default=list(missing["section"]), key="remind_who")
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
    all_orders = reads.orders(ctx, ctx.plan_id, ctx.as_of)
    shown = all_orders if office or actor.role == "leader" else all_orders[all_orders["section"] == actor.name]
    counts = shown["level"].value_counts()
    cols = st.columns(4)
    for col, level in zip(
        cols, (supervision.RED, supervision.ORANGE, supervision.BLUE, supervision.CLOSED), strict=True
    ):
        col.metric(level, f"{int(counts.get(level, 0))} 件")
    st.caption(
        f"等级按统计日期 {fmt.day(ctx.as_of)} 判断：到期前为蓝色，逾期未办结为橙色，逾期超过 "
        f"{supervision.settings.escalate_days()} 天为红色；办结须由绩效办确认。"
    )
    widgets.table(tables.orders(shown), "没有督办单。", width="stretch")
    if office:
        lagging = state[state["lag_status"].isin(LATE_STATUSES)]
        with st.form("issue_order", clear_on_submit=True):
            pool = list(lagging["code"]) or list(state["code"])
            code = st.selectbox("滞后目标", pool, key="order_code")
            what = st.text_input("督办事项", key="order_what")
            due = st.date_input("办理时限", value=ctx.as_of + timedelta(days=14), key="order_due")
            if st.form_submit_button("下发督办单", type="primary"):
                actions.save(
                    lambda: actions.issue_order(ctx, code, what, due),
                    f"已向 {code} 的牵头科室下发督办单。",
                )
    open_orders = shown[shown["level"] != supervision.CLOSED]
    if not open_orders.empty and actor.role in ("office", "section"):
        pick = st.selectbox(
            "办理督办单",
            list(open_orders["order_id"]),
            format_func=lambda o: f"#{o} {open_orders.set_index('order_id').loc[o, 'what'][:30]}",
            key="order_pick",
        )
        answer = st.text_area("答复 / 办理情况", key="order_answer")
        c1, c2 = st.columns(2)
        if c1.button("提交答复", key="order_respond"):
            actions.save(lambda: actions.respond_order(ctx, int(pick), answer), "已提交答复。")
        if office and c2.button("办结", key="order_close"):
            actions.save(lambda: actions.close_order(ctx, int(pick), answer), f"督办单 #{pick} 已办结。")

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
