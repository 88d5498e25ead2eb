"""python -m perfdash serve: what ``make run`` runs (perfdash.server.startup.serve)."""

from __future__ import annotations

import argparse
import sys

from perfdash.cli import options

HELP = "启动看板：准备数据库（首次启动时打印管理员初始密码）、开启定时备份、运行网页服务"
EXAMPLES = """\
例：
  python -m perfdash serve --port 8501 --address 127.0.0.1   # make run 即 python -m perfdash serve
  PERFDASH_DB=postgresql://… python -m perfdash serve --processes 2 --port 8501   # 全市部署：2 个进程、nginx 在前"""
PARENTS = (options.DB,)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Where to listen."""
    parser.add_argument("--port", type=int, help="端口（默认取 .streamlit/config.toml，否则 8501）")
    parser.add_argument("--address", help="监听地址（默认所有网卡；只允许本机访问可设 127.0.0.1）")
    parser.add_argument(
        "--processes",
        type=options.at_least_one,
        default=1,
        help="看板进程数（默认 1）；多于 1 时需 PostgreSQL 数据库和 nginx：nginx 在 --port 上按浏览器把会话分给各进程",
    )


def run(args: argparse.Namespace) -> int:
    """Serve until stopped (Ctrl+C or SIGTERM)."""
    from perfdash.db.database import HeldByServer
    from perfdash.ops.auth import AuthError
    from perfdash.server.startup import serve

    db = options.db_location(args.db)
    if args.processes > 1:
        from perfdash.server import cluster

        return cluster.serve_processes(db, args.processes, args.port, args.address)
    try:
        return serve(db, args.port, args.address)
    except HeldByServer as exc:
        print(f"错误：{exc}：看板已经在运行，请直接在浏览器中打开它；或先停止它再启动。", file=sys.stderr)
        return 2
    except AuthError as exc:
        print(f"错误：无法创建管理员账户：{exc}（请检查 PERFDASH_ADMIN_PASSWORD）", file=sys.stderr)
        return 2
