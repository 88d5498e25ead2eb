"""The plan as published: a Word file (.docx). The paragraphs before the 考评表 (prose and title)
and the table's rows, with merged cells read as Word stores them: a cell spanning columns
(w:gridSpan) is one cell, a cell spanning rows (w:vMerge) holds its text in its first row only."""

from __future__ import annotations

import io

from docx import Document
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from perfdash.core import intake
from perfdash.plan.model import PlanError
from perfdash.plan.table import TableDoc, code_of

LIMITS = intake.Limits(max_bytes=10 * intake.MB, max_rows=3000, max_uncompressed=60 * intake.MB)
MAX_ROWS = 3000
MAX_PARAGRAPHS = 20_000


def _cell_text(tc: object) -> str:
    """A cell's paragraphs, one per line, trailing empty paragraphs dropped."""
    lines = [Paragraph(p, None).text for p in tc.iterchildren(qn("w:p"))]
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines)


def _cells(tr: object) -> list[object]:
    """A row's cells, including those wrapped in content controls (w:sdt)."""
    return tr.xpath("./w:tc | ./w:sdt/w:sdtContent/w:tc")


def _rows(tbl: object) -> tuple[list[list[str]], list[list[str | None]]]:
    """(rows of cells, rows on the column grid) of one table."""
    rows: list[list[str]] = []
    grid: list[list[str | None]] = []
    for n, tr in enumerate(tbl.xpath("./w:tr | ./w:sdt/w:sdtContent/w:tr")):
        if n >= MAX_ROWS:
            raise PlanError(f"考评表超过 {MAX_ROWS} 行，不像正常的方案")
        cells: list[str] = []
        on_grid: list[str | None] = []
        on_grid.extend([None] * int(tr.grid_before or 0))
        for tc in _cells(tr):
            merge = tc.vMerge  # "restart" starts a vertical merge; "continue" (or no value) continues it
            text = "" if merge is not None and merge != "restart" else _cell_text(tc)
            cells.append(text)
            on_grid.append(text)
            on_grid.extend([None] * (int(tc.grid_span or 1) - 1))
        rows.append(cells)
        grid.append(on_grid)
    return rows, grid


def _codes(tbl: object) -> int:
    return sum(1 for t in tbl.iter(qn("w:t")) if code_of(t.text))


def docx_document(name: str, data: bytes) -> TableDoc:
    """A Word file as the table reader sees it: the paragraphs before the table that holds the
    targets (the one with the most target codes), and its rows. Bounded: the archive is checked
    before it is opened (size, compression, no DTDs)."""
    try:
        archive = intake.check_archive(name, data, LIMITS, kind="Word")
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
    for child in body.iterchildren():
        if child is chosen:
            break
        if child.tag == qn("w:p"):
            lines.append(Paragraph(child, None).text)
        elif child.tag == qn("w:tbl"):  # an earlier table (a cover table): its text, row by row
            lines.extend(" ".join(c.text for c in row.cells) for row in Table(child, None).rows)
        if len(lines) > MAX_PARAGRAPHS:
            raise PlanError(f"{name}：考评表之前的段落超过 {MAX_PARAGRAPHS} 个，不像正常的方案")
    rows, grid = _rows(chosen)
    return TableDoc(name, "Word", lines, rows, grid)
