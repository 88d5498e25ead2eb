"""Demo data says so in print: the shared spreadsheet layout (perfdash.core.excel) puts 演示数据
after a sheet's title and in every printed page's header when asked, and nothing when not; every
Excel export of a plan whose progress is the demo history asks (the registry's builders, the pages
and the commands), and none of a plan with real or no progress does. (The Word report:
tests/test_report_doc.py.)"""

from __future__ import annotations

import io
from datetime import date, timedelta

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from perfdash.core import excel
from perfdash.core.access import Actor
from perfdash.db import queries
from perfdash.present import downloads, templates
from perfdash.store import ProgressRow, Store
from perfdash.workflows import ledger as ledger_file
from perfdash.workflows import progress
from tests.running import run_cli


def _saved(wb: Workbook):
    buf = io.BytesIO()
    wb.save(buf)
    return load_workbook(io.BytesIO(buf.getvalue()))


@pytest.mark.parametrize("demo", [True, False])
def test_a_printed_table_says_demo_data_in_its_title_and_header(demo):
    wb = Workbook()
    header_row = excel.print_table(
        wb.active,
        "2025年度绩效自评表",
        [excel.Column("编号", 8, "code"), excel.Column("得分", 8, "score")],
        [["1-1-1", 4.5]],
        unit="泉州市教育局",
        stamp="统计截至 2025-11-21",
        demo=demo,
    )
    ws = _saved(wb).active
    assert header_row == 2 and ws["A3"].value == "1-1-1"  # the table stays where it was
    assert ws["A1"].value == ("2025年度绩效自评表（演示数据）" if demo else "2025年度绩效自评表")
    assert ws.oddHeader.left.text == "泉州市教育局" and ws.oddHeader.right.text == "统计截至 2025-11-21"
    assert ws.oddHeader.center.text == ("演示数据" if demo else None)


def test_a_sheet_of_lines_says_it_too():
    wb = Workbook()
    excel.print_lines(wb.active, "说明", ["第一行"], unit="泉州市教育局", stamp="2025-11-21", demo=True)
    ws = _saved(wb).active
    assert ws["A1"].value == "说明（演示数据）" and ws.oddHeader.center.text == "演示数据"


# -- every export of plan data says it: from the app's registry and from the command line ---------

OFFICE = Actor.office()
NOT_DEMO = {"plan_template"}  # the plan, not progress: never labelled
NO_BRIEF = frozenset({"weekly_brief"})


def _xlsx_exports(store: Store, inputs: downloads.Inputs, skip: frozenset[str] = frozenset()) -> dict[str, Workbook]:
    """Every Excel file of the registry, built from the standard inputs (but those in ``skip``)."""
    return {
        e.key: load_workbook(io.BytesIO(e.build(store, inputs)))
        for e in downloads.EXPORTS
        if e.kind == "xlsx" and e.key not in skip
    }


def _labelled(book: Workbook) -> list[tuple[str, bool, bool]]:
    """Each sheet: (title, A1 ends in （演示数据）, the printed header's middle is 演示数据)."""
    return [
        (ws.title, str(ws["A1"].value or "").endswith("（演示数据）"), ws.oddHeader.center.text == "演示数据")
        for ws in book.worksheets
    ]


def test_every_export_of_the_demo_database_says_demo_data(demo_store):
    as_of = queries.latest_report_day(queries.plans(demo_store).iloc[0])
    books = _xlsx_exports(demo_store, downloads.Inputs(1, as_of, OFFICE, since=as_of + timedelta(days=1)))
    assert set(books) == {e.key for e in downloads.EXPORTS if e.kind == "xlsx"}
    for key, book in books.items():
        expected = key not in NOT_DEMO
        assert _labelled(book) == [(ws.title, expected, expected) for ws in book.worksheets], key


@pytest.mark.parametrize("reports", [0, 1], ids=["nothing reported", "one real report"])
def test_no_export_of_real_data_says_demo_data(plan_store, reports):
    day = date(2025, 3, 5)
    if reports:
        plan_store.add_progress(1, [ProgressRow("1-3-1", day, 40, "推进中")], Actor.section("中教科"), today=day)
    flag = queries.plans(plan_store).iloc[0]["has_demo"]
    assert (not flag) if reports else pd.isna(flag)  # real progress, or none (NULL): not demo
    # Before any report there is no weekly brief to hand out (pages/meeting.py disables its button).
    books = _xlsx_exports(plan_store, downloads.Inputs(1, day, OFFICE, since=day), frozenset() if reports else NO_BRIEF)
    assert len(books) == sum(e.kind == "xlsx" for e in downloads.EXPORTS) - (0 if reports else 1)
    for key, book in books.items():
        assert _labelled(book) == [(ws.title, False, False) for ws in book.worksheets], key


def test_the_demo_ledger_template_still_reads_back_and_states_the_rules(demo_store):
    as_of = queries.latest_report_day(queries.plans(demo_store).iloc[0])
    section = Actor.section("中教科")
    state = queries.target_state(demo_store, 1, as_of, 2025)
    data = templates.ledger_template_xlsx(state, section, as_of, demo=True)
    up = ledger_file.read_upload("台账.xlsx", data)  # the header row stays where the reader finds it
    assert up.errors == [] and [r.code for r in up.rows] == progress.targets_for(state, section)["code"].tolist()
    lines = [row[0] for row in load_workbook(io.BytesIO(data))["填报说明"].iter_rows(min_row=2, values_only=True)]
    assert f"{progress.STATUS_RULE}。" in lines and f"{progress.UNCHANGED_RULE}，可以只改有变化的行。" in lines


def test_the_commands_write_demo_data_labelled(demo_db, plan_db, tmp_path):
    for db, demo in ((demo_db, True), (plan_db, False)):
        out = tmp_path / db.stem
        out.mkdir()
        assert run_cli("report", "--db", str(db), "--out", str(out / "r.docx")).code == 0
        ledger = run_cli("progress", "template", "--db", str(db), "--section", "中教科", "--out", str(out / "t.xlsx"))
        assert ledger.code == 0, ledger.err
        for name in ("r.xlsx", "r-量化指标.xlsx", "t.xlsx"):
            book = load_workbook(out / name)
            assert _labelled(book) == [(ws.title, demo, demo) for ws in book.worksheets], (db.stem, name)
