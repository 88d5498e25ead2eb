"""The plan (绩效目标考评表): read the published document or the Excel template into validated targets.

model (what a plan is) · cells (what one cell of the 考评表 says: title, code, names, points) ·
table (the 考评表 as rows of cells → a Plan) · docx (the Word file) ·
text (its text export, or a copied table) · mapping (which column holds which field) · structure
(the hierarchy codes and headings give) · by_columns (a table with a header, read by its mapping) ·
deadlines (完成时限) · names (splitting runs of names) ·
checks (validation as data) · timetable (实施步骤) · xlsx (the Excel template) · kpis (量化指标 in
the targets' text) · worker (reading an upload in a child process with a time and memory budget).
Imports core only."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from perfdash.plan.cells import split_indicator
from perfdash.plan.checks import summary_lines, validate
from perfdash.plan.deadlines import parse_deadline
from perfdash.plan.mapping import Mapping
from perfdash.plan.model import CODE_RE, TARGET_KEYS, CalendarEvent, Check, GroupInfo, Plan, PlanError, Target
from perfdash.plan.table import read_table
from perfdash.plan.text import decode, parse_plan_text, text_document

__all__ = [
    "CODE_RE",
    "TARGET_KEYS",
    "CalendarEvent",
    "Check",
    "GroupInfo",
    "Mapping",
    "Plan",
    "PlanError",
    "Target",
    "decode",
    "parse_deadline",
    "parse_plan_text",
    "plan_file",
    "read_plan",
    "read_plan_bytes",
    "split_indicator",
    "summary_lines",
    "validate",
]


MAX_PLAN_BYTES = 10 * 1024 * 1024  # a plan document with its attachments is well under this


def sniff(data: bytes) -> str:
    """What a file is, by its content, whatever its name says: docx, xlsx, zip, ole (.doc/.wps/.xls),
    pdf, rtf, image, or text."""
    if data[:4] == b"PK\x03\x04":
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except (zipfile.BadZipFile, ValueError, OSError):
            return "zip"
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        return "zip"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "ole"
    if data[:5] == b"%PDF-":
        return "pdf"
    if data[:5] == b"{\\rtf":
        return "rtf"
    if data[:8] == b"\x89PNG\r\n\x1a\n" or data[:3] == b"\xff\xd8\xff":
        return "image"
    return "text"


REFUSALS = {
    "ole": "这是旧版 Word、WPS 或 Excel 文件（.doc / .wps / .xls），无法读出其中的表格。"
    "请在 Word 或 WPS 中打开，“另存为” Word 文档（.docx）后再上传",
    "pdf": "这是 PDF 文件，读不出可靠的表格结构。请上传方案的 Word 文件（.docx）；"
    "只有 PDF 时，请先在 Word 中打开并另存为 .docx",
    "rtf": "这是 RTF 文件，请在 Word 或 WPS 中“另存为” Word 文档（.docx）后再上传",
    "image": "这是图片，读不出表格。请上传方案的 Word 文件（.docx）",
    "zip": "这是压缩包，但不是 Word 文档（.docx）也不是 Excel 模板（.xlsx）",
}


def read_plan_bytes(name: str, data: bytes, mapping: Mapping | None = None, remembered: Mapping | None = None) -> Plan:
    """A plan from an uploaded file, recognised by its content: the Word file as published (.docx),
    its text export, a table copied from a web page, or the Excel template. A file that cannot
    hold a plan (an old .doc, a PDF, an image) is refused with what to do instead. The table's
    columns are read as ``mapping`` says, else as guessed (see perfdash.plan.mapping.guess)."""
    if not data:
        raise PlanError(f"{name}：文件是空的")
    if len(data) > MAX_PLAN_BYTES:
        raise PlanError(
            f"{name}：文件有 {len(data) / 1024 / 1024:.1f} MB，超过 {MAX_PLAN_BYTES // 1024 // 1024} MB 上限"
        )
    kind = sniff(data)
    claimed = {".xlsx": ("xlsx", "Excel 文件（.xlsx）"), ".docx": ("docx", "Word 文件（.docx）")}.get(
        Path(name).suffix.lower()
    )
    if claimed and kind != claimed[0] and kind not in ("docx", "xlsx"):
        raise PlanError(
            f"{name}：不是有效的 {claimed[1]}，文件可能已损坏，或只是改了扩展名；请在 Word / Excel 中另存后再试"
        )
    if kind in REFUSALS:
        raise PlanError(f"{name}：{REFUSALS[kind]}")
    if kind == "docx":
        from perfdash.plan.docx import docx_document

        return read_table(docx_document(name, data), mapping, remembered)
    if kind == "xlsx":
        from perfdash.plan.xlsx import is_template, read_plan_xlsx_bytes, xlsx_document

        if is_template(name, data):
            return read_plan_xlsx_bytes(name, data)
        return read_table(xlsx_document(name, data), mapping, remembered)  # another bureau's 考评表
    if b"\x00" in data[:4096]:
        raise PlanError(f"{name}：不是文本文件，也不是 Word（.docx）或 Excel（.xlsx）文件")
    return read_table(text_document(decode(data, name), name), mapping, remembered)


def plan_file(path: str | Path) -> tuple[str, bytes]:
    """A plan file's name and content, refused when it is missing or over MAX_PLAN_BYTES."""
    path = Path(path)
    if not path.is_file():
        raise PlanError(f"找不到方案文件：{path}")
    if path.stat().st_size > MAX_PLAN_BYTES:
        raise PlanError(f"{path.name}：文件超过 {MAX_PLAN_BYTES // 1024 // 1024} MB 上限")
    try:
        return path.name, path.read_bytes()
    except OSError as exc:
        raise PlanError(f"{path.name}：无法读取文件（{exc.strerror or exc.__class__.__name__}）") from exc


def read_plan(path: str | Path, mapping: Mapping | None = None) -> Plan:
    """Read a plan from a file: the Word document (.docx), its text export, a copied table, or the
    Excel template (see read_plan_bytes). perfdash.plan.worker reads one in a process of its own,
    with a time and memory budget: the way for a file someone uploaded."""
    return read_plan_bytes(*plan_file(path), mapping)
