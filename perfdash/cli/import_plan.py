"""python -m perfdash import: import a plan into the database (a new database is made)."""

from __future__ import annotations

import argparse
import time

from perfdash.cli import options

HELP = "把方案导入数据库（重复导入不改动；修订版保留进度）"
EXAMPLES = """\
例：
  python -m perfdash import 方案.docx --db data/perfdash.duckdb   # .docx / .txt / .xlsx"""
PARENTS = (options.DB,)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The plan document."""
    parser.add_argument("path", help="方案文档（.docx、.txt）或 Excel 模板（.xlsx）")
    parser.add_argument("--mapping", metavar="M.json", help="按此文件指定的列对应读取（见 plan --write-mapping）")


def run(args: argparse.Namespace) -> int:
    """Read the plan (in a child process), then write it in one transaction."""
    from perfdash.cli.opening import open_store
    from perfdash.plan import summary_lines
    from perfdash.plan.worker import read_plan_bounded

    started = time.perf_counter()
    from perfdash.cli.plan import read_mapping

    plan = read_plan_bounded(args.path, mapping=read_mapping(args.mapping))
    store = open_store(args, read_only=False, create=True)
    try:
        result = store.import_plan(plan)
    finally:
        store.close()
    print("\n".join(summary_lines(plan)))
    print(f"{result.describe()}（方案编号 {result.plan_id}，用时 {time.perf_counter() - started:.2f} 秒）")
    return 0
