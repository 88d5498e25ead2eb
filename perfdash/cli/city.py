"""python -m perfdash city: the city's table (全市总览, workflows.city) — every unit of a year with its
plan, this period's reporting, completion against 序时进度, score, grade, projection, 滞后 / 逾期,
督办, self-assessment and evidence, ranked within the city's groups; with --set-groups the city's
groups are loaded from a CSV file (unit,group)."""

from __future__ import annotations

import argparse
import json
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

from perfdash.cli import options

if TYPE_CHECKING:  # annotations only: importing these at run time would make --help slow
    import pandas as pd

HELP = "全市总览：各单位的方案、本期报送、完成率与序时进度、得分、等次、预测、组内名次（市直绩效办）"
# Every key --json may print: the help lists them all (tests/test_city.py checks both ways).
JSON_KEYS = {
    "year": "方案年度",
    "as_of": "统计日期",
    "units": "每个单位一个对象（按分组、组内名次排列），键如下",
    "snapshot": "所读备份的 taken_at 和 file（看板运行时）",
}
UNIT_KEYS = {
    "unit": "单位",
    "group": "分组（市直绩效办设定；未分组的为“未分组”）",
    "plan_id": "方案编号（无方案时为 null）",
    "total": "当前得分（按方案存储的正式计分规则，与 score 命令相同）",
    "possible": "满分（目标分值合计）",
    "grade": "等次",
    "provisional": "true：该方案的计分规则尚未设定，等次为暂定",
    "completion": "加权完成率（%，与总览相同）",
    "expected": "序时进度（%）",
    "gap": "完成率与序时进度之差（百分点，取整，与总览相同）",
    "reported": "本期已报送的科室数（本期：统计日期所在的填报周期）",
    "sections": "本期应报送的科室数（牵头目标未全部完成的科室）",
    "last_report": "最近一次填报日期",
    "projected": "年终预测中位数的 total 和 grade（有填报时）",
    "counts": "目标数 targets、已完成 done、滞后 late、逾期未完成 overdue",
    "orders": "督办：未办结 open、其中逾期 overdue",
    "self_assessed": "已自评的目标数",
    "evidence_gaps": "迎检缺项数（自该方案的缺项提示日起；之前为 null）",
    "rank": "组内名次（按得分、再按完成率；并列同名次）",
    "group_size": "组内有方案的单位数",
    "attention": "需关注的原因（无方案、尚无填报、连续两期未报送、远落后于序时进度、督办逾期）",
}
EXAMPLES = "\n".join(
    [
        "--json 的键：",
        *(f"  {key:<14} {meaning}" for key, meaning in JSON_KEYS.items()),
        "units 中每个对象的键：",
        *(f"  {key:<14} {meaning}" for key, meaning in UNIT_KEYS.items()),
        "",
        "例：",
        "  python -m perfdash city --db DB",
        "  python -m perfdash city --db DB --json --year 2025 --as-of 2025-11-28 --group 市场监管",
        "  python -m perfdash city --db DB --set-groups 分组.csv",
        "统计日期默认为该年度各方案统计日期中最晚的一个（各方案最近关闭的填报周期的截止日），全市按同一日期比较。",
        "--set-groups 的文件为 UTF-8 的 CSV，两列：单位,分组（可有表头）；",
        "整体替换现有分组，文件中没有的单位改为未分组。",
        "看板运行时读取最新一份备份，并注明其时间（--set-groups 须先停止看板，或在看板中设置）。",
    ]
)
PARENTS = (options.DB, options.AS_OF)
MAX_GROUP_FILE = 1_000_000  # bytes: a grouping of thousands of units is far smaller


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The year, the group shown, the output form, and loading the groups."""
    parser.add_argument("--year", type=int, help="方案年度（默认：库中最新的年度）")
    parser.add_argument("--group", help="只显示这一分组")
    parser.add_argument("--json", action="store_true", help="输出一行 JSON（各键见下）")
    parser.add_argument("--set-groups", metavar="CSV", help="从 CSV 文件（单位,分组）设置各单位的分组")


def run(args: argparse.Namespace) -> int:
    """Print the city's table (read-only; a copy of the newest backup while the app server holds
    the file), or load the groups (--set-groups)."""
    if args.set_groups:
        return _set_groups(args)
    from perfdash.cli import opening
    from perfdash.workflows import city

    store = opening.open_reading(args)
    try:
        years = city.years(store)
        if not years:
            raise options.Refused("库中还没有任何方案")
        year = args.year or years[0]
        if year not in years:
            raise options.Refused(f"库中没有 {year} 年度的方案（有：{'、'.join(str(y) for y in years)}）")
        as_of = args.as_of or city.default_as_of(store, year)
        table = city.table(store, year, as_of)
    finally:
        store.close()
    if args.group is not None:
        if args.group not in set(table["group"]):
            known = "、".join(dict.fromkeys(table["group"]))
            raise options.Refused(f"没有名为“{args.group}”的分组（可选：{known}）")
        table = table[table["group"] == args.group]
    snapshot = getattr(args, "snapshot", None)
    if args.json:
        out = {"year": year, "as_of": as_of.isoformat(), "units": [_unit_json(r) for r in table.to_dict("records")]}
        if snapshot is not None:
            out["snapshot"] = {"taken_at": snapshot.taken_at.isoformat(), "file": str(snapshot.path)}
        print(json.dumps(out, ensure_ascii=False))
    else:
        print(_text(table, year, as_of, snapshot))
    return 0


def _num(value: object, digits: int = 2) -> float | int | None:
    """A number as JSON shows it: None for NA, 2 rather than 2.0, else rounded to ``digits``."""
    import pandas as pd

    if value is None or pd.isna(value):
        return None
    number = round(float(value), digits)
    return int(number) if number.is_integer() else number


def _unit_json(r: dict) -> dict:
    """One unit's object (the keys of UNIT_KEYS)."""
    import pandas as pd

    planned = pd.notna(r["plan_id"])
    return {
        "unit": r["unit"],
        "group": r["group"],
        "plan_id": int(r["plan_id"]) if planned else None,
        "total": _num(r["score"]),
        "possible": _num(r["total_points"]),
        "grade": r["grade"] if planned and r["grade"] is not None else None,
        "provisional": bool(r["provisional"]) if planned else None,
        "completion": _num(r["completion"]),
        "expected": _num(r["expected"]),
        "gap": _num(r["gap"]),
        "reported": _num(r["sections_reported"]),
        "sections": _num(r["sections_total"]),
        "last_report": r["last_report"].isoformat() if planned and r["last_report"] is not None else None,
        "projected": {"total": _num(r["projected"]), "grade": r["projected_grade"]}
        if planned and pd.notna(r["projected"])
        else None,
        "counts": {
            k: _num(r[c])
            for k, c in (("targets", "targets"), ("done", "done"), ("late", "lagging"), ("overdue", "overdue"))
        },
        "orders": {"open": _num(r["orders_open"]), "overdue": _num(r["orders_overdue"])},
        "self_assessed": _num(r["self_assessed"]),
        "evidence_gaps": _num(r["evidence_gaps"]),
        "rank": _num(r["rank"]),
        "group_size": _num(r["group_size"]),
        "attention": list(r["attention"]),
    }


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _cell(text: str, width: int, right: bool = True) -> str:
    pad = " " * max(width - _width(text), 0)
    return pad + text if right else text + pad


def _text(table: pd.DataFrame, year: int, as_of: object, snapshot: object) -> str:
    """A readable table per group: rank, unit, score, grade, completion against 序时进度, this
    period's reporting, 滞后 / 逾期, open 督办, what needs attention."""
    import pandas as pd

    from perfdash.core import fmt

    lines = []
    if snapshot is not None:
        taken = snapshot.taken_at  # type: ignore[attr-defined]
        lines.append(f"（数据截至 {taken:%Y-%m-%d %H:%M:%S} 的备份：看板正在运行，未读取此后的改动）")
    planned = int(table["plan_id"].notna().sum())
    lines.append(f"全市总览 · {year}年度 · 统计截至 {as_of} · {planned} 个单位有方案（共 {len(table)} 个）")
    header = ["名次", "单位", "得分", "等次", "完成率", "序时", "差距", "本期报送", "滞后", "逾期", "督办", "需关注"]
    for group, part in table.groupby("group", sort=False):
        rows = []
        for r in part.itertuples(index=False):
            if pd.isna(r.plan_id):
                cells = ["—", str(r.unit), *["—"] * 9]
            else:
                cells = [
                    str(r.rank),
                    str(r.unit),
                    fmt.score(r.score),
                    f"{r.grade}（暂定）" if r.provisional else str(r.grade),
                    fmt.pct(r.completion),
                    fmt.pct(r.expected),
                    f"{int(r.gap):+d}",
                    f"{r.sections_reported}/{r.sections_total}",
                    str(r.lagging),
                    str(r.overdue),
                    f"{r.orders_open}/{r.orders_overdue}",
                ]
            rows.append([*cells, "、".join(r.attention) or "—"])
        widths = [max(_width(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
        lines += ["", f"{group}（{int(part['plan_id'].notna().sum())} 个单位有方案）"]
        for row in [header, *rows]:
            # the unit and the reasons read from the left, the figures line up on the right
            cells = [_cell(c, w, right=i not in (1, 3, 11)) for i, (c, w) in enumerate(zip(row, widths, strict=True))]
            lines.append("  ".join(cells).rstrip())
    lines += ["", "本期报送：已报送/应报送的科室数；督办：未办结/其中逾期；差距：完成率与序时进度之差（百分点）。"]
    return "\n".join(lines)


def _set_groups(args: argparse.Namespace) -> int:
    """Load the city's groups from a CSV file (unit,group), replacing the grouping."""
    import csv
    import io

    from perfdash.cli import opening
    from perfdash.core.access import Actor

    path = Path(args.set_groups)
    if not path.is_file():
        raise options.Refused(f"找不到分组文件：{path}")
    if path.stat().st_size > MAX_GROUP_FILE:
        raise options.Refused(f"分组文件 {path} 超过 {MAX_GROUP_FILE // 1_000_000} MB，不像是分组表")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise options.Refused(f"分组文件 {path} 不是 UTF-8 编码的 CSV（在 Excel 中另存为“CSV UTF-8”）") from None
    mapping: dict[str, str] = {}
    for n, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        if n == 1 and cells[0] in ("unit", "单位", "单位名称"):
            continue  # the header
        if len(cells) != 2:
            raise options.Refused(f"分组文件第 {n} 行应有两列（单位,分组），实有 {len(cells)} 列")
        if cells[0] in mapping:
            raise options.Refused(f"分组文件第 {n} 行：单位“{cells[0]}”出现了两次")
        mapping[cells[0]] = cells[1]
    store = opening.open_store(args, read_only=False)
    try:
        store.set_unit_groups(mapping, Actor.system())
        named = {g for g in mapping.values() if g}
    finally:
        store.close()
    print(f"已设置 {len(mapping)} 个单位的分组（{len(named)} 个分组）。")
    return 0
