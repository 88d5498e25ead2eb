"""Spreadsheets the office prints and hands in.

Cells: text stays text. openpyxl turns any string starting with ``=`` into a formula (and ``#N/A``
into an error); ``put`` writes every string as a text cell instead, and marks text that starts like
a formula (``= + - @``, tab, CR) with Excel's quote-prefix style, so it stays text even when someone
edits the cell. Nothing is added to what people read: ``=1+1`` shows as ``=1+1``.

Sheets: ``print_table`` lays a table out for A4 landscape, one page wide, with a title row, the
header row repeated on every page, borders, wrapped text, a frozen header, and a header/footer
naming the unit, the date and 第 N 页 共 M 页. ``demo=True`` (the plan's progress is the generated
demo history) puts 演示数据 after the title and in the middle of every printed page's header.
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from perfdash.core.settings import DEMO_LABEL

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_LINE_ENDS = re.compile(r"\r\n?")
_NOT_XML = re.compile("[\ufffe\uffff]")  # not characters at all: no XML file may hold them

# Print geometry. Column widths are in Excel's character units (about 1.85 mm each with the default
# font); A4 landscape less 10 mm margins each side leaves about 150 of them at 100 %.
PAGE_UNITS = 148.0
FONT = "宋体"  # what offices' Excel and WPS show Chinese tables in; LibreOffice substitutes a CJK font
BODY_PT = 9  # 小五: what dense official tables use; 61 targets print on four pages
TITLE_PT = 16
# Row heights are set, not left to the spreadsheet: LibreOffice keeps imported rows at one line, so
# long wrapped text would be cut off at the row's edge. Measured: a column unit is 5.25 pt in Excel
# (Calibri 11's digit) and about 5.5 pt in LibreOffice (Carlito); a line of CJK text takes 1.25
# times the font size with SimSun in Excel and WPS, 1.48 times with the Noto CJK fonts LibreOffice
# substitutes. The estimates below take the larger and err towards a line too many.
LINE_PT = round(BODY_PT * 1.48, 1)
ROW_PAD_PT = 2
CHAR_UNITS = BODY_PT / 5.25 / 2 * 1.05  # column units per text unit (text_units counts CJK as 2)
CELL_PAD_UNITS = 1.2  # the cell's inner margins, and slack for line-breaking rules
# Percent columns hold the percent (94.0 for 94 %) and show it with its sign.
NUMBER_FORMATS = {"score": "0.00", "pct": '0.0"%"', "int": "0", "number": "General", "date": "yyyy-mm-dd"}
_THIN = Side(style="thin", color="000000")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
HEADER_FILL = PatternFill("solid", fgColor="E7E6E6")  # light grey: prints well in black and white
BAND_FILL = PatternFill("solid", fgColor="F2F2F2")


def clean(value: object) -> object:
    """A value a cell can hold: numpy scalars as Python values, NaN as empty, and text without the
    characters a workbook cannot store (control characters such as Word's manual line break,
    U+FFFE / U+FFFF), line ends as LF."""
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str):
        return _NOT_XML.sub("", ILLEGAL_CHARACTERS_RE.sub("", _LINE_ENDS.sub("\n", value)))
    return value


def put(cell: Cell, value: object) -> Cell:
    """Set a cell, keeping text as text: never a formula or an error value, whatever it starts with."""
    value = clean(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl took "=…" for a formula, "#N/A" for an error: it is text
        if value.startswith(FORMULA_START):
            cell.quotePrefix = True  # stays text when someone edits the cell in Excel / WPS
    return cell


def put_row(ws: Worksheet, row: int, values: Sequence[object], column: int = 1) -> list[Cell]:
    """Write ``values`` into one row from ``column`` on, each through ``put``."""
    return [put(ws.cell(row, column + i), v) for i, v in enumerate(values)]


def append_row(ws: Worksheet, values: Sequence[object]) -> list[Cell]:
    """``ws.append`` with every value written through ``put``."""
    empty = ws.max_row == 1 and ws.max_column == 1 and ws.cell(1, 1).value is None
    return put_row(ws, 1 if empty else ws.max_row + 1, values)


def cell_text(value: object) -> object:
    """Read a cell written by an older version, which guarded formula-like text with a leading
    apostrophe in the text itself: the apostrophe is dropped. Other values are returned as they are."""
    if isinstance(value, str) and value.startswith("'") and value[1:2] and value[1] in "=+-@\t\r":
        return value[1:]
    return value


def text_units(text: str) -> float:
    """Roughly how many column-width units a line of text takes (a CJK character takes two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def text_lines(text: str, width: float) -> int:
    """How many lines ``text`` wraps to in a column ``width`` units wide (erring long)."""
    room = max(width - CELL_PAD_UNITS, 1.0)
    return sum(max(1, math.ceil(text_units(part) * CHAR_UNITS / room)) for part in text.split("\n"))


def row_height(texts: Iterable[tuple[str, float]]) -> float:
    """A row's height in points for its cells' (text, column width) pairs."""
    lines = max((text_lines(t, w) for t, w in texts if t), default=1)
    return lines * LINE_PT + ROW_PAD_PT


def _shown(value: object, kind: str) -> str:
    """Roughly the text a cell shows, for sizing its row."""
    if value is None:
        return ""
    if isinstance(value, float) and kind in NUMBER_FORMATS:
        return f"{value:.2f}"
    return str(value)


@dataclass(frozen=True)
class Column:
    """One printed column: its header, width (character units) and kind. ``kind`` is text (wrapped,
    left), code (centred), score (two decimals), pct (the percent with one decimal and a % sign),
    int, date, or num (a number as it is). ``grow`` columns share the page width the others leave."""

    header: str
    width: float = 10
    kind: str = "text"
    grow: bool = False


@dataclass(frozen=True)
class Band:
    """A full-width row between table rows: a group or indicator heading, or a note."""

    text: str


@dataclass(frozen=True)
class Header:
    """A second header row inside a table (a second table on the same sheet, on the same columns)."""

    values: Sequence[object]


@dataclass(frozen=True)
class Strong:
    """A table row printed in bold (subtotals and totals)."""

    values: Sequence[object]


def fit_widths(columns: Sequence[Column], total: float = PAGE_UNITS) -> list[float]:
    """Column widths: fixed columns as given; ``grow`` columns share what is left of the page width
    (in proportion to their given widths, never below them)."""
    fixed = sum(c.width for c in columns if not c.grow)
    growing = sum(c.width for c in columns if c.grow)
    room = total - fixed
    if growing == 0 or room <= growing:
        return [c.width for c in columns]
    return [c.width * room / growing if c.grow else c.width for c in columns]


def header_footer_text(text: str) -> str:
    """Text for a printed header/footer: ``&`` starts a code there, so it is doubled; kept short."""
    return clean(text).replace("\n", " ").replace("&", "&&")[:80]  # type: ignore[union-attr]


def demo_title(title: str, demo: bool) -> str:
    """A sheet's title, with （演示数据） after it when the data is the demo history."""
    return f"{title}（{DEMO_LABEL}）" if demo and title else title


def page_setup(
    ws: Worksheet, unit: str, stamp: str, title_rows: int, landscape: bool = True, *, demo: bool = False
) -> None:
    """A4, one page wide (as many pages tall as needed), the first ``title_rows`` rows repeated on
    every page, centred, with the unit and ``stamp`` (a date) in the header and page numbers below;
    with ``demo``, 演示数据 in the header's middle."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    if ws.sheet_properties.pageSetUpPr is None:
        ws.sheet_properties.pageSetUpPr = PageSetupProperties()
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # 0: as many pages tall as the rows need
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.4, bottom=0.4, header=0.15, footer=0.15)
    ws.print_options.horizontalCentered = True
    if title_rows:
        ws.print_title_rows = f"1:{title_rows}"
    for part in (ws.oddHeader, ws.evenHeader, ws.firstHeader):
        part.left.text = header_footer_text(unit)
        part.right.text = header_footer_text(stamp)
        if demo:
            part.center.text = header_footer_text(DEMO_LABEL)
    for part in (ws.oddFooter, ws.evenFooter, ws.firstFooter):
        part.center.text = "第 &P 页 共 &N 页"


def print_table(
    ws: Worksheet,
    title: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence[object] | Band | Header | Strong],
    *,
    unit: str,
    stamp: str,
    subtitle: str = "",
    freeze_columns: int = 0,
    demo: bool = False,
) -> int:
    """Lay out a printed table on an empty sheet: the title (and an optional subtitle) across the
    table, the header row, then ``rows`` (plain value rows, ``Band`` headings, ``Header`` rows of a
    second table, ``Strong`` totals). With no title (a template read back by its header in row 1)
    the header is row 1 and the unit and stamp in the page header say what the file is.
    The title rows and the header repeat on every printed page. ``demo``: the data is demo data,
    said after the title and in the printed header (``demo_title``). Returns the header's row number."""
    if subtitle and not title:
        raise ValueError("a subtitle stands under a title")
    widths = [round(w, 1) for w in fit_widths(columns)]
    full = sum(widths)
    last = get_column_letter(len(columns))
    header_row = 1
    if title:
        title_cell = put(ws.cell(1, 1), demo_title(title, demo))
        title_cell.font = Font(name=FONT, size=TITLE_PT, bold=True)
        title_cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.merge_cells(f"A1:{last}1")
        ws.row_dimensions[1].height = TITLE_PT * 1.5
        header_row = 2
    if subtitle:
        sub = put(ws.cell(2, 1), subtitle)
        sub.font = Font(name=FONT, size=BODY_PT)
        sub.alignment = Alignment(horizontal="left", vertical="center", wrap_text=True)
        ws.merge_cells(f"A2:{last}2")
        ws.row_dimensions[2].height = row_height([(subtitle, full)])
        header_row = 3
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    _header(ws, header_row, [c.header for c in columns], widths)
    row = header_row
    for item in rows:
        row += 1
        if isinstance(item, Header):
            _header(ws, row, item.values, widths)
            continue
        if isinstance(item, Band):
            ws.row_dimensions[row].height = row_height([(clean(item.text), full)])  # type: ignore[list-item]
            cell = put(ws.cell(row, 1), item.text)
            cell.font = Font(name=FONT, size=BODY_PT, bold=True)
            cell.alignment = Alignment(horizontal="left", vertical="center", wrap_text=True)
            for i in range(1, len(columns) + 1):
                ws.cell(row, i).border = BORDER
                ws.cell(row, i).fill = BAND_FILL
            ws.merge_cells(f"A{row}:{last}{row}")
            continue
        strong = isinstance(item, Strong)
        values = list(item.values if isinstance(item, Strong) else item)
        for i, (col, value) in enumerate(zip(columns, values, strict=False), start=1):
            cell = put(ws.cell(row, i), value)
            cell.font = Font(name=FONT, size=BODY_PT, bold=strong)
            cell.border = BORDER
            if col.kind in NUMBER_FORMATS and isinstance(value, int | float | date | datetime):
                cell.number_format = NUMBER_FORMATS[col.kind]
            horizontal = "left" if col.kind == "text" else "center" if col.kind in ("code", "date") else "right"
            cell.alignment = Alignment(horizontal=horizontal, vertical="top", wrap_text=True)
        for i in range(len(values) + 1, len(columns) + 1):
            ws.cell(row, i).border = BORDER
        shown = [(_shown(clean(v), c.kind), w) for v, c, w in zip(values, columns, widths, strict=False)]
        ws.row_dimensions[row].height = row_height(shown)
    ws.freeze_panes = f"{get_column_letter(freeze_columns + 1)}{header_row + 1}"
    page_setup(ws, unit, stamp, header_row, demo=demo)
    return header_row


def _header(ws: Worksheet, row: int, values: Sequence[object], widths: Sequence[float]) -> None:
    ws.row_dimensions[row].height = row_height((str(clean(v) or ""), w) for v, w in zip(values, widths, strict=False))
    for i, value in enumerate(values, start=1):
        cell = put(ws.cell(row, i), value)
        cell.font = Font(name=FONT, size=BODY_PT, bold=True)
        cell.fill = HEADER_FILL
        cell.border = BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def print_lines(
    ws: Worksheet,
    title: str,
    lines: Iterable[str],
    *,
    unit: str,
    stamp: str,
    width: float = 120,
    demo: bool = False,
) -> None:
    """A sheet of plain lines (instructions, notes) under a title, printed like the tables
    (``demo``: as ``print_table``'s)."""
    ws.column_dimensions["A"].width = width
    title_cell = put(ws.cell(1, 1), demo_title(title, demo))
    title_cell.font = Font(name=FONT, size=TITLE_PT, bold=True)
    title_cell.alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 30
    for n, line in enumerate(lines, start=2):
        cell = put(ws.cell(n, 1), line)
        cell.font = Font(name=FONT, size=BODY_PT)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[n].height = row_height([(str(clean(line)), width)])
    page_setup(ws, unit, stamp, 1, demo=demo)


def new_book() -> Workbook:
    """An empty workbook, without openpyxl's default sheet: every sheet is one ``print_table`` or
    ``print_lines`` lays out."""
    wb = Workbook()
    wb.remove(wb.active)
    return wb


def book_bytes(wb: Workbook) -> bytes:
    """The workbook as the .xlsx file's bytes."""
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
