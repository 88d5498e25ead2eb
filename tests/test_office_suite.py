"""What the office hands in, printed by a real office suite: every document the registry lists
(perfdash.present.downloads.EXPORTS: every download of the app and every file the command line
writes) is built from the demo database, converted to PDF by LibreOffice (once, in one run) and the
PDF read with poppler. An export added to the registry is printed and checked here without a
change to this file.

Every sheet prints on A4 landscape, one page wide and legible (not shrunk to fit), with page
numbers, its page header, and its title and header rows on every page; every target's full text
readable, nothing cut off or drawn over anything else, and no guard artefact such as '=. The Word
report keeps the GB/T 9704 page, margins and page numbers and states the score CLI's total. Copies
of the 自评表 broken on purpose show that each check can fail.

LibreOffice and poppler are installed with apt when missing (tests/office.py). Page 1 of each PDF
is kept as a PNG in test-artifacts/office/ (the copies in docs/screenshots/ come from there:
cp test-artifacts/office/*.png docs/screenshots/)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from statistics import median

import pandas as pd
import pytest
from openpyxl import load_workbook

from perfdash.core.access import Actor
from perfdash.core.settings import PROJECT_ROOT
from perfdash.db import queries
from perfdash.present import downloads, exports, meeting
from perfdash.store import Store
from tests import office
from tests.fixtures import demo_db_path
from tests.office import MM, Pdf
from tests.running import run_cli

OFFICE = Actor("office", "绩效办", "admin")
PNG_DIR = PROJECT_ROOT / "test-artifacts" / "office"
PAGE_BOUNDS = {"self_assessment": 4, "weekly_brief": 4}  # whole files: the 自评表 of 61 targets, the weekly brief
SHEETS = [e for e in downloads.EXPORTS if e.kind == "xlsx"]
DOCUMENTS = [e for e in downloads.EXPORTS if e.kind == "docx"]
PNG_NAMES = {"report": "report_docx_page1"}  # page 1 of each: export_<key>.png, as docs/screenshots/ holds them
BROKEN = ("压扁的行", "裁短的行", "表头不重复", "缩小打印")  # the 自评表, spoilt: the checks must find each
TOLERANCE_MM = 1.5
# Body text is 小五 (9 pt): its words' boxes are about 11 pt tall at 100 %. A sheet too wide for the
# page is shrunk to fit its width; below about 85 % (boxes under 9.5 pt) it is hard to read.
LEGIBLE_PT = 9.5


@dataclass
class Printed:
    """The exports as PDFs (by registry key, and the broken copies by name), with what they should say."""

    pdfs: dict[str, Pdf]
    books: dict[str, Path]  # the .xlsx files, by the same names
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
        store.set_section_contact("办公室", "=bgs@edu.example", OFFICE, 1, phone="+8613800000001")
        store.set_section_contact("校安科", "xak@edu.example", OFFICE, 1)
        plan = queries.plans(store).iloc[0]
        unit, year = str(plan["unit"]), int(plan["year"])
        as_of = queries.latest_report_day(plan)
        state = queries.target_state(store, 1, as_of, year)
        # The demo's sections all reported on the as-of day: the 催报清单 of the day after lists
        # every section with an unfinished target (the longest list it can print).
        inputs = downloads.Inputs(1, as_of, OFFICE, since=as_of + timedelta(days=1))
        books = {}
        for export in downloads.EXPORTS:
            books[export.key] = tmp / f"{export.key}.{export.kind}"
            books[export.key].write_bytes(export.build(store, inputs))
        week = meeting.plan_week(store, 1, as_of)  # as downloads builds the brief
        slides = meeting.build_slides(store, 1, year, week, as_of)
    finally:
        store.close()
    score = run_cli("score", "--db", str(db), "--json")
    assert score.code == 0, score.err
    listed = [
        code for s, key, _ in exports.BRIEF_LISTS for code in next(x for x in slides if x.key == s).tables[key]["code"]
    ]
    books |= spoilt(books["self_assessment"], tmp)
    seconds = office.convert(list(books.values()), tmp / "pdf")
    pdfs = {n: Pdf.read(tmp / "pdf" / f"{path.stem}.pdf") for n, path in books.items()}
    PNG_DIR.mkdir(parents=True, exist_ok=True)
    for export in downloads.EXPORTS:
        pdfs[export.key].first_page_png(PNG_DIR / PNG_NAMES.get(export.key, f"export_{export.key}"))
    return Printed(
        pdfs,
        {n: p for n, p in books.items() if p.suffix == ".xlsx"},
        seconds,
        state,
        float(json.loads(score.out)["total"]),
        listed,
        unit,
    )


def spoilt(sheet: Path, tmp: Path) -> dict[str, Path]:
    """Copies of the 自评表, each with one fault the checks must find."""
    out = {}
    # One target's row squeezed to a single line: text drawn over other text.
    wb = load_workbook(sheet)
    ws = wb["自评表"]
    row = next(c.row for c in ws["A"] if c.value == "1-2-2")
    ws.row_dimensions[row].height = 14
    wb.save(out.setdefault("压扁的行", tmp / "压扁的行.xlsx"))
    # Every row a little short: the last lines of long texts are cut off.
    for r in range(3, ws.max_row + 1):
        ws.row_dimensions[r].height = max(14, (ws.row_dimensions[r].height or 14) - 6)
    wb.save(out.setdefault("裁短的行", tmp / "裁短的行.xlsx"))
    # The title and header printed on the first page only.
    wb = load_workbook(sheet)
    wb["自评表"]._print_rows = None  # openpyxl's print_title_rows setter cannot clear them
    wb.save(out.setdefault("表头不重复", tmp / "表头不重复.xlsx"))
    # A column far wider than the page: the sheet is shrunk to fit the width.
    wb = load_workbook(sheet)
    wb["自评表"].column_dimensions["H"].width = 120
    wb["自评表"]["H3"] = "备注"
    wb.save(out.setdefault("缩小打印", tmp / "缩小打印.xlsx"))
    return out


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def repeated_rows(book: Path) -> dict[str, list[str]]:
    """Per sheet, the first cell of each row printed at the top of every page (the title, a
    subtitle, the header), as words: a sheet without such rows has none."""
    out = {}
    for ws in load_workbook(book).worksheets:
        rows = ws.print_title_rows
        last = int(rows.split(":")[1].strip("$")) if rows else 0
        out[ws.title] = [word for r in range(1, last + 1) for word in str(ws.cell(r, 1).value or "").split()]
    return out


def pages_without_titles(pdf: Pdf, book: Path) -> list[int]:
    """Pages on which no sheet's repeated rows are printed (a page of a sheet whose header is
    printed on its first page only, or of columns beyond the first page's width)."""
    sheets = [words for words in repeated_rows(book).values() if words]
    return [n for n, text in enumerate(pdf.texts, start=1) if not any(all(w in flat(text) for w in s) for s in sheets)]


def first_headers(book: Path) -> set[str]:
    """The first word of each sheet's header (its first column's), by which cut_rows finds rows."""
    out = set()
    for ws in load_workbook(book).worksheets:
        rows = ws.print_title_rows
        if rows and (value := ws.cell(int(rows.split(":")[1].strip("$")), 1).value):
            out.add(str(value).split()[0])
    return out


def print_size(pdf: Pdf) -> float:
    """The median height of the words' boxes, in points: how large the body text prints."""
    return median(w.y1 - w.y0 for words in pdf.words for w in words)


def test_conversion_time_and_pages(printed, capsys):
    with capsys.disabled():
        pages = "，".join(f"{n} {p.pages} 页" for n, p in printed.pdfs.items())
        print(f"\nLibreOffice 转换 {len(printed.pdfs)} 个文件用时 {printed.seconds:.1f} 秒：{pages}")
    assert printed.seconds < 300


def test_every_download_is_printed(printed):
    assert set(downloads.BY_KEY) <= set(printed.pdfs)


@pytest.mark.parametrize("export", SHEETS, ids=lambda e: e.name)
def test_sheets_print_on_a4_landscape_one_page_wide(printed, export):
    pdf, book = printed.pdfs[export.key], printed.books[export.key]
    assert pdf.is_a4(landscape=True), pdf.size
    ws = load_workbook(book).worksheets[0]
    heading = [w for part in (ws.oddHeader.left.text, ws.oddHeader.right.text) for w in part.replace("&&", "&").split()]
    for n, text in enumerate(pdf.texts, start=1):
        page = flat(text)
        assert f"第{n}页共{pdf.pages}页" in page, (export.name, n)
        assert pdf.words[n - 1], (export.name, n)
        if n == 1 or len(load_workbook(book).worksheets) == 1:
            assert all(w in page for w in heading), (export.name, n, heading)  # unit (or section) and date
    assert all(repeated_rows(book).values()), export.name  # every sheet repeats its title and header …
    assert pages_without_titles(pdf, book) == [], export.name  # … on every page
    assert print_size(pdf) >= LEGIBLE_PT, (export.name, print_size(pdf))  # not shrunk to fit
    assert "'" not in pdf.text  # no guard artefact: '= or '@ or any other
    assert pdf.overlaps() == [], export.name
    for header in first_headers(book):
        assert pdf.cut_rows(header) == [], (export.name, header)


@pytest.mark.parametrize("export", DOCUMENTS, ids=lambda e: e.name)
def test_documents_print_on_a4_portrait(printed, export):
    pdf = printed.pdfs[export.key]
    assert pdf.is_a4(landscape=False), pdf.size
    assert all(pdf.words), export.name
    assert pdf.overlaps() == [], export.name


def test_the_checks_find_what_does_not_print_well(printed):
    assert printed.pdfs["压扁的行"].overlaps(), "a row one line high for a four-line target: text over text"
    assert printed.pdfs["裁短的行"].cut_rows("编号"), "rows 6 pt short: the last lines cut off"
    spoilt = pages_without_titles(printed.pdfs["表头不重复"], printed.books["self_assessment"])
    assert spoilt == list(range(2, printed.pdfs["表头不重复"].pages + 1)), "the title and header on page 1 only"
    assert print_size(printed.pdfs["缩小打印"]) < LEGIBLE_PT, "a sheet twice the page's width, shrunk to fit"


def test_self_assessment_holds_every_target_on_four_pages(printed):
    pdf = printed.pdfs["self_assessment"]
    text = pdf.flat()
    column = pdf.column_text("编号", "分值")
    assert [t.code for t in printed.state.itertuples() if flat(t.target) not in column] == []
    sheet = pdf.pages_with(f"{printed.unit}2025年度绩效目标自评表")
    assert sheet == list(range(1, pdf.pages + 1)) and pdf.pages <= PAGE_BOUNDS["self_assessment"], sheet
    assert f"总分{printed.total:.2f}" in text  # the total row: the score CLI's total


def test_kpis_print_as_their_own_file(printed):
    pdf = printed.pdfs["kpis"]
    assert pdf.pages_with(f"{printed.unit}2025年度量化指标完成情况") == list(range(1, pdf.pages + 1))
    text = pdf.flat()
    assert "≥" in text and "=" in text  # comparators as typed, no guard artefact


def test_weekly_brief_on_four_pages(printed):
    pdf = printed.pdfs["weekly_brief"]
    assert pdf.pages <= PAGE_BOUNDS["weekly_brief"]
    column = pdf.column_text("编号", "牵头科室")
    targets = printed.state.set_index("code")["target"]
    assert printed.listed and [c for c in printed.listed if flat(targets[c]) not in column] == []


def test_ledger_template_holds_every_target(printed):
    pdf = printed.pdfs["ledger_template"]
    column = pdf.column_text("编号", "完成时限")
    assert [t.code for t in printed.state.itertuples() if flat(t.target) not in column] == []
    assert "必填：编号、填报日期" in pdf.flat()


def test_formula_like_text_prints_as_typed(printed):
    text = printed.pdfs["survey_samples"].flat()
    assert "=1+1" in text and "@备注" in text and "王老师" in text
    text = printed.pdfs["reminders"].flat()
    assert "=bgs@edu.example" in text and "+8613800000001" in text


def test_simulation_says_so_on_every_page(printed):
    pdf = printed.pdfs["simulation"]
    assert pdf.pages_with("模拟：全部完成，非正式结果") == list(range(1, pdf.pages + 1))


def test_reminder_list_names_every_section_behind(printed):
    pdf = printed.pdfs["reminders"]
    column = pdf.column_text("序号", "未报送的目标")
    unfinished = printed.state[printed.state["completion_pct"] < 100]
    behind = sorted({sections[0] for sections in unfinished["sections"]})  # their lead sections
    assert behind and [s for s in behind if s not in column] == []


def test_plan_template_holds_every_target(printed):
    pdf = printed.pdfs["plan_template"]
    column = pdf.column_text("指标来源", "分值")
    assert [t.code for t in printed.state.itertuples() if flat(t.target) not in column] == []


# -- the report ---------------------------------------------------------------------------------

TYPE_AREA_MM = {"left": 28, "top": 37, "right": 210 - 26, "bottom": 297 - 35}
CJK_CLOSING = "。，、；：？！”’）》」』】"  # may hang into the right margin, as Word and WPS allow


def _body(pdf: Pdf, page: int) -> list[office.Word]:
    return [w for w in pdf.words[page - 1] if w.y0 < TYPE_AREA_MM["bottom"] * MM]


def test_report_is_a4_with_the_official_margins(printed, capsys):
    pdf = printed.pdfs["report"]
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
    pdf = printed.pdfs["report"]
    for n in range(1, pdf.pages + 1):
        foot = [w for w in pdf.words[n - 1] if w.y0 >= TYPE_AREA_MM["bottom"] * MM]
        assert [w.text for w in foot] == ["—", str(n), "—"], n
        middle = (foot[0].x0 + foot[-1].x1) / 2 / MM
        assert abs(middle - (TYPE_AREA_MM["left"] + TYPE_AREA_MM["right"]) / 2) <= 3, middle


def test_report_states_the_score_and_every_target(printed):
    pdf = printed.pdfs["report"]
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
