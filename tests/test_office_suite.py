"""What the office hands in, printed by a real office suite: every export of the demo database is
converted to PDF by LibreOffice (once, in one run) and the PDF read with poppler. The Word report
keeps the GB/T 9704 page, margins and page numbers and states the score CLI's total; the sheets
print on A4 landscape within their page bounds, every target's full text readable, nothing drawn
over anything else, and no guard artefact such as '=.

LibreOffice and poppler are installed with apt when missing (tests/office.py). Page 1 of each PDF
is kept as a PNG in test-artifacts/office/ (the copies in docs/screenshots/ come from there:
cp test-artifacts/office/*.png docs/screenshots/)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pandas as pd
import pytest
from openpyxl import load_workbook

from perfdash.core.access import Actor
from perfdash.core.settings import PROJECT_ROOT
from perfdash.db import queries
from perfdash.present import exports, meeting
from perfdash.store import Store
from perfdash.workflows import progress, scoring
from tests import office
from tests.fixtures import demo_db_path
from tests.office import MM, Pdf
from tests.running import run_cli

OFFICE = Actor("office", "绩效办", "admin")
PNG_DIR = PROJECT_ROOT / "test-artifacts" / "office"
PAGE_BOUNDS = {"自评表": 4, "周报": 4}  # whole files: the 自评表 of 61 targets, the weekly brief
SHEETS = ("自评表", "量化指标", "周报", "台账", "情景对比", "评议样本")
PNG_NAMES = {  # page 1 of each, as docs/screenshots/ holds it
    "报告": "report_docx_page1",
    "自评表": "export_self_assessment",
    "量化指标": "export_kpis",
    "周报": "export_weekly_brief",
    "台账": "export_ledger_template",
    "情景对比": "export_scenario_comparison",
    "评议样本": "export_survey_samples",
}
TOLERANCE_MM = 1.5


@dataclass
class Printed:
    """The exports as PDFs, with what they should say."""

    pdfs: dict[str, Pdf]
    seconds: float
    state: pd.DataFrame  # every target, as of the report's date
    total: float  # python -m perfdash score --json
    listed: list[str]  # the targets the weekly brief lists
    unit: str


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> Printed:
    office.install()
    tmp = tmp_path_factory.mktemp("office")
    db = demo_db_path(tmp)
    store = Store(db)
    try:
        store.add_survey_sample(1, "王老师", "泉州五中", "学校", "=1+1", "中教科", "@备注", OFFICE)
        store.add_survey_sample(1, "李家长", "鲤城区", "家长", "13800000000", "初幼教科", "", OFFICE)
    finally:
        store.close()
    out = run_cli("report", "--db", str(db), "--out", str(tmp / "报告.docx"))
    assert out.code == 0, out.err
    (tmp / "报告.xlsx").rename(tmp / "自评表.xlsx")
    (tmp / "报告-量化指标.xlsx").rename(tmp / "量化指标.xlsx")
    score = run_cli("score", "--db", str(db), "--json")
    assert score.code == 0, score.err
    store = Store(db)
    try:
        plan = queries.plans(store).iloc[0]
        unit, year = str(plan["unit"]), int(plan["year"])
        as_of = queries.latest_report_day(plan)
        state = queries.target_state(store, 1, as_of, year)
        week = meeting.week_of(as_of)
        slides = meeting.build_slides(store, 1, year, week)
        (tmp / "周报.xlsx").write_bytes(meeting.brief_xlsx(slides, unit, year, week))
        (tmp / "台账.xlsx").write_bytes(progress.template_xlsx(state, OFFICE, as_of))
        full = dict.fromkeys(state["code"], 100.0)
        named = [("全部完成", full, scoring.Rules()), ("中教科九成", full | {"1-3-1": 90.0}, scoring.Rules())]
        summary, differing = scoring.compare(state, named)
        labels = [scoring.simulation_label(n, "complete", r, 1, as_of) for n, _, r in named]
        (tmp / "情景对比.xlsx").write_bytes(exports.comparison_xlsx(summary, differing, labels, unit, as_of))
        samples = queries.survey_samples(store, 1)
        (tmp / "评议样本.xlsx").write_bytes(exports.survey_samples_xlsx(samples, unit, year))
    finally:
        store.close()
    listed = [
        code for s, key, _ in meeting.BRIEF_LISTS for code in next(x for x in slides if x.key == s).tables[key]["code"]
    ]
    # A copy of the 自评表 with one target's row squeezed to a single line: the check for text
    # drawn over other text must find it.
    wb = load_workbook(tmp / "自评表.xlsx")
    ws = wb["自评表"]
    row = next(c.row for c in ws["A"] if c.value == "1-2-2")
    ws.row_dimensions[row].height = 14
    wb.save(tmp / "压扁的行.xlsx")
    # And one with every row a little short: the last lines of long texts are cut off.
    for r in range(3, ws.max_row + 1):
        ws.row_dimensions[r].height = max(14, (ws.row_dimensions[r].height or 14) - 6)
    wb.save(tmp / "裁短的行.xlsx")
    names = ["报告", *SHEETS, "压扁的行", "裁短的行"]
    files = [tmp / f"{n}.{'docx' if n == '报告' else 'xlsx'}" for n in names]
    seconds = office.convert(files, tmp / "pdf")
    pdfs = {n: Pdf.read(tmp / "pdf" / f"{n}.pdf") for n in names}
    PNG_DIR.mkdir(parents=True, exist_ok=True)
    for n, png in PNG_NAMES.items():
        pdfs[n].first_page_png(PNG_DIR / png)
    return Printed(pdfs, seconds, state, float(json.loads(score.out)["total"]), listed, unit)


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_conversion_time_and_pages(printed, capsys):
    with capsys.disabled():
        pages = "，".join(f"{n} {p.pages} 页" for n, p in printed.pdfs.items())
        print(f"\nLibreOffice 转换 {len(printed.pdfs)} 个文件用时 {printed.seconds:.1f} 秒：{pages}")
    assert printed.seconds < 300


@pytest.mark.parametrize("name", SHEETS)
def test_sheets_print_on_a4_landscape_with_page_numbers(printed, name):
    pdf = printed.pdfs[name]
    assert pdf.is_a4(landscape=True), pdf.size
    for n, text in enumerate(pdf.texts, start=1):
        page = flat(text)
        assert f"第{n}页共{pdf.pages}页" in page, (name, n)
        assert pdf.words[n - 1], (name, n)
    assert printed.unit in flat(pdf.texts[0]) or name == "台账"  # the ledger names the section instead
    assert "'" not in pdf.text  # no guard artefact: '= or '@ or any other
    assert pdf.overlaps() == [], name
    assert pdf.cut_rows("编号") == [], name


def test_the_checks_find_text_that_does_not_fit(printed):
    assert printed.pdfs["压扁的行"].overlaps(), "a row one line high for a four-line target: text over text"
    assert printed.pdfs["裁短的行"].cut_rows("编号"), "rows 6 pt short: the last lines cut off"


def test_self_assessment_holds_every_target_on_four_pages(printed):
    pdf = printed.pdfs["自评表"]
    text = pdf.flat()
    column = pdf.column_text("编号", "分值")
    assert [t.code for t in printed.state.itertuples() if flat(t.target) not in column] == []
    sheet = pdf.pages_with(f"{printed.unit}2025年度绩效目标自评表")
    assert sheet == list(range(1, pdf.pages + 1)) and pdf.pages <= PAGE_BOUNDS["自评表"], sheet  # the whole file
    assert f"总分{printed.total:.2f}" in text  # the total row: the score CLI's total


def test_kpis_print_as_their_own_file(printed):
    pdf = printed.pdfs["量化指标"]
    assert pdf.pages_with(f"{printed.unit}2025年度量化指标完成情况") == list(range(1, pdf.pages + 1))
    text = pdf.flat()
    assert "≥" in text and "=" in text  # comparators as typed, no guard artefact


def test_weekly_brief_on_four_pages(printed):
    pdf = printed.pdfs["周报"]
    assert pdf.pages <= PAGE_BOUNDS["周报"]
    column = pdf.column_text("编号", "牵头科室")
    targets = printed.state.set_index("code")["target"]
    assert printed.listed and [c for c in printed.listed if flat(targets[c]) not in column] == []


def test_ledger_template_holds_every_target(printed):
    pdf = printed.pdfs["台账"]
    column = pdf.column_text("编号", "完成时限")
    assert [t.code for t in printed.state.itertuples() if flat(t.target) not in column] == []
    assert "必填：编号、填报日期" in pdf.flat()


def test_formula_like_text_prints_as_typed(printed):
    text = printed.pdfs["评议样本"].flat()
    assert "=1+1" in text and "@备注" in text and "王老师" in text


# -- the report ---------------------------------------------------------------------------------

TYPE_AREA_MM = {"left": 28, "top": 37, "right": 210 - 26, "bottom": 297 - 35}
CJK_CLOSING = "。，、；：？！”’）》」』】"  # may hang into the right margin, as Word and WPS allow


def _body(pdf: Pdf, page: int) -> list[office.Word]:
    return [w for w in pdf.words[page - 1] if w.y0 < TYPE_AREA_MM["bottom"] * MM]


def test_report_is_a4_with_the_official_margins(printed, capsys):
    pdf = printed.pdfs["报告"]
    assert pdf.is_a4(landscape=False), pdf.size
    words = [w for n in range(1, pdf.pages + 1) for w in _body(pdf, n)]
    left = min(w.x0 for w in words) / MM
    top = min(w.y0 for w in words) / MM
    right = max(w.x1 for w in words if w.text[-1] not in CJK_CLOSING) / MM
    bottom = max(w.y1 for w in words) / MM
    with capsys.disabled():
        print(
            f"\n报告 {pdf.pages} 页，正文范围：左 {left:.1f} mm，上 {top:.1f} mm，右 {right:.1f} mm，下 {bottom:.1f} mm"
        )
    assert abs(left - TYPE_AREA_MM["left"]) <= TOLERANCE_MM
    # The first line's glyphs start a little below the margin (a 28.9 pt line holds a 16 pt font).
    assert TYPE_AREA_MM["top"] - TOLERANCE_MM <= top <= TYPE_AREA_MM["top"] + 5
    assert TYPE_AREA_MM["right"] - 3 <= right <= TYPE_AREA_MM["right"] + TOLERANCE_MM
    assert bottom <= TYPE_AREA_MM["bottom"] + TOLERANCE_MM
    for n in range(1, pdf.pages + 1):  # every page's first line at the top margin (±5 mm)
        assert min(w.y0 for w in _body(pdf, n)) / MM <= TYPE_AREA_MM["top"] + 5, n


def test_report_pages_are_numbered_in_the_footer(printed):
    pdf = printed.pdfs["报告"]
    for n in range(1, pdf.pages + 1):
        foot = [w for w in pdf.words[n - 1] if w.y0 >= TYPE_AREA_MM["bottom"] * MM]
        assert [w.text for w in foot] == ["—", str(n), "—"], n
        middle = (foot[0].x0 + foot[-1].x1) / 2 / MM
        assert abs(middle - (TYPE_AREA_MM["left"] + TYPE_AREA_MM["right"]) / 2) <= 3, middle


def test_report_states_the_score_and_every_target(printed):
    pdf = printed.pdfs["报告"]
    text = pdf.flat()
    assert flat(pdf.texts[0]).startswith(f"{printed.unit}2025年度绩效评估报告")
    assert f"考评得分{printed.total:.2f}分" in text  # the score CLI's total, two decimals
    assert [t.code for t in printed.state.itertuples() if flat(t.target) not in text] == []  # 二、主要成效
    annex = pdf.column_text("编号", "牵头科室")
    assert [t.code for t in printed.state.itertuples() if flat(t.target) not in annex] == []  # 附件
    for part in ("一、总体情况", "二、主要成效", "三、存在问题", "四、下一步措施", "附件"):
        assert part in text
    assert "按本局暂定分界" in text and "perfdash" not in text.lower() and "默认设置" not in text
    first = pdf.pages_with(f"附件{printed.unit}2025年度绩效目标完成情况表")[-1]  # the annex's own page
    annex = range(first, pdf.pages + 1)
    header = {"编号", "年度工作目标", "牵头科室", "分值", "完成率", "得分"}
    for p in annex[1:]:  # the header row repeated at the top of every following page
        top = {w.text for w in pdf.words[p - 1] if w.y0 < (TYPE_AREA_MM["top"] + 12) * MM}
        assert header <= top, p
    assert len(annex) >= 2
    assert pdf.overlaps() == []
