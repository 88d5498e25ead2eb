"""The 考评表 as rows: the document's table as the readers of each file format hand it over
(TableDoc), its size checked before anything is read, and one target row as read (RawRow) — by
position from its code cell in the Quanzhou layout, or by a header's columns (perfdash.plan.by_columns)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from perfdash.plan.cells import code_of, flat
from perfdash.plan.model import PlanError

# What a 考评表 can hold, whatever file it comes in: a real one has tens of rows of about ten
# cells, the longest cell a few hundred characters. MAX_CELL_CHARS is the store's limit on a text.
MAX_ROWS = 3000
MAX_COLUMNS = 200
MAX_CELL_CHARS = 20_000

POINTS_CELL_RE = re.compile(r"^\d+(?:\.\d+)?\s*分?$")
NUMBER_RE = re.compile(r"^\d+(?:\.\d+)?$")


@dataclass
class TableDoc:
    """A plan document as the reader sees it: the paragraphs before the table (prose and title
    lines), the table's rows of cells (a merged cell is one cell; the rows it spans below hold an
    empty cell, as Word's text export writes them), and, for a Word file, each row on the grid of
    columns (None where a cell spans from the left)."""

    source_name: str
    kind: str  # "文本" | "网页表格" | "Word"
    lines: list[str]
    rows: list[list[str]]
    grid: list[list[str | None]] | None = None
    # Where each row is in the document when that is more than its row number (a plan split over
    # several Word tables: "第2个表格第5行"); None: row n is "第n行".
    origins: list[str] | None = None
    # Cells of the grid that a vertical merge covers, filled with the text of the merge's first
    # cell: (row index, grid column). The preview says a value came from a merged cell.
    merged: set[tuple[int, int]] = field(default_factory=set)

    def where(self, row_no: int) -> str:
        """A row of the table as a person finds it: '第5行', or '第2个表格第5行'."""
        if self.origins is not None and 1 <= row_no <= len(self.origins):
            return self.origins[row_no - 1]
        return f"第{row_no}行"


RowContext = tuple[str, str | None, str | None, float | None]  # group, category, heading, heading points


def target_text(cell: str) -> str:
    """A target's text as one line: a Word cell's line breaks are layout, not words."""
    return "".join(part.strip() for part in cell.split("\n"))


# ---------------------------------------------------------------------------
# Rows


@dataclass
class RawRow:
    code: str
    labels: list[tuple[int, int, str]]  # (position among the cells before the code, how many, text)
    indicator_cell: str | None
    target: str
    points: str
    deadline: str
    sections: str
    persons: str
    leaders: str
    row_no: int
    # Read by a header's columns (perfdash.plan.columns): what the row's place in the table says.
    co_sections: str = ""
    standard: str = ""
    context: RowContext | None = None
    indicator_code: str | None = None
    indicator: tuple[str, float | None, str] | None = None
    where: str = ""
    code_source: str = ""
    merged: frozenset[str] = frozenset()


def split_positional(cells: list[str], row_no: int) -> RawRow | None:
    """A row read by position from its code cell: code, [indicator], target, points, deadline,
    sections, persons, leaders — the order of the Quanzhou layout, whatever comes before."""
    idx = next((i for i, c in enumerate(cells) if code_of(c)), None)
    if idx is None:
        return None
    after = cells[idx + 1 :]

    def fits(offset: int) -> bool:
        return (
            len(after) >= offset + 2
            and POINTS_CELL_RE.match(after[offset + 1].strip()) is not None
            and after[offset].strip() != ""
        )

    if fits(1):  # code, indicator, target, points, deadline, sections, persons, leaders
        ind, rest = after[0], after[1:]
    elif fits(0):  # code, target, points, …: the indicator is a sub-heading or group label
        ind, rest = None, after
    else:
        return None
    rest = rest + [""] * (6 - len(rest))
    return RawRow(
        code=code_of(cells[idx]) or "",
        labels=[(i, idx, flat(c)) for i, c in enumerate(cells[:idx]) if flat(c)],
        indicator_cell=ind,
        target=rest[0],
        points=rest[1].strip().rstrip("分").strip(),
        deadline=rest[2],
        sections=rest[3],
        persons=rest[4],
        leaders=rest[5],
        row_no=row_no,
    )


def merge_fragments(rows: list[list[str]]) -> list[list[str]]:
    """Rows that an empty paragraph at the end of a cell cut in two, joined again: a row with a
    code too short to read, followed by cells without a code."""
    out: list[list[str]] = []
    for cells in rows:
        if out:
            prev = out[-1]
            has_code = any(code_of(c) for c in prev)
            if has_code and split_positional(prev, 0) is None and not any(code_of(c) for c in cells):
                joined = prev + cells
                if split_positional(joined, 0) is not None:
                    out[-1] = joined
                    continue
        out.append(cells)
    return out


# ---------------------------------------------------------------------------
# Labels: groups (目标组), categories, indicator headings


def check_size(doc: TableDoc) -> None:
    """Refuse a table no real plan has: more than MAX_ROWS rows, a row of more than MAX_COLUMNS
    cells, or a cell of more than MAX_CELL_CHARS characters (named by its row and cell), before
    any of it is read."""
    name = doc.source_name or "文件"
    if len(doc.rows) > MAX_ROWS:
        raise PlanError(f"{name}：考评表有 {len(doc.rows):,} 行，超过 {MAX_ROWS:,} 行的上限，不像正常的方案")
    for row_no, cells in enumerate(doc.rows, start=1):
        if len(cells) > MAX_COLUMNS:
            raise PlanError(
                f"{name}：考评表第{row_no}行有 {len(cells):,} 个单元格，超过 {MAX_COLUMNS} 个的上限，不像正常的方案"
            )
        for n, cell in enumerate(cells, start=1):
            if len(cell or "") > MAX_CELL_CHARS:
                raise PlanError(
                    f"{name}：考评表第{row_no}行第{n}个单元格有 {len(cell):,} 个字，"
                    f"超过 {MAX_CELL_CHARS:,} 字的上限，不像正常的方案"
                )
