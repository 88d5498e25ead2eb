"""The bench command: its options, and which benchmark a run asks for. Without --browser,
--protocol or --memory, the in-process benchmark of perfdash.bench.bench (pages through AppTest,
queries, the Monte Carlo, the upload, peak memory); with them, a real server on the city
database, measured by a headless browser, by Streamlit's websocket protocol, or per session's
memory. perfdash.cli.bench builds the command from here."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from perfdash.bench.bench import BenchError, default_db, ensure_city_db, machine, menu_pages, run
from perfdash.core import settings


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The bench subcommand's options."""
    p.add_argument(
        "--db",
        help="城市级演示库（不存在或不完整时先建立；默认 data/city_<单位数>.duckdb；--browser 时可为 postgresql://…）",
    )
    p.add_argument("--units", type=int, default=100, help="单位数（默认 100）")
    p.add_argument(
        "--runs", type=int, default=11, help="热运行次数，取中位数（默认 11；共用的 2 核机器上次数少时波动大）"
    )
    p.add_argument("--seed", type=int, default=settings.demo_seed(), help="演示数据的随机种子")
    p.add_argument("--markdown", type=Path, help="把结果表另存为 Markdown 文件")
    p.add_argument("--profile", type=int, default=0, metavar="N", help="对最慢的 N 个页面做性能剖析（cProfile）")
    p.add_argument("--walk", type=int, default=20, metavar="N", help="测内存前浏览前 N 个单位的主要页面（默认 20）")
    p.add_argument("--check", action="store_true", help="有未达标项时以退出码 1 结束（供 CI 使用）")
    p.add_argument(
        "--browser", action="store_true", help="在真实浏览器中测量（真实服务器、无头 chromium，与空白应用交替）"
    )
    p.add_argument(
        "--protocol",
        action="store_true",
        help="多人同时登录，用 Streamlit 的 websocket 协议代替浏览器（客户端几乎不占 CPU，可比较 1 个与多个看板进程）",
    )
    p.add_argument("--rounds", type=int, default=5, help="--browser：每个页面打开几次（默认 5）")
    p.add_argument("--sessions", default="1,10,30", help="--browser/--protocol：同时会话数，逗号分隔（默认 1,10,30）")
    p.add_argument(
        "--processes",
        default="1",
        help="--browser：看板进程数；--protocol：可逗号分隔（如 1,2），同一次运行里逐个测（多于 1 个需 PostgreSQL）",
    )
    p.add_argument(
        "--memory",
        type=int,
        default=0,
        metavar="N",
        help="测量每个会话占用的服务器内存（N 个会话登录后停留，tracemalloc 按分配位置拆分；不需要浏览器）",
    )


def _counts(text: str) -> list[int]:
    """ "1,10,30" → [1, 10, 30]; each at least 1."""
    counts = [int(n) for n in str(text).split(",") if n.strip()]
    if not counts or min(counts) < 1:
        raise ValueError(f"应为逗号分隔的正整数：{text}")
    return counts


def cmd_bench(args: argparse.Namespace) -> int:
    """python -m perfdash bench: print the table; exit 1 with --check when a limit is missed."""
    if args.units < 1 or args.runs < 1:
        print("错误：--units 和 --runs 至少为 1", file=sys.stderr)
        return 2
    if args.browser or args.protocol or args.memory:
        return _live(args)
    try:
        db = Path(args.db) if args.db else None
        rows = run(db, args.units, args.runs, args.seed, args.markdown, args.profile, args.walk)
    except BenchError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    return 1 if args.check and any(r.ok is False for r in rows) else 0


def _live(args: argparse.Namespace) -> int:
    """bench --browser / --protocol / --memory: a real server on the city database (built when
    missing; a PostgreSQL one must exist); the report printed and written to --markdown if asked."""
    from perfdash.bench.servers import BenchServerError

    try:
        sessions = _counts(args.sessions)
        processes = _counts(args.processes)
        db = args.db or str(default_db(args.units))
        if not settings.is_server_db(db):
            ensure_city_db(Path(db), args.units, args.seed)
        if args.memory:
            from perfdash.bench.session_memory import session_memory

            report = session_memory(db, args.memory).report()
        elif args.protocol:
            from perfdash.bench.protocol_bench import run_protocol

            report = run_protocol(db, sessions, processes, machine())
        else:
            from perfdash.bench.browser_bench import run_browser

            if len(processes) != 1:
                raise ValueError("--browser 一次只测一种进程数（--processes N）")
            report = run_browser(db, menu_pages(), args.rounds, sessions, processes[0], machine())
    except (BenchError, BenchServerError, ValueError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    print(report)
    if args.markdown:
        Path(args.markdown).write_text(report + "\n", encoding="utf-8")
    return 0
