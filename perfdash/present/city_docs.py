"""The city's hand-in (#38): the 全市绩效汇总表, 全市总览's table printed by group — one sheet with a
header row per group (its units, mean 完成率 against 序时进度, grades, units needing attention), the
units ranked within it — and a second sheet of the units needing attention with their reasons. A4
landscape, one page wide, title and column headers on every page (perfdash.core.excel)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from perfdash.core import fmt
from perfdash.core.access import CITY
from perfdash.core.excel import Band, Column, book_bytes, new_book, print_table
from perfdash.present import city_board

ISSUER = CITY  # the printed page header's left: who hands the summary out (市直绩效办)
PERCENT = '0"%"'  # the whole percents shown on 全市总览 (its 差距 is their difference)
COLUMNS = (  # (board column, printed column); widths in character units, A4 landscape holds ~148
    ("rank", Column("组内排名", 5, "int")),
    ("unit", Column("单位", 14, grow=True)),
    ("total_points", Column("总分值", 7, "number")),
    ("reporting", Column("本期报送", 8, "code")),
    ("last_report", Column("最近填报", 11, "date")),
    ("completion", Column("完成率", 7, "int")),
    ("expected", Column("序时进度", 7, "int")),
    ("gap", Column("差距", 6, "int")),
    ("score", Column("当前得分", 8, "score")),
    ("projected", Column("预计得分", 8, "score")),
    ("grade", Column("等次", 6, "code")),
    ("lagging", Column("滞后", 5, "int")),
    ("overdue", Column("逾期", 5, "int")),
    ("orders", Column("督办 未办结/逾期", 8, "code")),
    ("self", Column("自评", 7, "code")),
    ("evidence_gaps", Column("佐证缺项", 6, "int")),
    ("reasons", Column("需要关注", 18, grow=True)),
)


def _value(value: object) -> object:
    """A cell's value: pandas' missing values as an empty cell, numpy scalars as Python's."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return value.item() if hasattr(value, "item") else value


def group_line(group: str, part: pd.DataFrame) -> str:
    """The header row of one group: 经济调节（25 个单位）：平均完成率 85%（序时进度 89%，低 4 个百分点）…"""
    head = city_board.headline(part)
    text = f"{group}（{head['units']} 个单位"
    if head["plans"] < head["units"]:
        text += f"，其中 {head['units'] - head['plans']} 个尚未导入方案"
    text += "）"
    if head["completion"] is not None:
        gap = int(head["gap"])
        side = f"高 {gap}" if gap > 0 else f"低 {-gap}" if gap < 0 else "持平"
        text += (
            f"：平均完成率 {fmt.pct(head['completion'])}（序时进度 {fmt.pct(head['expected'])}，{side}"
            f"{' 个百分点' if gap else ''}）；等次 {city_board.grade_text(head['grades'])}"
        )
    if head["attention"]:
        text += f"；需要关注 {head['attention']} 个"
    return text


def summary_rows(table: pd.DataFrame) -> list[list[object] | Band]:
    """The summary's rows: a Band per group, then its units by rank (city_board.ordered)."""
    ordered = city_board.ordered(table)
    shown = city_board.board(ordered)
    shown["total_points"] = [_value(v) for v in ordered["total_points"]]
    shown["orders"] = [
        "—" if pd.isna(o) else f"{int(o)}/{int(d or 0)}"
        for o, d in zip(shown["orders_open"], shown["orders_overdue"], strict=True)
    ]
    rows: list[list[object] | Band] = []
    for group, part in shown.groupby("group", sort=False):
        rows.append(Band(group_line(str(group), ordered[ordered["group"] == group])))
        for r in part.itertuples(index=False):
            values = r._asdict()
            rows.append([_value(values[key]) for key, _ in COLUMNS])
    return rows


def summary_xlsx(table: pd.DataFrame, year: int, as_of: date, *, demo: bool = False) -> bytes:
    """全市绩效汇总表 of the city table (perfdash.workflows.city.table) as of ``as_of``: sheet 全市汇总
    by group, sheet 需要关注 (a line per unit and reason). ``demo``: the progress is demo data."""
    wb = new_book()
    columns = [c for _, c in COLUMNS]
    groups = list(dict.fromkeys(table["group"]))
    ws = wb.create_sheet("全市汇总")
    header = print_table(
        ws,
        f"{year}年度市直单位绩效目标推进情况汇总表",
        columns,
        summary_rows(table),
        unit=ISSUER,
        stamp=f"统计截至 {fmt.day(as_of)}",
        subtitle=(
            f"统计截至 {fmt.long_day(as_of)}；{len(table)} 个单位，分 {len(groups)} 组，组内按当前得分排名。"
            "完成率按各单位方案的分值加权；差距为完成率与序时进度之差（百分点）；"
            "本期报送为本期已报送的科室数 / 应报送的科室数。"
        ),
        demo=demo,
    )
    percent_columns = [i for i, (key, _) in enumerate(COLUMNS, start=1) if key in ("completion", "expected")]
    for row in ws.iter_rows(min_row=header + 1):
        for i in percent_columns:
            if isinstance(row[i - 1].value, int | float):
                row[i - 1].number_format = PERCENT
    concerned = [
        (str(u), str(g), city_board.reasons(a))
        for u, g, a in zip(table["unit"], table["group"], table["attention"], strict=True)
        if city_board.reasons(a)
    ]
    print_table(
        wb.create_sheet("需要关注"),
        f"{year}年度需要关注的市直单位",
        [Column("序号", 6, "int"), Column("单位", 20), Column("分组", 14), Column("原因", 60, grow=True)],
        [[n, u, g, why] for n, (u, g, why) in enumerate(concerned, start=1)] or [Band("没有需要关注的单位")],
        unit=ISSUER,
        stamp=f"统计截至 {fmt.day(as_of)}",
        demo=demo,
    )
    return book_bytes(wb)
