"""Excel exports the office hands in: the 自评表 (with its 量化指标), scenario comparisons and the
public-evaluation samples. Every sheet prints on A4 landscape, one page wide, with its title and
header on every page (perfdash.core.excel); text that a spreadsheet would read as a formula
(= + - @) stays text, shown as typed."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date

import pandas as pd
from openpyxl import Workbook

from perfdash.core import fmt
from perfdash.core.excel import FORMULA_START, Band, Column, Strong, print_table, put, text_units
from perfdash.workflows.scoring import Score, SimulationLabel

# The formula guard is part of what this module promises about every file it writes.
__all__ = [
    "FORMULA_START",
    "comparison_xlsx",
    "kpi_xlsx",
    "put",
    "self_assessment_xlsx",
    "simulation_file_name",
    "simulation_xlsx",
    "survey_samples_xlsx",
    "target_rows",
]

COMPARATORS = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "=": "="}  # as a reader writes them
NOTE_UNITS = (12, 30)  # the 自评表's 说明 column: as wide as its notes need, within these bounds


def _book() -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    return wb


def _bytes(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _plain(value: object) -> object:
    return value.item() if hasattr(value, "item") else value


def auto_columns(frame: pd.DataFrame, given: dict[str, Column] | None = None) -> list[Column]:
    """A printed column per frame column: those in ``given`` as set there; the others sized to their
    content (at most 40 units, wrapped beyond), numbers with two decimals, text left."""
    given = given or {}
    out = []
    for name in frame.columns:
        if str(name) in given:
            out.append(given[str(name)])
            continue
        values = frame[name]
        numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        longest = max([text_units(str(name))] + [text_units(str(v)) for v in values if v is not None])
        width = min(max(longest + 2, 6), 40)
        out.append(Column(str(name), width, "score" if numeric else "text", grow=not numeric and longest > 40))
    return out


def frame_rows(frame: pd.DataFrame) -> Iterator[list[object]]:
    """A frame's rows as plain Python values, for ``print_table``."""
    for row in frame.itertuples(index=False):
        yield [_plain(v) for v in row]


def target_rows(targets: pd.DataFrame, notes: dict[str, str]) -> Iterator[list[object] | Band]:
    """The 自评表's rows in plan order: a heading row wherever the 一级指标 changes, naming the
    group with its points and score where a group starts (no spaces, so a PDF reader keeps it one
    word), then one row per target."""
    group = indicator = None
    for t in targets.itertuples():
        if (t.group, t.indicator) != (group, indicator):
            part = targets[(targets["group"] == t.group) & (targets["indicator"] == t.indicator)]
            head = ""
            if t.group != group:
                whole = targets[targets["group"] == t.group]
                head = f"{t.group}（分值{fmt.score(whole['points'].sum())}，自评得分{fmt.score(whole['score'].sum())}）"
            code = f"{t.indicator_code}．" if hasattr(t, "indicator_code") else ""
            if not (head and t.indicator == t.group):  # 精神文明 is its group's only indicator
                head += f"{'｜' if head else ''}{code}{t.indicator}（分值{fmt.score(part['points'].sum())}）"
            yield Band(head)
            group, indicator = t.group, t.indicator
        yield [
            t.code,
            t.target,
            float(t.points),
            round(float(t.completion_pct), 1),
            round(float(t.score), 2),
            t.lead_section,
            notes.get(t.code, t.note),
        ]


def total_rows(result: Score) -> Iterator[Strong]:
    """The totals under the targets: points and score of all targets, 加分, 扣分, the total with the
    grade beside it (the groups' subtotals head their groups)."""
    t = result.targets
    yield Strong(["", "目标得分合计", float(t["points"].sum()), None, round(float(t["score"].sum()), 2)])
    yield Strong(["", "加分", None, None, round(result.bonus, 2)])
    yield Strong(["", "扣分", None, None, round(result.deduction, 2)])
    if result.vetoed:
        yield Strong(["", "一票否决", None, None, "是"])
    yield Strong(["", "总分", None, None, round(result.total, 2), None, f"等次：{result.grade}"])


def self_assessment_xlsx(
    result: Score,
    unit: str,
    year: int,
    as_of: date,
    notes: dict[str, str] | None = None,
) -> bytes:
    """The 自评表: per 一级指标 its targets with points, completion, self-score and note (the latest
    report's, unless given), each group's subtotal at its head, then the adjustments, the total and
    the grade. ``result`` is the one score (evaluation.sheet)."""
    wb = _book()
    _assessment_sheet(
        wb, "自评表", f"{unit}{year}年度绩效目标自评表", result, unit, f"统计截至 {fmt.day(as_of)}", notes
    )
    return _bytes(wb)


def simulation_xlsx(result: Score, unit: str, year: int, as_of: date, label: SimulationLabel) -> bytes:
    """A simulation laid out like the 自评表 but never mistaken for it: the banner (模拟：…，非正式
    结果) in the title of every sheet and in the stamp, and its assumptions on a sheet of their own."""
    wb = _book()
    stamp = f"{label.banner} · 统计截至 {fmt.day(as_of)}"
    _assessment_sheet(wb, "模拟测算", f"{label.banner}｜{unit}{year}年度绩效模拟测算表", result, unit, stamp)
    _assumptions_sheet(wb, label.banner, [label], unit, stamp)
    return _bytes(wb)


def simulation_file_name(label: SimulationLabel, unit: str, year: int, as_of: date) -> str:
    """模拟_<name>_<unit><year>_<date>.xlsx: the word 模拟 first, as in the file's titles."""
    name = "".join(ch for ch in label.name if ch not in '\\/:*?"<>|').strip() or "模拟"
    return f"模拟_{name}_{unit}{year}_{fmt.day(as_of)}.xlsx"


def _assessment_sheet(
    wb: Workbook, sheet: str, title: str, result: Score, unit: str, stamp: str, notes: dict[str, str] | None = None
) -> None:
    rows = [*target_rows(result.targets, notes or {}), *total_rows(result)]
    longest = max([text_units(str(r[6] or "")) for r in rows if isinstance(r, list)] + [0])
    print_table(
        wb.create_sheet(sheet),
        title,
        (
            Column("编号", 7, "code"),
            Column("年度工作目标", 60, grow=True),
            Column("分值", 7, "score"),
            Column("完成率", 8, "pct"),
            Column("自评得分", 9, "score"),
            Column("牵头科室", 11),
            Column("说明", min(max(longest * 0.9 / 2 + 2, NOTE_UNITS[0]), NOTE_UNITS[1])),
        ),
        rows,
        unit=unit,
        stamp=stamp,
        freeze_columns=2,
    )


def _assumptions_sheet(wb: Workbook, banner: str, labels: list[SimulationLabel], unit: str, stamp: str) -> None:
    rows: list[list[object] | Band] = []
    for label in labels:
        if len(labels) > 1:
            rows.append(Band(f"情景：{label.name}"))
        rows.extend([key, value] for key, value in label.assumptions)
    print_table(
        wb.create_sheet("模拟假设"),
        f"{banner}｜模拟假设",
        (Column("项目", 16), Column("内容", 60, grow=True)),
        rows,
        unit=unit,
        stamp=stamp,
    )


def kpi_xlsx(kpis: pd.DataFrame, unit: str, year: int, as_of: date) -> bytes:
    """量化指标完成情况: each quantified target value with its actual and how far it is met
    (``kpis`` from kpi_tracking.with_actuals); a file of its own beside the 自评表."""
    stamp = f"统计截至 {fmt.day(as_of)}"
    wb = _book()
    print_table(
        wb.create_sheet("量化指标"),
        f"{unit}{year}年度量化指标完成情况",
        (
            Column("编号", 7, "code"),
            Column("原文", 50, grow=True),
            Column("比较", 6, "code"),
            Column("目标值", 10, "number"),
            Column("单位", 8, "code"),
            Column("实际值", 10, "number"),
            Column("达成率", 9, "pct"),
        ),
        [
            [
                r.code,
                r.phrase,
                COMPARATORS.get(str(r.comparator), r.comparator),
                _plain(r.value),
                r.unit,
                None if pd.isna(r.actual) else _plain(r.actual),
                None if r.met is None or pd.isna(r.met) else _plain(r.met),
            ]
            for r in kpis.itertuples()
        ],
        unit=unit,
        stamp=stamp,
    )
    return _bytes(wb)


def comparison_xlsx(
    summary: pd.DataFrame,
    differing: pd.DataFrame,
    labels: list[SimulationLabel],
    unit: str = "",
    as_of: date | None = None,
) -> bytes:
    """A scenario comparison: totals and groups side by side, the targets that differ, and each
    scenario's assumptions — every sheet titled as a simulation (模拟：…，非正式结果)."""
    banner = f"模拟：情景对比（{'、'.join(label.name for label in labels)}），非正式结果"
    stamp = f"模拟 · 统计截至 {fmt.day(as_of)}" if as_of else f"模拟 · 导出日期 {fmt.day(date.today())}"
    wb = _book()
    table = summary.rename(columns={"scenario": "情景", "total": "总分", "grade": "等次"})
    print_table(
        wb.create_sheet("情景对比"),
        f"{banner}｜评分情景对比",
        auto_columns(table, {"情景": Column("情景", 24, grow=True), "等次": Column("等次", 8, "code")}),
        frame_rows(table),
        unit=unit,
        stamp=stamp,
    )
    table = differing.rename(columns={"code": "编号", "target": "年度工作目标", "points": "分值"})
    print_table(
        wb.create_sheet("有差异的目标"),
        f"{banner}｜各情景完成率或得分不同的目标",
        auto_columns(table, {"编号": Column("编号", 7, "code"), "年度工作目标": Column("年度工作目标", 50, grow=True)}),
        frame_rows(table),
        unit=unit,
        stamp=stamp,
        freeze_columns=1,
    )
    _assumptions_sheet(wb, banner, labels, unit, stamp)
    return _bytes(wb)


def survey_samples_xlsx(samples: pd.DataFrame, unit: str = "", year: int | None = None) -> bytes:
    """The public-evaluation sample list for the statistics team (国家统计局泉州调查队)."""
    from perfdash.present import tables

    wb = _book()
    table = tables.survey_samples(samples)
    print_table(
        wb.create_sheet("公众评议样本"),
        f"{unit}{year or ''}{'年度' if year else ''}公众评议样本",
        auto_columns(
            table,
            {
                "序号": Column("序号", 6, "int"),
                "单位": Column("单位", 28, grow=True),
                "联系电话": Column("联系电话", 16, "code"),
                "备注": Column("备注", 28, grow=True),
            },
        ),
        frame_rows(table),
        unit=unit,
        stamp=f"导出日期 {fmt.day(date.today())}",
    )
    return _bytes(wb)
