"""The templates people download, fill in and upload back: the progress ledger (进度台账;
perfdash.workflows.ledger reads it back) and the plan (方案的 Excel 模板; perfdash.plan.xlsx reads
it back). Their columns come from those readers: each template is written from the column map its
reader owns, so what is written is what is read. perfdash.present.downloads lists both with the
documents handed in (perfdash.present.exports), and the office-suite test prints them.

They print like every export (perfdash.core.excel: A4 landscape, one page wide, header on every
page; text that a spreadsheet would read as a formula stays text); the plan template has no title
row, so its header is row 1, where the reader looks for it."""

from __future__ import annotations

from datetime import date

import pandas as pd
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from perfdash.core.access import Actor
from perfdash.core.excel import Column, book_bytes, new_book, print_lines, print_table
from perfdash.core.settings import STATUSES, TEXT_LIMITS
from perfdash.plan import xlsx as plan_xlsx
from perfdash.plan.model import Plan
from perfdash.workflows import ledger, progress

__all__ = ["ledger_template_xlsx", "plan_template_xlsx"]


# -- the ledger template (进度台账), read back by perfdash.workflows.ledger.read_upload ----------


def ledger_template_xlsx(state: pd.DataFrame, actor: Actor, report_date: date, *, demo: bool = False) -> bytes:
    """The ledger for one section (or the office: every target), pre-filled with current percent,
    status and 需协调 (是 where the latest report carries the flag, else blank), with in-sheet
    validation for percent, status, date and 需协调 (是/否), and a sheet of instructions.
    Its columns are ledger.COLUMNS: what read_upload finds by their headers (``demo`` only makes
    the title longer: the header row stays where it is)."""
    mine = progress.targets_for(state, actor)
    year, limit_mb = report_date.year, ledger.MAX_BYTES // 1024 // 1024
    wb = new_book()
    ws = wb.create_sheet(ledger.SHEET)
    header_row = print_table(
        ws,
        f"{year}年度绩效目标进度台账（{actor.label}）",
        [Column(h, w, ledger.KINDS.get(k, "text"), grow=k in ("target", "note")) for k, h, w, _ in ledger.COLUMNS],
        [
            [
                row.code,
                row.target,
                pd.Timestamp(row.deadline).date(),
                row.role,
                report_date,
                float(row.completion_pct),
                row.status,
                None,
                ledger.FLAG_YES if bool(getattr(row, "coordinate", False)) else None,
            ]
            for row in mine.itertuples()
        ],
        unit=actor.label,
        stamp=f"填报日期 {report_date.isoformat()}",
        subtitle=(
            "必填：编号、填报日期、完成率(%)（0–100 的数字）、状态；进展说明、需协调（是/否）选填。"
            "填写说明见“填报说明”工作表。"
        ),
        freeze_columns=2,
        demo=demo,
    )
    first, last = header_row + 1, max(ws.max_row, header_row + 1) + 500
    pct = DataValidation(type="decimal", operator="between", formula1="0", formula2="100", allow_blank=False)
    pct.error, pct.errorTitle = "完成率应为 0 到 100 之间的数字", "完成率"
    status = DataValidation(type="list", formula1='"' + ",".join(STATUSES) + '"', allow_blank=False)
    status.error, status.errorTitle = "请从下拉列表中选择状态", "状态"
    day = DataValidation(type="date", operator="between", formula1=f"DATE({year},1,1)", formula2=f"DATE({year},12,31)")
    day.error, day.errorTitle = f"填报日期应在 {year} 年内", "填报日期"
    flag = DataValidation(type="list", formula1=f'"{ledger.FLAG_YES},{ledger.FLAG_NO}"', allow_blank=True)
    flag.error, flag.errorTitle = f"需协调请选“{ledger.FLAG_YES}”或“{ledger.FLAG_NO}”，不需要可留空", "需协调"
    flag_col = get_column_letter(next(n for n, (k, *_) in enumerate(ledger.COLUMNS, start=1) if k == "coordinate"))
    for dv, col in ((pct, "F"), (status, "G"), (day, "E"), (flag, flag_col)):
        dv.showErrorMessage = True
        ws.add_data_validation(dv)
        dv.add(f"{col}{first}:{col}{last}")
    print_lines(
        wb.create_sheet("填报说明"),
        "填报说明",
        (
            f"填报人：{actor.label}",
            "必填列：编号、填报日期、完成率(%)、状态；进展说明选填；其余列仅供参考，改动不影响导入。",
            f"完成率为 0–100 的数字；状态可选：{'、'.join(STATUSES)}。",
            f"{progress.STATUS_RULE}。",
            f"{progress.UNCHANGED_RULE}，可以只改有变化的行。",
            f"填报日期须在 {year} 年内且不晚于今天；同一目标同一天只能有一行。",
            f"进展说明不超过 {TEXT_LIMITS['note']} 字。",
            f"需协调：需要分管领导协调解决的，选“{ledger.FLAG_YES}”，该目标列入本期周例会的“需要协调的事项”；"
            f"不需要的选“{ledger.FLAG_NO}”或留空。已标注的目标，不再需要协调时改为“{ledger.FLAG_NO}”。",
            f"文件不超过 {limit_mb} MB、{ledger.MAX_ROWS} 行；也可另存为 CSV（UTF-8 或 GBK）上传。",
            "整份文件全部通过校验才会保存；任何一行有误，都不会写入任何数据。",
        ),
        unit=actor.label,
        stamp=f"填报日期 {report_date.isoformat()}",
        demo=demo,
    )
    return book_bytes(wb)


# -- the plan template (方案的 Excel 模板), read back by perfdash.plan.xlsx -------------------------

PLAN_KINDS = {  # how plan_xlsx.COLUMNS print; the rest is text
    "code": "code",
    "indicator_code": "code",
    "indicator_points": "score",
    "points": "score",
    "deadline": "date",
}


def plan_template_xlsx(plan: Plan) -> bytes:
    """The plan as an Excel template: a 考评表 sheet, one row per target with the same fields as the
    JSON form (the header in row 1, as plan_xlsx.read_plan_xlsx_bytes reads it), and a 方案 sheet
    with unit, year and title. It reads back as the same plan, and prints like every export."""
    wb = new_book()
    ws = wb.create_sheet(plan_xlsx.SHEET)
    rows = []
    for t in plan.targets:
        d = t.as_dict()
        rows.append(
            [
                plan_xlsx.LIST_SEP.join(d[key])
                if key in plan_xlsx.LIST_KEYS
                else (t.deadline if key == "deadline" else d[key])
                for key, _, _ in plan_xlsx.COLUMNS
            ]
        )
    stamp = f"{plan.year}年度绩效目标考评表（方案模板）"
    print_table(
        ws,
        "",
        [Column(header, width, PLAN_KINDS.get(key, "text")) for key, header, width in plan_xlsx.COLUMNS],
        rows,
        unit=plan.unit,
        stamp=stamp,
        freeze_columns=1,
    )
    names = ",".join(plan.group_names())
    if len(names) < 250:  # Excel's limit for a list written into the rule
        groups = DataValidation(type="list", formula1=f'"{names}"', allow_blank=False)
        ws.add_data_validation(groups)
        groups.add(f"B2:B{max(ws.max_row, 2) + 200}")
    print_table(
        wb.create_sheet(plan_xlsx.META_SHEET),
        "",
        (Column("项目 key", 14), Column("内容 value", 60)),
        [["单位 unit", plan.unit], ["年度 year", plan.year], ["标题 title", plan.title]],
        unit=plan.unit,
        stamp=stamp,
    )
    return book_bytes(wb)
