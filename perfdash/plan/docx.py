"""The plan as published: a Word file (.docx). The paragraphs before the 考评表 (prose and title)
and the table's rows, with merged cells read as Word stores them: a cell spanning columns
(w:gridSpan) is one cell, a cell spanning rows (w:vMerge) holds its text in its first row only.

Bounded by construction: the counts a file declares about itself (w:gridSpan, w:gridBefore,
w:gridAfter, the columns of w:tblGrid) are read as text, checked against the table's real width
and never used to size anything; the XML's markup is counted (bytes, no parsing) before the
document is loaded, so a 40 KB file cannot ask for gigabytes of cells or of XML tree."""

from __future__ import annotations

import io
import itertools
import zipfile

from docx import Document
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

from perfdash.core import intake
from perfdash.plan.cells import code_of
from perfdash.plan.model import PlanError
from perfdash.plan.table import MAX_CELL_CHARS, MAX_COLUMNS, MAX_ROWS, TableDoc

LIMITS = intake.Limits(max_bytes=10 * intake.MB, max_rows=MAX_ROWS, max_uncompressed=60 * intake.MB)
MAX_PARAGRAPHS = 20_000
MAX_PROSE_CHARS = 2_000_000  # text before the 考评表 (a long real plan has ~20,000)
# Tags ("<") and attributes ("=") in all of the file's XML: the tree python-docx builds costs
# about 130 bytes for each, so this keeps it under ~150 MB. The shipped plan as Word has ~60,000.
MAX_MARKUP = 1_000_000
REFUSED = "文件可能被构造成耗尽服务器资源，已拒绝"


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


def _paragraphs(tc: object) -> list[str]:
    return [Paragraph(p, None).text for p in tc.iterchildren(qn("w:p"))]


def _cell_text(tc: object) -> str:
    """A cell's paragraphs, one per line, trailing empty paragraphs dropped."""
    lines = _paragraphs(tc)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines)


def _cells(tr: object) -> list[object]:
    """A row's cells, including those wrapped in content controls (w:sdt)."""
    return tr.xpath("./w:tc | ./w:sdt/w:sdtContent/w:tc")


def _table_rows(name: str, tbl: object) -> list[object]:
    rows = tbl.xpath("./w:tr | ./w:sdt/w:sdtContent/w:tr")
    if len(rows) > MAX_ROWS:
        raise PlanError(f"{name}：Word 表格超过 {MAX_ROWS} 行，不像正常的方案")
    return rows


def _spans(name: str, tr: object, row_no: int, width: int) -> tuple[int, list[tuple[object, int, str | None]]]:
    """(columns skipped before the row's first cell, [(cell, columns it spans, w:vMerge value)]),
    every declared count checked against the table's width: a row cannot skip, and a cell cannot
    span, more columns than the table has."""
    trpr = _child(tr, "w:trPr")
    before = _declared(_child(trpr, "w:gridBefore"), 0)
    after = _declared(_child(trpr, "w:gridAfter"), 0)
    for label, value in (("gridBefore", before), ("gridAfter", after)):
        if value > width:
            raise PlanError(
                f"{name}：表格第{row_no}行声明跳过 {value:,} 列（w:{label}），而表格只有 {width} 列，{REFUSED}"
            )
    cells = _cells(tr)
    if len(cells) > MAX_COLUMNS:
        raise PlanError(f"{name}：表格第{row_no}行有 {len(cells)} 个单元格，超过 {MAX_COLUMNS} 个，{REFUSED}")
    out = []
    for n, tc in enumerate(cells, start=1):
        tcpr = _child(tc, "w:tcPr")
        span = max(1, _declared(_child(tcpr, "w:gridSpan"), 1))
        if span > width:
            raise PlanError(
                f"{name}：表格第{row_no}行第{n}个单元格声明跨 {span:,} 列（w:gridSpan），"
                f"而表格只有 {width} 列，{REFUSED}"
            )
        merge = _child(tcpr, "w:vMerge")
        # "restart" starts a vertical merge; "continue" (or no value) continues it
        out.append((tc, span, None if merge is None else (merge.get(qn("w:val")) or "continue")))
    return before, out


def _rows(name: str, tbl: object) -> tuple[list[list[str]], list[list[str | None]]]:
    """(rows of cells, rows on the column grid) of the 考评表. The grid is never wider than the
    table: a row whose cells add up to more columns is cut at the table's edge."""
    width = grid_width(name, tbl)
    rows: list[list[str]] = []
    grid: list[list[str | None]] = []
    for row_no, tr in enumerate(_table_rows(name, tbl), start=1):
        before, spans = _spans(name, tr, row_no, width)
        cells: list[str] = []
        on_grid: list[str | None] = [None] * before
        for n, (tc, span, merge) in enumerate(spans, start=1):
            text = "" if merge is not None and merge != "restart" else _cell_text(tc)
            if len(text) > MAX_CELL_CHARS:
                raise PlanError(
                    f"{name}：考评表第{row_no}行第{n}个单元格有 {len(text):,} 个字，超过 {MAX_CELL_CHARS:,} 字的上限，"
                    "不像正常的方案"
                )
            cells.append(text)
            on_grid.append(text)
            on_grid.extend([None] * min(span - 1, width - len(on_grid)))
        rows.append(cells)
        grid.append(on_grid[:width])
    return rows, grid


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


def _codes(tbl: object) -> int:
    return sum(1 for t in tbl.iter(qn("w:t")) if code_of(t.text))


def docx_document(name: str, data: bytes) -> TableDoc:
    """A Word file as the table reader sees it: the paragraphs before the table that holds the
    targets (the one with the most target codes), and its rows. Bounded: the archive is checked
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
    except Exception as exc:  # python-docx and lxml raise many types for a damaged file
        raise PlanError(f"{name}：无法作为 Word 文件（.docx）读取，文件可能已损坏（{exc.__class__.__name__}）") from exc
    body = document.element.body
    tables = [child for child in body.iterchildren(qn("w:tbl"))]
    if not tables:
        raise PlanError(f"{name}：Word 文件中没有表格。请上传包含“绩效目标考评表”表格的方案文件")
    chosen = max(tables, key=_codes)
    if _codes(chosen) == 0:
        raise PlanError(f"{name}：Word 文件的表格中没有年度工作目标编号（如 1-1-1），不像绩效目标考评表")
    lines: list[str] = []
    room = MAX_PROSE_CHARS
    for child in body.iterchildren():
        if child is chosen:
            break
        if child.tag == qn("w:p"):
            lines.append(Paragraph(child, None).text)
            room -= len(lines[-1])
        elif child.tag == qn("w:tbl"):  # an earlier table (a cover table): its text, row by row
            laid_out = _lines_of_table(name, child, room)
            lines.extend(laid_out)
            room -= sum(len(line) for line in laid_out)
        if room < 0:
            raise PlanError(f"{name}：考评表之前的文字超过 {MAX_PROSE_CHARS:,} 字，不像正常的方案")
        if len(lines) > MAX_PARAGRAPHS:
            raise PlanError(f"{name}：考评表之前的段落超过 {MAX_PARAGRAPHS} 个，不像正常的方案")
    rows, grid = _rows(name, chosen)
    return TableDoc(name, "Word", lines, rows, grid)
