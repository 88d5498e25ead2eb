"""python -m perfdash plan: read a plan document (or the Excel template) and print its check."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HELP = "读取方案文档（或 Excel 模板）并打印校验摘要"
EXAMPLES = """\
例：
  python -m perfdash plan data/quanzhou_edu_2025_plan.txt                # 方案校验摘要
  python -m perfdash plan data/quanzhou_edu_2025_plan.txt --json         # 每个年度工作目标一个 JSON 对象
  python -m perfdash plan data/quanzhou_edu_2025_plan.txt --xlsx 方案模板.xlsx   # Excel 模板（可再读回）"""
PARENTS: tuple[argparse.ArgumentParser, ...] = ()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The plan document and what to print or write."""
    parser.add_argument("path", help="方案文档（.docx、.txt 官方文本）或 Excel 模板（.xlsx）")
    parser.add_argument(
        "--json",
        action="store_true",
        help="打印 JSON 数组，每个年度工作目标一个对象，键固定为：code, group, category, indicator_code, "
        "indicator, indicator_points, source_note, target, points, deadline, sections, persons, leaders",
    )
    parser.add_argument("--xlsx", metavar="OUT", help="把方案写成 Excel 模板")


def run(args: argparse.Namespace) -> int:
    """Read the plan in a child process (within a time and memory budget), then print or write it."""
    from perfdash.plan import summary_lines
    from perfdash.plan.worker import read_plan_bounded

    plan = read_plan_bounded(args.path)
    if args.xlsx:
        from perfdash.present.templates import plan_template_xlsx

        Path(args.xlsx).write_bytes(plan_template_xlsx(plan))
        print(f"已写出 Excel 模板：{args.xlsx}", file=sys.stderr)
    if args.json:
        json.dump([t.as_dict() for t in plan.targets], sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    elif not args.xlsx:
        print("\n".join(summary_lines(plan)))
    return 0
