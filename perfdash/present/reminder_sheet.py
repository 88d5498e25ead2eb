"""The reminder list as a print-ready Excel sheet (催报清单): one row per section with its contacts
and the text to send, for an office with no mail server or chat robot (laid out as every export
is: A4, title and header repeated, borders, page numbers; text stays text, never a formula)."""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
from openpyxl import Workbook

from perfdash.core import fmt
from perfdash.core.excel import Column, print_table

COLUMNS = (  # (printed column, field)
    (Column("序号", 6, "int"), None),
    (Column("科室", 14), "section"),
    (Column("未报送的目标", 18), "targets"),
    (Column("邮箱", 22), "email"),
    (Column("手机号", 15, "code"), "phone"),
    (Column("催报内容", 60, grow=True), "text"),
    (Column("已发送（签字/日期）", 16), None),
)


def reminder_xlsx(texts: pd.DataFrame, unit: str, since: date, as_of: date) -> bytes:
    """``texts`` (supervision.reminder_texts: section, targets, email, phone, text) as an .xlsx."""
    wb = Workbook()
    ws = wb.active
    ws.title = "催报清单"
    rows = [
        [n, *("" if field is None else str(getattr(r, field) or "") for _, field in COLUMNS[1:])]
        for n, r in enumerate(texts.itertuples(index=False), start=1)
    ]
    print_table(
        ws,
        f"{unit}催报清单",
        [c for c, _ in COLUMNS],
        rows,
        unit=unit,
        stamp=f"统计截至 {fmt.day(as_of)}",
        subtitle=f"{fmt.day(since)} 以来未报送进度的科室",
    )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
