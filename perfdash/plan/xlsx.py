"""The plan in Excel. The template, read back: one row per target, the same fields as the JSON
form. This module owns the template's columns; perfdash.present.templates.plan_template_xlsx writes
the file (every download is built there, and printed by the office-suite test). Any other workbook
(another bureau's 考评表 kept in Excel) is read as a table, like the Word file: ``xlsx_document``
turns its 考评表 sheet into the rows of cells perfdash.plan.table reads."""

from __future__ import annotations

import itertools
import time
import zipfile
from bisect import bisect_left, bisect_right
from datetime import date, datetime
from pathlib import Path

from openpyxl.utils.cell import get_column_letter, range_boundaries

from perfdash.core import intake
from perfdash.core.excel import cell_text
from perfdash.plan.cells import code_of, find_title, flat
from perfdash.plan.checks import validate
from perfdash.plan.deadlines import read_deadline
from perfdash.plan.mapping import header_map
from perfdash.plan.model import CODE_RE, Check, Plan, PlanError, Target, fmt_num, num
from perfdash.plan.table import MAX_CELL_CHARS, MAX_COLUMNS, MAX_ROWS, TableDoc

SHEET = "考评表"
META_SHEET = "方案"
LIST_SEP = "、"
# (key, header, width). The header names the JSON key too, so the sheet documents itself. Widths
# in Excel's character units: together one A4 landscape page at 100 % (the headers wrap).
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("code", "编号 code", 7),
    ("group", "目标组 group", 8),
    ("category", "类别 category", 9),
    ("indicator_code", "一级指标编号 indicator_code", 6),
    ("indicator", "一级指标 indicator", 22),
    ("indicator_points", "指标分值 indicator_points", 6),
    ("source_note", "指标来源 source_note", 8),
    ("target", "年度工作目标 target", 40),
    ("points", "分值 points", 6),
    ("deadline", "完成时限 deadline", 11),
    ("sections", "责任科室 sections（、分隔，首个为牵头）", 11),
    ("persons", "责任人 persons（、分隔，与科室一一对应）", 8),
    ("leaders", "分管领导 leaders（、分隔）", 6),
)
LIST_KEYS = ("sections", "persons", "leaders")
LIMITS = intake.Limits(max_bytes=5 * intake.MB, max_rows=2000)  # a plan has tens of targets, not thousands


def read_plan_xlsx_bytes(name: str, data: bytes) -> Plan:
    """Read a plan from the Excel template by the Word reader's rules: what can be defaulted (an
    empty 完成时限, 责任科室 or 目标组, a deadline phrase) is taken with a warning in plan.checks;
    what cannot (a bad code, missing points, an empty target, a missing sheet, column, unit or
    year) refuses the whole file, one line per bad cell naming its sheet, row and column."""
    path = Path(name)
    if not intake.is_zip(data):
        raise PlanError(f"{path.name}：不是有效的 Excel 文件（.xlsx），请用 Excel 另存为 .xlsx 后再试")
    try:
        with intake.Workbook(path.name, data, LIMITS) as wb:
            meta_sheet = wb.named(META_SHEET)
            plan_sheet = wb.named(SHEET)
    except intake.FileRejected as exc:
        raise PlanError(str(exc)) from exc
    if plan_sheet is None:
        raise PlanError(f"{path.name}：缺少工作表“{SHEET}”")
    unit, year, title = "", None, ""
    for _, row in meta_sheet.rows if meta_sheet else []:
        key, value = _text(row[0].value), row[1].value if len(row) > 1 else None
        if key.startswith("单位"):
            unit = _text(value)
        elif key.startswith("年度"):
            year = _int(value)
        elif key.startswith("标题"):
            title = _text(value)
    errors: list[str] = []
    if meta_sheet is None:
        errors.append(f"{path.name}：缺少工作表“{META_SHEET}”（填写单位、年度）")
    else:
        if not unit:
            errors.append(f"{path.name} 工作表“{META_SHEET}”：缺少“单位”")
        if year is None:
            errors.append(f"{path.name} 工作表“{META_SHEET}”：缺少或无法识别“年度”")
    if not plan_sheet.rows:
        raise PlanError(f"{path.name}：工作表“{SHEET}”是空的")
    header_no, header_cells = plan_sheet.rows[0]
    header = [_text(c.value) for c in header_cells]
    index: dict[str, int] = {}
    for key, label, _ in COLUMNS:
        pos = next((i for i, h in enumerate(header) if _names_column(h, key, label)), None)
        if pos is None:
            errors.append(f"{path.name} 工作表“{SHEET}”第{header_no}行：缺少列“{label}”")
        else:
            index[key] = pos
    if errors:
        raise PlanError("\n".join(errors))
    assert year is not None  # refused above when missing
    rows = [_Row(path.name, n, cells, index, year) for n, cells in plan_sheet.rows[1:]]
    errors = [e for r in rows for e in r.errors]
    if errors:
        raise PlanError("\n".join(errors))
    if not rows:
        raise PlanError(f"{path.name} 工作表“{SHEET}”：没有任何目标行")
    targets, checks = _fill_indicator_points(rows)
    plan = Plan(
        unit=unit,
        year=year,
        title=title,
        targets=targets,
        source_name=path.name,
        suggested_milestones={r.code: r.earlier for r in rows if r.earlier},
    )
    plan.checks = checks + validate(plan)
    return plan


def _names_column(header: str, key: str, label: str) -> bool:
    """Whether a header cell names the template's column ``key`` (its label, or its JSON key)."""
    return header == label or header.split(" ")[-1] == key or key in header.split()


class _Row:
    """One row of the 考评表 read into a target's fields, with the row's errors (which refuse the
    file) and warnings (defaults taken, as the Word reader takes them)."""

    def __init__(self, file: str, n: int, cells: list[intake.Cell], index: dict[str, int], year: int):
        self.file, self.n, self.cells, self.index = file, n, cells, index
        self.errors: list[str] = []
        self.checks: list[Check] = []
        self.sources: list[tuple[str, str]] = []
        self.earlier: tuple[date, ...] = ()
        for key in index:
            if self._cell(key).formula_without_value:
                self.errors.append(
                    f"{self.where(key)}：是公式，但文件里没有保存计算结果，请在 Excel 中打开、保存后再上传"
                )
        if self.errors:
            return
        self.code = self.text("code")
        if not self.code:
            self.errors.append(f"{self.where('code')}：编号为空")
        elif not CODE_RE.match(self.code):
            self.errors.append(f"{self.where('code')}：编号“{self.code}”格式不对（应如 1-1-1 或 4-1）")
        self.group = self.text("group")
        if not self.group:
            self.group = "未分组"
            self.warn("目标组", "目标组名称", "缺失", f"{self.where('group')}：没有填写目标组，归入“{self.group}”")
        self.category = self.text("category") or self.group
        self.indicator_code = self.text("indicator_code")
        self.indicator = self.text("indicator")
        self.indicator_points = self.number("indicator_points", "指标分值", positive=False)
        self.source_note = self.text("source_note")
        self.target = self.text("target")
        if not self.target:
            self.errors.append(f"{self.where('target')}：年度工作目标为空")
        if self._empty("points"):
            self.errors.append(f"{self.where('points')}：分值为空")
        points = self.number("points", "分值", positive=True)
        self.points = points or 0.0
        self.deadline = self._deadline(year)
        self.sections = tuple(_list(self.text("sections")))
        if not self.sections:
            self.warn("责任科室", "至少一个", "无", f"{self.where('sections')}：没有填写责任科室")
        self.persons = tuple(_list(self.text("persons")))
        if not self.persons:
            self.warn("责任人", "至少一人", "无", f"{self.where('persons')}：没有填写责任人")
        elif self.sections and len(self.persons) != len(self.sections):
            self.warn(
                "责任人",
                f"{len(self.sections)} 人（每个责任科室一人）",
                f"{len(self.persons)} 人",
                f"{self.where('persons')}：有 {len(self.sections)} 个责任科室，却有 {len(self.persons)} 个责任人："
                + LIST_SEP.join(self.persons),
            )
        self.leaders = tuple(_list(self.text("leaders")))

    def where(self, key: str) -> str:
        """The cell as the person finds it: file, sheet, row and column."""
        label = next(h for k, h, _ in COLUMNS if k == key)
        return f"{self.file} 工作表“{SHEET}”第{self.n}行“{label}”列"

    def warn(self, check: str, expected: str, actual: str, message: str) -> None:
        self.checks.append(Check(check, self.code or f"第{self.n}行", expected, actual, False, message))

    def _cell(self, key: str) -> intake.Cell:
        pos = self.index[key]
        return self.cells[pos] if pos < len(self.cells) else intake.Cell(None)

    def value(self, key: str) -> object:
        return cell_text(self._cell(key).value)

    def _empty(self, key: str) -> bool:
        return self.text(key) == ""

    def text(self, key: str) -> str:
        return _text(self.value(key))

    def number(self, key: str, label: str, *, positive: bool) -> float | None:
        """A number cell (or text such as '5' or '5分'); None when empty or not a number (the
        latter named in errors: not positive for points, negative or not a number for the rest)."""
        value = self.value(key)
        if _empty(value):
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            x: float | None = float(value)
        else:
            shown = _text(value)
            x = _float(shown.rstrip("分").strip())
            if x is not None:
                self.sources.append((key, shown))
        if positive and (x is None or x <= 0):
            self.errors.append(f"{self.where(key)}：{label}“{_text(value)}”不是正数")
            return None
        if x is None:
            self.errors.append(f"{self.where(key)}：{label}“{_text(value)}”不是数字")
        elif x < 0:
            self.errors.append(f"{self.where(key)}：{label}“{_text(value)}”不能是负数")
            return None
        return x

    def _deadline(self, year: int) -> date:
        """A date cell as it is; a text cell read as the Word reader reads a 完成时限 phrase; an
        empty or unreadable one is the year's end, with a warning."""
        value = self.value("deadline")
        year_end = date(year, 12, 31)
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        shown = _text(value)
        if not shown:
            self.warn(
                "完成时限",
                "可识别的时限",
                "空",
                f"{self.where('deadline')}：没有填写完成时限，按年底（{year_end}）处理，请核对",
            )
            return year_end
        self.sources.append(("deadline", shown))
        read = read_deadline(shown, year)
        if read.date is None:
            self.warn(
                "完成时限",
                "可识别的时限",
                shown,
                f"{self.where('deadline')}：完成时限“{shown}”无法识别，按年底（{year_end}）处理，请核对",
            )
            return year_end
        if not read.certain:
            self.warn("完成时限", "确定的时限", shown, f"{self.where('deadline')}：{read.note}")
        self.earlier = read.earlier
        return read.date

    def as_target(self, indicator_points: float) -> Target:
        return Target(
            code=self.code,
            group=self.group,
            category=self.category,
            indicator_code=self.indicator_code,
            indicator=self.indicator,
            indicator_points=indicator_points,
            source_note=self.source_note,
            target=self.target,
            points=self.points,
            deadline=self.deadline,
            sections=self.sections,
            persons=self.persons,
            leaders=self.leaders,
            sources=tuple(self.sources),
        )


def _fill_indicator_points(rows: list[_Row]) -> tuple[list[Target], list[Check]]:
    """The targets, and the rows' warnings. An empty 指标分值 takes the value another row of the same
    indicator states (a merged cell is read in its first row only), else the sum of the indicator's
    targets, as the Word reader does, with one warning per indicator."""
    stated: dict[str, float] = {}
    sums: dict[str, float] = {}
    for r in rows:
        if r.indicator_points is not None:
            stated.setdefault(r.indicator_code, r.indicator_points)
        sums[r.indicator_code] = sums.get(r.indicator_code, 0.0) + r.points
    checks: list[Check] = []
    targets: list[Target] = []
    for r in rows:
        checks += r.checks
        points = r.indicator_points
        if points is None:
            points = stated.get(r.indicator_code)
        if points is None:
            points = stated[r.indicator_code] = float(num(sums[r.indicator_code]))
            shown = r.indicator_code or r.code
            checks.append(
                Check(
                    "指标分值",
                    shown,
                    "指标分值",
                    "空",
                    False,
                    f"{r.where('indicator_points')}：一级指标 {shown} 没有填写指标分值，"
                    f"按其目标分值合计（{fmt_num(points)}）处理，请核对",
                )
            )
        targets.append(r.as_target(points))
    return targets, checks


def _empty(value: object) -> bool:
    return _text(value) == ""


def _text(value: object) -> str:
    """A cell as text: '' when empty (never 'None'), 2 rather than 2.0, a date as 2025-12-31."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _list(value: str) -> list[str]:
    return [x.strip() for x in value.replace("，", LIST_SEP).replace(",", LIST_SEP).split(LIST_SEP) if x.strip()]


def _float(value: object) -> float | None:
    try:
        return float(str(value).strip()) if value is not None and str(value).strip() != "" else None
    except ValueError:
        return None


def _int(value: object) -> int | None:
    f = _float(value)
    return int(f) if f is not None and f.is_integer() else None


# ---------------------------------------------------------------------------
# Another bureau's 考评表 in Excel, read as a table

# The table reader's limits (perfdash.plan.table) on what a 考评表 can hold, applied while the file
# is read: a row past MAX_ROWS, a column past MAX_COLUMNS (not read) or a longer cell is refused.
TABLE_LIMITS = intake.Limits(
    max_bytes=10 * intake.MB,  # perfdash.plan.MAX_PLAN_BYTES
    max_rows=MAX_ROWS,
    max_cols=MAX_COLUMNS,
    max_cell_chars=MAX_CELL_CHARS,
)
TABLE_KIND = "Excel 表格"
HEADER_SEARCH_ROWS = 20  # a 考评表's header row is among a sheet's first non-empty rows
TEMPLATE_SEARCH_ROWS = 100  # the template's header is its first row: rows looked at to find it
MAX_MERGES = 20_000  # merged ranges of one sheet: a real 考评表 has tens to hundreds
# Text repeated on the grid down vertical merges, as the Word reader counts it
# (perfdash.plan.docx.MAX_MERGED_CHARS): a real plan repeats a few thousand characters.
MAX_MERGED_CHARS = 5_000_000
REFUSED = "文件可能被构造成耗尽服务器资源，已拒绝"
NOT_FOUND = (
    "Excel 文件中没有找到考评表：各工作表都没有“年度工作目标、分值”等表头或 1-1-1 式编号。"
    "可下载本系统的 Excel 模板填写，或上传方案的 Word 文件"
)
# How a merged range covers a grid cell: its first cell, a cell to the right of it, the first
# column of a row below it.
_ANCHOR, _HORIZONTAL, _VERTICAL = 1, 2, 3
_NO_END = 1 << 40  # the last row or column of a range such as A:A or 1:3


def is_template(name: str, data: bytes) -> bool:
    """Whether a workbook is perfdash's own template: a visible sheet “考评表” beside the sheet
    “方案”, or whose first non-empty row names one of the template's columns. A file that cannot
    be opened counts as the template, so that the template reader refuses it as it always has."""
    try:
        with intake.Workbook(Path(name).name, data, TABLE_LIMITS) as wb:
            sheets = {ws.title: ws for ws in wb.visible}
            ws = sheets.get(SHEET)
            if ws is None:
                return False
            if META_SHEET in sheets:
                return True
            ws.reset_dimensions()  # never trust the declared <dimension> (see perfdash.core.intake)
            rows = ws.iter_rows(max_col=TABLE_LIMITS.max_cols, values_only=True)
            for values in itertools.islice(rows, TEMPLATE_SEARCH_ROWS):
                header = [_text(cell_text(v)) for v in values]
                if any(header):
                    return any(_names_column(h, key, label) for h in header for key, label, _ in COLUMNS)
            return False
    except MemoryError:
        raise  # the worker's memory budget, not a damaged file
    except Exception:  # FileRejected, or a damaged sheet failing as its rows are read: the template reader says so
        return True


def xlsx_document(name: str, data: bytes) -> TableDoc:
    """A workbook that is not the template, as the table reader sees it: the sheet that holds
    the 考评表 (a header row such as 编号 | 年度工作目标 | 分值 | … or 1-1-1 codes; of several, the one
    with the most rows), each cell as the text Excel shows (5 for 5.0, 2025-06-30 for a date).
    The rows above the table (附件1, the title) are its lines. A merged range is one cell: on the
    grid its text stands in its first cell, the columns it spans are None and the rows below it
    hold its text again (listed in ``merged``); in the rows of cells those rows hold "", as Word's
    text export writes them. Bounded: the sheet is read with TABLE_LIMITS, and a merged range
    counts only the rows and columns that were read, however far it claims to reach."""
    shown = Path(name).name
    if not intake.is_zip(data):
        raise PlanError(f"{shown}：不是有效的 Excel 文件（.xlsx），请用 Excel 另存为 .xlsx 后再试")
    try:
        with intake.Workbook(shown, data, TABLE_LIMITS) as wb:
            chosen = _table_sheet(wb)
            if chosen is None:
                raise PlanError(f"{shown}：{NOT_FOUND}")
            ws, sheet = chosen
            merges = _merged_ranges(shown, wb.archive, ws._worksheet_path.lstrip("/"))  # as intake reads it
    except intake.FileRejected as exc:
        raise PlanError(str(exc)) from exc
    return _document(shown, sheet, merges)


def _table_sheet(wb: intake.Workbook) -> tuple[object, intake.Sheet] | None:
    """The visible sheet that looks like a 考评表 and has the most non-empty rows (the first of
    equals), with its rows; None when no sheet looks like one."""
    best: tuple[object, intake.Sheet] | None = None
    for ws in wb.visible:
        sheet = wb.named(ws.title)
        if sheet is None or not _looks_like_table(sheet):
            continue
        if best is None or len(sheet.rows) > len(best[1].rows):
            best = (ws, sheet)
    return best


def _looks_like_table(sheet: intake.Sheet) -> bool:
    """A header row among the first rows, or two rows holding a target code typed as text (a
    number such as 1.5 or a date is not a code)."""
    for _, cells in sheet.rows[:HEADER_SEARCH_ROWS]:
        if header_map([_plain(c.value) for c in cells]):
            return True
    coded = 0
    for _, cells in sheet.rows:
        if any(isinstance(c.value, str) and _is_code(c.value) for c in cells):
            coded += 1
            if coded >= 2:
                return True
    return False


def _is_code(text: str) -> bool:
    code = code_of(text)
    return code is not None and len(code.split("-")[0]) <= 2  # 2025-06-30 is a date, not a code


def _plain(value: object) -> str:
    """A cell's value as text, without the checks of ``_shown`` (to recognise a header)."""
    return _text(cell_text(value))


def _number(x: float) -> str:
    """A number as Excel's General format shows it: 5 for 5.0, 0.3 for 0.30000000000000004."""
    return str(int(x)) if x.is_integer() else format(x, ".15g")


def _shown(file: str, sheet: str, row: int, col: int, cell: intake.Cell) -> str:
    """The text a cell shows: numbers without a trailing .0, percentages with their sign, dates
    as 2025-06-30. A formula whose result the file does not hold, or a cell longer than the
    table reader takes, refuses the file naming the cell."""
    where = f"{file} 工作表“{sheet}”单元格 {get_column_letter(col)}{row}"
    if cell.formula_without_value:
        raise PlanError(f"{where}：是公式，但文件里没有保存计算结果，请在 Excel 中打开、保存后再上传")
    value = cell_text(cell.value)
    if isinstance(value, bool):
        text = "是" if value else "否"
    elif isinstance(value, int | float):
        if cell.percent:
            text = _number(float(value) * 100) + "%"
        else:
            text = _number(float(value)) + ("%" if cell.percent_sign else "")
    elif isinstance(value, datetime):
        text = value.date().isoformat()
    elif isinstance(value, date):
        text = value.isoformat()
    elif value is None:
        text = ""
    else:
        text = str(value).replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(text) > MAX_CELL_CHARS:
        raise PlanError(f"{where}：有 {len(text):,} 个字，超过 {MAX_CELL_CHARS:,} 字的上限，不像正常的方案")
    return text


def _merged_ranges(name: str, archive: zipfile.ZipFile, member: str) -> list[tuple[int, int, int, int]]:
    """The sheet's merged ranges as (first column, first row, last column, last row), from its
    XML's <mergeCell ref="A1:H1"/> (openpyxl's read-only sheets do not give them, and its full
    load lays out a cell object for every cell a range covers). A range is kept as it is
    declared, however large: only the rows and columns read are ever laid out."""
    started = time.monotonic()
    parser = intake._expat(name)  # the upload readers' parser: no DTD, no entities
    ranges: list[tuple[int, int, int, int]] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        if tag.rsplit(":", 1)[-1] != "mergeCell":
            return
        if len(ranges) >= MAX_MERGES:
            raise PlanError(f"{name}：工作表的合并单元格超过 {MAX_MERGES:,} 处，不像正常的方案，{REFUSED}")
        try:
            min_col, min_row, max_col, max_row = range_boundaries(attrs.get("ref", "")[:40])
        except (ValueError, TypeError):
            return  # not a range Excel writes: the cells are read as they are
        ranges.append((min_col or 1, min_row or 1, max_col or _NO_END, max_row or _NO_END))  # A:A, 1:3

    parser.StartElementHandler = start
    with archive.open(member) as stream:
        intake._feed(parser, stream, name, started, TABLE_LIMITS)
    return ranges


def _document(name: str, sheet: intake.Sheet, merges: list[tuple[int, int, int, int]]) -> TableDoc:
    """The TableDoc of a sheet's non-empty rows and its merged ranges (see xlsx_document)."""
    numbers = [n for n, _ in sheet.rows]
    texts = [[_shown(name, sheet.name, n, col, c) for col, c in enumerate(cells, start=1)] for n, cells in sheet.rows]
    width = max((max((i + 1 for i, t in enumerate(row) if t), default=0) for row in texts), default=0)
    grid: list[list[str | None]] = [[*row[:width], *[""] * (width - len(row))] for row in texts]
    cover = bytearray(width * len(grid))  # _ANCHOR / _HORIZONTAL / _VERTICAL per grid cell
    merged: set[tuple[int, int]] = set()
    room = MAX_MERGED_CHARS
    for min_col, min_row, max_col, max_row in merges:
        first, last = min_col - 1, min(max_col, width) - 1
        if first >= width or first > last or max_row < min_row:
            continue
        lo, hi = bisect_left(numbers, min_row), bisect_right(numbers, max_row)
        for i in range(lo, hi):
            taken = next((c for c in range(first, last + 1) if cover[i * width + c]), None)
            if taken is not None:
                raise PlanError(
                    f"{name} 工作表“{sheet.name}”：单元格 {get_column_letter(taken + 1)}{numbers[i]} "
                    "属于两处合并单元格，文件可能已损坏，请在 Excel 中取消合并、重新合并后保存再上传"
                )
        text = (grid[lo][first] or "") if lo < hi and numbers[lo] == min_row else ""
        for i in range(lo, hi):
            top = numbers[i] == min_row
            for c in range(first, last + 1):
                cover[i * width + c] = (_ANCHOR if top else _VERTICAL) if c == first else _HORIZONTAL
                if c > first:
                    grid[i][c] = None
            if top:
                continue
            grid[i][first] = text
            if text:
                room -= len(text)
                if room < 0:
                    raise PlanError(
                        f"{name}：考评表合并单元格展开后的文字超过 {MAX_MERGED_CHARS:,} 字，不像正常的方案，{REFUSED}"
                    )
                merged.add((i, first))
    rows = [
        [
            "" if cover[i * width + c] == _VERTICAL else cell or ""
            for c, cell in enumerate(on_grid)
            if cover[i * width + c] != _HORIZONTAL
        ]
        for i, on_grid in enumerate(grid)
    ]
    start = _table_start(grid)
    lines = [" ".join(t for t in (flat(c or "") for c in on_grid) if t) for on_grid in grid[:start]]
    return TableDoc(
        source_name=name,
        kind=TABLE_KIND,
        lines=lines,
        rows=rows[start:],
        grid=grid[start:],
        origins=[f"第{n}行" for n in numbers[start:]],
        merged={(i - start, c) for i, c in merged if i >= start},
    )


def _table_start(grid: list[list[str | None]]) -> int:
    """Where the table begins below the rows above it (附件1, the title): at its header row;
    without one, after the title found among the rows above the first target code."""
    for i, cells in enumerate(grid[:HEADER_SEARCH_ROWS]):
        if header_map(cells):
            return i
    first_code = next((i for i, cells in enumerate(grid) if any(c and _is_code(c) for c in cells)), len(grid))
    above = [" ".join(flat(c or "") for c in cells if c) for cells in grid[: min(first_code, HEADER_SEARCH_ROWS)]]
    found = find_title(above)
    return found[0] + 1 if found else 0
