"""python -m perfdash demo: the plan and a deterministic demo progress history (演示数据)."""

from __future__ import annotations

import argparse
import time
from datetime import date
from typing import TYPE_CHECKING

from perfdash.cli import options

if TYPE_CHECKING:  # annotations only: --help must not import the store
    from perfdash.plan import Plan
    from perfdash.store import Store

HELP = "写入方案和确定性的演示进度数据（演示数据）"
EXAMPLES = """\
例：
  python -m perfdash demo --db /tmp/demo.duckdb                                  # 方案 + 演示数据
  python -m perfdash demo --db /tmp/demo.duckdb --evidence                       # 另加演示佐证材料（PDF）
  python -m perfdash demo --units 100 --db postgresql://…                        # 城市级演示库"""
PARENTS = (options.DB,)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The plan, the seed, the last day and the number of units."""
    parser.add_argument("--plan", help="方案文档（默认 $PERFDASH_PLAN，即随附的官方方案）")
    parser.add_argument("--seed", type=int, help="随机种子（默认 $PERFDASH_DEMO_SEED）")
    parser.add_argument(
        "--until", type=options.iso_date, metavar="YYYY-MM-DD", help="演示数据截止日期（默认方案年度的 11月25日）"
    )
    parser.add_argument(
        "--units",
        type=options.at_least_one,
        metavar="N",
        help="城市级演示库：把方案复制给 N 个虚构单位（示范市第001局…），各有全年周报（截至年末最后一个周五）",
    )
    parser.add_argument(
        "--evidence",
        action="store_true",
        help="另为每项目标生成 3 份演示佐证材料（1–3 页的 PDF），归入其佐证清单的前三项（供察访核验材料包演示；"
        "已有材料的方案不再生成）",
    )


def run(args: argparse.Namespace) -> int:
    """Write the plan and its demo history (or, with --units, the city-scale database)."""
    from perfdash.cli.opening import open_store
    from perfdash.core import settings
    from perfdash.plan import read_plan

    started = time.perf_counter()
    plan = read_plan(args.plan or settings.plan_path())
    seed = settings.demo_seed() if args.seed is None else args.seed
    where = settings.shown_db(options.db_location(args.db))
    if args.evidence and args.units is not None:
        raise options.Refused("--evidence 只用于单个方案的演示库，不能与 --units 同用")
    store = open_store(args, read_only=False, create=True)
    try:
        if args.units is not None:
            return _city(store, plan, args.units, seed, args.until, started, where)
        from perfdash.server.demo import build_demo, demo_evidence

        plan_id, rows = build_demo(store, plan, seed, args.until)
        built = time.perf_counter()
        files = demo_evidence(store, plan_id) if args.evidence else None
    finally:
        store.close()
    if rows:
        print(
            f"已写入方案“{plan.unit}{plan.year}年度”（编号 {plan_id}）及演示数据 {rows} 条进度记录，"
            f"用时 {built - started:.2f} 秒：{where}"
        )
    else:
        print(f"方案“{plan.unit}{plan.year}年度”已有进度记录，未写入演示数据：{where}")
    if files:
        seconds = time.perf_counter() - built
        print(f"已生成演示佐证材料 {files} 份（每项目标 3 份 PDF，归入佐证清单的前三项），用时 {seconds:.1f} 秒")
    elif files == 0:
        print("该方案的目标已有佐证材料，未生成演示佐证材料")
    return 0


def _city(store: Store, plan: Plan, units: int, seed: int, until: date | None, started: float, where: str) -> int:
    """demo --units N: the plan cloned for N synthetic bureaus, each with a whole year of weekly reports."""
    from perfdash.server.demo import build_city_demo

    plan_ids, rows = build_city_demo(store, plan, units, seed, until)
    total = int(store.scalar("SELECT count(*) FROM progress"))
    print(
        f"城市级演示数据：{len(plan_ids)} 个单位（{plan.year}年度，每个 {len(plan.targets)} 项目标），"
        f"本次写入 {rows} 条进度记录，库中共 {total} 条，用时 {time.perf_counter() - started:.1f} 秒：{where}"
    )
    return 0
