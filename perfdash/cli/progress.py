"""python -m perfdash progress template | import: a section's ledger (台账) out and back in."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

from perfdash.cli import options

HELP = "科室进度：生成台账模板、批量导入"
EXAMPLES = """\
例：
  python -m perfdash progress template --db DB --section 中教科 --out 中教科.xlsx
  python -m perfdash progress import 台账.xlsx --db DB --as 中教科   # 有任何错误则不写入，退出码 1"""
PARENTS: tuple[argparse.ArgumentParser, ...] = ()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The two subcommands, each on an existing database and a plan in it."""
    sub = parser.add_subparsers(dest="progress_command", required=True, metavar="{template,import}")
    common = {"parents": [options.DB, options.PLAN], "formatter_class": parser.formatter_class}
    helptext = "生成某科室（或绩效办）的进度台账模板 .xlsx（只读数据库）"
    template = sub.add_parser("template", help=helptext, description=helptext, **common)
    template.add_argument("--section", required=True, help="科室名称，或“绩效办”（全部目标）")
    template.add_argument("--out", required=True, help="输出的 .xlsx 文件")
    helptext = "导入进度台账（.xlsx 或 CSV）：有任何错误则一条也不写入"
    upload = sub.add_parser("import", help=helptext, description=helptext, **common)
    upload.add_argument("file", help="填好的台账 .xlsx 或 CSV（UTF-8 / GBK）")
    upload.add_argument("--as", dest="who", required=True, help="填报人：科室名称或“绩效办”")


def run(args: argparse.Namespace) -> int:
    """The subcommand typed."""
    return run_template(args) if args.progress_command == "template" else run_import(args)


def run_template(args: argparse.Namespace) -> int:
    """Write the ledger template of a section (or of the office: every target)."""
    from perfdash.cli.opening import open_plan
    from perfdash.core.access import Actor
    from perfdash.db import queries
    from perfdash.present import templates
    from perfdash.workflows import periods, progress

    store, row = open_plan(args, read_only=True)
    try:
        plan_id, year = int(row["plan_id"]), int(row["year"])
        demo = queries.is_demo(row)
        sections, _ = queries.sections_and_leaders(store, plan_id)
        try:
            actor = Actor.parse(args.section, sections, [])
        except ValueError as exc:
            raise options.Refused(f"{exc}。可选科室：{'、'.join(sections)}") from None
        report_date = periods.calendar(store, plan_id).report_day(date.today())
        state = queries.target_state(store, plan_id, report_date, year)
    finally:
        store.close()
    Path(args.out).write_bytes(templates.ledger_template_xlsx(state, actor, report_date, demo=demo))
    print(f"已写出 {actor.label} 的进度台账模板（{len(progress.targets_for(state, actor))} 项目标）：{args.out}")
    return 0


def run_import(args: argparse.Namespace) -> int:
    """Import a filled ledger: every changed row written (rows repeating a target's latest record
    skipped), or none (each problem listed, exit 1)."""
    from perfdash.cli.opening import actor_in_plan, open_plan
    from perfdash.workflows import ledger, progress

    store, row = open_plan(args, read_only=False)
    try:
        plan_id = int(row["plan_id"])
        actor, _ = actor_in_plan(store, plan_id, args.who)
        started = time.perf_counter()
        written, read, errors = ledger.import_file(store, plan_id, actor, args.file)
    finally:
        store.close()
    if errors:
        print(f"导入失败，未写入任何数据（{len(errors)} 处问题）：", file=sys.stderr)
        for e in errors:
            print(f"  {e}", file=sys.stderr)
        return 1
    print(
        f"已导入 {progress.saved_text(written, read)}"
        f"（填报人：{actor.label}，用时 {time.perf_counter() - started:.2f} 秒）"
    )
    return 0
