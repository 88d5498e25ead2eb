"""The command line: python -m perfdash plan | import | demo …"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path

from perfdash import settings
from perfdash.plan import PlanError, read_plan, summary_lines


def _db(value: str | None) -> Path:
    return Path(value) if value else settings.db_path()


def cmd_plan(args: argparse.Namespace) -> int:
    plan = read_plan(args.path)
    if args.xlsx:
        from perfdash.plan_xlsx import export_plan_xlsx

        export_plan_xlsx(plan, args.xlsx)
        print(f"已写出 Excel 模板：{args.xlsx}", file=sys.stderr)
    if args.json:
        json.dump([t.as_dict() for t in plan.targets], sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    elif not args.xlsx:
        print("\n".join(summary_lines(plan)))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from perfdash.store import Store

    started = time.perf_counter()
    plan = read_plan(args.path)
    store = Store(_db(args.db))
    result = store.import_plan(plan)
    store.close()
    print("\n".join(summary_lines(plan)))
    print(f"{result.describe()}（方案编号 {result.plan_id}，用时 {time.perf_counter() - started:.2f} 秒）")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from perfdash.demo import build_demo
    from perfdash.store import Store

    started = time.perf_counter()
    plan = read_plan(args.plan)
    store = Store(_db(args.db))
    until = date.fromisoformat(args.until) if args.until else None
    plan_id, rows = build_demo(store, plan, args.seed, until)
    store.close()
    if rows:
        print(
            f"已写入方案“{plan.unit}{plan.year}年度”（编号 {plan_id}）及演示数据 {rows} 条进度记录，"
            f"用时 {time.perf_counter() - started:.2f} 秒：{_db(args.db)}"
        )
    else:
        print(f"方案“{plan.unit}{plan.year}年度”已有进度记录，未写入演示数据：{_db(args.db)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m perfdash", description="绩效管理看板 perfdash 命令行")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("plan", help="读取方案文档（或 Excel 模板）并打印校验摘要")
    p.add_argument("path", help="方案文档（.txt，官方文本）或 Excel 模板（.xlsx）")
    p.add_argument("--json", action="store_true", help="打印 JSON 数组，每个年度工作目标一个对象")
    p.add_argument("--xlsx", metavar="OUT", help="把方案写成 Excel 模板")
    p.set_defaults(func=cmd_plan)

    p = sub.add_parser("import", help="把方案导入数据库（重复导入不改动；修订版保留进度）")
    p.add_argument("path")
    p.add_argument("--db", help="数据库文件（默认 $PERFDASH_DB 或 data/perfdash.duckdb）")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("demo", help="写入方案和确定性的演示进度数据（演示数据）")
    p.add_argument("--db", help="数据库文件（默认 $PERFDASH_DB 或 data/perfdash.duckdb）")
    p.add_argument("--plan", default=str(settings.plan_path()), help="方案文档，默认为随附的官方方案")
    p.add_argument("--seed", type=int, default=settings.demo_seed(), help="随机种子")
    p.add_argument("--until", help="演示数据截止日期（默认方案年度的 11月25日）")
    p.set_defaults(func=cmd_demo)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except PlanError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
