"""python -m perfdash delete-plan: delete a wrongly imported plan and everything recorded against it
(the office's job, perfdash.workflows.plan_delete), after a backup into the backup folder."""

from __future__ import annotations

import argparse
import sys

from perfdash.cli import options

HELP = "删除误导入的方案及其全部记录（删除前自动备份；已综合评估或已锁定的方案不能删除）"
EXAMPLES = """\
例：
  python -m perfdash delete-plan --db DB --unit 泉州市教育局 --year 2025 --reason "误导入了征求意见稿"
删除前先备份到备份目录（与看板“立即备份”相同：$PERFDASH_BACKUP_DIR，默认数据库旁的 backups/），
找回：python -m perfdash restore 备份文件.zip --db 新数据库文件。删除记入审计日志（记为绩效办）。
退出码：0 已删除；1 未删除（拒绝删除，如已有综合评估，或备份失败）；2 参数错误或没有该方案。"""
PARENTS = (options.DB,)


def filled(text: str) -> str:
    """A value that must say something (a unit, a reason): blank refused as a usage error."""
    if not text.strip():
        raise argparse.ArgumentTypeError("不能为空")
    return text.strip()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The plan (unit and year, both required: a delete never falls back to the newest plan) and why."""
    parser.add_argument("--unit", required=True, type=filled, help="单位（必填，与方案标题中的单位一致）")
    parser.add_argument("--year", required=True, type=int, help="方案年度（必填）")
    parser.add_argument("--reason", required=True, type=filled, help="删除理由（必填，记入审计日志）")


def run(args: argparse.Namespace) -> int:
    """Check the delete is allowed, back up, delete; print the backup and what was deleted."""
    from perfdash.cli.opening import open_plan
    from perfdash.core.access import Actor
    from perfdash.db.database import StoreError
    from perfdash.ops import backup_folder
    from perfdash.workflows import plan_delete

    store, row = open_plan(args, read_only=False)
    actor = Actor.office()
    try:
        plan_id = int(row["plan_id"])
        try:
            plan_delete.check_delete(store, plan_id, actor, args.reason)  # refused: no backup taken
            made = backup_folder.backup_now(store, actor)[0]
            print(f"已备份到 {made.path}")
            done = store.delete_plan(plan_id, actor, args.reason)
        except StoreError as exc:  # refused, or the backup failed: nothing deleted
            print(f"错误：{exc}", file=sys.stderr)
            return 1
    finally:
        store.close()
    print(done.describe())
    print("\n".join(f"  {line}" for line in done.lines()))
    print(f"删除理由：{done.reason}")
    print(f"如需找回：python -m perfdash restore {made.path} --db 新数据库文件")
    return 0
