"""python -m perfdash kpis: the 量化指标 found in a plan's targets (perfdash.plan.kpis)."""

from __future__ import annotations

import argparse

HELP = "从方案文档的年度工作目标中提取量化指标"
EXAMPLES = """\
例：
  python -m perfdash kpis data/quanzhou_edu_2025_plan.txt --json"""
PARENTS: tuple[argparse.ArgumentParser, ...] = ()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The plan document and the output form."""
    parser.add_argument("path", help="方案文档（.docx、.txt）或 Excel 模板（.xlsx）")
    parser.add_argument("--json", action="store_true", help="打印 JSON 数组，每项量化指标一个对象")


def run(args: argparse.Namespace) -> int:
    """Read the plan (in a child process) and print its 量化指标."""
    from perfdash.plan import kpis

    return kpis.main([args.path, *(["--json"] if args.json else [])])
