"""python -m perfdash backup: a signed, consistent copy of a database the app is not serving."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from perfdash.cli import options

if TYPE_CHECKING:  # annotations only: --help must not import DuckDB
    from perfdash.db.database import HeldByServer

HELP = "备份数据库：一致的副本（每表一个 Parquet 文件）加本安装签名的备份清单"
EXAMPLES = """\
例：
  python -m perfdash backup --db DB --out 备份目录
看板运行时不必停机：在“账户与审计 → 备份”页签立即备份并下载，或用定时备份。"""
PARENTS = (options.DB,)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Where the backup goes."""
    parser.add_argument("--out", required=True, help="备份目录（新的或空的目录）")


def run(args: argparse.Namespace) -> int:
    """Back the database up; while the app server holds it, say what to do instead."""
    from perfdash.cli.opening import LOCK_WAIT_SECONDS
    from perfdash.db.database import HeldByServer
    from perfdash.ops.backup_commands import backup_command

    try:
        return backup_command(options.db_location(args.db), args.out, LOCK_WAIT_SECONDS)
    except HeldByServer as exc:
        print(_while_serving(args, exc), file=sys.stderr)
        return 2


def _while_serving(args: argparse.Namespace, held: HeldByServer) -> str:
    """What to do instead of ``backup`` while the app serves: the page, and the scheduled backups."""
    from perfdash.cli.opening import server_backups
    from perfdash.ops.backup_folder import latest

    folder, every, url = server_backups(args, held)
    newest = latest(folder)
    page = f"{url}admin" if url else "“账户与审计”页面"
    lines = [
        f"错误：{held}，此命令不能同时打开它。",
        f"看板运行时不必停机备份：绩效办登录后打开 {page} 的“备份”页签，点击“立即备份”并下载备份文件"
        "（恢复：python -m perfdash restore 下载的文件.zip --db 新数据库文件）。",
        f"看板每 {every:g} 小时自动备份到 {folder}" if every > 0 else "定时备份未开启（PERFDASH_BACKUP_EVERY=0）",
    ]
    if newest is not None:
        lines.append(f"最新的备份：{newest.path}（{newest.taken_at:%Y-%m-%d %H:%M:%S}）")
    lines.append("如一定要用此命令，请先停止看板。")
    return "\n".join(lines)
