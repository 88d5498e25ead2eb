"""The bench command: its options, and which benchmark a run asks for. Without --browser,
--protocol or --memory, the in-process benchmark of perfdash.bench.bench (pages through AppTest,
queries, the Monte Carlo, the upload, peak memory); with them, a real server on the city
database, measured by a headless browser, by Streamlit's websocket protocol, or per session's
memory. perfdash.cli.bench builds the command from here."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from perfdash.bench.bench import BenchError, default_db, ensure_city_db, machine, menu_pages, plan_count, run
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
        "--serve-processes",
        metavar="N",
        help="--protocol：改为逐个启动真实部署 serve --processes N（可逗号分隔，如 1,2；多于 1 个时经 nginx），"
        "所有会话连同一个地址，测的是 nginx 分配之后的结果（需 PostgreSQL）",
    )
    p.add_argument(
        "--first-visit",
        action="store_true",
        help="首次访问：空缓存的浏览器经限速线路（默认 10 Mbit/s、50 ms）打开网站、登录、到总览可用；"
        "perfdash serve（静态文件压缩）与 streamlit run 交替，各 --rounds 次",
    )
    p.add_argument("--line", default="10,50", help="--first-visit：线路的带宽 Mbit/s 和延迟 ms，逗号分隔（默认 10,50）")
    p.add_argument(
        "--pages",
        help="--browser：只测这些页面（页面标题，逗号分隔，按菜单顺序），如 总览,按科室,截止热力图,完成趋势",
    )
    p.add_argument(
        "--against",
        type=Path,
        metavar="DIR",
        help="--browser：同时测另一份代码（如改动前的副本）的各页面和它的同内容页，交替进行、对比",
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


def _pages(menu: list[tuple[str, str]], titles: str | None) -> list[tuple[str, str]]:
    """The menu's pages named in ``titles`` ("总览,按科室"), in the menu's order; all without."""
    if not titles:
        return menu
    wanted = [t.strip() for t in titles.split(",") if t.strip()]
    unknown = [t for t in wanted if t not in {title for _, title in menu}]
    if unknown or not wanted:
        raise ValueError(f"菜单中没有这些页面：{'、'.join(unknown) or titles}")
    return [(s, t) for s, t in menu if t in wanted]


def _line(text: str, kind: type | None = None) -> object:
    """ "10,50" → the line of --first-visit (bandwidth Mbit/s, latency ms); ValueError in Chinese."""
    mbit, _, latency = str(text).partition(",")
    try:
        speed, delay = float(mbit), float(latency or 50)
    except ValueError:
        speed, delay = 0.0, 0.0
    if not (speed > 0 and delay >= 0):
        raise ValueError(f"--line 应为“带宽 Mbit/s,延迟 ms”，如 10,50：{text}")
    return kind(speed, delay) if kind else (speed, delay)


def cmd_bench(args: argparse.Namespace) -> int:
    """python -m perfdash bench: print the table; exit 1 with --check when a limit is missed."""
    if args.units < 1 or args.runs < 1:
        print("错误：--units 和 --runs 至少为 1", file=sys.stderr)
        return 2
    if args.serve_processes and not args.protocol:
        print("错误：--serve-processes 只用于 --protocol", file=sys.stderr)
        return 2
    if args.browser or args.protocol or args.memory or args.first_visit:
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
        if args.first_visit:  # a usage error before the city database is built
            _line(args.line)
        db = args.db or str(default_db(args.units))
        if not settings.is_server_db(db):
            ensure_city_db(Path(db), args.units, args.seed)
        if args.first_visit:
            from perfdash.bench.first_visit import Line, run_first_visit

            report = run_first_visit(db, args.rounds, _line(args.line, Line), machine())
        elif args.memory:
            from perfdash.bench.session_memory import session_memory

            report = session_memory(db, args.memory).report()
        elif args.protocol and args.serve_processes:
            from perfdash.bench.protocol_bench import run_protocol_served

            report = run_protocol_served(db, sessions, _counts(args.serve_processes), machine())
        elif args.protocol:
            from perfdash.bench.protocol_bench import run_protocol

            report = run_protocol(db, sessions, processes, machine())
        else:
            from perfdash.bench.browser_bench import run_browser

            if len(processes) != 1:
                raise ValueError("--browser 一次只测一种进程数（--processes N）")
            # the benchmark's office account sees the city's pages on a database of many units
            many = settings.is_server_db(db) or plan_count(Path(db)) > 1
            pages = _pages(menu_pages(city=many), args.pages)
            report = run_browser(db, pages, args.rounds, sessions, processes[0], machine(), args.against)
    except (BenchError, BenchServerError, ValueError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    print(report)
    if args.markdown:
        Path(args.markdown).write_text(report + "\n", encoding="utf-8")
    return 0
