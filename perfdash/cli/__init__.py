"""The command line: ``python -m perfdash <command>``, one module per command.

Each command module has ``HELP`` (its line in the command list), ``EXAMPLES``, ``PARENTS`` (the
shared options it takes, from perfdash.cli.options), ``add_arguments(parser)`` and
``run(args) -> int``. Modules import only argparse and the settings at the top, and anything
heavy (pandas, DuckDB, the store) inside ``run``; ``main`` builds the options of the command typed
only, so ``--help`` imports neither pandas nor DuckDB (tests/test_cli.py holds it to that).

Exit codes: 0 done; 1 the command ran and found problems (an upload refused, a benchmark limit
missed); 2 a usage error (argparse: a bad date, a missing option) or a refusal, one line 错误：…
on stderr and no traceback; 130 interrupted (Ctrl+C)."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
from collections.abc import Iterable
from typing import NoReturn

from perfdash.cli import (
    assess,
    backup,
    bench,
    bulletin,
    city,
    delete_plan,
    demo,
    forecast,
    import_plan,
    kpis,
    package,
    plan,
    progress,
    report,
    restore,
    rules,
    score,
    serve,
)
from perfdash.cli.options import Refused

PROG = "python -m perfdash"
COMMANDS = {
    "plan": plan,
    "import": import_plan,
    "delete-plan": delete_plan,
    "demo": demo,
    "progress": progress,
    "score": score,
    "rules": rules,
    "assess": assess,
    "city": city,
    "forecast": forecast,
    "report": report,
    "bulletin": bulletin,
    "package": package,
    "kpis": kpis,
    "backup": backup,
    "restore": restore,
    "serve": serve,
    "bench": bench,
}
# argparse's own refusals, in Chinese; one it words otherwise (another Python version) stays as it is.
ARGPARSE_WORDS = (
    (r"^argument ([^:]+): ", r"参数 \1："),
    (r"the following arguments are required: ", "缺少必需的参数："),
    (r"unrecognized arguments: ", "无法识别的参数："),
    (r"invalid choice: (.*) \(choose from (.*)\)$", r"无效的选项 \1（可选：\2）"),
    (r"invalid int value: (.*)$", r"\1 不是整数"),
    (r"invalid float value: (.*)$", r"\1 不是数字"),
    (r"expected one argument$", "需要一个值"),
)
# Errors that end a command with their one line and exit 2, by the module that defines them: an
# error can have been raised only if its module was imported, so they are looked up in
# sys.modules rather than imported (plan and kpis need not load DuckDB to name StoreError).
REFUSALS = (
    ("perfdash.plan.model", "PlanError"),
    ("perfdash.db.database", "StoreError"),  # HeldByServer and BackupError among them
    ("perfdash.core.settings", "SettingError"),
)


class Parser(argparse.ArgumentParser):
    """argparse with its refusals in Chinese: the usage, then one line 错误：…, exit 2."""

    def error(self, message: str) -> NoReturn:
        """Print the usage and the refusal, then exit 2."""
        for pattern, words in ARGPARSE_WORDS:
            message = re.sub(pattern, words, message)
        self.print_usage(sys.stderr)
        self.exit(2, f"错误：{message}（{self.prog} --help 查看说明）\n")


def build_parser(commands: Iterable[str] | None = None) -> Parser:
    """The parser of every command, or only of ``commands``: the others then carry their name and
    help line only (enough for the command list), and nothing their options need is imported."""
    chosen = set(COMMANDS if commands is None else commands)
    parser = Parser(
        prog=PROG,
        description="绩效管理看板 perfdash 命令行",
        epilog=f"每个命令的选项和示例：{PROG} <命令> --help",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="<命令>", title="命令")
    for name, module in COMMANDS.items():
        command = sub.add_parser(
            name,
            help=module.HELP,
            description=module.HELP,
            epilog=module.EXAMPLES,
            parents=list(module.PARENTS),
            formatter_class=argparse.RawDescriptionHelpFormatter,  # the examples keep their lines
        )
        if name in chosen:
            module.add_arguments(command)
        command.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command line; the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    # The top level takes no option but --help, so the first word is the command.
    typed = next((a for a in argv if not a.startswith("-")), None)
    args = argparse.Namespace(cleanup=[])  # cleanup: temporary copies a command made (a backup read)
    try:
        # Inside the try: building a command's options may read a setting (bench's seed).
        build_parser([typed] if typed else []).parse_args(argv, namespace=args)
        return args.run(args)
    except KeyboardInterrupt:
        print("\n已中断", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader stopped early (`… --json | head`): nothing more to say, and no traceback.
        # Python's recipe: point stdout at devnull so the exit's flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as exc:
        line = _refusal(exc, args)
        if line is None:
            raise
        print(line, file=sys.stderr)
        return 2
    finally:
        for path in args.cleanup:
            shutil.rmtree(path, ignore_errors=True)


def _refusal(exc: Exception, args: argparse.Namespace) -> str | None:
    """The one line for an error a user can act on, or None for a bug (raised as it is)."""
    if isinstance(exc, Refused):
        return f"错误：{exc}"
    database = sys.modules.get("perfdash.db.database")
    if database is not None and isinstance(exc, database.HeldByServer):
        # Answered at once: waiting for a server to let go would not help.
        from perfdash.cli.opening import STOP_FIRST, WHILE_SERVING, command_name

        return f"错误：{exc}。{WHILE_SERVING.get(command_name(args), f'请{STOP_FIRST}。')}"
    for module, name in REFUSALS:
        found = sys.modules.get(module)
        if found is not None and isinstance(exc, getattr(found, name)):
            return f"错误：{exc}"
    return None
