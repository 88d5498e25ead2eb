"""python -m perfdash plan: read a plan document (or the Excel template) and print its check."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from perfdash.plan import Mapping

HELP = "读取方案文档（或 Excel 模板）并打印校验摘要"
EXAMPLES = """\
例：
  python -m perfdash plan data/quanzhou_edu_2025_plan.txt                # 方案校验摘要
  python -m perfdash plan data/quanzhou_edu_2025_plan.txt --json         # 每个年度工作目标一个 JSON 对象
  python -m perfdash plan data/quanzhou_edu_2025_plan.txt --xlsx 方案模板.xlsx   # Excel 模板（可再读回）
  python -m perfdash plan 方案.docx --write-mapping 映射.json     # 写出读取时猜测的列对应，可修改
  python -m perfdash plan 方案.docx --mapping 映射.json           # 按指定的列对应读取"""
PARENTS: tuple[argparse.ArgumentParser, ...] = ()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The plan document and what to print or write."""
    parser.add_argument("path", help="方案文档（.docx、.txt 官方文本）或 Excel 模板（.xlsx）")
    parser.add_argument(
        "--json",
        action="store_true",
        help="打印 JSON 数组，每个年度工作目标一个对象，键固定为：code, group, category, indicator_code, "
        "indicator, indicator_points, source_note, target, points, deadline, sections, persons, leaders，"
        "其后为 standard（评分标准）和 sources（每个值取自的原文）",
    )
    parser.add_argument("--xlsx", metavar="OUT", help="把方案写成 Excel 模板")
    parser.add_argument(
        "--mapping",
        metavar="M.json",
        help="按此文件指定的列对应读取（columns：列号→含义，header_rows：表头行，rows：行号→类型；见 --write-mapping）",
    )
    parser.add_argument(
        "--write-mapping", metavar="OUT", help="把读取时采用的列对应写成 JSON 文件（可修改后用 --mapping 读取）"
    )


def run(args: argparse.Namespace) -> int:
    """Read the plan in a child process (within a time and memory budget), then print or write it."""
    from perfdash.plan import summary_lines
    from perfdash.plan.worker import read_plan_bounded

    plan = read_plan_bounded(args.path, mapping=read_mapping(args.mapping))
    if args.write_mapping:
        if plan.table is None:
            print("Excel 模板的列是固定的，没有列对应可写出", file=sys.stderr)
        else:
            Path(args.write_mapping).write_text(plan.table.mapping_json + "\n", encoding="utf-8")
            print(f"已写出列对应：{args.write_mapping}", file=sys.stderr)
    if args.xlsx:
        from perfdash.present.templates import plan_template_xlsx

        Path(args.xlsx).write_bytes(plan_template_xlsx(plan))
        print(f"已写出 Excel 模板：{args.xlsx}", file=sys.stderr)
    if args.json:
        json.dump([t.with_sources() for t in plan.targets], sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    elif not args.xlsx and not args.write_mapping:
        print("\n".join(summary_lines(plan)))
    return 0


def read_mapping(path: str | None) -> Mapping | None:
    """The mapping file given with --mapping (None: guess), refused with one line per problem."""
    from perfdash.plan import Mapping, PlanError

    if not path:
        return None
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanError(f"无法读取映射文件 {path}（{exc.__class__.__name__}）") from exc
    return Mapping.from_json(text, Path(path).name)
