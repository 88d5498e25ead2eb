"""The monthly 督查通报 (perfdash.present.bulletin, python -m perfdash bulletin) on the demo history
(weekly periods to Friday, closed to 2025-11-21): the month's cut-off is its last closed period's,
its numbers are the dashboards' on that day, 督办单 are counted by hand, and the Word document
states them in the 公文 form."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from docx import Document

from perfdash.core import fmt
from perfdash.core.access import Actor
from perfdash.core.schedule import LATE_STATUSES, OVERDUE
from perfdash.db import queries, rollups
from perfdash.db.database import StoreError
from perfdash.present import bulletin, downloads
from perfdash.store import Store
from perfdash.workflows import decisions, periods, supervision
from tests.running import run_cli

OFFICE = Actor.office()
OCTOBER = date(2025, 10, 1)
LAST_FRIDAY = date(2025, 10, 31)  # October 2025 ends on a Friday: the 第44期 cut-off


def docx_text(data: bytes) -> tuple[str, list[list[list[str]]]]:
    """A document's paragraphs (one text) and its tables (rows of cell texts)."""
    doc = Document(io.BytesIO(data))
    text = "\n".join(p.text for p in doc.paragraphs)
    return text, [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]


@pytest.fixture
def october(demo_store) -> bulletin.Bulletin:
    return bulletin.draft(demo_store, 1, OCTOBER)


def test_the_cutoff_is_the_last_closed_friday_of_the_month(demo_store, october):
    calendar = periods.calendar(demo_store, 1)
    ending = [p for p in calendar.periods() if p.end.month == 10 and calendar.closed(p)]
    assert [p.name for p in ending] == ["第40期", "第41期", "第42期", "第43期", "第44期"]
    assert october.cutoff == ending[-1].end == LAST_FRIDAY and LAST_FRIDAY.weekday() == 4
    assert october.name == "2025年10月" and october.period.name == "第44期" and october.open_periods == []
    assert october.window == (date(2025, 9, 27), LAST_FRIDAY)  # 第40期 starts the Saturday after 9-26
    # Any day of the month names the same month.
    assert bulletin.draft(demo_store, 1, date(2025, 10, 17)).cutoff == LAST_FRIDAY


def test_a_month_whose_last_period_is_still_open_stops_at_the_last_closed_one(demo_store):
    november = bulletin.draft(demo_store, 1, date(2025, 11, 1))
    assert november.cutoff == date(2025, 11, 21)  # closed to 11-21; 第48期 ends 11-28
    assert [p.name for p in november.open_periods] == ["第48期"]
    assert "第48期截止日在本月但尚未关闭" in november.parts[0].paragraphs[0]


def test_month_periods_refuse_other_years_and_months_without_a_closed_period():
    weekly = periods.Calendar(2025, closed_through=date(2025, 10, 24))
    closed, still_open = bulletin.month_periods(weekly, OCTOBER)
    assert closed[-1].end == date(2025, 10, 24) and [p.end for p in still_open] == [LAST_FRIDAY]
    monthly = periods.Calendar(2025, rhythm="monthly", closed_through=date(2025, 3, 31))
    assert [(p.start, p.end) for p in bulletin.month_periods(monthly, date(2025, 3, 1))[0]] == [
        (date(2025, 3, 1), date(2025, 3, 31))
    ]
    with pytest.raises(StoreError, match=r"^2025年4月还没有已关闭的填报周期"):
        bulletin.month_periods(monthly, date(2025, 4, 1))
    with pytest.raises(StoreError, match=r"^2024年10月不在方案年度（2025年）内$"):
        bulletin.month_periods(weekly, date(2024, 10, 1))
    with pytest.raises(StoreError, match="目前还没有关闭任何填报周期"):
        bulletin.month_periods(periods.Calendar(2025), OCTOBER)


def test_the_numbers_are_the_dashboards_on_the_cutoff_day(demo_store, october):
    state = queries.target_state(demo_store, 1, LAST_FRIDAY, 2025)
    head = queries.headline(state)
    assert october.figures == head
    assert (round(head["completion_pct"], 2), round(head["expected_pct"], 3)) == (81.67, 83.368)
    assert (
        "加权完成率82%，序时进度83%，低于序时进度1个百分点；已完成9项，滞后14项（其中逾期未完成1项）"
        in (october.parts[0].paragraphs[1])
    )
    # 二: one row per 一级指标 and per section leading targets, as the dashboards roll them up, and the total.
    indicators, sections = october.parts[1].tables
    by_indicator = rollups.by_indicator(state)
    assert [r[0].split(" ")[0] for r in indicators.rows[:-1]] == list(by_indicator["indicator_code"])
    for row, r in zip(indicators.rows, by_indicator.itertuples(), strict=False):
        assert row[3:5] == [fmt.pct(r.completion_pct), fmt.pct(r.expected_pct)]
        assert row[6] == str(r.late)
    assert indicators.rows[-1] == ["合计", "61", "100", "82%", "83%", "-1", "14"]
    leading = rollups.by_section(state).query("targets > 0")
    assert [r[0] for r in sections.rows[:-1]] == list(leading["section"])
    office = next(r for r in sections.rows if r[0] == "办公室")
    assert office == ["办公室", "11", "13", "68%", "83%", "-15", "5"]


def test_the_lagging_targets_are_the_dashboards(demo_store, october):
    state = queries.target_state(demo_store, 1, LAST_FRIDAY, 2025)
    late = state[state["lag_status"].isin(LATE_STATUSES)]  # the supervision page's 滞后 list
    assert sorted(october.lagging) == sorted(late["code"]) and len(october.lagging) == 14
    assert october.lagging[0] == "1-3-3" and late.set_index("code").loc["1-3-3", "lag_status"] == OVERDUE
    listed = october.parts[2].paragraphs[1:]
    assert len(listed) == 14 and all(
        p.startswith(f"（{k}）{c} ") for k, (p, c) in enumerate(zip(listed, october.lagging, strict=True), start=1)
    )
    assert listed[0].endswith(
        "（中教科牵头）：完成率83%，序时进度100%，落后17个百分点，已逾期（完成时限2025年9月30日）。"
        "最新进展：已完成阶段性任务（10月24日报送）。"
    )


def test_sections_not_reported_are_summed_over_the_months_periods(demo_store, october):
    by_hand: dict[str, list[int]] = {}
    for p in october.periods:
        for section in supervision.not_reported(demo_store, 1, p.start, p.end)["section"]:
            by_hand.setdefault(section, []).append(p.number)
    assert by_hand == {"考试院": [43], "规划建设科": [43]}  # the demo history, seed 2025
    assert dict(zip(october.not_reported["section"], october.not_reported["numbers"], strict=True)) == by_hand
    assert october.parts[4].tables[0].rows == [
        ["考试院", "1/5", "第43期", "1项（2-3-1）"],
        ["规划建设科", "1/5", "第43期", "1项（1-12-2）"],
    ]


class Clock:
    """What datetime.now() says in perfdash.workflows.supervision and decisions (when orders are
    issued, answered and closed)."""

    now_is = datetime(2025, 1, 1)

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        clock = self

        class Fixed(datetime):
            @classmethod
            def now(cls, tz=None):
                return clock.now_is

        monkeypatch.setattr(supervision, "datetime", Fixed)
        monkeypatch.setattr(decisions, "datetime", Fixed)

    def at(self, day: date) -> Clock:
        self.now_is = datetime.combine(day, datetime.min.time()).replace(hour=10)
        return self


def issue(store: Store, clock: Clock, on: date, due: date, closed: date | None = None, code: str = "1-4-2") -> int:
    clock.at(on)
    order = store.issue_order(1, code, f"督办：{on:%m-%d} 下发，{due:%m-%d} 前办结", due, OFFICE)
    if closed:
        clock.at(closed)
        store.close_order(order, "已办结", OFFICE)
    return order


def test_orders_opened_closed_and_overdue_are_counted_as_on_the_cutoff(demo_store, monkeypatch):
    clock = Clock(monkeypatch)
    a = issue(demo_store, clock, date(2025, 9, 20), date(2025, 10, 10))  # before the month, overdue
    b = issue(demo_store, clock, date(2025, 10, 8), date(2025, 10, 20), closed=date(2025, 10, 15))
    c = issue(demo_store, clock, date(2025, 10, 20), date(2025, 11, 15))  # open, not yet due
    d = issue(demo_store, clock, date(2025, 9, 10), date(2025, 9, 20), closed=date(2025, 10, 5))
    issue(demo_store, clock, date(2025, 11, 3), date(2025, 11, 5))  # after the cut-off: next month's
    f = issue(demo_store, clock, date(2025, 10, 10), date(2025, 10, 25), closed=date(2025, 11, 5))  # open on 10-31
    issue(demo_store, clock, date(2025, 9, 1), date(2025, 9, 10), closed=date(2025, 9, 12))  # all before
    # g: answered on 10-27, before its due day 10-28, not reviewed by the cut-off: the office's turn.
    g = issue(demo_store, clock, date(2025, 10, 20), date(2025, 10, 28))
    lead = demo_store.target_people(1, "1-4-2")[0][0]
    clock.at(date(2025, 10, 27))
    demo_store.respond_order(g, "已办理", Actor.section(lead))
    clock.at(date(2025, 11, 3))
    demo_store.sign_order(c, Actor.section(lead))  # after the cut-off: c stood unsigned on 10-31
    draft = bulletin.draft(demo_store, 1, OCTOBER)
    assert draft.orders == {"opened": [b, c, f, g], "closed": [b, d], "overdue": [a, f]}
    text = draft.parts[3].paragraphs[0]
    # As every page colours them (decisions.level): never signed for, a and f are red from their
    # 签收 days (9-22, 10-12: over 7 days before 10-31), whatever their due days say; c (签收 by
    # 10-22) is 签收超时 and red though not due; g waits for 复核 and does not escalate.
    assert (
        "新下发督办单4件，办结2件；截至2025年10月31日，在办督办单4件，其中逾期未办结2件（橙色0件、红色2件），"
        "超过签收时限未签收1件。"
    ) in text
    rows = draft.parts[3].tables[0].rows
    assert [r[0] for r in rows] == [str(o) for o in (a, b, c, d, f, g)]
    assert [r[5] for r in rows] == [
        "逾期21天（红色）",
        "10月15日办结",
        "签收超时（红色）",
        "10月5日办结",
        "逾期6天（红色）",
        "待复核（已过时限）",
    ]


def test_the_document_states_the_title_period_and_numbers(october):
    data = bulletin.to_docx(october)
    assert data == bulletin.to_docx(october)  # the same draft, the same file
    text, tables = docx_text(data)
    lines = text.splitlines()
    assert lines[:3] == ["绩效督查通报（演示数据）", "2025年第10期", "泉州市教育局绩效办\t2025年10月31日"]
    assert "关于2025年10月绩效目标推进情况的通报\n（统计截至2025年10月31日）" in text
    assert "加权完成率82%，序时进度83%" in text
    for heading in (
        "一、总体情况",
        "二、分指标和分科室进展",
        "三、滞后和逾期目标",
        "四、督办事项",
        "五、未报送科室",
        "六、下一步工作要求",
    ):
        assert heading in lines
    assert all(f"）{code} " in text for code in october.lagging)
    assert lines[-2:] == ["泉州市教育局绩效办", "2025年10月31日"]  # the 落款, dated the cut-off day
    assert [t[0] for t in tables] == [
        list(bulletin.INDICATOR_HEADER),
        list(bulletin.SECTION_HEADER),
        list(bulletin.MISSING_HEADER),
    ]
    assert tables[0][-1] == ["合计", "61", "100", "82%", "83%", "-1", "14"]
    section = Document(io.BytesIO(data)).sections[0]
    page = (section.page_width, section.page_height)
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(x.mm) for x in (*page, *margins)] == [210, 297, 37, 35, 28, 26]


def test_an_edited_draft_is_what_the_document_says(october):
    october.parts[5].paragraphs = ["请各科室于11月7日前报送整改情况。"]
    october.issue = "2025年第11期"
    text, _ = docx_text(bulletin.to_docx(october))
    assert "请各科室于11月7日前报送整改情况。" in text and "2025年第11期" in text
    assert bulletin.NEXT_STEPS[0] not in text


def test_the_registry_builds_the_month_of_the_as_of_date(demo_store):
    export = downloads.BY_KEY["bulletin"]
    assert export.make is bulletin.to_docx
    assert export.offered == ("pages/bulletins.py#bulletin_docx", "python -m perfdash bulletin")
    data = export.build(demo_store, downloads.Inputs(1, date(2025, 10, 15), OFFICE))
    assert data == bulletin.to_docx(bulletin.draft(demo_store, 1, OCTOBER))


def test_the_command_writes_the_same_document(demo_db, tmp_path):
    out = tmp_path / "通报.docx"
    done = run_cli("bulletin", "--db", str(demo_db), "--month", "2025-10", "--out", str(out))
    assert done.code == 0, done.err
    assert "已写出2025年10月绩效督查通报（草稿）" in done.out and "统计截至 2025-10-31" in done.out
    store = Store(demo_db, read_only=True)
    try:
        assert out.read_bytes() == bulletin.to_docx(bulletin.draft(store, 1, OCTOBER))
    finally:
        store.close()
    # Without --month: the month of the dashboards' 统计日期 (the last closed period, 11-21).
    latest = run_cli("bulletin", "--db", str(demo_db), "--out", str(tmp_path / "latest.docx"))
    assert latest.code == 0 and "已写出2025年11月" in latest.out and "统计截至 2025-11-21" in latest.out


@pytest.mark.parametrize(
    ("month", "line"),
    [
        ("2025-13", "错误：参数 --month：月份“2025-13”无效，应为 YYYY-MM，如 2025-10"),
        ("2025-1", "错误：参数 --month：月份“2025-1”无效"),
        ("2024-10", "错误：2024年10月不在方案年度（2025年）内"),
        ("2025-12", "错误：2025年12月还没有已关闭的填报周期，不能生成该月的督查通报（目前已关闭至2025年11月21日）"),
    ],
)
def test_the_command_refuses_a_month_it_cannot_report(demo_db, tmp_path, month, line):
    out = tmp_path / "通报.docx"
    done = run_cli("bulletin", "--db", str(demo_db), "--month", month, "--out", str(out))
    assert done.code == 2 and "Traceback" not in done.err
    assert done.err.strip().splitlines()[-1].startswith(line), done.err
    assert not out.exists()


TYPE_AREA_MM = {"left": 28, "top": 37, "right": 210 - 26, "bottom": 297 - 35}


def issued_docx(store: Store) -> bytes:
    """October's 通报 as the office edits and issues it, read back as kept: paragraphs rewritten, one
    long (it must wrap inside the type area), a longer title and 主送."""
    from perfdash.workflows import bulletins

    e = bulletin.edits_of(bulletin.draft(store, 1, OCTOBER))
    paragraphs = list(e.paragraphs)
    paragraphs[0] = (*e.paragraphs[0][:2], "经绩效办核对，" + "各科室要对照序时进度查找差距、落实整改措施，" * 12)
    paragraphs[5] = ("请各科室于11月7日前在系统中报送整改情况。", *e.paragraphs[5])
    edits = bulletins.Edits(
        e.issue,
        "关于2025年10月全局绩效目标推进情况和督办事项办理情况的通报",
        "局机关各科室、各直属单位、各县（市、区）教育局：",
        tuple(paragraphs),
    )
    bulletin_id = bulletin.issue(store, 1, OCTOBER, edits, OFFICE)
    return bulletins.read_issued(store, bulletin_id)[1]


@pytest.mark.office
@pytest.mark.parametrize("kind", ["draft", "issued"])
def test_the_document_prints_on_a4_with_the_official_margins(demo_store, october, kind, tmp_path, capsys):
    from tests import office
    from tests.office import MM, Pdf

    office.install()
    path = tmp_path / "bulletin.docx"
    path.write_bytes(bulletin.to_docx(october) if kind == "draft" else issued_docx(demo_store))
    seconds = office.convert([path], tmp_path / "pdf")
    pdf = Pdf.read(tmp_path / "pdf" / "bulletin.pdf")
    assert pdf.is_a4(landscape=False), pdf.size
    body = [w for page in pdf.words for w in page if w.y0 < TYPE_AREA_MM["bottom"] * MM]
    left, top = min(w.x0 for w in body) / MM, min(w.y0 for w in body) / MM
    # CJK closing punctuation may hang into the right margin, as Word and WPS allow
    right = max(w.x1 for w in body if w.text[-1] not in "。，、；：？！”’）》」』】") / MM
    bottom = max(w.y1 for w in body) / MM
    with capsys.disabled():
        print(
            f"\n督查通报（{'草稿' if kind == 'draft' else '签发稿'}）{pdf.pages} 页（LibreOffice {seconds:.1f} 秒）："
            f"左 {left:.1f} mm，上 {top:.1f} mm，右 {right:.1f} mm，下 {bottom:.1f} mm"
        )
    assert abs(left - TYPE_AREA_MM["left"]) <= 1.5
    assert TYPE_AREA_MM["top"] - 1.5 <= top <= TYPE_AREA_MM["top"] + 5
    assert right <= TYPE_AREA_MM["right"] + 1.5 and bottom <= TYPE_AREA_MM["bottom"] + 1.5
    for n in range(1, pdf.pages + 1):  # "— n —" at the foot of every page
        foot = [w.text for w in pdf.words[n - 1] if w.y0 >= TYPE_AREA_MM["bottom"] * MM]
        assert foot == ["—", str(n), "—"], n
    text = pdf.flat()
    assert text.startswith("绩效督查通报（演示数据）2025年第10期") and "统计截至2025年10月31日" in text
    if kind == "issued":  # the office's text, as it typed it
        assert "请各科室于11月7日前在系统中报送整改情况。" in text and "各县（市、区）教育局：" in text
    assert pdf.overlaps() == []
