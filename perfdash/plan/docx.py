"""The plan as published: a Word file (.docx). The paragraphs before the 考评表 (prose and title)
and the table's rows, with merged cells read as Word stores them: a cell spanning columns
(w:gridSpan) is one cell, a cell spanning rows (w:vMerge) holds its text in its first row only;
on the column grid the rows it spans below hold that text too. A 考评表 split over several Word
tables (a page or section break between them, or pasted in parts) is read as one table. Tracked
changes are read as accepted: inserted text (w:ins, w:moveTo) is part of a cell, deleted text
(w:del, w:moveFrom) is not.

Bounded by construction: the counts a file declares about itself (w:gridSpan, w:gridBefore,
w:gridAfter, the columns of w:tblGrid) are read as text, checked against the table's real width
and never used to size anything; the XML's markup is counted (bytes, no parsing) before the
document is loaded, so a 40 KB file cannot ask for gigabytes of cells or of XML tree. Text that a
vertical merge repeats down the grid costs the file nothing, so it is counted as laid out."""

from __future__ import annotations

import io
import itertools
import zipfile

from docx import Document
from docx.oxml.ns import qn

from perfdash.core import intake
from perfdash.plan.cells import code_of, flat
from perfdash.plan.mapping import header_map
from perfdash.plan.model import PlanError
from perfdash.plan.table import MAX_CELL_CHARS, MAX_COLUMNS, MAX_ROWS, TableDoc

LIMITS = intake.Limits(max_bytes=10 * intake.MB, max_rows=MAX_ROWS, max_uncompressed=60 * intake.MB)
MAX_PARAGRAPHS = 20_000
MAX_PROSE_CHARS = 2_000_000  # text before the 考评表 (a long real plan has ~20,000)
# Tags ("<") and attributes ("=") in all of the file's XML: the tree python-docx builds costs
# about 130 bytes for each, so this keeps it under ~150 MB. The shipped plan as Word has ~60,000.
MAX_MARKUP = 1_000_000
# Text repeated on the grid down vertical merges (a 责任科室 merged over three targets counts three
# times). A real plan repeats a few thousand characters; a file repeating one long cell down
# thousands of rows would hand the table reader gigabytes of text.
MAX_MERGED_CHARS = 5_000_000
HEADER_ROWS = 3  # a table that holds a header row (编号 | 年度工作目标 | 分值 | …) has it among its first rows
REFUSED = "文件可能被构造成耗尽服务器资源，已拒绝"
NOT_FOUND = (
    "Word 文件的表格中没有找到考评表：既没有目标编号（如 1-1-1），也没有“年度工作目标、分值”等表头。"
    "请确认上传的是方案附件中的考评表；如表格没有表头，请在第一行写上列名"
    "（编号、年度工作目标、分值、完成时限、责任科室、责任人、分管领导）"
)

_P, _R, _T, _BR, _TBL = qn("w:p"), qn("w:r"), qn("w:t"), qn("w:br"), qn("w:tbl")
_BREAK_TYPE = qn("w:type")
# What the other inner content of a run stands for, as python-docx reads it.
_RUN_TEXT = {qn("w:tab"): "\t", qn("w:ptab"): "\t", qn("w:cr"): "\n", qn("w:noBreakHyphen"): "-"}
# Runs under these are not the paragraph's text: tracked changes that are gone once accepted
# (deleted, moved away), the phonetic guide over characters (w:rt), and the copy of an alternative
# that Word writes for older readers (mc:Fallback).
_NOT_TEXT = frozenset(
    {
        qn("w:del"),
        qn("w:moveFrom"),
        qn("w:rt"),
        "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback",
    }
)


def check_markup(name: str, archive: zipfile.ZipFile) -> None:
    """Refuse a file whose XML holds more tags and attributes than MAX_MARKUP, counted on the
    uncompressed bytes as they stream (constant memory), before any XML tree is built."""
    count = 0
    for member in archive.infolist():
        if not member.filename.endswith((".xml", ".rels")):
            continue
        try:
            with archive.open(member) as stream:
                while chunk := stream.read(256 * 1024):
                    count += chunk.count(b"<") + chunk.count(b"=")
                    if count > MAX_MARKUP:
                        raise PlanError(
                            f"{name}：Word 文件的 XML 标记超过 {MAX_MARKUP:,} 个，不像正常的方案，{REFUSED}"
                        )
        except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
            if isinstance(exc, PlanError):
                raise
            raise PlanError(f"{name}：文件已损坏，无法解压（{exc.__class__.__name__}）") from exc


def _declared(element: object | None, default: int) -> int:
    """A count the file declares in a w:val attribute (w:gridSpan, w:gridBefore, w:gridAfter),
    read as text and only compared, never used to size anything: more than 18 digits counts as
    10**18; a missing or malformed value is the default."""
    if element is None:
        return default
    raw = (element.get(qn("w:val")) or "").strip()
    if not raw.isascii() or not raw.isdigit():
        return default
    return int(raw) if len(raw) <= 18 else 10**18


def _child(element: object | None, tag: str) -> object | None:
    return None if element is None else element.find(qn(tag))


def grid_width(name: str, tbl: object) -> int:
    """The table's number of columns, from its w:tblGrid (counted up to MAX_COLUMNS + 1 only);
    MAX_COLUMNS when the file gives no grid."""
    grid = tbl.find(qn("w:tblGrid"))
    if grid is None:
        return MAX_COLUMNS
    width = sum(1 for _ in itertools.islice(grid.iterchildren(qn("w:gridCol")), MAX_COLUMNS + 1))
    if width > MAX_COLUMNS:
        raise PlanError(f"{name}：Word 表格有超过 {MAX_COLUMNS} 列，不像绩效目标考评表，{REFUSED}")
    return width or MAX_COLUMNS


def _accepted(run: object, p: object) -> bool:
    """Whether a run of paragraph ``p`` is part of its text with tracked changes accepted: not
    inside a deletion or a move away (nor under the other _NOT_TEXT), nor in a paragraph nested in
    ``p`` (a text box)."""
    parent = run.getparent()
    while parent is not None and parent is not p:
        if parent.tag in _NOT_TEXT or parent.tag == _P:
            return False
        parent = parent.getparent()
    return parent is not None


def _paragraph_text(p: object) -> str:
    """A paragraph's text with its tracked changes accepted, its runs in document order: those
    inserted (w:ins) or moved here (w:moveTo) included, those deleted (w:del, whose text is
    w:delText) or moved away (w:moveFrom) left out. w:tab is a tab, a line break (w:br, w:cr) a
    new line; a page or column break is no text, as python-docx reads it (python-docx's own
    Paragraph.text leaves out every run inside w:ins)."""
    parts: list[str] = []
    for run in p.iter(_R):
        if not _accepted(run, p):
            continue
        for child in run.iterchildren():
            tag = child.tag
            if tag == _T:
                parts.append(child.text or "")
            elif tag == _BR:
                if (child.get(_BREAK_TYPE) or "textWrapping") == "textWrapping":
                    parts.append("\n")
            elif tag in _RUN_TEXT:
                parts.append(_RUN_TEXT[tag])
    return "".join(parts)


def _paragraphs(tc: object) -> list[str]:
    return [_paragraph_text(p) for p in tc.iterchildren(_P)]


def _cell_text(tc: object) -> str:
    """A cell's paragraphs, one per line, trailing empty paragraphs dropped."""
    lines = _paragraphs(tc)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines)


def _cells(tr: object) -> list[object]:
    """A row's cells, including those wrapped in content controls (w:sdt)."""
    return tr.xpath("./w:tc | ./w:sdt/w:sdtContent/w:tc")


def _row_elements(tbl: object) -> list[object]:
    """A table's rows, including those wrapped in content controls (w:sdt)."""
    return tbl.xpath("./w:tr | ./w:sdt/w:sdtContent/w:tr")


def _table_rows(name: str, tbl: object) -> list[object]:
    rows = _row_elements(tbl)
    if len(rows) > MAX_ROWS:
        raise PlanError(f"{name}：Word 表格超过 {MAX_ROWS} 行，不像正常的方案")
    return rows


def _spans(
    name: str, tr: object, row_no: int, width: int, where: str = ""
) -> tuple[int, list[tuple[object, int, str | None]]]:
    """(columns skipped before the row's first cell, [(cell, columns it spans, w:vMerge value)]),
    every declared count checked against the table's width: a row cannot skip, and a cell cannot
    span, more columns than the table has. ``where`` names the table when there are several
    ("第2个表格")."""
    table = where or "表格"
    trpr = _child(tr, "w:trPr")
    before = _declared(_child(trpr, "w:gridBefore"), 0)
    after = _declared(_child(trpr, "w:gridAfter"), 0)
    for label, value in (("gridBefore", before), ("gridAfter", after)):
        if value > width:
            raise PlanError(
                f"{name}：{table}第{row_no}行声明跳过 {value:,} 列（w:{label}），而表格只有 {width} 列，{REFUSED}"
            )
    cells = _cells(tr)
    if len(cells) > MAX_COLUMNS:
        raise PlanError(f"{name}：{table}第{row_no}行有 {len(cells)} 个单元格，超过 {MAX_COLUMNS} 个，{REFUSED}")
    out = []
    for n, tc in enumerate(cells, start=1):
        tcpr = _child(tc, "w:tcPr")
        span = max(1, _declared(_child(tcpr, "w:gridSpan"), 1))
        if span > width:
            raise PlanError(
                f"{name}：{table}第{row_no}行第{n}个单元格声明跨 {span:,} 列（w:gridSpan），"
                f"而表格只有 {width} 列，{REFUSED}"
            )
        merge = _child(tcpr, "w:vMerge")
        # "restart" starts a vertical merge; "continue" (or no value) continues it
        out.append((tc, span, None if merge is None else (merge.get(qn("w:val")) or "continue")))
    return before, out


def _read_row(
    name: str, tr: object, row_no: int, width: int, where: str = "", checked: bool = True
) -> tuple[list[str], list[str | None], list[tuple[int, bool]]]:
    """(cells, the row on the column grid, (grid column, continues a vertical merge) of each cell).
    A cell continuing a vertical merge is "" here. The grid is never wider than the table: a row
    whose cells add up to more columns is cut at the table's edge. ``checked``: refuse a cell of
    more than MAX_CELL_CHARS characters."""
    before, spans = _spans(name, tr, row_no, width, where)
    cells: list[str] = []
    on_grid: list[str | None] = [None] * before
    placed: list[tuple[int, bool]] = []
    for n, (tc, span, merge) in enumerate(spans, start=1):
        continues = merge is not None and merge != "restart"
        text = "" if continues else _cell_text(tc)
        if checked and len(text) > MAX_CELL_CHARS:
            raise PlanError(
                f"{name}：考评表{where}第{row_no}行第{n}个单元格有 {len(text):,} 个字，"
                f"超过 {MAX_CELL_CHARS:,} 字的上限，不像正常的方案"
            )
        placed.append((len(on_grid), continues))
        cells.append(text)
        on_grid.append(text)
        on_grid.extend([None] * min(span - 1, width - len(on_grid)))
    return cells, on_grid[:width], placed


def _rows(
    name: str, tbl: object, width: int, where: str, room: int, repeated: list[str] | None = None
) -> tuple[list[list[str]], list[list[str | None]], set[tuple[int, int]], list[int], int]:
    """(rows of cells, rows on the column grid, merged grid cells, the Word row number of each row,
    room left) of one Word table of the 考评表. On the grid, a cell continuing a vertical merge
    holds the text of the cell that starts in its column in the row above (the merge's first cell,
    or a cell that continues it) and its (row index, column) is in the merged set; in the rows of
    cells it stays "", as Word's text export writes it. The repeated text is measured against
    ``room`` characters. A first row whose texts are ``repeated`` (the header row of the table
    before, repeated) is left out, and no merge runs down from it."""
    rows: list[list[str]] = []
    grid: list[list[str | None]] = []
    merged: set[tuple[int, int]] = set()
    numbers: list[int] = []
    above: dict[int, str] = {}  # grid column → text of the cell that starts there in the row above
    for row_no, tr in enumerate(_table_rows(name, tbl), start=1):
        cells, on_grid, placed = _read_row(name, tr, row_no, width, where)
        if row_no == 1 and repeated is not None and [flat(c) for c in cells] == repeated:
            continue
        index = len(rows)
        starts: dict[int, str] = {}
        for column, continues in placed:
            if column >= width:  # cut at the table's edge
                continue
            text = above.get(column, "") if continues else on_grid[column] or ""
            if continues and text:
                room -= len(text)
                if room < 0:
                    raise PlanError(
                        f"{name}：考评表合并单元格展开后的文字超过 {MAX_MERGED_CHARS:,} 字，不像正常的方案，{REFUSED}"
                    )
                on_grid[column] = text
                merged.add((index, column))
            starts[column] = text
        above = starts
        rows.append(cells)
        grid.append(on_grid)
        numbers.append(row_no)
    return rows, grid, merged, numbers, room


def _lines_of_table(name: str, tbl: object, room: int) -> list[str]:
    """An earlier table (a cover table) as lines of text, one per row, its cells joined by spaces
    as Word lays them out: a cell spanning columns once per column (up to the table's width), a
    cell continuing a vertical merge with the text of the cell above it. Repeating a text costs
    the file nothing, so the text is measured as it is laid out, against ``room`` characters."""
    width = grid_width(name, tbl)
    above: dict[int, tuple[str, int]] = {}  # grid column → (text, span) of the cell that starts there
    lines = []
    for row_no, tr in enumerate(_table_rows(name, tbl), start=1):
        column, spans = _spans(name, tr, row_no, width)
        texts: list[str] = []
        starts: dict[int, tuple[str, int]] = {}
        for tc, span, merge in spans:
            if merge is not None and merge != "restart":
                text, shown = above.get(column, ("", span))
            else:
                text, shown = "\n".join(_paragraphs(tc)), span
            starts[column] = (text, shown)
            repeat = max(0, min(shown, width - len(texts)))
            room -= (len(text) + 1) * repeat
            if room < 0:
                raise PlanError(f"{name}：考评表之前的文字超过 {MAX_PROSE_CHARS:,} 字，不像正常的方案")
            texts.extend([text] * repeat)
            column += span
        above = starts
        lines.append(" ".join(texts))
    return lines


def _header_row(name: str, tbl: object, width: int, where: str) -> list[str] | None:
    """The texts (flattened) of the table's header row, if one of its first HEADER_ROWS rows names
    the columns (编号 | 年度工作目标 | 分值 | …, as the table reader recognises them)."""
    for row_no, tr in enumerate(itertools.islice(_row_elements(tbl), HEADER_ROWS), start=1):
        cells, on_grid, _ = _read_row(name, tr, row_no, width, where, checked=False)
        if header_map(on_grid):
            return [flat(c) for c in cells]
    return None


def _is_target_code(text: str) -> bool:
    """A cell that is a target code (1-1-1, 12-3), however its runs cut the text; not a date
    (2025-03-01) or a telephone number (0595-22345678), which code_of takes too: no part of a
    target code has more than three digits."""
    code = code_of(text) if len(text) <= 64 else None
    return code is not None and all(len(part) <= 3 for part in code.split("-"))


def _has_code(tbl: object) -> bool:
    """Whether a cell of the table holds a target code."""
    return any(_is_target_code(_cell_text(tc)) for tr in _row_elements(tbl) for tc in _cells(tr))


def _blank(element: object) -> bool:
    """Whether a body element between two tables shows no text: an empty paragraph, one holding
    only a page or section break, a bookmark."""
    if element.tag == _P:
        return not _paragraph_text(element).strip()
    return not any(True for _ in element.iter(_TBL)) and not any((t.text or "").strip() for t in element.iter(_T))


def _plan_tables(name: str, body: object) -> tuple[list[tuple[object, int]], list[str] | None]:
    """The Word tables of the 考评表, in document order, each with its number of grid columns, and
    the header row of the first one (flattened texts), if it has one. A table belongs when a cell
    holds a target code, when one of its first rows is a header row, or when it follows a table
    that belongs with only empty paragraphs (page or section breaks) between and has as many grid
    columns: the rest of a table that a break cut in two."""
    several = sum(1 for _ in itertools.islice(body.iterchildren(_TBL), 2)) > 1
    found: list[tuple[object, int]] = []
    header: list[str] | None = None
    follows = False  # the last table belongs and nothing but blank paragraphs came after it
    last_width = 0
    number = 0
    for child in body.iterchildren():
        if child.tag != _TBL:
            follows = follows and _blank(child)
            continue
        number += 1
        width = grid_width(name, child)
        row_header = _header_row(name, child, width, f"第{number}个表格" if several else "")
        belongs = (follows and width == last_width) or row_header is not None or _has_code(child)
        if belongs:
            if not found:
                header = row_header
            found.append((child, width))
        follows, last_width = belongs, width
    return found, header


def docx_document(name: str, data: bytes) -> TableDoc:
    """A Word file as the table reader sees it: the paragraphs before the 考评表 and its rows, the
    tables it is split into joined in document order (a header row the next table repeats is read
    once; each row then knows its table and its row in it). Bounded: the archive is checked
    before it is opened (size, compression, no DTDs, the amount of markup), and every span a cell
    declares is checked against the table's width."""
    try:
        archive = intake.check_archive(name, data, LIMITS, kind="Word")
        check_markup(name, archive)
        intake.scan_xml_members(name, archive, LIMITS)
    except intake.FileRejected as exc:
        raise PlanError(str(exc)) from exc
    try:
        document = Document(io.BytesIO(data))
    except MemoryError:
        raise  # the worker's memory budget, said as such (not a damaged file)
    except Exception as exc:  # python-docx and lxml raise many types for a damaged file
        raise PlanError(f"{name}：无法作为 Word 文件（.docx）读取，文件可能已损坏（{exc.__class__.__name__}）") from exc
    body = document.element.body
    if body.find(_TBL) is None:
        raise PlanError(f"{name}：Word 文件中没有表格。请上传包含“绩效目标考评表”表格的方案文件")
    found, header = _plan_tables(name, body)
    if not found:
        raise PlanError(f"{name}：{NOT_FOUND}")
    first = found[0][0]
    lines: list[str] = []
    room = MAX_PROSE_CHARS
    for child in body.iterchildren():
        if child is first:
            break
        if child.tag == _P:
            lines.append(_paragraph_text(child))
            room -= len(lines[-1])
        elif child.tag == _TBL:  # an earlier table (a cover table): its text, row by row
            laid_out = _lines_of_table(name, child, room)
            lines.extend(laid_out)
            room -= sum(len(line) for line in laid_out)
        if room < 0:
            raise PlanError(f"{name}：考评表之前的文字超过 {MAX_PROSE_CHARS:,} 字，不像正常的方案")
        if len(lines) > MAX_PARAGRAPHS:
            raise PlanError(f"{name}：考评表之前的段落超过 {MAX_PARAGRAPHS} 个，不像正常的方案")
    joined = len(found) > 1
    rows: list[list[str]] = []
    grid: list[list[str | None]] = []
    merged: set[tuple[int, int]] = set()
    origins: list[str] = []
    room = MAX_MERGED_CHARS
    for k, (tbl, width) in enumerate(found, start=1):
        where = f"第{k}个表格" if joined else ""
        # a header row the table repeats from the first one (pasted in parts, each part with its
        # own copy) is read once
        table_rows, table_grid, table_merged, numbers, room = _rows(
            name, tbl, width, where, room, repeated=header if k > 1 else None
        )
        merged.update((len(rows) + i, column) for i, column in table_merged)
        rows.extend(table_rows)
        grid.extend(table_grid)
        origins.extend(f"第{k}个表格第{n}行" for n in numbers)
        if len(rows) > MAX_ROWS:
            raise PlanError(f"{name}：考评表的 {len(found)} 个 Word 表格合计超过 {MAX_ROWS} 行，不像正常的方案")
    return TableDoc(name, "Word", lines, rows, grid, origins=origins if joined else None, merged=merged)
