"""The widgets pages compose from the shared helpers: a target in full, table heights, percent
columns, the filter note."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from perfdash.app import reads, ui
from perfdash.app.ui import PageContext
from perfdash.core import fmt
from perfdash.core.schedule import DONE, ON_TRACK, OVERDUE, RED, YELLOW
from perfdash.db.kpi_tracking import SOURCE_KPI
from perfdash.present import tables


def target_panel(ctx: PageContext, state: pd.DataFrame, code: str) -> None:
    """One target in full: fields, responsibilities, and the timeline of its reports up to as-of.
    Shared by 目标详情 and every drill-down."""
    row = state.set_index("code").loc[code]
    st.markdown(f"**{fmt.md(code)}** {fmt.md(row['target'])}")
    cols = st.columns(5)
    cols[0].metric("分值", fmt.points(row["points"]))
    cols[1].metric("完成率", fmt.pct(row["completion_pct"]), help=f"来源：{row.get('completion_source', '填报')}")
    cols[2].metric("序时进度", fmt.pct(row["expected_pct"]))
    cols[3].metric("滞后状态", row["lag_status"])
    cols[4].metric("完成时限", fmt.day(row["deadline"]))
    if counted_differs(row):
        st.caption(
            f"填报完成率 {fmt.pct(row['completion_pct'])}；计分完成率（核验口径）{fmt.pct(row['checked_pct'])}，"
            f"{CLAIM_WORDS.get(str(row['claim_state']), '')}。"
        )
    info = st.columns(3)
    note = f"  \n来源：{fmt.md(row['source_note'])}" if row.get("source_note") else ""
    info[0].markdown(
        f"**一级指标** {fmt.md(row['indicator_code'])}（{fmt.points(row['indicator_points'])}）  \n"
        f"{fmt.md(row['indicator'])}{note}"
    )
    pairs = [
        f"{fmt.md(s)}（{fmt.md(p)}）" if p else fmt.md(s) for s, p in zip(row["sections"], row["persons"], strict=False)
    ]
    info[1].markdown(
        "**责任科室（责任人）**  \n" + "  \n".join(("牵头：" if i == 0 else "协作：") + x for i, x in enumerate(pairs))
    )
    info[2].markdown("**分管领导**  \n" + "、".join(fmt.md(name) for name in row["leaders"]))
    timeline = reads.target_timeline(ctx, ctx.plan_id, ctx.as_of, ctx.year, code)
    if timeline.empty:
        st.info("截至统计日期，该目标还没有任何进度填报。")
        return
    st.plotly_chart(
        reads.timeline_chart(ctx, ctx.plan_id, ctx.as_of, ctx.year, code),
        config={"displaylogo": False},
        key=f"timeline_{code}",
    )
    st.dataframe(tables.target_history(timeline.iloc[::-1]), hide_index=True, width="stretch")


def table_height(rows: int, limit: int) -> int:
    """A st.dataframe height that shows ``rows`` rows and the header without blank rows below,
    up to ``limit`` pixels (then the table scrolls). Streamlit draws rows 35 px high."""
    return min(35 * (rows + 1) + 3, limit)


def percent_columns(*names: str) -> dict[str, object]:
    """Column configs that draw percents as progress bars (0–100)."""
    return {n: st.column_config.ProgressColumn(n, format="%.0f%%", min_value=0, max_value=100) for n in names}


# Column widths (px) of the target lists every drill-down shows: together under the 904 px of
# the page's main column at 1366 px (the target's text is cut; its full text is on hover).
TARGET_LIST_WIDTHS = {
    "编号": 56,
    "年度工作目标": 210,
    "分值": 44,
    "牵头科室": 84,
    "责任人": 64,
    "完成时限": 84,
    "完成率": 80,
    "完成率来源": 64,
    "序时进度": 80,
    "滞后状态": 64,
    "最近填报": 84,
}


def target_list_columns(table: pd.DataFrame) -> dict[str, object]:
    """Column configs for tables.target_list: compact widths, percents as progress bars."""
    config: dict[str, object] = {
        n: st.column_config.Column(n, width=w) for n, w in TARGET_LIST_WIDTHS.items() if n in table.columns
    }
    for n in ("完成率", "序时进度"):
        config[n] = st.column_config.ProgressColumn(
            n, format="%.0f%%", min_value=0, max_value=100, width=TARGET_LIST_WIDTHS[n]
        )
    if "核验" in table.columns:  # the target's text gives up the mark's width: the list still fits
        config["核验"] = st.column_config.TextColumn("核验", width=CHECK_WIDTH, help=CHECK_HELP)
        config["年度工作目标"] = st.column_config.Column(
            "年度工作目标", width=TARGET_LIST_WIDTHS["年度工作目标"] - CHECK_WIDTH
        )
    return config


CHECK_WIDTH = 56
CHECK_HELP = "报完成的填报经绩效办核验后才计入正式得分：待核验、已退回的目标按此前的完成率计分"


def filter_note(ctx: PageContext, shown: int, total: int) -> str:
    """One line saying which filters are in force and how many targets they keep."""
    if not ctx.filters.active:
        return f"全部 {total} 项目标"
    return f"筛选后 {shown} / {total} 项目标（{ctx.filters.describe()}）"


# The colour of each status in a target card (Streamlit's markdown badges).
STATUS_BADGE = {DONE: "blue", ON_TRACK: "green", YELLOW: "orange", RED: "red", OVERDUE: "red"}
# A card's mark for a report waiting for the office's check, or returned by it.
CHECK_BADGE = {"pending": " :violet-badge[待核验]", "returned": " :red-badge[已退回]"}


def target_cards(state: pd.DataFrame, key: str, text_chars: int = 40) -> None:
    """Targets as a compact list for a phone: each a link to 目标详情 showing its status in colour,
    完成率 against 序时进度, and the deadline; one tap opens the target."""
    for row in state.itertuples():
        text = str(row.target)
        short = text[:text_chars] + ("…" if len(text) > text_chars else "")
        colour = STATUS_BADGE.get(row.lag_status, "gray")
        check = CHECK_BADGE.get(str(getattr(row, "claim_state", "")), "")
        label = (
            f":{colour}-badge[{row.lag_status}]{check} **{fmt.md(row.code)}** {fmt.md(short)}  \n"
            f"完成率 **{fmt.pct(row.completion_pct)}** · 序时进度 {fmt.pct(row.expected_pct)}"
            f" · 时限 {fmt.month_day(row.deadline)}"
        )
        with st.container(key=f"card_{key}_{row.code}", border=True):
            try:
                st.page_link(
                    "pages/target.py",
                    label=label,
                    query_params={**ui.view_params(), "code": str(row.code)},  # one history entry per tap
                    width="stretch",
                )
            except StreamlitAPIException:  # the page run by itself, outside app.py's navigation (a smoke test)
                st.markdown(label)


def table(frame: pd.DataFrame, empty: str, column_config: dict | None = None, **kwargs: object) -> None:
    """A table as every page shows one: a sentence instead of an empty table (Streamlit writes
    "empty" in it), "—" instead of a missing value; a column with a gap is shown as text (a percent
    as 86%, without its bar)."""
    if frame.empty:
        st.caption(empty)
        return
    config = dict(column_config or {})
    gaps = [n for n in frame.columns if frame[n].map(tables.is_missing).any()]
    percent = [n for n in gaps if _is_percent(config.get(n))]
    for name in gaps:
        if name in config:
            label = config[name].get("label") if isinstance(config[name], dict) else None
            config[name] = st.column_config.TextColumn(label or name)
    st.dataframe(tables.without_gaps(frame, percent), hide_index=True, column_config=config or None, **kwargs)


def _is_percent(config: object) -> bool:
    kind = config.get("type_config", {}) if isinstance(config, dict) else {}
    return "%%" in str(kind.get("format") or "")


NO_REPORTS = "尚无填报"


def no_reports_yet(ctx: PageContext, state: pd.DataFrame) -> None:
    """A plan with nothing reported by the 统计日期: its counts and what comes next — no score, no
    forecast and no red from zero reports."""
    cols = st.columns(3)
    cols[0].metric("年度工作目标", f"{len(state)} 项")
    cols[1].metric("总分值", fmt.points(float(state["points"].sum())))
    cols[2].metric("进度", NO_REPORTS)
    st.info(
        f"{NO_REPORTS}：截至 {fmt.day(ctx.as_of)}，本方案还没有进度记录。填报周期：{ctx.calendar.describe()}。"
        "科室报送、绩效办关闭第一个填报周期后，这里显示完成率、滞后情况、当前得分和年终预测。"
    )
    groups = state.groupby("group", sort=False).agg(targets=("code", "size"), points=("points", "sum"))
    st.dataframe(
        groups.reset_index().rename(columns={"group": "目标组", "targets": "目标数", "points": "分值"}),
        hide_index=True,
        width="stretch",
    )
    listed = state[["code", "target", "lead_section", "deadline"]]
    with st.expander(f"全部 {len(listed)} 项目标"):
        st.dataframe(
            listed.assign(deadline=[fmt.day(d) for d in listed["deadline"]]).rename(
                columns={"code": "编号", "target": "年度工作目标", "lead_section": "牵头科室", "deadline": "完成时限"}
            ),
            hide_index=True,
            width="stretch",
            height=table_height(len(listed), 420),
        )


def period_note(ctx: PageContext) -> None:
    """A section's own reporting this period: 本期已报 N 条 ✓ (on the dashboards once the office
    closes the period), or that it has not reported yet and by when. Nothing for other roles."""
    if ctx.actor.role != "section":
        return
    period = ctx.this_period
    n = reads.section_reports(ctx, ctx.plan_id, ctx.actor.name, period.start, period.end)
    if n:
        st.success(f"本期已报 {n} 条 ✓，关闭本期后计入看板（本期：{period.name}，{period.days}）。")
    else:
        cutoff = ctx.calendar.cutoff(period)
        st.info(
            f"本期（{period.name}，{period.days}）{ctx.actor.name}还没有报送进度；"
            f"截止时间 {cutoff.month}月{cutoff.day}日 {cutoff:%H:%M}。"
        )


# A status's colour in words, beside its badge: a colour alone does not tell everyone (nor a
# print-out); names that say their colour (黄色滞后, 红色滞后) are not told twice.
STATUS_COLOUR = {DONE: "蓝色", ON_TRACK: "绿色", YELLOW: "黄色", RED: "红色", OVERDUE: "红色"}
NOT_REPORTED = "尚未填报"


def status_label(status: str) -> str:
    """A lag status as a coloured badge with its colour in words: 红色滞后, 逾期未完成（红色）."""
    colour = STATUS_COLOUR.get(status, "")
    word = f"（{colour}）" if colour and colour not in status else ""
    return f":{STATUS_BADGE.get(status, 'gray')}-badge[{status}{word}]"


def target_summary(ctx: PageContext, state: pd.DataFrame, code: str) -> None:
    """目标详情's opening block, written for a leader on a phone: where the target stands (its
    status with the colour in words, 完成率 against 序时进度), the latest 进展说明 in full, who
    answers for it (sections with their persons and contacts, leaders) and when it was last
    reported and by whom. Plain paragraphs that wrap at any width, no table; the numbers are
    target_panel's (the same reads)."""
    row = state.set_index("code").loc[code]
    history = reads.target_timeline(ctx, ctx.plan_id, ctx.as_of, ctx.year, code)
    with st.container(border=True, key="target_summary"):
        st.markdown(f"{status_label(str(row['lag_status']))} {_standing(row)}")
        if history.empty:
            st.markdown(f"**最新进展**  \n{NOT_REPORTED}：截至 {fmt.day(ctx.as_of)}，该目标还没有任何进度填报。")
        else:
            last = history.iloc[-1]
            late = "，迟报" if bool(last.get("late", False)) else ""
            st.markdown(
                f"**最新进展**（{fmt.day(last['report_date'])} {fmt.md(last['reporter'])}填报，"
                f"填报状态：{fmt.md(last['status'])}{late}）"
            )
            st.markdown(_latest_note(history))
            claim = reads.latest_claim(ctx, ctx.plan_id, ctx.as_of, code)
            if claim is not None and str(row.get("claim_state", "")) == claim["state"]:
                st.markdown(claim_text(row, claim))
                if claim["state"] in ("pending", "returned"):
                    page_link("pages/verification.py", "到“核验与迎检”查看佐证与核验 →", {"code": code})
        st.markdown(_responsible(row, reads.contacts(ctx, ctx.plan_id)))


# --- 核验口径 (#34): a target's claim, told where its numbers are shown --------------------------
CLAIM_WORDS = {
    "pending": "报完成的填报待绩效办核验，核验通过后计入正式得分",
    "returned": "报完成的填报被绩效办退回，修改后重新提交、核验通过才计入正式得分",
}
CLAIM_BADGE = {"pending": "violet", "accepted": "blue", "returned": "red", "superseded": "gray"}


def counted_differs(row: pd.Series) -> bool:
    """Whether a target's counted completion (核验口径) is not its reported one."""
    return abs(float(row["completion_pct"]) - float(row.get("checked_pct", row["completion_pct"]))) > 1e-9


def claim_text(row: pd.Series, claim: dict) -> str:
    """The latest report's 核验 in one paragraph: its state as a badge, what was claimed, and when
    the counted completion differs, what counts and why (the office's reason for a return)."""
    state = str(claim["state"])
    label = f":{CLAIM_BADGE.get(state, 'gray')}-badge[{claim['state_label']}]"
    said = f"{fmt.day(claim['report_date'])} 报 {fmt.pct(claim['completion_pct'])}（{claim['reason_label']}）"
    counted = f"正式计分按核验口径 **{fmt.pct(row['checked_pct'])}**" if counted_differs(row) else ""
    if state == "pending":
        again = "，已重新提交" if _given(claim.get("resubmitted_at")) else ""
        text = f"{said}{again}，等待绩效办核验" + (f"；{counted}" if counted else "")
    elif state == "returned":
        reason = _paragraph(claim.get("decision_note") or "—")
        text = (
            f"{said}，绩效办{_on(claim.get('decided_at'))}退回，理由：{reason}"
            + (f"；{counted}" if counted else "")
            + "。请补充佐证后在“核验与迎检”中重新提交"
        )
    elif state == "accepted":
        text = f"{said}，绩效办{_on(claim.get('decided_at'))}核验通过"
    else:
        text = f"{said}，已被新的填报替代"
    return f"**核验** {label} {text}"


def _given(value: object) -> bool:
    return value is not None and not tables.is_missing(value)


def _on(moment: object) -> str:
    """The day of a decision as " 于 2025-12-03 ", or nothing when it has none."""
    return f"于 {fmt.day(pd.Timestamp(moment))} " if _given(moment) else ""


def gap_list(gaps: pd.DataFrame) -> None:
    """Evidence gaps (claims.gaps) as a list that wraps at any width, one line per target and kind
    in their order: **1-1-2** 缺少佐证 3 项：item；item；item."""
    lines = []
    for (kind, code), part in gaps.groupby(["kind", "code"], sort=False):
        count = f" {len(part)} 项" if len(part) > 1 else ""
        whats = "；".join(fmt.md(str(w)) for w in part["what"])
        lines.append(f"- **{fmt.md(str(code))}** {kind}{count}：{whats}")
    st.markdown("\n".join(lines))


def page_link(page: str, label: str, query: dict[str, str] | None = None) -> None:
    """A link to another page of the app, keeping the plan and date; as plain text when the page
    is run by itself, outside app.py's navigation (a smoke test)."""
    try:
        st.page_link(page, label=label, query_params={**ui.view_params(), **(query or {})})
    except StreamlitAPIException:
        st.markdown(label)


def _standing(row: pd.Series) -> str:
    """完成率 against 序时进度 in words, as whole percents (the gap from the numbers shown)."""
    gap = -fmt.shown_gap(row["completion_pct"], row["expected_pct"])
    source = f"（按{SOURCE_KPI}）" if row.get("completion_source") == SOURCE_KPI else ""
    text = f"完成率 **{fmt.pct(row['completion_pct'])}**{source}，序时进度 **{fmt.pct(row['expected_pct'])}**"
    if row["lag_status"] == DONE:
        return text
    if row["lag_status"] == OVERDUE:
        return f"{text}；完成时限 {fmt.day(row['deadline'])} 已过，尚未完成"
    if gap == 0:
        return f"{text}，与序时进度持平"
    return f"{text}，{'落后' if gap > 0 else '领先'} {abs(gap)} 个百分点"


def _paragraph(text: str) -> str:
    """Text someone typed, as markdown lines: escaped, its line breaks kept."""
    return "  \n".join(fmt.md(line) for line in str(text).strip().splitlines())


def _latest_note(history: pd.DataFrame) -> str:
    """The latest report's 进展说明 in full; when it has none, the most recent one before it."""
    note = str(history["note"].iloc[-1]).strip()
    if note:
        return _paragraph(note)
    noted = history[history["note"].str.strip() != ""]
    if noted.empty:
        return "（填报时未写进展说明）"
    earlier = noted.iloc[-1]
    return f"（本次未写进展说明；{fmt.day(earlier['report_date'])} 填报时的说明：）  \n{_paragraph(earlier['note'])}"


def _responsible(row: pd.Series, reach: pd.DataFrame) -> str:
    """责任: the lead and co-operating sections with their persons and contacts, the leaders."""
    contact = {
        r.section: "，".join(
            x for x in (f"电话 {r.phone}" if r.phone else "", f"邮箱 {r.email}" if r.email else "") if x
        )
        for r in reach.itertuples()
    }
    lines = []
    for i, (section, person) in enumerate(zip(row["sections"], row["persons"], strict=False)):
        who = f"{fmt.md(section)}（{fmt.md(person)}）" if person else fmt.md(section)
        where = f" · {fmt.md(contact[section])}" if contact.get(section) else ""
        lines.append(("牵头：" if i == 0 else "协作：") + who + where)
    leaders = "、".join(fmt.md(name) for name in row["leaders"])
    lines.append(f"分管领导：{leaders or '—'}")
    return "**责任**  \n" + "  \n".join(lines)


# --- 科室考评 (#35): the results table and one section's parts, shared by 科室考评 and 按科室 -------
from perfdash.workflows import assessment as assessing  # noqa: E402  (this block's own import)

# Column widths (px) of the results table: with 分组 and 领导评价 still under the 904 px of the
# page's main column at 1366 px.
ASSESSMENT_WIDTHS = {
    "排名": 44,
    "科室": 128,
    "分组": 84,
    "目标完成": 72,
    "过程管理": 72,
    "年终评估": 72,
    "创新与加减分": 92,
    "领导评价": 72,
    "调整": 56,
    "合计": 64,
    "等次": 56,
}
MEASURE_UNITS = {"on_time": "期", "supervision": "件", "milestones": "个"}


def assessment_columns(frame: pd.DataFrame) -> dict[str, object]:
    """Column configs for tables.assessment_results: compact widths, points with two decimals."""
    config: dict[str, object] = {}
    for name, width in ASSESSMENT_WIDTHS.items():
        if name not in frame.columns:
            continue
        if name in ("排名", "科室", "分组", "等次"):
            config[name] = st.column_config.Column(name, width=width)
        else:
            config[name] = st.column_config.NumberColumn(name, format="%.2f", width=width)
    return config


def measure(label: str, met_due: list | tuple, unit: str = "项", neutral: float | bool | None = None) -> str:
    """One counted measure as people say it: 按时填报 46/47 期（98%）; nothing due: 0/0 → the
    group's average rate (``neutral``; True: the average, not shown to a section; full marks when
    nobody in the group had it due)."""
    met, due = (int(x) for x in met_due)
    if not due:
        if neutral is True:
            return f"{label} 0/0 → 按同组平均"
        if neutral is None or neutral >= 1:
            return f"{label} 0/0 → 满分"
        return f"{label} 0/0 → 按同组平均 {fmt.pct(neutral * 100)}"
    return f"{label} {met}/{due} {unit}（{fmt.pct(met / due * 100)}）"


def assessment_parts(row: pd.Series, details: dict, scheme: assessing.Scheme, adjustments: pd.DataFrame) -> None:
    """A section's parts with the measures behind each (the rates counted), its adjustments with
    their reasons and its total: a list that wraps at any width."""

    def head(part: str) -> str:
        label, weight = assessing.PART_LABELS[part], getattr(scheme, part)
        return f"- **{label} {fmt.score(row[part])} 分**（本项 {weight:g} 分）："

    process = "；".join(
        measure(assessing.PROCESS_LABELS[k], v, MEASURE_UNITS.get(k, "项"), details.get("neutral", {}).get(k))
        for k, v in details["process"].items()
    )
    year_end = "；".join(
        measure(assessing.YEAR_END_LABELS[k], v, neutral=details.get("neutral", {}).get(k))
        for k, v in details["year_end"].items()
    )
    innovations = "、".join(f"{fmt.md(t)}（{fmt.md(lv)}）" for t, lv in details["innovations"]) or "尚无遴选的创新成果"
    lines = [
        head("completion") + f"加权完成率 {float(details['completion_rate']):g}%"
        f"（牵头目标按分值全额、协作目标按分值的 {scheme.co_factor:g} 倍计，报完成的须经核验）",
        head("process") + process,
        head("year_end") + year_end,
        head("innovation") + innovations,
    ]
    scores = [float(s) for s in details.get("leader_scores") or []]
    if scheme.leader or scores:
        rule = assessing.LEADER_RULES.get(scheme.leader_rule, "")
        listed = "、".join(f"{s:g}" for s in scores)
        said = f"{listed}，按{rule}为 {fmt.score(row['leader_avg'])}" if scores else "尚未评价"
        lines.append(head("leader") + said)
    mine = adjustments[adjustments["section"] == row["section"]] if not adjustments.empty else adjustments
    for r in mine.itertuples():
        when = fmt.day(pd.Timestamp(r.created_at).date())
        lines.append(f"- **调整 {float(r.points):+g} 分**：{fmt.md(r.reason)}（{fmt.md(r.created_by)}，{when}）")
    if mine.empty:
        lines.append("- **调整**：无")
    full = float(row["full_marks"])
    lines.append(f"- **合计 {fmt.score(row['total'])} 分**（满分 {full:g} 分），等次：{row['grade']}")
    st.markdown("\n".join(lines))


def raise_hints(details: dict) -> None:
    """怎样提高: where the section's points are, largest first (assessment's ``raise``)."""
    hints = details.get("raise") or []
    st.markdown("**怎样提高**")
    if hints:
        st.markdown("\n".join(f"- {fmt.md(h)}" for h in hints))
    else:
        st.markdown("目前各项都已得满分，或没有可以再提高的地方。")


def assessment_status(result: assessing.Result) -> str:
    """预估, or 已锁定 (who and when)."""
    if not result.locked:
        return assessing.PROVISIONAL
    when = f"{pd.Timestamp(result.locked_at):%Y-%m-%d %H:%M}" if result.locked_at is not None else ""
    return f"已锁定：{result.locked_by} {when}".strip()


def own_assessment(ctx: PageContext) -> None:
    """A section's own assessment (预估 until the office locks it): its parts with the measures,
    adjustments with reasons, total and grade, what would raise it, and how it is assessed. Never
    another section's numbers (nor its rank among them)."""
    name = ctx.actor.name
    own = reads.own_assessment(ctx, ctx.plan_id, ctx.as_of, ctx.year, name)
    if own is None:
        st.info("本方案中没有本科室牵头或协作的目标，不参加内设科室考评。")
        return
    row, details = own.table.iloc[0], own.details[name]
    schemes = reads.assessment_schemes(ctx, ctx.plan_id)
    scheme = schemes.get(str(row["group"]), schemes[""])
    status = "预估" if own.provisional else "已锁定"
    with st.container(border=True, key="own_assessment"):
        st.markdown(f"**本科室考评（{status}）** · 分组：{fmt.md(row['group'])}")
        if own.provisional:
            st.caption(
                f"按截至 {fmt.day(own.as_of)} 的数据和绩效办的考评方案计算，随填报变化；"
                "年终由绩效办锁定后为正式结果。组内排名仅绩效办和局领导可见。"
            )
        else:
            st.caption(
                f"绩效办已于 {fmt.day(pd.Timestamp(own.locked_at).date())} 按截至 {fmt.day(own.as_of)} 的数据锁定结果。"
            )
        assessment_parts(row, details, scheme, reads.section_adjustments(ctx, ctx.plan_id))
        raise_hints(details)
        with st.expander("考评办法"):
            st.markdown("\n".join(f"- {line}" for line in scheme.describe()))
