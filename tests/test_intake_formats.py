"""Number formats read as Excel shows them, and rows a person cannot see: the ledger is built with
openpyxl as Excel would save it, so the formats are real ones."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from perfdash.core import intake
from perfdash.workflows import ledger as ledger_file

HEADER = ["编号", "填报日期", "完成率(%)", "状态"]


def ledger(rows: list[tuple[object, str]], hidden: tuple[int, ...] = ()) -> bytes:
    """A 进度台账 with one row per (完成率 value, its number format); ``hidden`` row numbers hidden."""
    wb = Workbook()
    ws = wb.active
    ws.title = "进度台账"
    ws.append(HEADER)
    for n, (value, fmt) in enumerate(rows, start=1):
        ws.append([f"1-1-{n}", "2025-06-30", value, "推进中"])
        ws.cell(row=n + 1, column=3).number_format = fmt
    for r in hidden:
        ws.row_dimensions[r].hidden = True
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("value", "fmt", "stored"),
    [
        (1, '0.0"%"', 1.0),  # shows 1.0% (a literal sign): 1, not 100
        (0.5, '0.0"%"', 0.5),  # shows 0.5%
        (80, '0.0"%"', 80.0),  # shows 80.0%: 80, not refused as 8000
        (80, "0\\%", 80.0),  # an escaped sign is literal too
        (0.8, "0%", 80.0),  # a real percent format: Excel keeps 80% as 0.8
        (0.805, "0.0%", 80.5),
        (1, "0%", 100.0),
        (0.8, "[Red]0%", 80.0),  # a colour in brackets is not text
        (0.8, '"约"0%', 80.0),  # quoted text beside a real percent
        (80, "General", 80.0),
        (80, "0.0", 80.0),
    ],
)
def test_a_completion_cell_is_stored_as_it_is_shown(value: object, fmt: str, stored: float) -> None:
    up = ledger_file.read_upload("fmt.xlsx", ledger([(value, fmt)]))
    assert not up.errors, [e.message for e in up.errors]
    assert up.rows[0].completion_pct == pytest.approx(stored)


@pytest.mark.parametrize(("value", "fmt"), [(0.4, "0%%"), (80000, "0,"), (80000, '0,"%"')])
def test_a_format_that_shows_another_number_is_refused_naming_it(value: object, fmt: str) -> None:
    up = ledger_file.read_upload("odd.xlsx", ledger([(value, fmt)]))
    assert [r.completion_pct for r in up.rows] == [None]
    assert len(up.errors) == 1 and f"数字格式“{fmt}”" in up.errors[0].message
    assert up.errors[0].row == 2 and up.errors[0].column == "完成率(%)"


@pytest.mark.parametrize(
    ("fmt", "value", "section"),
    [
        ('0%;"负"0%', -0.2, "0%"),  # the negative section, its text removed
        ('0;-0;"零"', 0, ""),
        ('"a;b"0%', 0.5, "0%"),  # a semicolon inside quotes does not split
        ("0.0_%", 80, "0.0"),  # _x is a space as wide as x
    ],
)
def test_format_section_applies_to_the_value(fmt: str, value: float, section: str) -> None:
    assert intake.format_section(fmt, value) == section


def test_a_hidden_row_with_content_is_refused_naming_it() -> None:
    up = ledger_file.read_upload("hid.xlsx", ledger([(60, "General"), (10, "General"), (70, "General")], hidden=(3,)))
    assert not up.rows
    assert len(up.errors) == 1
    message = up.errors[0].message
    assert "第 3 行是隐藏行" in message and "进度台账" in message


def test_hidden_empty_rows_do_not_matter() -> None:
    up = ledger_file.read_upload("hid.xlsx", ledger([(60, "General")], hidden=(5, 6)))
    assert not up.errors and [r.completion_pct for r in up.rows] == [60.0]
