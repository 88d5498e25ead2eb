"""python -m perfdash restore: a backup restored into a new database file, every check made."""

from __future__ import annotations

import argparse

HELP = "从备份恢复到新的数据库文件，并核对签名、行数、校验和与序列（须先停止看板）"
EXAMPLES = """\
例：
  python -m perfdash restore 备份.zip --db data/perfdash-restored.duckdb   # 迎评材料文件一起放回"""
PARENTS: tuple[argparse.ArgumentParser, ...] = ()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The backup and the new file (its --db names the file to make, not one to open)."""
    parser.add_argument(
        "dir", metavar="backup", help="备份目录（backup 命令写出的），或页面下载 / 定时备份的 .zip 备份文件"
    )
    parser.add_argument("--db", required=True, help="恢复到的新数据库文件")
    parser.add_argument("--force", action="store_true", help="覆盖已存在的文件（另一个程序正在使用时仍会拒绝）")
    parser.add_argument(
        "--trust-unsigned",
        action="store_true",
        help="恢复没有本安装签名（或签名不符）的备份，如升级前的旧备份、密钥丢失后的备份；其余核对照常",
    )


def run(args: argparse.Namespace) -> int:
    """Restore and report what was restored."""
    from perfdash.ops.backup_commands import restore_command

    return restore_command(args.dir, args.db, args.force, args.trust_unsigned)
