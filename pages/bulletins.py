"""督查通报 (#36): the office picks a month, checks the draft's figures beside its text, edits the
issue number, title, 主送 and each part's paragraphs, downloads the edited draft and issues it;
issued 通报 are kept as issued and listed. Leaders read the list and download; sections do not use
this page."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from perfdash.app import actions, reads, ui, widgets
from perfdash.core import fmt
from perfdash.present import bulletin
from perfdash.workflows import bulletins

ctx = ui.page_setup("督查通报")
actor = ctx.actor
st.title("督查通报")
ui.flash()
if actor.role not in ("office", "leader"):
    st.info("督查通报由绩效办编辑、签发，本页供绩效办和局领导使用。")
    st.stop()

office = actor.role == "office"
issued = reads.issued_bulletins(ctx, ctx.plan_id)
FIELDS = {"issue": "bulletin_issue", "title": "bulletin_title", "addressee": "bulletin_to"}
TEXT_CHARS_PER_LINE = 42  # characters on a text area's line in the page's left column at 1366 px


def part_key(k: int) -> str:
    return f"bulletin_part_{k}"


def month_label(month: date) -> str:
    return f"{month.year}年{month.month}月"


def issued_view() -> None:
    """The issued 通报: the list, and one of them to download (the file kept when it was issued) or read."""
    widgets.table(
        bulletin.issued_table(issued),
        "还没有签发过督查通报。" + ("在“起草与签发”中编辑草稿后签发。" if office else ""),
        width="stretch",
    )
    if issued.empty:
        return
    rows = {int(r.bulletin_id): r for r in issued.itertuples()}
    chosen = st.columns([1, 1])[0].selectbox(
        "选择一期",
        list(rows),
        format_func=lambda b: f"{rows[b].issue} · {rows[b].title}",
        key="bulletin_issued_pick",
    )
    row = rows[chosen]
    try:
        _, data = reads.issued_bulletin_file(ctx, chosen)
    except actions.StoreError as exc:
        st.error(fmt.md(str(exc)))
    else:
        st.download_button(
            f"下载 {row.issue}（Word）",
            data=data,
            file_name=row.file_name,
            mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            key="bulletin_issued_download",
            on_click="ignore",  # a download needs no rerun
        )
    st.caption(
        f"签发的 Word 文件按签发时的内容保存（{int(row.size_bytes) // 1024} KB，下载时核对校验值），"
        "此后的填报不会改变它。"
    )
    with st.expander("查看正文（签发时的文字）"):
        text = reads.issued_bulletin_text(ctx, chosen)
        st.markdown(f"**{fmt.md(text['title'])}**")
        st.markdown(fmt.md(text["addressee"]))
        for part in text["parts"]:
            st.markdown(f"**{fmt.md(part['heading'])}**")
            for paragraph in part["paragraphs"]:
                st.markdown(fmt.md(paragraph))


if not office:
    st.caption(
        "绩效办每月根据最近关闭的填报周期起草《绩效督查通报》，修改后签发；这里列出已签发的各期，"
        f"可下载签发时保存的 Word 文件{ui.demo_badge(ctx)}。"
    )
    issued_view()
    st.stop()

tab_draft, tab_issued = st.tabs(["起草与签发", f"已签发的通报（{len(issued)}）"])
with tab_issued:
    issued_view()


def figures(b: bulletin.Bulletin) -> None:
    """The draft's numbers, as the dashboards show them on its cut-off day: what the text states."""
    head = b.figures
    st.markdown("**核对数字**")
    st.caption(f"统计截至 {fmt.day(b.cutoff)}，与草稿所写相同")
    gap = fmt.shown_gap(head["completion_pct"], head["expected_pct"])
    st.metric("加权完成率", fmt.pct(head["completion_pct"]), f"{gap:+d} 个百分点（对序时进度）")
    st.metric("序时进度", fmt.pct(head["expected_pct"]))
    left, right = st.columns(2)
    left.metric("目标", f"{head['targets']} 项")
    right.metric("已完成", f"{head['done']} 项")
    left.metric("滞后", f"{head['late']} 项", help="黄色滞后、红色滞后和逾期未完成（即“三、”所列）")
    right.metric("逾期未完成", f"{head['overdue']} 项")
    orders = b.orders
    left.metric("督办新下发", f"{len(orders.get('opened', []))} 件")
    right.metric("督办办结", f"{len(orders.get('closed', []))} 件")
    left.metric("督办逾期", f"{len(orders.get('overdue', []))} 件")
    right.metric("未报送科室", f"{len(b.not_reported)} 个")
    st.caption(
        f"与总览、按指标、按科室在统计日期 {fmt.day(b.cutoff)} 显示的相同；表格中的数字不能修改，"
        "签发时按数据库重新生成。"
    )


def fill(values: dict[str, str], force: bool) -> None:
    """Give the fields their text before they are drawn: where a field holds nothing (a new session,
    or back from another page, which drops a page's widget state) the text last typed in it for the
    same draft, else ``values``; every field ``values`` when ``force`` (another month or cut-off,
    恢复草稿)."""
    kept = {} if force else st.session_state.get("_bulletin_kept", {})
    for key, value in values.items():
        if force or key not in st.session_state:
            st.session_state[key] = kept.get(key, value)


def draft_values(b: bulletin.Bulletin) -> dict[str, str]:
    """Every field's text as drafted."""
    e = bulletin.edits_of(b)
    values = {FIELDS["issue"]: e.issue, FIELDS["title"]: e.title, FIELDS["addressee"]: e.addressee}
    values |= {part_key(k): bulletins.text_of(p) for k, p in enumerate(e.paragraphs)}
    return values


def restore(values: dict[str, str]) -> None:
    """恢复草稿: every field back to the draft's text (a callback: runs before the fields are drawn)."""
    fill(values, force=True)
    st.session_state["_bulletin_drafted"] = values
    st.session_state.pop("_bulletin_confirm", None)


def height(text: str) -> int:
    """A text area tall enough for its text (up to 560 px, then it scrolls)."""
    lines = sum(-(-len(p) // TEXT_CHARS_PER_LINE) + 1 for p in text.split("\n\n") if p) or 2
    return max(96, min(22 * lines + 20, 560))


def issue_now(month: date, edits: bulletins.Edits) -> None:
    """Issue (after the confirmation): refused with every problem listed, fields kept as typed."""
    try:
        actions.issue_bulletin(ctx, month, edits)
    except actions.StoreError as exc:
        st.session_state.pop("_bulletin_confirm", None)
        lines = [line for line in str(exc).splitlines() if line.strip()]
        if len(lines) > 1:
            ui.problems("未签发，请修改以下各项：", lines)
        else:
            st.error(fmt.md(lines[0] if lines else str(exc)))
    else:
        st.session_state.pop("_bulletin_confirm", None)
        ui.flash(f"已签发 {edits.issue}，Word 文件已保存，见“已签发的通报”。")
        st.rerun()


def draft_view() -> None:
    choices = reads.bulletin_months(ctx, ctx.plan_id)
    latest = bulletins.latest_month(choices)
    if latest is None:
        st.info(next(iter(choices.values())) or "还没有已关闭的填报周期。")
        return
    months = list(choices)
    if st.session_state.get("bulletin_month") not in months:
        st.session_state["bulletin_month"] = latest
    month = st.columns([1, 2])[0].selectbox(
        "通报月份",
        months,
        format_func=lambda m: month_label(m) + ("" if choices[m] is None else "（尚无已关闭的填报周期）"),
        key="bulletin_month",
        help="默认为最近一个有已关闭填报周期的月份；本月可随时起草，统计到已关闭的最后一期。",
    )
    if choices[month] is not None:
        st.info(fmt.md(choices[month]))
        return
    b = reads.bulletin_draft(ctx, ctx.plan_id, month)
    left_out = f"{'、'.join(p.name for p in b.open_periods)}截止日在本月但尚未关闭，未计入。" if b.open_periods else ""
    st.caption(
        f"本期通报统计 {b.window_text}；统计截至 {fmt.day(b.cutoff)}（{b.period.name}的截止日）。{left_out}"
        f"{ui.demo_badge(ctx)}"
    )
    done = issued[[pd.Timestamp(m).date() == month for m in issued["month"]]]
    if not done.empty:
        names = "、".join(
            f"{r.issue}（{r.issued_by} {pd.Timestamp(r.issued_at):%Y-%m-%d} 签发）" for r in done.itertuples()
        )
        st.info(f"{month_label(month)}已签发：{fmt.md(names)}。再次签发须用新的期号。")
    values = draft_values(b)
    basis = f"{ctx.plan_id}|{month}|{b.cutoff}"
    fresh = st.session_state.get("_bulletin_basis") != basis
    fill(values, force=fresh)
    if fresh:
        st.session_state["_bulletin_drafted"] = values
    st.session_state["_bulletin_basis"] = basis
    if st.session_state.get("_bulletin_drafted") != values:
        # A late report for a closed period (补报) changed the draft since its text was filled in.
        st.warning(
            "打开草稿后有补报，草稿的数字和文字已更新，下面修改中的文字可能还是原来的数字。"
            "请核对；点“恢复草稿”换成最新草稿的文字（您的修改将丢失）。"
        )
    st.session_state["_bulletin_kept"] = {key: st.session_state[key] for key in values}

    text_col, figure_col = st.columns([5, 2], gap="medium")
    with figure_col, st.container(border=True):
        figures(b)
    with text_col:
        top = st.columns([2, 5])
        top[0].text_input("期号", key=FIELDS["issue"], max_chars=50)
        top[1].text_input("标题", key=FIELDS["title"], max_chars=100)
        st.text_input("主送", key=FIELDS["addressee"], max_chars=100)
        st.caption("每段一行（段与段之间的空行可有可无）；表格随草稿生成，数字不能修改。")
        for k, part in enumerate(b.parts):
            key = part_key(k)
            st.text_area(f"**{part.heading}**", key=key, height=height(st.session_state[key]))
            shown = [t for t in part.tables if t.rows]
            if shown:
                with st.expander(f"本部分的表格（{len(shown)} 张，随草稿生成，数字不可修改）"):
                    for t in shown:
                        if t.title:
                            st.markdown(f"**{t.title}**")
                        st.dataframe(bulletin.table_frame(t), hide_index=True, width="stretch")
    edits = bulletins.Edits(
        st.session_state[FIELDS["issue"]],
        st.session_state[FIELDS["title"]],
        st.session_state[FIELDS["addressee"]],
        tuple(bulletins.paragraphs_of(st.session_state[part_key(k)]) for k in range(len(b.parts))),
    )
    problems = reads.bulletin_problems(ctx, ctx.plan_id, month, edits)
    if problems:
        ui.problems("修改稿还不能生成：", problems)
    edited = edits != bulletin.edits_of(b)
    row = st.container(horizontal=True)
    stale = st.session_state.get("_bulletin_drafted") != values
    row.button("恢复草稿", key="bulletin_restore", on_click=restore, args=(values,), disabled=not (edited or stale))
    row.download_button(
        "下载修改稿（Word）" if edited else "下载草稿（Word）",
        lambda: reads.bulletin_docx(ctx, ctx.plan_id, month, edits),  # built only when asked for
        file_name=f"{ctx.unit}绩效督查通报{month_label(month)}（草稿）.docx",
        mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        key="bulletin_docx",
        disabled=bool(problems),
    )
    if row.button("签发…", type="primary", key="bulletin_issue_start", disabled=bool(problems)):
        st.session_state["_bulletin_confirm"] = True
    if st.session_state.get("_bulletin_confirm") and not problems:
        st.warning(
            f"确认签发？期号 **{fmt.md(edits.issue)}**，标题“{fmt.md(edits.title)}”，统计截至 {fmt.day(b.cutoff)}。"
            "签发时按数据库重新生成表格和数字、写入上面修改后的文字，Word 文件按签发时的内容保存，"
            "以后不再改变；如需更正，请用新的期号另行签发。"
        )
        confirm = st.container(horizontal=True)
        if confirm.button("确认签发", type="primary", key="bulletin_issue_confirm"):
            issue_now(month, edits)
        if confirm.button("取消", key="bulletin_issue_cancel"):
            st.session_state.pop("_bulletin_confirm", None)
            st.rerun()


with tab_draft:
    draft_view()
