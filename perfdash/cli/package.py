"""python -m perfdash package: the 察访核验 inspection package (perfdash/present/inspection_package.py),
the same .zip the 核验与迎检 page builds."""

from __future__ import annotations

import argparse
from pathlib import Path

from perfdash.cli import options

HELP = "生成察访核验材料包（.zip：按一级指标、目标编号分文件夹的佐证材料，另含目录 .docx 和材料索引 .xlsx）"
EXAMPLES = """\
例：
  python -m perfdash package --db DB --out 材料包.zip                     # 全部目标（绩效办）
  python -m perfdash package --db DB --out 中教科.zip --section 中教科     # 该科室牵头或协办的目标
  python -m perfdash package --db DB --out 中教科.zip --as 中教科          # 以科室身份：只能生成本科室的
演示库先用 python -m perfdash demo --evidence 生成演示佐证材料，否则材料包只列出缺少的清单项。
看板运行时读取最新一份备份（材料文件取自材料目录），并注明其时间。"""
PARENTS = (options.DB, options.PLAN)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Where to write, whose targets, as whom."""
    parser.add_argument("--out", required=True, help="输出的 .zip 文件（先写临时文件，完成后改名，出错不留半个文件）")
    parser.add_argument("--section", help="只含该科室牵头或协办的目标（默认：全部目标）")
    parser.add_argument(
        "--as",
        dest="who",
        default="绩效办",
        help="以谁的身份生成：“绩效办”（默认）、分管领导姓名或科室名称；科室只能生成本科室的材料包",
    )


def run(args: argparse.Namespace) -> int:
    """Build the package (read-only; a backup's copy while the app server holds the file) and print
    one line: targets, files, missing items, size, seconds, path."""
    from perfdash.cli.opening import actor_in_plan, open_plan
    from perfdash.core import settings
    from perfdash.present import inspection_package

    out = Path(args.out)
    if out.suffix.lower() != ".zip":
        raise options.Refused(f"材料包应写成 .zip 文件（收到 {out.name}）")
    if not out.parent.is_dir():
        raise options.Refused(f"保存材料包的文件夹 {out.parent} 不存在")
    store, row = open_plan(args, read_only=True, snapshot_ok=True)
    try:
        plan_id = int(row["plan_id"])
        actor, sections = actor_in_plan(store, plan_id, args.who)
        if args.section is not None and args.section not in sections:
            raise options.Refused(f"方案中没有科室“{args.section}”。可选科室：{'、'.join(sections)}")
        # Files are kept by content: a backup's copy reads them from the live evidence folder.
        evidence = settings.evidence_dir(options.db_location(args.db))
        result = inspection_package.build_package(store, plan_id, out, actor, args.section, evidence_root=evidence)
    finally:
        store.close()
    lost = f"，文件缺失 {result.lost} 份（见目录）" if result.lost else ""
    print(
        f"已写出察访核验材料包：{result.targets} 个目标，{result.files} 份材料，"
        f"缺少佐证 {result.missing_items} 项{lost}，{result.bytes / (1 << 20):.1f} MB，"
        f"用时 {result.seconds:.1f} 秒：{result.path}"
    )
    return 0
