"""The section's progress ledger (台账) as a file: its columns, reading an uploaded .xlsx or CSV into
progress rows with every problem named by file, row and column, checking those rows against the plan
through the write path's own rules, and the CLI's one-step import. The template people fill in is
written by perfdash.present.templates.ledger_template_xlsx; the rules, the one write path and the
in-app editor are perfdash.workflows.progress."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from perfdash.core import intake
from perfdash.core.access import Actor
from perfdash.core.excel import cell_text
from perfdash.db.database import Database, StoreError
from perfdash.workflows import periods
from perfdash.workflows.progress import ProgressRow, commit, stored_history, unchanged_rows, validate_progress

MAX_BYTES = 2 * 1024 * 1024  # 2 MB: a year of weekly reports for every target fits many times over
MAX_ROWS = 5000
SHEET = "进度台账"
# (key, header, width, required). Headers are what the section sees and what a CSV must carry.
COLUMNS: tuple[tuple[str, str, int, bool], ...] = (
    ("code", "编号", 8, True),
    ("target", "年度工作目标", 52, False),
    ("deadline", "完成时限", 11, False),
    ("role", "本科室角色", 8, False),
    ("report_date", "填报日期", 11, True),
    ("completion_pct", "完成率(%)", 8, True),
    ("status", "状态", 9, True),
    ("note", "进展说明", 36, False),
    ("coordinate", "需协调", 8, False),  # optional: blank or 否 withdraws; a file without it keeps each flag
)
HEADER = {key: header for key, header, _, _ in COLUMNS}
COLUMN_ORDER = {header: n for n, (_, header, _, _) in enumerate(COLUMNS)}  # problems listed left to right
# How each column prints (perfdash.core.excel): the two long texts take the page width left over.
KINDS = {
    "code": "code",
    "deadline": "date",
    "role": "code",
    "report_date": "date",
    "completion_pct": "num",
    "coordinate": "code",
}
HEADER_SEARCH_ROWS = 5  # the template's title and its note stand above the header
# Header spellings people type in their own sheets.
ALIASES = {
    "完成率": "completion_pct",
    "完成率%": "completion_pct",
    "完成率（%）": "completion_pct",
    "备注": "note",
    "是否需协调": "coordinate",
    "需要协调": "coordinate",
    "是否需要协调": "coordinate",
}
# 需协调 as people mark it (compared after stripping, case-insensitive). The template offers 是/否.
FLAG_YES, FLAG_NO = "是", "否"
YES_MARKS = frozenset({"是", "√", "✓", "✔", "y", "yes", "1", "true", "需要", "需协调"})
NO_MARKS = frozenset({"否", "", "n", "no", "0", "false", "不需要", "不需协调", "×", "✗"})


@dataclass(frozen=True)
class UploadError:
    """A problem an uploader can act on: file, row, column and what is wrong."""

    file: str
    row: int | None
    column: str | None
    message: str
    sheet: str | None = None  # the worksheet of an .xlsx (a CSV has none)

    def __str__(self) -> str:
        where = self.file
        if self.sheet:
            where += f" 工作表“{self.sheet}”"
        if self.row is not None:
            where += f" 第{self.row}行"
        if self.column:
            where += f"“{self.column}”列"
        return f"{where}：{self.message}"


@dataclass
class Upload:
    """A parsed upload: the rows it proposes, each with its line in the file, and its problems.
    ``unchanged`` (set by ``check_upload``) flags the rows that repeat their target's latest
    record: saving skips them."""

    file: str
    rows: list[ProgressRow] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    errors: list[UploadError] = field(default_factory=list)
    unchanged: list[bool] = field(default_factory=list)
    sheet: str | None = None  # the worksheet read, for an .xlsx

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)

    @property
    def changed_count(self) -> int:
        """How many rows would become records (all of them until ``check_upload`` has looked)."""
        return len(self.rows) - sum(self.unchanged)


def limits() -> intake.Limits:
    """How much of an uploaded ledger is read (see perfdash.core.intake)."""
    return intake.Limits(max_bytes=MAX_BYTES, max_rows=MAX_ROWS)


# ---------------------------------------------------------------------------
# Reading an upload


def read_upload(name: str, data: bytes) -> Upload:
    """Parse an uploaded ledger (.xlsx, or CSV in UTF-8, UTF-8 with BOM or GBK) into rows, reading
    no more of the file than the limits allow (see perfdash.core.intake). Problems with the file itself
    or with single cells are collected, never raised."""
    up = Upload(file=name)
    try:
        sheet = intake.read_table(name, data, limits(), prefer=SHEET)
    except intake.FileRejected as exc:
        message = str(exc)
        up.errors.append(UploadError(name, None, None, message.removeprefix(f"{name}：")))
        return up
    if not sheet.rows:
        up.errors.append(UploadError(name, None, None, "文件是空的"))
        return up
    up.sheet = sheet.name if intake.is_zip(data) else None
    at = _header_position(sheet.rows)
    header_line, header_cells = sheet.rows[at]
    index = _column_index(header_cells)
    missing = [label for key, label, _, required in COLUMNS if required and key not in index]
    if missing:
        up.errors.append(UploadError(name, header_line, None, f"缺少必填列：{'、'.join(missing)}（请使用下载的模板）"))
        return up
    body = sheet.rows[at + 1 :]
    if not body:
        up.errors.append(UploadError(name, None, None, "文件只有表头，没有数据行"))
        return up
    pos = index["completion_pct"]
    fractions = _fraction_column([raw[pos] if pos < len(raw) else intake.Cell(None) for _, raw in body])
    for line, raw in body:

        def get(key: str, raw: list = raw) -> intake.Cell:
            pos = index.get(key)
            return raw[pos] if pos is not None and pos < len(raw) else intake.Cell(None)

        code = str(cell_text(get("code").value) or "").strip()
        status = str(cell_text(get("status").value) or "").strip()
        pct, pct_err = _number(get("completion_pct"), fractions or status == "已完成")
        day, day_err = _day(get("report_date"))
        note = str(cell_text(get("note").value) or "").strip()
        # No 需协调 column (a template of before it): None, the target's latest flag carries on
        # (progress.carry_flags); only a blank or 否 in the column withdraws a flag.
        flag, flag_err = _flag(get("coordinate")) if "coordinate" in index else (None, None)
        for key, problem in (
            ("code", None if code else "编号为空"),
            ("completion_pct", pct_err),
            ("report_date", day_err),
            ("status", None if status else "状态为空"),
            ("coordinate", flag_err),
        ):
            if problem:
                up.errors.append(UploadError(name, line, HEADER[key], problem, up.sheet))
        # Every row goes on to the plan's checks, an unreadable cell as None, so that one upload
        # reports every problem of every row.
        up.rows.append(ProgressRow(code, day, pct, status, note, flag))
        up.lines.append(line)
    return up


def _column_index(cells: list[intake.Cell]) -> dict[str, int]:
    """Where each known column stands in a header row (the template's headers, or an alias)."""
    index: dict[str, int] = {}
    for pos, c in enumerate(cells):
        h = str(c.value).strip() if c.value is not None else ""
        key = next((k for k, label, _, _ in COLUMNS if label == h), ALIASES.get(h))
        if key and key not in index:
            index[key] = pos
    return index


def _header_position(rows: list[tuple[int, list[intake.Cell]]]) -> int:
    """Which of the first rows is the header: the first naming every required column (the template
    prints a title and a note above it; a hand-made sheet may too), else the first row."""
    required = {key for key, _, _, req in COLUMNS if req}
    for at, (_, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if required <= set(_column_index(cells)):
            return at
    return 0


FORMULA_HINT = "是公式，但文件中没有保存计算结果：请在 Excel 中打开、保存后再上传，或直接填写数值"


def _plain_number(cell: intake.Cell) -> float | None:
    """The value of a completion cell written as a bare number (no % format, no % sign)."""
    value = cell_text(cell.value)
    if cell.percent or cell.percent_sign or value is None or str(value).strip().endswith(("%", "％")):
        return None
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def _fraction_column(cells: list[intake.Cell]) -> bool:
    """Whether a file writes completion as fractions (0.8 for 80%): every bare number at most 1,
    and some strictly between 0 and 1."""
    plain = [v for v in map(_plain_number, cells) if v is not None]
    return bool(plain) and all(v <= 1 for v in plain) and any(0 < v < 1 for v in plain)


def _number(cell: intake.Cell, one_may_be_whole: bool = False) -> tuple[float | None, str | None]:
    """A completion percent as the person sees it: a cell Excel shows as 80% holds 0.8 and is
    read as 80; a bare 0.8 is refused with a question rather than stored as 0.8%. A bare 1 is 1%,
    unless it probably means the whole (``one_may_be_whole``: the row says 已完成, or the file
    writes fractions), when it is questioned too."""
    if cell.formula_without_value:
        return None, f"完成率{FORMULA_HINT}"
    value = cell_text(cell.value)
    if value is None or str(value).strip() == "":
        return None, "完成率为空"
    if cell.odd_format:
        return None, (
            f"完成率单元格的数字格式“{cell.odd_format}”显示的不是单元格里的数值 {value}："
            "请改为“常规”或“百分比”格式后再上传"
        )
    text = str(value).strip()
    explicit = text.endswith(("%", "％")) or cell.percent_sign  # 80 shown as 80.0% by 0.0"%": 80
    try:
        pct = float(text.rstrip("%％").strip())
    except ValueError:
        return None, f"完成率“{value}”不是数字"
    if cell.percent:
        pct = round(pct * 100, 6)
        text = f"{pct:g}%"
    elif not explicit and (0 < pct < 1 or (pct == 1 and one_may_be_whole)):
        return None, (
            f"完成率 {pct:g}：是否指 {pct * 100:g}%？请填写 0–100 的数字（如 {pct * 100:g}），或把单元格设为百分比格式"
        )
    if pct != pct or not 0 <= pct <= 100:
        return None, f"完成率 {text.rstrip('%％')} 超出 0–100"
    return pct, None


def _flag(cell: intake.Cell) -> tuple[bool, str | None]:
    """The 需协调 cell: 是 / 否 or blank, or a mark people use for them (√, Y, 1, TRUE, 需要 /
    N, 0, FALSE, 不需要). An Excel TRUE/FALSE cell reads as a boolean; 1 and 0 may come as numbers."""
    if cell.formula_without_value:
        return False, f"需协调{FORMULA_HINT}"
    value = cell_text(cell.value)
    if isinstance(value, bool):
        return value, None
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value), None
    text = "" if value is None else str(value).strip()
    if text.lower() in YES_MARKS:
        return True, None
    if text.lower() in NO_MARKS:
        return False, None
    return False, (
        f"“{text[:20]}”不是可识别的需协调标记，需要领导协调的填“{FLAG_YES}”（也可填 √、Y、1），"
        f"不需要的填“{FLAG_NO}”或留空"
    )


def _day(cell: intake.Cell) -> tuple[date | None, str | None]:
    if cell.formula_without_value:
        return None, f"填报日期{FORMULA_HINT}"
    value = cell.value
    if isinstance(value, datetime):
        return value.date(), None
    if isinstance(value, date):
        return value, None
    text = str(value or "").strip()
    if not text:
        return None, "填报日期为空"
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, fmt).date(), None
        except ValueError:
            continue
    return None, f"填报日期“{text[:40]}”无法识别（应如 2025-06-30）"


# ---------------------------------------------------------------------------
# Checking an upload against the plan, and the CLI's import


def check_upload(store: Database, plan_id: int, actor: Actor, up: Upload, today: date | None = None) -> Upload:
    """Add the plan-level problems of every row (unknown code, not this section's, completion,
    status, the date against the open reporting period, duplicates) to an upload, each named by
    file, row and column, through the same rules the write path uses; a cell the reader already
    reported is not reported twice."""
    _, owners = store.progress_rules(plan_id)
    period = periods.calendar(store, plan_id)
    known = {(e.row, e.column) for e in up.errors}
    for p in validate_progress(up.rows, owners, actor, period, today or date.today()):
        where = (up.lines[p.index], HEADER[p.column])
        if where not in known:
            up.errors.append(UploadError(up.file, *where, p.message, up.sheet))
    up.errors.sort(key=lambda e: (e.row or 0, COLUMN_ORDER.get(e.column or "", 99)))
    up.unchanged = unchanged_rows(up.rows, stored_history(store, plan_id, up.rows)) if up.rows else []
    return up


def import_file(
    store: Database, plan_id: int, actor: Actor, path: str | Path, today: date | None = None
) -> tuple[int, int, list[UploadError]]:
    """Read, check and commit a ledger file in one go (the CLI's batch import).
    Returns (rows written, rows read, problems); with any problem nothing is written. Rows read
    less rows written is how many repeated their target's latest record and were skipped."""
    path = Path(path)
    if not path.exists():
        return 0, 0, [UploadError(path.name, None, None, "文件不存在")]
    up = check_upload(store, plan_id, actor, read_upload(path.name, path.read_bytes()), today)
    if up.errors:
        return 0, len(up.rows), up.errors
    try:
        return commit(store, plan_id, actor, up.rows, today), len(up.rows), []
    except StoreError as exc:  # a concurrent change of the plan between check and commit
        return 0, len(up.rows), [UploadError(path.name, None, None, str(exc))]
