"""Bounded reading of files people upload: archive checks, streamed spreadsheet rows, text decoding.

Nothing here trusts what a file says about itself. A spreadsheet's declared dimension, its row
numbers and its compression ratio are all checked against fixed limits before any row is built,
so a small hostile file cannot make the server build a large table (the 1.8 KB sheet that claims
A1:XFD1048576 is refused from its row number alone, before openpyxl reads a row).
"""

from __future__ import annotations

import csv
import io
import re
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from xml.parsers import expat

from openpyxl import load_workbook

MB = 1024 * 1024


class FileRejected(ValueError):
    """A file refused before or while reading it (message in Chinese, naming the file)."""


@dataclass(frozen=True)
class Limits:
    """What one kind of upload may hold. ``max_rows`` counts non-empty rows below the header."""

    max_bytes: int
    max_rows: int
    max_cols: int = 60
    max_cell_chars: int = 5000
    max_uncompressed: int = 16 * MB
    max_members: int = 400
    max_ratio: int = 200  # a member over 1 MB expanding more than this is a compression bomb
    max_cells: int = 250_000
    max_cells_per_row: int = 2000
    max_seconds: float = 10.0

    @property
    def max_row_number(self) -> int:
        """The furthest row a sheet may use: room for blank rows between the data, no more."""
        return 2 * self.max_rows + 100


@dataclass(frozen=True)
class Cell:
    """One cell as the person sees it: its value, whether Excel shows it as a percentage, and
    whether it is a formula the file holds no computed value for."""

    value: object
    percent: bool = False
    formula_without_value: bool = False
    percent_sign: bool = False  # the format shows a literal % after the number (0.0"%"): not scaled
    odd_format: str = ""  # a number format that shows something other than the value (0,  0%%)


@dataclass
class Sheet:
    """The non-empty rows of one sheet, each with its row number in the file."""

    name: str
    rows: list[tuple[int, list[Cell]]] = field(default_factory=list)


def check_size(name: str, data: bytes, limits: Limits) -> None:
    """Refuse an empty file or one over the size limit."""
    if not data:
        raise FileRejected(f"{name}：文件是空的")
    if len(data) > limits.max_bytes:
        raise FileRejected(
            f"{name}：文件有 {len(data) / MB:.1f} MB，超过 {limits.max_bytes / MB:g} MB 上限，请删去多余内容后再上传"
        )


def is_zip(data: bytes) -> bool:
    """Whether the bytes are a ZIP archive (.xlsx and .docx are)."""
    return data[:4] == b"PK\x03\x04"


def check_archive(name: str, data: bytes, limits: Limits, kind: str = "Excel") -> zipfile.ZipFile:
    """Open an Office file's ZIP archive after checking, from its directory alone, that it
    expands to a bounded size: member count, total uncompressed size and compression ratio."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise FileRejected(f"{name}：无法作为 {kind} 文件读取，文件可能已损坏（{exc.__class__.__name__}）") from exc
    if len(members) > limits.max_members:
        raise FileRejected(
            f"{name}：压缩包内有 {len(members)} 个部件，超过 {limits.max_members} 个，不像正常的 {kind} 文件"
        )
    total = sum(m.file_size for m in members)
    if total > limits.max_uncompressed:
        raise FileRejected(
            f"{name}：解压后有 {total / MB:.0f} MB，超过 {limits.max_uncompressed / MB:g} MB 上限，"
            "请删去多余内容后再上传"
        )
    for m in members:
        if m.file_size > MB and m.file_size > limits.max_ratio * max(m.compress_size, 1):
            raise FileRejected(
                f"{name}：部件 {m.filename} 的压缩比异常（{m.file_size // max(m.compress_size, 1)} 倍），已拒绝"
            )
    return archive


class _Stop(Exception):
    """Raised from an expat handler to end a scan early."""


def _expat(name: str) -> expat.XMLParserType:
    parser = expat.ParserCreate()

    def no_dtd(*_args: object) -> None:
        raise FileRejected(f"{name}：文件中含有文档类型定义（DTD），Office 文件不会含有，已拒绝")

    parser.StartDoctypeDeclHandler = no_dtd
    parser.EntityDeclHandler = no_dtd
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    return parser


def _feed(parser: expat.XMLParserType, stream: io.BufferedIOBase, name: str, started: float, limits: Limits) -> None:
    try:
        while True:
            chunk = stream.read(64 * 1024)
            if time.monotonic() - started > limits.max_seconds:
                raise FileRejected(f"{name}：文件过于复杂，{limits.max_seconds:g} 秒内未能读完，已停止")
            parser.Parse(chunk, not chunk)
            if not chunk:
                return
    except expat.ExpatError as exc:
        raise FileRejected(f"{name}：文件内容不是有效的 XML，文件可能已损坏（{exc}）") from exc
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        if isinstance(exc, FileRejected):
            raise
        raise FileRejected(f"{name}：文件已损坏，无法解压（{exc.__class__.__name__}）") from exc


def scan_xml_members(name: str, archive: zipfile.ZipFile, limits: Limits) -> None:
    """Every XML part parses without a DTD (no entity tricks) within the time limit."""
    started = time.monotonic()
    for member in archive.infolist():
        if member.filename.endswith((".xml", ".rels")):
            with archive.open(member) as stream:
                _feed(_expat(name), stream, name, started, limits)


@dataclass
class _SheetScan:
    """What a constant-memory pass over a worksheet's XML found."""

    formulas_without_value: set[tuple[int, int]] = field(default_factory=set)
    hidden_rows: set[int] = field(default_factory=set)


_FORMAT_SKIP = re.compile(r'"[^"]*"?|\\.|\[[^\]]*\]?|_.|\*.')  # quoted text, \x, [colour], _x, *x


_FORMAT_LITERAL = re.compile(r'"[^"]*"?|\\.')  # what a format prints as it is


def format_section(fmt: str, value: float) -> str:
    """The part of an Excel number format that applies to ``value`` (positive;negative;zero;text),
    with what is shown literally removed: quoted text, escaped characters, [colour] and
    [condition] brackets, and the _x / *x spacing codes."""
    sections = fmt.split(";") if '"' not in fmt and "\\" not in fmt else _split_sections(fmt)
    index = 0 if value > 0 or len(sections) == 1 else (1 if value < 0 else (2 if len(sections) > 2 else 0))
    return _FORMAT_SKIP.sub("", sections[min(index, len(sections) - 1)])


def _split_sections(fmt: str) -> list[str]:
    """A format's sections, split on the semicolons that are not inside quotes or escaped."""
    sections, current, quoted, escaped = [], [], False, False
    for ch in fmt:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == ";" and not quoted:
            sections.append("".join(current))
            current = []
            continue
        current.append(ch)
    sections.append("".join(current))
    return sections


def number_cell(value: object, fmt: str) -> dict[str, object]:
    """How Excel shows a number under ``fmt``, for ``Cell``: ``percent`` when a real % (outside
    quotes and escapes) multiplies it by 100; ``percent_sign`` when the % is only printed beside
    it (0.0"%" shows 80 as 80.0%); ``odd_format`` when the format shows another number than the
    value (two % signs, or a thousands scaling comma such as 0,), which is refused, not guessed."""
    if not isinstance(value, int | float) or isinstance(value, bool) or not fmt or fmt == "General":
        return {}
    section = format_section(fmt[:255], float(value))  # Excel's own limit on a format's length
    real = section.count("%")
    literal = "%" in fmt and real == 0 and "%" in _literal_text(fmt)
    scaled = re.search(r"[0#?][,]+(?![0#?])", section) is not None
    if real > 1 or scaled:
        return {"odd_format": fmt[:60]}
    return {"percent": real == 1, "percent_sign": literal}


def _literal_text(fmt: str) -> str:
    return "".join(m.group(0) for m in _FORMAT_LITERAL.finditer(fmt))


def _column_number(ref: str) -> int:
    n = 0
    for ch in ref:
        if "A" <= ch <= "Z":
            n = n * 26 + ord(ch) - 64
        else:
            break
    return n


def scan_sheet(name: str, archive: zipfile.ZipFile, member: str, limits: Limits) -> _SheetScan:
    """Walk a worksheet's XML once, building nothing: refuse it when a row lies beyond the row
    limit, a row or the sheet holds too many cells, or a cell's text is too long; note formula
    cells without a cached value (Excel shows a number, the file holds none)."""
    started = time.monotonic()
    parser = _expat(name)
    scan = _SheetScan()
    state = {"row": 0, "rows": 0, "cells": 0, "in_row": 0, "text": 0, "col": 0, "f": False, "v": False, "ref": ""}

    def start(tag: str, attrs: dict[str, str]) -> None:
        local = tag.rsplit(":", 1)[-1]
        if local == "row":
            state["rows"] += 1
            row = int(attrs["r"]) if attrs.get("r", "").isdigit() else state["row"] + 1
            state["row"] = max(row, state["row"] + 1)
            state["in_row"] = 0
            state["col"] = 0
            if attrs.get("hidden") in ("1", "true") and state["row"] <= limits.max_row_number:
                scan.hidden_rows.add(state["row"])
            if state["row"] > limits.max_row_number:
                raise FileRejected(
                    f"{name}：第 {state['row']} 行仍有内容，超出 {limits.max_rows} 行的上限"
                    "（请删除表格下方多余的行，或分成几个文件上传）"
                )
        elif local == "c":
            state["cells"] += 1
            state["in_row"] += 1
            ref = attrs.get("r", "")
            state["col"] = _column_number(ref) if ref else state["col"] + 1
            state["ref"] = ref
            state["f"] = state["v"] = False
            if state["in_row"] > limits.max_cells_per_row or state["cells"] > limits.max_cells:
                raise FileRejected(f"{name}：第 {state['row']} 行单元格过多，不像正常的台账，已拒绝")
        elif local in ("v", "t", "f"):
            state["text"] = 0
            if local == "f":
                state["f"] = True
            elif local == "v":
                state["v"] = True

    def end(tag: str) -> None:
        if tag.rsplit(":", 1)[-1] == "c" and state["f"] and not state["v"]:
            scan.formulas_without_value.add((state["row"], state["col"]))

    def text(data: str) -> None:
        state["text"] += len(data)
        if state["text"] > limits.max_cell_chars:
            where = state["ref"] or f"第 {state['row']} 行"
            raise FileRejected(f"{name}：单元格 {where} 的内容超过 {limits.max_cell_chars} 个字符，已拒绝")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    with archive.open(member) as stream:
        _feed(parser, stream, name, started, limits)
    return scan


class Workbook:
    """An uploaded workbook opened for bounded reading (use it as a context manager)."""

    def __init__(self, name: str, data: bytes, limits: Limits):
        check_size(name, data, limits)
        self.name, self.limits = name, limits
        self.archive = check_archive(name, data, limits)
        scan_xml_members(name, self.archive, limits)
        try:
            self.book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl and the XML parser raise many types for a damaged file
            raise FileRejected(f"{name}：无法作为 Excel 文件读取，文件可能已损坏（{exc.__class__.__name__}）") from exc

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.book.close()

    @property
    def visible(self) -> list:
        """The sheets a person sees (hidden and very hidden ones are never read)."""
        return [ws for ws in self.book.worksheets if getattr(ws, "sheet_state", "visible") == "visible"]

    def named(self, title: str) -> Sheet | None:
        """The visible sheet called ``title``, or None."""
        ws = next((w for w in self.visible if w.title == title), None)
        return None if ws is None else self._read(ws)

    def sheet(self, prefer: str | None = None) -> Sheet:
        """The visible sheet named ``prefer``, else the active sheet if visible, else the first visible one."""
        visible = self.visible
        if not visible:
            raise FileRejected(f"{self.name}：工作簿中没有可见的工作表")
        ws = next((w for w in visible if w.title == prefer), None)
        if ws is None:
            active = self.book.active
            ws = active if active in visible else visible[0]
        return self._read(ws)

    def _read(self, ws: object) -> Sheet:
        try:
            member = ws._worksheet_path.lstrip("/")  # openpyxl has no public name for it
            scan = scan_sheet(self.name, self.archive, member, self.limits)
            return Sheet(ws.title, list(_rows(self.name, ws, scan, self.limits)))
        except FileRejected:
            raise
        except Exception as exc:  # a damaged sheet fails while rows are read, not when opened
            raise FileRejected(
                f"{self.name}：无法作为 Excel 文件读取，文件可能已损坏（{exc.__class__.__name__}）"
            ) from exc


def read_xlsx(name: str, data: bytes, limits: Limits, prefer: str | None = None) -> Sheet:
    """The non-empty rows of a workbook's sheet, bounded (see ``Workbook.sheet``). Raises FileRejected."""
    with Workbook(name, data, limits) as wb:
        return wb.sheet(prefer)


def _rows(name: str, ws: object, scan: _SheetScan, limits: Limits) -> Iterator[tuple[int, list[Cell]]]:
    started = time.monotonic()
    ws.reset_dimensions()  # never trust the declared <dimension>: rows are as wide as their cells
    kept = 0
    for number, raw in enumerate(ws.iter_rows(max_col=limits.max_cols), start=1):
        if number > limits.max_row_number:
            raise FileRejected(f"{name}：第 {number} 行仍有内容，超出 {limits.max_rows} 行的上限")
        if time.monotonic() - started > limits.max_seconds:
            raise FileRejected(f"{name}：文件过于复杂，{limits.max_seconds:g} 秒内未能读完，已停止")
        cells = []
        for col, c in enumerate(raw, start=1):
            value = getattr(c, "value", None)
            fmt = getattr(c, "number_format", "") or ""
            cells.append(
                Cell(
                    value,
                    formula_without_value=(number, col) in scan.formulas_without_value,
                    **number_cell(value, fmt),  # type: ignore[arg-type]
                )
            )
        if not any(_filled(c) for c in cells):
            continue
        if number in scan.hidden_rows:
            raise FileRejected(
                f"{name}：工作表“{ws.title}”第 {number} 行是隐藏行但有内容，不会按看不见的内容导入："
                "请在 Excel 中取消隐藏（或清除筛选）核对后再上传，或删除该行"
            )
        kept += 1
        if kept > limits.max_rows + 1:  # the header row and max_rows rows of data
            raise FileRejected(f"{name}：数据超过 {limits.max_rows} 行上限，请分成几个文件上传")
        yield number, cells


def _filled(cell: Cell) -> bool:
    return cell.formula_without_value or (cell.value is not None and str(cell.value).strip() != "")


def decode_text(name: str, data: bytes, what: str = "CSV", instead: str = "") -> str:
    """Text in UTF-8 (with or without BOM) or GBK/GB18030, lines normalised to \\n. ``instead``
    names the other form the file may take (", or .xlsx"), for the messages."""
    for encoding in ("utf-8-sig", "gb18030"):  # GB18030 reads everything GBK wrote
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileRejected(
            f"{name}：无法识别文件编码（应为 UTF-8 或 GBK 的 {what}{'，或 ' + instead if instead else ''}）"
        )
    if "\x00" in text:
        raise FileRejected(f"{name}：不是文本格式的 {what} 文件{'，也不是 ' + instead if instead else ''}")
    # Excel's "CSV (Macintosh)" ends lines with a bare CR.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_csv(name: str, data: bytes, limits: Limits, instead: str = "") -> Sheet:
    """The non-empty rows of a CSV file, bounded like a sheet (the file's size bounds the count)."""
    check_size(name, data, limits)
    text = decode_text(name, data, "CSV", instead)
    sheet = Sheet(name)
    count = 0
    try:
        for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
            if not any(v.strip() for v in row):
                continue
            count += 1
            if count > limits.max_rows + 1:  # the header and max_rows rows of data: count on, keep nothing
                continue
            long = next((i for i, v in enumerate(row) if len(v) > limits.max_cell_chars), None)
            if long is not None:
                raise FileRejected(
                    f"{name}：第 {number} 行第 {long + 1} 列的内容超过 {limits.max_cell_chars} 个字符，已拒绝"
                )
            sheet.rows.append((number, [Cell(v) for v in row[: limits.max_cols]]))
    except csv.Error as exc:
        raise FileRejected(f"{name}：CSV 格式有误，无法读取（{exc}）") from exc
    if count > limits.max_rows + 1:
        raise FileRejected(f"{name}：文件有 {count - 1} 行数据，超过 {limits.max_rows} 行上限")
    return sheet


def read_table(name: str, data: bytes, limits: Limits, prefer: str | None = None) -> Sheet:
    """An uploaded table: .xlsx by its ZIP signature, else CSV text."""
    return read_xlsx(name, data, limits, prefer) if is_zip(data) else read_csv(name, data, limits, ".xlsx")
