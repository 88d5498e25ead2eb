"""The monthly 《绩效督查通报》: a draft the office edits before issuing, and the Word document of it
in the form of an official document (perfdash.present.officedoc).

``draft`` gathers the month's facts as the dashboards show them on the cut-off day of the month's
last closed reporting period (统计截至: the periods of perfdash.workflows.periods; a period belongs
to the month its cut-off day falls in) and writes them as text: an ordered list of ``Part``s, each a
heading, paragraphs and tables, so a page can show every paragraph and let the office edit it.
``to_docx`` renders a ``Bulletin`` — as drafted or as edited — and reads nothing else.

The parts: 一、总体情况 (weighted completion against 序时进度, by 目标组, and against the previous
month), 二、分指标和分科室进展 (tables by 一级指标 and by lead section), 三、滞后和逾期目标 (each target
behind schedule with its latest note), 四、督办事项 (督办单 opened and closed in the month's periods,
overdue at the cut-off), 五、未报送科室 (lead sections that did not report in a period of the month)
and 六、下一步工作要求 (a standard paragraph the office edits)."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

import pandas as pd
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.shared import Mm, Pt, RGBColor

from perfdash.core import fmt
from perfdash.core.access import Actor
from perfdash.core.schedule import LATE_STATUSES, OVERDUE, RED, YELLOW
from perfdash.core.settings import DEMO_LABEL
from perfdash.db import queries, rollups
from perfdash.db.database import Database, require_role
from perfdash.present import officedoc as od
from perfdash.workflows import bulletins, decisions, periods, supervision
from perfdash.workflows.bulletins import Edits
from perfdash.workflows.periods import Period

month_periods = bulletins.month_periods  # which periods a month's 通报 counts (the issuing write checks it too)

MASTHEAD = "绩效督查通报"
MASTHEAD_RED = RGBColor(0xE0, 0x00, 0x00)  # the 版头 and its separator line, as red-headed documents print
TYPE_WIDTH_MM = 156  # A4 less the 28 / 26 mm margins
TARGET_CHARS = 40  # a target's text in 三、: enough to recognise it, the code says the rest
NOTE_CHARS = 60  # its latest note
TITLE_CHARS = 22  # an indicator's title in the table of 二、
WHAT_CHARS = 40  # a 督办事项 in the table of 四、
SEVERITY = {OVERDUE: 0, RED: 1, YELLOW: 2}  # 三、 lists the worst first
INDICATOR_HEADER = ("一级指标", "目标数", "分值", "完成率", "序时进度", "差距", "滞后项数")
INDICATOR_WIDTHS_MM = (55, 15, 13, 17, 20, 17, 19)  # a 五号 character takes 3.7 mm, a cell 1.9 mm each side
SECTION_HEADER = ("牵头科室", "目标数", "分值", "完成率", "序时进度", "差距", "滞后项数")
SECTION_WIDTHS_MM = (47, 15, 15, 18, 20, 21, 20)
ORDER_HEADER = ("单号", "目标", "承办科室", "督办事项", "办理时限", "状态")
ORDER_WIDTHS_MM = (13, 15, 24, 58, 20, 26)
MISSING_HEADER = ("科室", "未报送期数", "未报送的填报周期", "涉及未完成目标")
MISSING_WIDTHS_MM = (30, 18, 60, 48)
NEXT_STEPS = (
    "请各牵头科室对照本通报所列滞后目标和督办事项，逐项分析原因，明确整改措施和完成时限，"
    "于下一填报周期截止前在绩效管理系统中报送整改进展；未按期报送进度的科室要落实专人，按时报送。",
    "绩效办将继续跟踪督办，对连续滞后、逾期未完成的目标和逾期未办结的督办事项，提请分管领导协调推进，"
    "并在下期通报中通报整改情况。",
)


@dataclass
class Table:
    """A table of the draft: its title (shown above it, as a 二级标题 when given), header, rows of
    text (a row given as one string spans the table), column widths and the centred columns."""

    title: str
    header: tuple[str, ...]
    rows: list[list[str] | str]
    widths_mm: tuple[float, ...]
    numeric: tuple[int, ...] = ()


@dataclass
class Part:
    """One part of the text: its heading (一、总体情况), its paragraphs (what the office edits) and the
    tables that follow them."""

    heading: str
    paragraphs: list[str]
    tables: list[Table] = field(default_factory=list)


@dataclass
class Bulletin:
    """A month's 督查通报 as drafted: what it is about, the text, and the figures the text states
    (for checks and for a page beside the text)."""

    plan_id: int
    unit: str
    year: int
    month: date  # the month's first day
    name: str  # 2025年10月
    periods: list[Period]  # the month's closed reporting periods, in order
    open_periods: list[Period]  # periods ending in the month not closed yet (left out)
    cutoff: date  # 统计截至: the last closed period's cut-off day, the dashboards' as-of date
    issue: str  # the issue number line, 2025年第10期: the office sets the real one
    title: str  # the article's title
    addressee: str  # 主送
    signer: str  # 落款
    parts: list[Part]
    is_demo: bool = False
    figures: dict[str, float | int] = field(default_factory=dict)  # queries.headline at the cut-off
    lagging: list[str] = field(default_factory=list)  # codes of the targets in 三、, in its order
    orders: dict[str, list[int]] = field(default_factory=dict)  # opened / closed / overdue: order ids
    not_reported: pd.DataFrame = field(default_factory=pd.DataFrame)  # section, periods missed, targets
    issued: bool = False  # the document as issued (its properties say so), not a draft

    @property
    def period(self) -> Period:
        """The month's last closed reporting period."""
        return self.periods[-1]

    @property
    def window(self) -> tuple[date, date]:
        """The days the month's closed periods cover: from the first one's start to the cut-off."""
        return self.periods[0].start, self.cutoff

    @property
    def window_text(self) -> str:
        """The window as the text names it: 第40期至第44期，9月27日—10月31日."""
        first, last = self.periods[0], self.periods[-1]
        span = first.name if first == last else f"{first.name}至{last.name}"
        return f"{span}，{fmt.month_day(first.start)}—{fmt.month_day(last.end)}"


def draft(store: Database, plan_id: int, month: date) -> Bulletin:
    """The draft 通报 of ``month`` (any day of it) for a plan: its numbers those of the dashboards on
    the cut-off day of the month's last closed reporting period."""
    plan = queries.plans(store).set_index("plan_id").loc[plan_id]
    unit, year = str(plan["unit"]), int(plan["year"])
    month = month.replace(day=1)
    closed, still_open = month_periods(periods.calendar(store, plan_id), month)
    cutoff = closed[-1].end
    state = queries.target_state(store, plan_id, cutoff, year)
    name = f"{year}年{month.month}月"
    b = Bulletin(
        plan_id=plan_id,
        unit=unit,
        year=year,
        month=month,
        name=name,
        periods=closed,
        open_periods=still_open,
        cutoff=cutoff,
        issue=f"{year}年第{month.month}期",
        title=f"关于{name}绩效目标推进情况的通报",
        addressee="局机关各科室、各直属单位：",
        signer=f"{unit}绩效办",
        parts=[],
        is_demo=queries.is_demo(plan),
        figures=queries.headline(state),
    )
    before = closed[0].start - timedelta(days=1)
    previous = queries.headline(queries.target_state(store, plan_id, before, year)) if before.year == year else None
    b.parts.append(_overall(b, state, previous, before))
    b.parts.append(_progress(b, state))
    b.parts.append(_lagging(b, state))
    b.parts.append(_orders(b, store))
    b.parts.append(_not_reported(b, store))
    b.parts.append(Part("六、下一步工作要求", list(NEXT_STEPS)))
    return b


def _versus(gap: int) -> str:
    return "与序时进度持平" if gap == 0 else f"{'高于' if gap > 0 else '低于'}序时进度{abs(gap)}个百分点"


def _gap(completion: float | None, expected: float | None) -> int:
    """Completion less 序时进度 in whole points, as every page shows it (fmt.shown_gap)."""
    return fmt.shown_gap(completion, expected)


def _signed(n: int) -> str:
    return f"+{n}" if n > 0 else str(n)


def _clip(text: object, chars: int) -> str:
    """Text on one line, at most ``chars`` characters (… where cut)."""
    missing = text is None or (not isinstance(text, str) and bool(pd.isna(text)))
    line = re.sub(r"\s+", " ", "" if missing else str(text)).strip()
    return line if len(line) <= chars else line[: chars - 1] + "…"


def _overall(b: Bulletin, state: pd.DataFrame, previous: dict | None, before: date) -> Part:
    """一、总体情况: the whole plan against 序时进度, by 目标组, and the month's change."""
    head = b.figures
    done_pct, expected_pct = fmt.shown_pct(head["completion_pct"]), fmt.shown_pct(head["expected_pct"])
    closing = f"{b.name}最后一个已关闭的填报周期为{b.period.name}（{b.period.days}）"
    paragraphs = [
        f"本期通报统计{b.name}的{len(b.periods)}个填报周期（{b.window_text}），{closing}，"
        f"数据统计截至{fmt.long_day(b.cutoff)}。"
        + (
            f"{'、'.join(p.name for p in b.open_periods)}截止日在本月但尚未关闭，其填报未计入本通报。"
            if b.open_periods
            else ""
        ),
        f"截至{fmt.long_day(b.cutoff)}，{b.unit}{b.year}年度{head['targets']}项年度工作目标"
        f"（总分值{fmt.points(head['points'], unit=False)}分）加权完成率{done_pct}%，序时进度{expected_pct}%，"
        f"{_versus(done_pct - expected_pct)}；已完成{head['done']}项，滞后{head['late']}项"
        f"（其中逾期未完成{head['overdue']}项）。",
    ]
    groups = queries.group_summary(state)
    if len(groups) > 1:
        shares = []
        for g in groups.itertuples():
            expected = rollups.summary(state[state["group"] == g.group])["expected_pct"]
            shares.append(f"{g.group}{g.targets}项加权完成率{fmt.pct(g.completion_pct)}（序时进度{fmt.pct(expected)}）")
        paragraphs.append("分目标组看，" + "，".join(shares) + "。")
    if previous is not None:
        change = done_pct - fmt.shown_pct(previous["completion_pct"])
        moved = "持平" if change == 0 else f"{'提高' if change > 0 else '下降'}{abs(change)}个百分点"
        paragraphs.append(
            f"与上月末（截至{fmt.long_day(before)}）相比，加权完成率由{fmt.pct(previous['completion_pct'])}"
            f"变为{done_pct}%，{moved}；已完成目标{_count_change(previous['done'], head['done'])}，"
            f"滞后目标{_count_change(previous['late'], head['late'])}。"
        )
    return Part("一、总体情况", paragraphs)


def _count_change(before: int, now: int) -> str:
    return f"仍为{now}项" if before == now else f"由{before}项变为{now}项"


def _row(name: str, s: dict | pd.Series, late: int) -> list[str]:
    return [
        name,
        str(int(s["targets"])),
        fmt.points(s["points"], unit=False),
        fmt.pct(s["completion_pct"]),
        fmt.pct(s["expected_pct"]),
        _signed(_gap(s["completion_pct"], s["expected_pct"])),
        str(int(late)),
    ]


def _progress(b: Bulletin, state: pd.DataFrame) -> Part:
    """二、分指标和分科室进展: a table by 一级指标 and one by lead section (as the dashboards roll
    them up), each with the plan's total, and the ones behind schedule named."""
    head = b.figures
    total = _row("合计", head, int(head["late"]))
    indicators = rollups.by_indicator(state)
    rows: list[list[str] | str] = [
        _row(f"{r.indicator_code} {_clip(r.indicator, TITLE_CHARS)}", r._asdict(), r.late)
        for r in indicators.itertuples()
    ]
    sections = rollups.by_section(state)
    sections = sections[sections["targets"] > 0] if not sections.empty else sections  # those leading targets
    section_rows: list[list[str] | str] = [_row(str(r.section), r._asdict(), r.late) for r in sections.itertuples()]
    behind_ind = [str(r.indicator_code) for r in indicators.itertuples() if _gap(r.completion_pct, r.expected_pct) < 0]
    behind_sec = [str(r.section) for r in sections.itertuples() if _gap(r.completion_pct, r.expected_pct) < 0]
    paragraphs = [
        f"{len(indicators)}个一级指标中，加权完成率低于序时进度的{len(behind_ind)}个"
        + (f"（{'、'.join(behind_ind)}）" if behind_ind else "")
        + f"；{len(sections)}个牵头科室中，低于序时进度的{len(behind_sec)}个"
        + (f"（{'、'.join(behind_sec)}）" if behind_sec else "")
        + "。完成率按目标分值加权，差距为完成率与序时进度之差（百分点）；科室只计其牵头目标，协作目标不计入。"
    ]
    tables = [
        Table("（一）分一级指标进展情况", INDICATOR_HEADER, [*rows, total], INDICATOR_WIDTHS_MM, (1, 2, 3, 4, 5, 6)),
        Table(
            "（二）分牵头科室进展情况", SECTION_HEADER, [*section_rows, total], SECTION_WIDTHS_MM, (1, 2, 3, 4, 5, 6)
        ),
    ]
    return Part("二、分指标和分科室进展", paragraphs, tables)


def lagging_targets(state: pd.DataFrame) -> pd.DataFrame:
    """The targets behind schedule (黄色滞后, 红色滞后, 逾期未完成: the dashboards' 滞后), worst first,
    then in plan order."""
    late = state[state["lag_status"].isin(LATE_STATUSES)]
    return late.assign(_o=late["lag_status"].map(SEVERITY)).sort_values("_o", kind="stable").drop(columns="_o")


def _lagging(b: Bulletin, state: pd.DataFrame) -> Part:
    """三、滞后和逾期目标: each target behind schedule, its section, completion, 序时进度, latest note."""
    late = lagging_targets(state)
    b.lagging = [str(c) for c in late["code"]]
    head = b.figures
    if late.empty:
        return Part("三、滞后和逾期目标", [f"截至{fmt.long_day(b.cutoff)}，无滞后或逾期未完成的目标。"])
    counts = late["lag_status"].value_counts()
    paragraphs = [
        f"截至{fmt.long_day(b.cutoff)}，落后于序时进度的目标{head['late']}项，"
        f"其中逾期未完成{counts.get(OVERDUE, 0)}项、"
        f"红色滞后{counts.get(RED, 0)}项、黄色滞后{counts.get(YELLOW, 0)}项："
    ]
    for k, t in enumerate(late.itertuples(), start=1):
        behind = _gap(t.completion_pct, t.expected_pct)
        state_text = f"已逾期（完成时限{fmt.long_day(t.deadline)}）" if t.lag_status == OVERDUE else f"{t.lag_status}"
        note = _clip(t.note, NOTE_CHARS).rstrip("。；;.")
        reported = f"（{fmt.month_day(t.last_report)}报送）" if pd.notna(t.last_report) and note else ""
        paragraphs.append(
            f"（{k}）{t.code} {_clip(t.target, TARGET_CHARS)}（{t.lead_section or '—'}牵头）："
            f"完成率{fmt.pct(t.completion_pct)}，"
            f"序时进度{fmt.pct(t.expected_pct)}，落后{abs(behind)}个百分点，{state_text}。"
            f"最新进展：{note or '未填写'}{reported}。"
        )
    return Part("三、滞后和逾期目标", paragraphs)


def _day(value: object) -> date | None:
    if value is None or pd.isna(value):  # NaT is a datetime too
        return None
    return value.date() if isinstance(value, datetime | pd.Timestamp) else value  # type: ignore[return-value]


def _orders(b: Bulletin, store: Database) -> Part:
    """四、督办事项: orders opened and closed in the month's periods, and those overdue at the cut-off:
    each as it stood that day (decisions.items ``until``: a signing, reply or closing after it has
    not happened yet), with its status and 三色 level as every page gives them (decisions.status,
    decisions.level: 签收超时 escalating, an answer waiting for 复核 not)."""
    start, cutoff = b.window
    df = decisions.items(store, b.plan_id, cutoff, until=cutoff)
    opened, closed, overdue, active, sign_late, rows = [], [], [], 0, 0, []
    levels = {supervision.ORANGE: 0, supervision.RED: 0}
    for o in df.sort_values("order_id").to_dict("records"):
        issued, done_on, due = _day(o["issued_at"]), _day(o["closed_at"]), _day(o["due_date"])
        if issued is None or issued > cutoff:
            continue  # issued after the cut-off: next month's
        state, level = o["status"], decisions.level(o, cutoff)
        closed_then = state == decisions.CLOSED
        is_opened = issued >= start
        is_closed = closed_then and done_on is not None and done_on >= start
        is_overdue = state == decisions.OVERDUE
        active += not closed_then
        sign_late += state == decisions.SIGN_LATE
        if is_overdue and level in levels:
            levels[level] += 1
        if not (is_opened or is_closed or is_overdue):
            continue
        for flag, ids in ((is_opened, opened), (is_closed, closed), (is_overdue, overdue)):
            if flag:
                ids.append(int(o["order_id"]))
        if is_closed:
            status = f"{fmt.month_day(done_on)}办结"
        elif is_overdue:
            status = f"逾期{(cutoff - due).days}天（{level}）"
        elif state == decisions.SIGN_LATE:
            status = f"签收超时（{level}）"
        elif state == decisions.REVIEW and o["past_due"]:
            status = "待复核（已过时限）"
        else:
            status = state
        code = o["code"] if isinstance(o["code"], str) and o["code"] else "—"
        rows.append(
            [str(o["order_id"]), code, str(o["section"]), _clip(o["what"], WHAT_CHARS), fmt.month_day(due), status]
        )
    b.orders = {"opened": opened, "closed": closed, "overdue": overdue}
    summary = (
        f"本月（{b.window_text}）新下发督办单{len(opened)}件，办结{len(closed)}件；截至{fmt.long_day(cutoff)}，"
        f"在办督办单{active}件，其中逾期未办结{len(overdue)}件"
        + (f"（橙色{levels[supervision.ORANGE]}件、红色{levels[supervision.RED]}件）" if overdue else "")
        + (f"，超过签收时限未签收{sign_late}件" if sign_late else "")
        + "。"
    )
    paragraphs = [summary]
    if overdue:
        paragraphs.append("逾期未办结的督办单，请承办科室说明原因并尽快办结；红色督办事项由分管领导督促落实。")
    tables = [Table("", ORDER_HEADER, list(rows), ORDER_WIDTHS_MM, (0, 1, 4))] if rows else []
    return Part("四、督办事项", paragraphs, tables)


def _not_reported(b: Bulletin, store: Database) -> Part:
    """五、未报送科室: per lead section, the month's closed periods in which it reported nothing
    (supervision.not_reported of each period), and the late reports (迟报) of the month."""
    missed: dict[str, list[Period]] = {}
    targets: dict[str, set[str]] = {}
    late = 0
    for p in b.periods:
        for r in supervision.not_reported(store, b.plan_id, p.start, p.end).itertuples():
            missed.setdefault(str(r.section), []).append(p)
            targets.setdefault(str(r.section), set()).update(map(str, r.missing))
        late += int(periods.period_reports(store, b.plan_id, p.start, p.end)["late"].sum())
    order = sorted(missed, key=lambda s: (-len(missed[s]), s))
    b.not_reported = pd.DataFrame(
        [(s, len(missed[s]), [p.number for p in missed[s]], sorted(targets[s])) for s in order],
        columns=["section", "periods", "numbers", "targets"],
    )
    n = len(b.periods)
    if not order:
        text = f"本月{n}个填报周期，有未完成目标的牵头科室均按期报送了进度。"
    else:
        text = f"本月{n}个填报周期中，{len(order)}个科室有未按期报送进度的情况：{'、'.join(order)}。"
    paragraphs = [text + (f"本月迟报（填报周期截止后补报）{late}条。" if late else "")]
    rows: list[list[str] | str] = [
        [
            s,
            f"{len(missed[s])}/{n}",
            "、".join(p.name for p in missed[s]),
            f"{len(targets[s])}项（{_clip('、'.join(sorted(targets[s])), 30)}）",
        ]
        for s in order
    ]
    tables = [Table("", MISSING_HEADER, rows, MISSING_WIDTHS_MM, (1,))] if rows else []
    return Part("五、未报送科室", paragraphs, tables)


# -- the office's edits and issuing ----------------------------------------------------------------


def edits_of(b: Bulletin) -> Edits:
    """The text of a bulletin as the office edits it (a draft's: what a page fills in, and 恢复草稿)."""
    return Edits(b.issue, b.title, b.addressee, tuple(tuple(p.paragraphs) for p in b.parts))


def apply_edits(b: Bulletin, edits: Edits) -> Bulletin:
    """A copy of ``b`` with the office's issue number, title, 主送 and paragraphs (checked and
    stripped: bulletins.check_edits, every problem one line of the StoreError). The headings, the
    tables and the figures stay the draft's: the numbers are never edited."""
    edits = bulletins.check_edits(edits, [p.heading for p in b.parts])
    parts = [Part(p.heading, list(text), p.tables) for p, text in zip(b.parts, edits.paragraphs, strict=True)]
    return replace(b, issue=edits.issue, title=edits.title, addressee=edits.addressee, parts=parts)


def issue(store: Database, plan_id: int, month: date, edits: Edits, actor: Actor) -> int:
    """Issue the 通报 of ``month`` as edited: the draft made again from the database (the numbers
    are the dashboards' at its cut-off, whatever a page showed), the edits applied, the Word file
    written and kept with the row (bulletins.BulletinWrites.issue_bulletin; ``store`` a Store).
    Returns the bulletin's id."""
    require_role(actor, {"office"}, bulletins.ISSUE_WHAT)  # before the draft is made
    b = replace(apply_edits(draft(store, plan_id, month), edits), issued=True)
    data = to_docx(b)
    edits = edits_of(b)
    return store.issue_bulletin(plan_id, b.month, b.cutoff, [p.heading for p in b.parts], edits, data, actor)  # type: ignore[attr-defined]


def table_frame(t: Table) -> pd.DataFrame:
    """A table of the draft as a page shows it beside the text (a row spanning the table left out)."""
    return pd.DataFrame([r for r in t.rows if not isinstance(r, str)], columns=list(t.header))


def issued_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The issued 通报 (bulletins.issued) as a page lists them."""
    return pd.DataFrame(
        {
            "期号": frame["issue"].astype(str),
            "月份": [f"{pd.Timestamp(m).year}年{pd.Timestamp(m).month}月" for m in frame["month"]],
            "标题": frame["title"].astype(str),
            "统计截至": [fmt.day(pd.Timestamp(d).date()) for d in frame["cutoff"]],
            "签发人": frame["issued_by"].astype(str),
            "签发时间": [f"{pd.Timestamp(t):%Y-%m-%d %H:%M}" for t in frame["issued_at"]],
        }
    )


# -- the Word document ---------------------------------------------------------------------------


def masthead(b: Bulletin) -> str:
    """The 版头: 绩效督查通报, and （演示数据） after it for demo data, so no printout passes for a real one."""
    return MASTHEAD + (f"（{DEMO_LABEL}）" if b.is_demo else "")


def to_docx(b: Bulletin) -> bytes:
    """The 通报 as .docx bytes: the red 版头 (title, issue number, the office and the date over a red
    line), the article's title and 统计截至, the 主送, each part with its paragraphs and tables, and
    the 落款 dated the cut-off day. The same bulletin gives the same bytes (the document's dates are
    the cut-off's, not the time it was made)."""
    doc = od.new_document()
    props = doc.core_properties
    props.title = f"{masthead(b)} {b.issue}"
    props.created = props.modified = datetime.combine(b.cutoff, datetime.min.time())
    props.comments = f"{b.name}督查通报{'' if b.issued else '（草稿）'}；数据截至 {b.cutoff.isoformat()}"
    head = od.para(doc, masthead(b), "公文标题")
    for run in head.runs:
        run.font.color.rgb = MASTHEAD_RED
    issue = od.para(doc, b.issue)
    issue.alignment = WD_ALIGN_PARAGRAPH.CENTER
    issue.paragraph_format.first_line_indent = Pt(0)
    line = od.para(doc, f"{b.signer}\t{fmt.long_day(b.cutoff)}")
    line.paragraph_format.first_line_indent = Pt(0)
    line.paragraph_format.tab_stops.add_tab_stop(Mm(TYPE_WIDTH_MM), WD_TAB_ALIGNMENT.RIGHT)
    line._p.get_or_add_pPr().append(
        parse_xml(
            f'<w:pBdr {nsdecls("w")}><w:bottom w:val="single" w:sz="18" w:space="4" w:color="{MASTHEAD_RED}"/></w:pBdr>'
        )
    )
    od.para(doc, "")
    od.para(doc, b.title, "公文标题")
    od.para(doc, f"（统计截至{fmt.long_day(b.cutoff)}）", "公文副标题")
    od.para(doc, "")
    to = od.para(doc, b.addressee)
    to.paragraph_format.first_line_indent = Pt(0)
    for part in b.parts:
        od.para(doc, part.heading, "一级标题")
        for text in part.paragraphs:
            od.para(doc, text)
        for t in part.tables:
            if not t.rows:
                continue
            if t.title:
                od.para(doc, t.title, "二级标题")
            od.table(doc, t.header, t.widths_mm, t.rows, numeric=t.numeric)
    od.signature(doc, b.signer, b.cutoff)
    return _stable(od.to_bytes(doc), b.cutoff)


def _stable(data: bytes, day: date) -> bytes:
    """The package with every member dated ``day`` (python-docx dates them when saved), so that the
    same draft gives the same file."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            info.date_time = (day.year, day.month, day.day, 0, 0, 0)
            dst.writestr(info, src.read(info.filename))
    return out.getvalue()
