"""核验与迎检 (#34): claims that complete a target (and reports the office picks to check) wait for
the office's 核验 before the official score counts them. The office works its queue, picks reports
to check (抽查), settles each target's evidence checklist (佐证清单) and watches every section's gaps;
a section sees why a claim came back, resubmits it, and files its evidence under checklist items;
a leader reads along. Everyone builds the 察访核验 material package (a section only its own)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial

import pandas as pd
import streamlit as st

from perfdash.app import actions, package_jobs, reads, ui, widgets
from perfdash.core import fmt
from perfdash.workflows import claims, evaluation

ctx = ui.page_setup("核验与迎检")
actor = ctx.actor
st.title("核验与迎检")
ui.flash()

RULE = (
    "报完成（已完成或 100%）的填报须经绩效办核验后才计入正式得分；"
    "待核验和已退回的按此前最近一次已核验或无需核验的填报计分。"
)
ALL_SECTIONS = "全部科室"
EVERY_REPORT = date(ctx.year + 1, 12, 31)  # a target's latest report, whatever the 统计日期
# An item with a file, or without (Streamlit's own icon font: an emoji may have no glyph on the office's PCs).
HAVE, LACK = ":green[:material/check_circle:]", ":red[:material/cancel:]"
STATE_BADGE = {"pending": ":orange-badge[待核验]", "returned": ":red-badge[已退回]", "accepted": ":green-badge[已核验]"}

state = reads.target_state(ctx, ctx.plan_id, ctx.as_of, ctx.year)
sections, _leaders = reads.sections_and_leaders(ctx, ctx.plan_id)
files_all = reads.evidence_filed(ctx, ctx.plan_id)


def short(text: object, limit: int = 40) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def when(value: object) -> str:
    """A stored time as 2025-12-03 14:05 (— when there is none)."""
    if value is None or pd.isna(value):
        return "—"
    return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")


def day(value: object) -> str:
    return "—" if value is None or pd.isna(value) else fmt.day(pd.Timestamp(value).date())


def text_of(value: object) -> str:
    """Typed text from the database ("" for none)."""
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value).strip()


def size(n: float) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(n / 1024, 0.1):.1f} KB"


def target_label(codes: list[str]) -> dict[str, str]:
    by_code = state.set_index("code")["target"]
    return {c: f"{c} {short(by_code.get(c, ''), 30)}" for c in codes}


def filed_by_item(code: str, items: pd.DataFrame) -> tuple[dict[int, list[str]], pd.DataFrame]:
    """A target's files by checklist item (seq → file names), and its files under no item (never
    filed, or filed under an item the checklist no longer has)."""
    mine = files_all[files_all["code"] == code]
    seqs = {int(s) for s in items["seq"]}
    under: dict[int, list[str]] = {s: [] for s in seqs}
    loose = []
    for row in mine.itertuples():
        seq = None if pd.isna(row.item_seq) else int(row.item_seq)
        if seq in seqs:
            under[seq].append(str(row.file_name))
        else:
            loose.append(row.Index)
    return under, mine.loc[loose]


def item_lines(code: str, items: pd.DataFrame) -> list[str]:
    """Each checklist item with its files, or what is missing (markdown lines that wrap on a phone)."""
    under, loose = filed_by_item(code, items)
    lines = []
    for row in items.itertuples():
        names = under.get(int(row.seq), [])
        if names:
            lines.append(f"{HAVE} {int(row.seq)}. {fmt.md(row.title)}：{fmt.md('、'.join(names))}")
        else:
            lines.append(f"{LACK} {int(row.seq)}. {fmt.md(row.title)}：**缺**")
    if not loose.empty:
        lines.append(f"未归类的材料：{fmt.md('、'.join(loose['file_name'].astype(str)))}")
    return lines


def download_picker(code: str, key: str) -> None:
    """A target's files to download: pick one, the file is read only when the button is pressed."""
    mine = files_all[files_all["code"] == code]
    if mine.empty:
        return
    names = dict(zip(mine["evidence_id"].astype(int), mine["file_name"].astype(str), strict=True))
    mimes = dict(zip(mine["evidence_id"].astype(int), mine["mime"].astype(str), strict=True))
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    pick = c1.selectbox("下载材料", list(names), format_func=names.get, key=f"{key}_pick")
    c2.download_button(
        "下载",
        data=lambda: reads.evidence_file(ctx, int(pick))[2],  # read when asked for, not on every rerun
        file_name=names[pick],
        mime=mimes[pick],
        key=f"ev_download_{key}",
        on_click="ignore",
    )


def claim_card(row: pd.Series, items: pd.DataFrame, act: Callable[[pd.Series, str], None] | None = None) -> None:
    """One claim: the target, what was reported and why it is checked, the office's notes and the
    evidence by checklist item on the left; its files to download and what the viewer may do
    (``act``: the office's 通过 / 退回, a section's resubmission) on the right."""
    cid, code = int(row["claim_id"]), str(row["code"])
    people = [s for s in (row["sections"] if row["sections"] is not None else []) if s]
    lead, co = (people[0] if people else "—"), people[1:]
    with st.container(border=True, key=f"claim_{cid}"):
        st.markdown(
            f"{STATE_BADGE.get(row['state'], '')} :gray-badge[{row['reason_label']}] "
            f"**{fmt.md(code)}** {fmt.md(short(row['target'], 60))}"
        )
        left, right = st.columns([3, 2], gap="medium")
        helpers = f"（协作：{fmt.md('、'.join(co))}）" if co else ""
        status = fmt.md(text_of(row["status"]) or "—")
        lines = [
            f"牵头科室：{fmt.md(lead)}{helpers} · 分值 {fmt.points(row['points'])}",
            f"填报：{day(row['report_date'])} {fmt.md(text_of(row['reporter']) or '—')} "
            f"报完成率 **{fmt.pct(row['completion_pct'])}**，状态 {status}",
        ]
        if text_of(row["note"]):
            lines.append(f"进展说明：{fmt.md(text_of(row['note']))}")
        said = fmt.md(text_of(row["decision_note"]))
        if row["state"] == "returned":
            lines.append(
                f"**退回理由**：{said or '—'}（{fmt.md(text_of(row['decided_by']))}，{when(row['decided_at'])}）"
            )
        elif not pd.isna(row["resubmitted_at"]):
            if said:
                lines.append(f"上次退回理由：{said}")
            resubmit = fmt.md(text_of(row["resubmit_note"]))
            lines.append(f"科室已修改并重新提交（{when(row['resubmitted_at'])}）：{resubmit}")
        elif row["reason"] == "office" and said:
            lines.append(f"抽查说明：{said}")
        if row["state"] == "accepted":
            lines.append(f"核验通过：{fmt.md(text_of(row['decided_by']))}，{when(row['decided_at'])}")
        left.markdown("  \n".join(lines))
        mine = items[items["code"] == code]
        left.markdown("**佐证材料**  \n" + "  \n".join(item_lines(code, mine)))
        with right:
            download_picker(code, f"claim_{cid}")
            if act is not None:
                act(row, lead)


def decide_form(row: pd.Series, lead: str) -> None:
    """The office's 通过 / 退回 of a waiting claim, the reason typed beside them."""
    cid, code = int(row["claim_id"]), str(row["code"])
    if row["state"] != "pending":
        st.caption("等待科室修改后重新提交。")
        return
    with st.form(f"decide_{cid}", border=False):
        note = st.text_area(
            "核验意见（退回时必填，写明需要补充或改正什么）", key=f"decide_note_{cid}", max_chars=500, height=90
        )
        c1, c2 = st.columns(2)
        if c1.form_submit_button("通过", type="primary", key=f"accept_{cid}", width="stretch"):
            done = f"已通过 {code} 的核验，{fmt.pct(row['completion_pct'])} 计入正式得分。"
            actions.save(partial(actions.decide_claim, ctx, cid, True, note), done)
        if c2.form_submit_button("退回", key=f"return_{cid}", width="stretch"):
            done = f"已退回 {code}，{lead}会在“核验与迎检”看到退回理由。"
            actions.save(partial(actions.decide_claim, ctx, cid, False, note), done)


def resubmit_form(row: pd.Series, lead: str) -> None:
    """A section resubmits its returned claim, saying what it fixed."""
    if row["state"] != "returned":
        st.caption("等待绩效办核验。")
        return
    cid = int(row["claim_id"])
    with st.form(f"resubmit_{cid}", border=False):
        note = st.text_area(
            "修改说明（先在“佐证材料”补齐材料，再写明改了什么）", key=f"resubmit_note_{cid}", max_chars=500, height=90
        )
        if st.form_submit_button("重新提交核验", type="primary", key=f"resubmit_{cid}"):
            done = f"已重新提交 {row['code']}，等待绩效办核验。"
            actions.save(partial(actions.resubmit_claim, ctx, cid, note), done)


def queue_view(decide: bool) -> None:
    """The office's queue (read-only for a leader)."""
    st.caption(RULE)
    queue = reads.claim_queue(ctx, ctx.plan_id)
    if queue.empty:
        st.info("核验队列是空的：没有待核验或已退回的填报。")
        return
    pending, returned = int((queue["state"] == "pending").sum()), int((queue["state"] == "returned").sum())
    shown_sections = sorted({s for s in queue["lead_section"] if isinstance(s, str)})
    c1, c2 = st.columns([2, 3], vertical_alignment="bottom")
    sec = c1.selectbox("牵头科室", [ALL_SECTIONS, *shown_sections], key="queue_section")
    c2.markdown(f"待核验 **{pending}** 项，已退回待科室修改 **{returned}** 项")
    if sec != ALL_SECTIONS:
        queue = queue[queue["lead_section"] == sec]
    items = reads.evidence_checklist(ctx, ctx.plan_id, sorted(set(queue["code"])))
    for _, row in queue.iterrows():
        claim_card(row, items, decide_form if decide else None)


def spot_check() -> None:
    """The office marks a target's latest report for checking."""
    st.caption(
        "抽查：把某个目标最近一次的填报列入核验队列。核验通过前，该目标按这次填报之前的最近一次已核验"
        "或无需核验的填报计分；科室在“核验与迎检”看到抽查说明并补充材料。"
    )
    latest = reads.target_state(ctx, ctx.plan_id, EVERY_REPORT, ctx.year)
    waiting = set(reads.claim_queue(ctx, ctx.plan_id)["code"])
    reported = latest[latest["last_report"].notna()]
    codes = [c for c in reported["code"] if c not in waiting]
    if not codes:
        st.info("没有可抽查的填报：目标还没有填报，或都已在核验队列中。")
        return
    labels = target_label(codes)
    code = st.selectbox("目标", codes, format_func=labels.get, key="check_code")
    row = reported.set_index("code").loc[code]
    st.caption(
        f"{code} 最近一次填报：{day(row['last_report'])}，完成率 {fmt.pct(row['completion_pct'])}，"
        f"状态 {fmt.md(text_of(row['status']) or '—')}。"
    )
    with st.form("spot_check", border=False):
        note = st.text_input("抽查说明（科室可见，可不填）", key="check_note", max_chars=500)
        if st.form_submit_button("列入核验队列", type="primary", key="check_mark"):
            actions.save(partial(actions.mark_for_check, ctx, code, note), f"已将 {code} 最近一次填报列入核验队列。")
    if waiting:
        st.caption(f"已在核验队列中的 {len(waiting)} 个目标不能再抽查：{fmt.md('、'.join(sorted(waiting)))}。")


def checklists() -> None:
    """The office settles each target's checklist (once per plan)."""
    cover = reads.evidence_checklist(ctx, ctx.plan_id, None)
    confirmed = cover.groupby("code", sort=False)["confirmed"].all()
    waiting = int((~confirmed).sum())
    st.caption(
        f"{int(confirmed.sum())} / {len(confirmed)} 个目标的佐证清单已确认。未确认的是系统建议的清单"
        "（每个量化指标一项证明材料、目标表述要求的材料和一份完成情况说明），科室可先按建议清单上传材料。"
    )
    if st.button(f"确认全部建议清单（{waiting} 个目标）", key="confirm_all", disabled=waiting == 0):
        try:
            n = actions.confirm_checklists(ctx)
        except actions.StoreError as exc:
            st.error(fmt.md(str(exc)))
        else:
            ui.flash(f"已确认 {n} 个目标的建议清单。")
            st.rerun()
    codes = list(confirmed.index)
    labels = {c: f"{t}（{'已确认' if confirmed[c] else '建议'}）" for c, t in target_label(codes).items()}
    code = st.selectbox("目标", codes, format_func=labels.get, key="checklist_code")
    items = cover[cover["code"] == code]
    under, loose = filed_by_item(code, items)
    table = pd.DataFrame(
        {
            "序号": items["seq"].astype(int),
            "清单项": items["title"],
            "材料数": [len(under[int(s)]) for s in items["seq"]],
            "材料": ["、".join(under[int(s)]) or "缺" for s in items["seq"]],
        }
    )
    widths = {"序号": 50, "清单项": 420, "材料数": 60, "材料": 300}
    st.dataframe(
        table,
        hide_index=True,
        column_config={n: st.column_config.Column(n, width=w) for n, w in widths.items()},
        height=widgets.table_height(len(table), 360),
    )
    if not loose.empty:
        st.caption(f"未归类的材料：{fmt.md('、'.join(loose['file_name'].astype(str)))}")
    text = st.text_area(
        f"清单项（每行一项，最多 {claims.ITEM_LIMIT} 项，每项不超过 {claims.ITEM_CHARS} 个字）",
        value="\n".join(items["title"]),
        key=f"checklist_text_{code}",
        height=200,
    )
    titles = [line.strip() for line in text.splitlines() if line.strip()]
    st.caption("保留原文的清单项保留其下的材料；删去的清单项下的材料转为未归类，科室可重新归类。")
    if st.button("保存清单", type="primary", key=f"checklist_save_{code}"):
        actions.save(
            partial(actions.set_checklist, ctx, code, titles), f"已保存 {code} 的佐证清单（{len(titles)} 项）。"
        )


def gaps_table(frame: pd.DataFrame) -> None:
    """Every gap, one row each (the office's wide view)."""
    table = pd.DataFrame(
        {
            "类别": frame["kind"],
            "编号": frame["code"],
            "年度工作目标": frame["target"].map(lambda t: short(t, 40)),
            "牵头科室": frame["lead_section"],
            "缺什么": frame["what"],
        }
    )
    widths = {"类别": 96, "编号": 60, "年度工作目标": 300, "牵头科室": 90, "缺什么": 330}
    widgets.table(
        table,
        "没有缺项。",
        column_config={n: st.column_config.Column(n, width=w) for n, w in widths.items()},
        height=widgets.table_height(len(table), 520),
    )


def gap_list(frame: pd.DataFrame) -> None:
    """A section's gaps by target, as lines that wrap on a phone."""
    if frame.empty:
        st.success("没有缺项。")
        return
    for code, part in frame.groupby("code", sort=False):
        lines = [f"**{fmt.md(code)}** {fmt.md(short(part['target'].iloc[0], 40))}"]
        lines += [f"- {fmt.md(k)}：{fmt.md(w)}" for k, w in zip(part["kind"], part["what"], strict=True)]
        st.markdown("\n".join(lines))


def gaps_start_note(office: bool) -> None:
    start = reads.gaps_from(ctx, ctx.plan_id, ctx.year)
    shown = "已开始" if ui.today() >= start else "尚未开始"
    st.caption(
        f"从 {fmt.day(start)} 起（{shown}），各科室的缺项显示在科室首页、“督办与催报”和催报提醒中；本页随时可查。"
    )
    if office:
        with st.form("gaps_from", border=False):
            c1, c2 = st.columns([2, 3], vertical_alignment="bottom")
            new = c1.date_input(
                "缺项提示开始日期",
                value=start,
                min_value=date(ctx.year, 1, 1),
                max_value=date(ctx.year + 1, 1, 31),
                key="gaps_from_day",
            )
            if c2.form_submit_button("保存日期", key="gaps_from_save"):
                actions.save(partial(actions.set_gaps_from, ctx, new), f"缺项从 {fmt.day(new)} 起提示。")


def gaps_view(office: bool) -> None:
    """Every section's gaps, filterable by section (office and leader)."""
    c1, c2 = st.columns(2)
    sec = c1.selectbox("科室（牵头或协作）", [ALL_SECTIONS, *sections], key="gaps_section")
    kinds = c2.multiselect("类别", list(claims.GAP_KINDS), key="gaps_kinds", placeholder="全部")
    frame = reads.evidence_gaps(ctx, ctx.plan_id, None if sec == ALL_SECTIONS else sec)
    st.markdown(f"**{claims.gaps_summary(frame)}**")
    if kinds:
        frame = frame[frame["kind"].isin(kinds)]
    gaps_table(frame)
    gaps_start_note(office)


def package_view(choose: bool) -> None:
    """Build the 察访核验 package in the background and download it when done."""
    st.caption(
        "材料包为一个 zip 文件：按 一级指标 / 目标编号 分文件夹，每份材料以清单项命名，"
        "附 目录（Word，公文格式）和 索引（Excel）。在后台生成，可先去做别的事，回到本页下载。"
    )
    section: str | None = None
    if choose:
        scope = st.radio("范围", ["全部目标", "一个科室的目标"], horizontal=True, key="package_scope")
        if scope != "全部目标":
            section = st.selectbox("科室", sections, key="package_section")
    else:
        section = actor.name
        st.caption(f"材料包只含{fmt.md(actor.name)}负责（牵头或协作）的目标及其材料。")
    owner = ctx.account.username if ctx.account else ""
    status = package_jobs.JOBS.latest(owner)
    running = status is not None and status.state == package_jobs.RUNNING
    if st.button("生成材料包", type="primary", key="package_start", disabled=running):
        try:
            actions.start_package(ctx, section)
        except actions.StoreError as exc:
            st.error(fmt.md(str(exc)))
        else:
            st.rerun()
    package_progress(owner, 1.0 if running else None)


def package_progress(owner: str, every: float | None) -> None:
    @st.fragment(run_every=every)
    def show() -> None:
        status = package_jobs.JOBS.latest(owner)
        if status is None:
            return
        if status.state == package_jobs.RUNNING:
            counted = f"（{status.done}/{status.total}）" if status.total else ""
            step = "正在写目录和索引" if status.total and status.done >= status.total else fmt.md(status.step)
            st.progress(status.fraction, text=f"正在生成{fmt.md(status.scope)}的材料包：{step}{counted}")
            return
        if every is not None:  # finished while this part polled: redraw the page without the timer
            st.rerun()
        if status.state == package_jobs.FAILED:
            st.error(fmt.md(status.error))
            return
        result, path = status.result, status.path
        if path is None or not path.is_file():
            st.info("材料包已过期，请重新生成。")
            return
        st.success(
            f"材料包已生成（{fmt.md(status.scope)}）：{result.targets} 个目标、{result.files} 份材料，"
            f"缺少材料的清单项 {result.missing_items} 项；{size(result.bytes)}，用时 {result.seconds:.1f} 秒。"
        )
        lost = int(getattr(result, "lost", 0) or 0)
        if lost:
            st.warning(f"另有 {lost} 份材料的文件缺失或已损坏，未放入材料包，已在目录中注明“文件缺失”，请联系绩效办。")
        st.download_button(
            f"下载材料包 {status.file_name}",
            data=lambda: path.read_bytes(),  # read from disk when asked for, not on every rerun
            file_name=status.file_name,
            mime="application/zip",
            key="inspection_package",
            on_click="ignore",
            type="primary",
        )

    show()


def my_claims() -> None:
    """A section's claims: why one came back, and a form to resubmit it."""
    st.caption(RULE)
    mine = reads.section_claims(ctx, ctx.plan_id, actor.name)
    open_ = mine[mine["state"] != "accepted"]
    done = mine[mine["state"] == "accepted"]
    if open_.empty:
        st.info("没有待核验或被退回的填报。")
    items = reads.evidence_checklist(ctx, ctx.plan_id, sorted(set(open_["code"])))
    for _, row in open_.iterrows():
        claim_card(row, items, resubmit_form)
    if not done.empty:
        st.subheader("最近核验通过")
        for row in done.itertuples():
            st.markdown(
                f"{STATE_BADGE['accepted']} **{fmt.md(row.code)}** {fmt.md(short(row.target, 30))}  \n"
                f"{day(row.report_date)} 报 {fmt.pct(row.completion_pct)} · "
                f"{fmt.md(text_of(row.decided_by))}核验于 {when(row.decided_at)}"
            )


def my_evidence() -> None:
    """A section files its evidence under the checklist items of its targets."""
    mine = state[state["sections"].map(lambda s: actor.name in list(s))]
    if mine.empty:
        st.info("您没有负责的目标。")
        return
    labels = target_label(list(mine["code"]))
    code = st.selectbox("目标", list(labels), format_func=labels.get, key="items_code")
    items = reads.evidence_checklist(ctx, ctx.plan_id, [code])
    kind = "绩效办已确认" if items["confirmed"].all() else "系统建议，绩效办尚未确认"
    st.markdown(f"**佐证清单**（{kind}）  \n" + "  \n".join(item_lines(code, items)))
    seqs = [int(s) for s in items["seq"]]
    titles = dict(zip(seqs, items["title"].astype(str), strict=True))
    item_name = {s: f"{s}. {short(titles[s], 30)}" for s in seqs}
    st.markdown("**上传材料**")
    st.caption(
        f"可上传 PDF、图片（PNG/JPG）、Word、Excel，单个文件不超过 {evaluation.MAX_EVIDENCE_BYTES // 1024 // 1024} MB。"
        "文件按内容校验值保存，只提供下载，不在网页中打开。"
    )
    item = st.selectbox("归入清单项", seqs, format_func=item_name.get, key=f"item_pick_{code}")
    n = st.session_state.get("_item_uploads", 0)  # a new uploader after each saved file: nothing saved twice
    upload = st.file_uploader(
        "选择文件", type=[e.lstrip(".") for e in evaluation.EVIDENCE_TYPES], key=f"item_upload_{code}_{n}"
    )
    if upload is not None and st.button("保存到该清单项", type="primary", key=f"item_save_{code}"):

        def save_file() -> None:
            actions.store_item_evidence(ctx, code, item, upload.name, upload.getvalue())
            st.session_state["_item_uploads"] = n + 1

        actions.save(save_file, f"已保存 {upload.name}，归入第 {item} 项。")
    _, loose = filed_by_item(code, items)
    if not loose.empty:
        st.markdown("**归类材料**")
        names = dict(zip(loose["evidence_id"].astype(int), loose["file_name"].astype(str), strict=True))
        c1, c2 = st.columns(2)
        pick = c1.selectbox("未归类的材料", list(names), format_func=names.get, key=f"loose_pick_{code}")
        into = c2.selectbox("归入清单项", seqs, format_func=item_name.get, key=f"loose_item_{code}")
        if st.button("归类", key=f"loose_file_{code}"):
            actions.save(partial(actions.file_evidence, ctx, int(pick), into), f"已将 {names[pick]} 归入第 {into} 项。")
    download_picker(code, f"items_{code}")


def my_gaps() -> None:
    frame = reads.evidence_gaps(ctx, ctx.plan_id, actor.name)
    st.markdown(f"**{claims.gaps_summary(frame)}**")
    gap_list(frame)
    gaps_start_note(office=False)


if actor.role == "office":
    tabs = st.tabs(["核验队列", "抽查", "佐证清单", "缺项", "察访核验材料包"])
    with tabs[0]:
        queue_view(decide=True)
    with tabs[1]:
        spot_check()
    with tabs[2]:
        checklists()
    with tabs[3]:
        gaps_view(office=True)
    with tabs[4]:
        package_view(choose=True)
elif actor.role == "section":
    tabs = st.tabs(["我的核验", "佐证材料", "缺项", "材料包"])
    with tabs[0]:
        my_claims()
    with tabs[1]:
        my_evidence()
    with tabs[2]:
        my_gaps()
    with tabs[3]:
        package_view(choose=False)
elif actor.role == "leader":
    st.caption("领导可查看核验队列、缺项并生成材料包；核验由绩效办办理。")
    tabs = st.tabs(["核验队列", "缺项", "察访核验材料包"])
    with tabs[0]:
        queue_view(decide=False)
    with tabs[1]:
        gaps_view(office=False)
    with tabs[2]:
        package_view(choose=True)
else:
    st.info("请以绩效办、科室或领导账户登录后使用本页。")
