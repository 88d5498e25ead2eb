"""The plan document as text: Word's "save as text" export of the 考评表 (each cell starts with a
tab, a cell may run over several lines, rows end with a blank line), or a table copied from a web
page or a spreadsheet (one row per line, cells separated by tabs)."""

from __future__ import annotations

from perfdash.plan.cells import code_of, find_title
from perfdash.plan.model import Plan, PlanError
from perfdash.plan.table import MAX_COLUMNS, TableDoc, read_table

MAX_LINES = 100_000  # the shipped plan's text has about 1,000 lines; a 3,000-row table about 40,000


def decode(data: bytes, name: str = "") -> str:
    """Bytes → text: UTF-8 with or without BOM (GB18030 as a fallback), newlines as LF."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise PlanError(f"{name or '文件'}：无法识别文本编码（应为 UTF-8）") from exc
    return text.replace("\r\n", "\n").replace("\r", "\n")


def word_rows(lines: list[str]) -> list[list[str]]:
    """Rows of cells of Word's text export. A cell starts with a tab; lines without one continue
    the cell. A blank line ends a row when the next line starts a cell; otherwise it is an empty
    paragraph inside the current cell (a row cut by an empty paragraph at a cell's end is joined
    again when the table is read)."""
    rows: list[list[str]] = []
    cells: list[str] = []
    following: list[str | None] = [None] * len(lines)  # the next non-blank line after each line
    for i in range(len(lines) - 1, 0, -1):
        following[i - 1] = lines[i] if lines[i].strip() != "" else following[i]
    for i, line in enumerate(lines):
        if line.startswith("\t"):
            cells.append(line[1:])
        elif line.strip() == "":
            nxt = following[i]
            if nxt is None or nxt.startswith("\t"):
                if cells:
                    rows.append(cells)
                cells = []
            elif cells:
                cells[-1] += "\n"
        elif cells:
            cells[-1] += "\n" + line
        else:
            cells.append(line)  # text before the row's first tab: a label cell of its own
    if cells:
        rows.append(cells)
    return rows


def tabbed(lines: list[str]) -> bool:
    """Whether the table is one row per line with tab-separated cells (copied from a web page or
    a spreadsheet): the lines holding a target code hold the other cells on the same line."""
    coded = [ln for ln in lines if any(code_of(c) for c in ln.split("\t"))]
    whole = [ln for ln in coded if ln.count("\t") >= 3]
    return bool(coded) and len(whole) * 2 >= len(coded)


def text_document(text: str, source_name: str = "") -> TableDoc:
    """A text document as the table reader sees it: the lines up to the table's title, and the
    rows below it."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    name = source_name or "文件"
    count = text.count("\n") + 1  # counted before anything is built line by line
    if count > MAX_LINES:
        raise PlanError(f"{name}：有 {count:,} 行，超过 {MAX_LINES:,} 行的上限，不像正常的方案")
    lines = text.split("\n")
    for i, line in enumerate(lines, start=1):
        if (tabs := line.count("\t")) >= MAX_COLUMNS:
            raise PlanError(f"{name}：第{i}行有 {tabs:,} 个制表符，超过 {MAX_COLUMNS} 列的上限，不像正常的方案")
    found = find_title(lines)
    start = found[0] + 1 if found else 0
    body = lines[start:]
    if tabbed(body):
        # A copied table keeps a row per line; cells merged from above are usually left out, so a
        # short row is read from its code cell on (its group and indicator are the rows' above).
        rows = [[c.strip() for c in ln.split("\t")] for ln in body if ln.strip()]
        return TableDoc(source_name, "网页表格", lines[:start], rows)
    return TableDoc(source_name, "文本", lines[:start], word_rows(body))


def parse_plan_text(text: str, source_name: str = "") -> Plan:
    """Parse the plan document (text form of the Word file, or a copied table) into a validated Plan."""
    return read_table(text_document(text, source_name))
