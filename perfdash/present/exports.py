"""Excel exports the office hands in: the 自评表 and scenario comparisons. Text that a
spreadsheet would read as a formula (= + - @) is neutralised."""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from perfdash.core.excel import FORMULA_START, safe_cell
from perfdash.workflows.scoring import Score

# The formula guard is part of what this module promises about every file it writes.
__all__ = ["FORMULA_START", "comparison_xlsx", "safe_cell", "self_assessment_xlsx", "survey_samples_xlsx"]


def _sheet(wb: Workbook, title: str, frame: pd.DataFrame, widths: dict[str, int] | None = None) -> None:
    ws = wb.create_sheet(title)
    ws.append([safe_cell(str(c)) for c in frame.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in frame.itertuples(index=False):
        ws.append([safe_cell(v.item() if hasattr(v, "item") else v) for v in row])
    for i, col in enumerate(frame.columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = (widths or {}).get(str(col), 12)
    ws.freeze_panes = "A2"


def _book() -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    return wb


def _bytes(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def self_assessment_xlsx(
    result: Score,
    unit: str,
    year: int,
    as_of: date,
    notes: dict[str, str] | None = None,
    kpis: pd.DataFrame | None = None,
) -> bytes:
    """The 自评表: per target points, completion, self-score and note (the latest report's, unless
    given); then the group subtotals against 70/20/4/4/1/1, the adjustments, the total and grade.
    ``result`` comes from scoring a target-state frame (queries.target_state)."""
    t = result.targets
    notes = notes or {}
    table = pd.DataFrame(
        {
            "编号": t["code"],
            "目标组": t["group"],
            "一级指标": t["indicator"],
            "年度工作目标": t["target"],
            "分值": t["points"],
            "完成率(%)": t["completion_pct"].round(1),
            "自评得分": t["score"].round(2),
            "牵头科室": t["lead_section"],
            "说明": [notes.get(c, n) for c, n in zip(t["code"], t["note"], strict=True)],
        }
    )
    groups = pd.DataFrame(
        {
            "目标组": list(result.groups_possible),
            "应有分值": [float(p) for p in result.groups_possible.values()],
            "自评得分": [round(result.groups.get(g, 0.0), 2) for g in result.groups_possible],
        }
    )
    summary = pd.DataFrame(
        {
            "项目": ["单位", "年度", "统计日期", "目标得分合计", "加分", "扣分", "一票否决", "总分", "等次"],
            "内容": [
                unit,
                year,
                as_of.isoformat(),
                round(sum(result.groups.values()), 2),
                result.bonus,
                result.deduction,
                "是" if result.vetoed else "否",
                round(result.total, 2),
                result.grade,
            ],
        }
    )
    wb = _book()
    _sheet(wb, "自评表", table, {"一级指标": 30, "年度工作目标": 60, "说明": 30, "牵头科室": 12})
    _sheet(wb, "分组小计", groups)
    _sheet(wb, "总分", summary, {"项目": 14, "内容": 20})
    if kpis is not None:  # 量化指标: target values and actuals (kpi_tracking.with_actuals)
        _sheet(
            wb,
            "量化指标",
            pd.DataFrame(
                {
                    "编号": kpis["code"],
                    "原文": kpis["phrase"],
                    "比较": kpis["comparator"],
                    "目标值": kpis["value"],
                    "单位": kpis["unit"],
                    "实际值": kpis["actual"],
                    "达成率(%)": kpis["met"],
                }
            ),
            {"原文": 50},
        )
    return _bytes(wb)


def comparison_xlsx(summary: pd.DataFrame, differing: pd.DataFrame) -> bytes:
    """A scenario comparison: totals and groups side by side, and the targets that differ."""
    wb = _book()
    _sheet(
        wb,
        "情景对比",
        summary.rename(columns={"scenario": "情景", "total": "总分", "grade": "等次"}).round(2),
        {"情景": 20},
    )
    _sheet(wb, "有差异的目标", differing.rename(columns={"code": "编号", "points": "分值"}))
    return _bytes(wb)


def survey_samples_xlsx(samples: pd.DataFrame) -> bytes:
    """The public-evaluation sample list for the statistics team (国家统计局泉州调查队)."""
    from perfdash.present import tables

    wb = _book()
    _sheet(wb, "公众评议样本", tables.survey_samples(samples), {"单位": 24, "备注": 24, "联系电话": 16})
    return _bytes(wb)
