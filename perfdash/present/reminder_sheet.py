"""The reminder list as a print-ready Excel sheet (催报清单): one row per section with its contacts
and the text to send, for an office with no mail server or chat robot (A4, a header row repeated
on every page, borders, page numbers; nothing in a cell runs as a formula)."""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from perfdash.core.excel import safe_cell

COLUMNS = (  # (header, field, width in characters)
    ("序号", None, 6),
    ("科室", "section", 14),
    ("未报送的目标", "targets", 18),
    ("邮箱", "email", 22),
    ("手机号", "phone", 15),
    ("催报内容", "text", 60),
    ("已发送（签字/日期）", None, 16),
)
THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def reminder_xlsx(texts: pd.DataFrame, unit: str, since: date, as_of: date) -> bytes:
    """``texts`` (supervision.reminder_texts: section, targets, email, phone, text) as an .xlsx."""
    wb = Workbook()
    ws = wb.active
    ws.title = "催报清单"
    title = f"{unit}催报清单：{since.isoformat()} 以来未报送进度的科室（统计截至 {as_of.isoformat()}）"
    ws.cell(row=1, column=1, value=safe_cell(title)).font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
    ws.row_dimensions[1].height = 24
    for col, (header, _, width) in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=2, column=col, value=header)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="D9E2F3")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = BOX
        ws.column_dimensions[cell.column_letter].width = width
    for n, row in enumerate(texts.itertuples(index=False), start=1):
        values = row._asdict()
        for col, (_, field, _) in enumerate(COLUMNS, start=1):
            value = n if field is None and col == 1 else ("" if field is None else str(values[field] or ""))
            cell = ws.cell(row=n + 2, column=col, value=safe_cell(value))
            cell.border = BOX
            cell.alignment = Alignment(vertical="top", wrap_text=True)
            if field in ("phone", "email", "targets", "text", "section"):
                cell.number_format = "@"  # text: a phone number keeps its leading + and digits
    ws.freeze_panes = "A3"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = "1:2"
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.oddFooter.center.text = "第 &P 页 共 &N 页"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
