"""The Excel documents handed in or read, as a person downloads them or the command line writes
them: the 自评表 and its 量化指标, simulations and scenario comparisons, the public-evaluation samples,
the weekly brief and the reminder list (催报清单). The two templates people fill in and upload again
(the ledger and the plan) are written by perfdash.present.templates. perfdash.present.downloads lists them all
(with the Word report), and the office-suite test prints every one.

Every sheet prints on A4 landscape, one page wide, with its title and header on every page
(perfdash.core.excel); text that a spreadsheet would read as a formula (= + - @) stays text, shown
as typed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pandas as pd
from openpyxl import Workbook

from perfdash.core import fmt
from perfdash.core.excel import (
    FORMULA_START,
    Band,
    Column,
    Header,
    Strong,
    book_bytes,
    new_book,
    print_table,
    put,
    text_units,
)
from perfdash.present.meeting import DUE_SOON_DAYS, Slide, Week
from perfdash.workflows.periods import Period
from perfdash.workflows.scoring import Score, SimulationLabel

# The formula guard is part of what this module promises about every file it writes.
__all__ = [
    "FORMULA_START",
    "brief_xlsx",
    "comparison_xlsx",
    "kpi_xlsx",
    "put",
    "reminder_xlsx",
    "self_assessment_xlsx",
    "simulation_file_name",
    "simulation_xlsx",
    "survey_samples_xlsx",
    "target_rows",
]

COMPARATORS = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "=": "="}  # as a reader writes them
NOTE_UNITS = (12, 30)  # the 自评表's 说明 column: as wide as its notes need, within these bounds


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


def total_rows(result: Score, provisional: bool = False) -> Iterator[Strong]:
    """The totals under the targets: points and score of all targets, 加分, 扣分, the total with the
    grade beside it, 暂定 when the office has set no bands (the groups' subtotals head their groups)."""
    t = result.targets
    yield Strong(["", "目标得分合计", float(t["points"].sum()), None, round(float(t["score"].sum()), 2)])
    yield Strong(["", "加分", None, None, round(result.bonus, 2)])
    yield Strong(["", "扣分", None, None, round(result.deduction, 2)])
    if result.vetoed:
        yield Strong(["", "一票否决", None, None, "是"])
    grade = f"{result.grade}（暂定）" if provisional else result.grade
    yield Strong(["", "总分", None, None, round(result.total, 2), None, f"等次：{grade}"])


def self_assessment_xlsx(
    result: Score,
    unit: str,
    year: int,
    as_of: date,
    notes: dict[str, str] | None = None,
    *,
    demo: bool = False,
    provisional: bool = False,
) -> bytes:
    """The 自评表: per 一级指标 its targets with points, completion, self-score and note (the latest
    report's, unless given), each group's subtotal at its head, then the adjustments, the total and
    the grade (``provisional``: 暂定, the office stored no rules). ``result`` is the one score
    (official.score_sheet). ``demo``: the plan's progress is the
    demo history (演示数据 in every title and printed header, perfdash.core.excel); the same for
    every export below that takes it."""
    wb = new_book()
    _assessment_sheet(
        wb,
        "自评表",
        f"{unit}{year}年度绩效目标自评表",
        result,
        unit,
        f"统计截至 {fmt.day(as_of)}",
        notes,
        demo,
        provisional,
    )
    return book_bytes(wb)


def simulation_xlsx(
    result: Score, unit: str, year: int, as_of: date, label: SimulationLabel, *, demo: bool = False
) -> bytes:
    """A simulation laid out like the 自评表 but never mistaken for it: the banner (模拟：…，非正式
    结果) in the title of every sheet and in the stamp, and its assumptions on a sheet of their own."""
    wb = new_book()
    stamp = f"{label.banner} · 统计截至 {fmt.day(as_of)}"
    _assessment_sheet(wb, "模拟测算", f"{label.banner}｜{unit}{year}年度绩效模拟测算表", result, unit, stamp, demo=demo)
    _assumptions_sheet(wb, label.banner, [label], unit, stamp, demo=demo)
    return book_bytes(wb)


def simulation_file_name(label: SimulationLabel, unit: str, year: int, as_of: date, *, demo: bool = False) -> str:
    """模拟_<name>_<unit><year>_<date>.xlsx: the word 模拟 first, as in the file's titles (with
    ``demo``, _演示数据 before the extension)."""
    name = "".join(ch for ch in label.name if ch not in '\\/:*?"<>|').strip() or "模拟"
    return f"模拟_{name}_{unit}{year}_{fmt.day(as_of)}{'_演示数据' if demo else ''}.xlsx"


def _assessment_sheet(
    wb: Workbook,
    sheet: str,
    title: str,
    result: Score,
    unit: str,
    stamp: str,
    notes: dict[str, str] | None = None,
    demo: bool = False,
    provisional: bool = False,
) -> None:
    rows = [*target_rows(result.targets, notes or {}), *total_rows(result, provisional)]
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
        demo=demo,
    )


def _assumptions_sheet(
    wb: Workbook, banner: str, labels: list[SimulationLabel], unit: str, stamp: str, demo: bool = False
) -> None:
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
        demo=demo,
    )


def kpi_xlsx(kpis: pd.DataFrame, unit: str, year: int, as_of: date, *, demo: bool = False) -> bytes:
    """量化指标完成情况: each quantified target value with its actual and how far it is met
    (``kpis`` from kpi_tracking.with_actuals); a file of its own beside the 自评表."""
    stamp = f"统计截至 {fmt.day(as_of)}"
    wb = new_book()
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
        demo=demo,
    )
    return book_bytes(wb)


def comparison_xlsx(
    summary: pd.DataFrame,
    differing: pd.DataFrame,
    labels: list[SimulationLabel],
    unit: str = "",
    as_of: date | None = None,
    *,
    demo: bool = False,
) -> bytes:
    """A scenario comparison: totals and groups side by side, the targets that differ, and each
    scenario's assumptions — every sheet titled as a simulation (模拟：…，非正式结果)."""
    banner = f"模拟：情景对比（{'、'.join(label.name for label in labels)}），非正式结果"
    stamp = f"模拟 · 统计截至 {fmt.day(as_of)}" if as_of else f"模拟 · 导出日期 {fmt.day(date.today())}"
    wb = new_book()
    table = summary.rename(columns={"scenario": "情景", "total": "总分", "grade": "等次"})
    print_table(
        wb.create_sheet("情景对比"),
        f"{banner}｜评分情景对比",
        auto_columns(table, {"情景": Column("情景", 24, grow=True), "等次": Column("等次", 8, "code")}),
        frame_rows(table),
        unit=unit,
        stamp=stamp,
        demo=demo,
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
        demo=demo,
    )
    _assumptions_sheet(wb, banner, labels, unit, stamp, demo=demo)
    return book_bytes(wb)


def survey_samples_xlsx(samples: pd.DataFrame, unit: str = "", year: int | None = None, *, demo: bool = False) -> bytes:
    """The public-evaluation sample list for the statistics team (国家统计局泉州调查队); ``demo``: a
    demo database's samples are demo data too."""
    from perfdash.present import tables

    wb = new_book()
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
        demo=demo,
    )
    return book_bytes(wb)


# -- the weekly brief (周报) --------------------------------------------------------------------

BRIEF_LISTS = (  # (slide, table, heading): the target lists of the weekly brief, in the screen's order
    ("week", "moved", "本周推进"),
    ("week", "finished", "本周完成"),
    ("week", "fell_behind", "新增滞后"),
    ("due", "overdue", "逾期未完成"),
    ("due", "due_soon", f"{DUE_SOON_DAYS}天内到期"),
)


def brief_xlsx(slides: list[Slide], unit: str, year: int, week: Week, *, demo: bool = False) -> bytes:
    """The weekly brief for the minutes, the same numbers as the meeting screen (meeting.build_slides),
    printed in three sheets: 概况 (the headline numbers), 目标清单 (the targets that moved, finished,
    fell behind, are overdue or due soon, under one heading each), 科室排名 (with the 分管领导 below)."""
    wb = new_book()
    by_key = {s.key: s for s in slides}
    h = by_key["headline"].numbers
    title = f"{unit}{year}年度绩效目标周报"
    stamp = f"{week.start.isoformat()} 至 {week.end.isoformat()}"
    lines = [
        ("单位", unit),
        ("年度", year),
        ("周次", stamp),
        ("预计年终得分", round(float(h["projected_total"]), 2)),
        ("预计等次", h["projected_grade"]),
        ("加权完成率(%)", round(float(h["completion_pct"]), 1)),
        ("序时进度(%)", round(float(h["expected_pct"]), 1)),
        ("本周完成率变化(百分点)", round(float(h["completion_change"]), 1)),
        ("已完成", h["done"]),
        ("正常推进", h["on_track"]),
        ("滞后（含逾期）", h["late"]),
        ("其中逾期未完成", h["overdue"]),
    ]
    lines += [(f"获评{name}的概率(%)", round(p * 100, 1)) for name, p in dict(h["grade_probability"]).items()]
    print_table(
        wb.create_sheet("概况"),
        title,
        (Column("项目", 36), Column("内容", 44, "code")),
        [[k, _cell(v)] for k, v in lines],
        unit=unit,
        stamp=stamp,
        subtitle=f"周次：{week.label}（{stamp}）",
        demo=demo,
    )

    rows: list[object] = []
    fields = ("code", "target", "lead_section", "lead_person", "deadline", "completion_pct_before", "completion_pct")
    for slide, key, heading in BRIEF_LISTS:
        frame = by_key[slide].tables[key]
        rows.append(Band(f"{heading}（{len(frame)}项）"))
        for r in frame.itertuples(index=False):
            v = r._asdict()
            rows.append([_cell(v.get(k)) for k in (*fields, "lag_status")])
    print_table(
        wb.create_sheet("目标清单"),
        title,
        (
            Column("编号", 7, "code"),
            Column("年度工作目标", 60, grow=True),
            Column("牵头科室", 10, "code"),
            Column("责任人", 7, "code"),
            Column("完成时限", 11, "date"),
            Column("上周", 7, "pct"),
            Column("本周", 7, "pct"),
            Column("滞后状态", 9, "code"),
        ),
        rows,
        unit=unit,
        stamp=stamp,
        subtitle=f"周次：{week.label}　本周推进、完成、新增滞后的目标，逾期未完成和{DUE_SOON_DAYS}天内到期的目标",
        freeze_columns=2,
        demo=demo,
    )

    sections = by_key["ranking"].tables["sections"]
    leaders = by_key["leaders"].tables["leaders"]
    ranking = [
        [_cell(v) for v in (r.section, r.targets, r.points, r.completion_pct, r.expected_pct, r.late)]
        for r in sections.itertuples()
    ]
    ranking.append(Band(f"分管领导（{len(leaders)}位）"))
    ranking.append(Header(["分管领导", "分管目标", "分管分值", "完成率", "", "滞后"]))
    ranking += [
        [_cell(v) for v in (r.leader, r.targets, r.points, r.completion_pct, None, r.late)]
        for r in leaders.itertuples()
    ]
    print_table(
        wb.create_sheet("科室排名"),
        title,
        (
            Column("科室", 24),
            Column("牵头目标", 12, "int"),
            Column("牵头分值", 12, "score"),
            Column("完成率", 12, "pct"),
            Column("序时进度", 12, "pct"),
            Column("滞后", 12, "int"),
        ),
        ranking,
        unit=unit,
        stamp=stamp,
        subtitle=f"周次：{week.label}　科室排名与分管领导",
        demo=demo,
    )
    return book_bytes(wb)


def _cell(value: object) -> object:
    """A frame's value as a cell takes it: missing as empty, timestamps as dates, numpy as Python."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return _plain(value)


# -- the reminder list (催报清单) ----------------------------------------------------------------

REMINDER_COLUMNS = (  # (printed column, field of supervision.reminder_texts)
    (Column("序号", 6, "int"), None),
    (Column("科室", 14), "section"),
    (Column("未报送的目标", 18), "targets"),
    (Column("邮箱", 22), "email"),
    (Column("手机号", 18, "code"), "phone"),  # +86 and 11 digits on one line (LibreOffice's digits are wide)
    (Column("催报内容", 60, grow=True), "text"),
    (Column("已发送（签字/日期）", 16), None),
)


def reminder_xlsx(texts: pd.DataFrame, unit: str, period: Period, as_of: date, *, demo: bool = False) -> bytes:
    """The reminder list for an office with no mail server or chat robot: one row per section not
    reported in the reporting ``period`` with its contacts and the text to send (``texts``:
    supervision.reminder_texts), and a column to sign."""
    wb = new_book()
    rows = [
        [n, *("" if field is None else str(getattr(r, field) or "") for _, field in REMINDER_COLUMNS[1:])]
        for n, r in enumerate(texts.itertuples(index=False), start=1)
    ]
    print_table(
        wb.create_sheet("催报清单"),
        f"{unit}催报清单",
        [c for c, _ in REMINDER_COLUMNS],
        rows,
        unit=unit,
        stamp=f"统计截至 {fmt.day(as_of)}",
        subtitle=f"{period.name}填报周期（{period.days}）未报送进度的科室",
        demo=demo,
    )
    return book_bytes(wb)
