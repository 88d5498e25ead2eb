"""python -m perfdash bench: the benchmarks (perfdash.bench.command owns their options).

The benchmark module is imported only when this command is built, so that every other command's
``--help`` stays cheap (perfdash.cli.main builds the options of the command typed, not of all)."""

from __future__ import annotations

import argparse

HELP = "性能基准：城市级演示库上各页面、查询、模拟、上传的用时和峰值内存"
EXAMPLES = """\
例：
  python -m perfdash bench                                           # 城市规模基准测试（也可 make bench）
  python -m perfdash bench --browser --sessions 1,10,30              # 在真实浏览器里（需 chromium）
  python -m perfdash bench --protocol --db postgresql://… --processes 1,2   # 不用浏览器的 N 人同时登录
  python -m perfdash bench --memory 10                               # 每个会话占用的服务器内存"""
PARENTS: tuple[argparse.ArgumentParser, ...] = ()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The benchmark's own options (its --db names the city database, not the app's)."""
    from perfdash.bench.command import add_arguments as bench_arguments

    bench_arguments(parser)


def run(args: argparse.Namespace) -> int:
    """Run the benchmark; exit 1 with --check when a limit is missed."""
    from perfdash.bench.command import cmd_bench

    return cmd_bench(args)
