"""The README's command reference, generated from ``--help`` (as datasette's cog does for its
CLI reference), so that it cannot drift: ``make docs`` (``python -m perfdash.cli.docs``) rewrites
README.md between the markers; ``--check`` and tests/test_cli.py fail when the two differ."""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from perfdash.cli import COMMANDS, PROG, build_parser

START = "<!-- cli-help:start -->"
END = "<!-- cli-help:end -->"
README = Path(__file__).resolve().parents[2] / "README.md"
COLUMNS = "100"  # argparse wraps to the terminal: a fixed width, so the output is the same everywhere
SUBCOMMANDS = {"progress": ("template", "import")}


@contextlib.contextmanager
def _fixed_width() -> Iterator[None]:
    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = COLUMNS
    try:
        yield
    finally:
        if saved is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = saved


def help_text(parser: argparse.ArgumentParser, words: list[str]) -> str:
    """What ``python -m perfdash <words> --help`` prints."""
    out = io.StringIO()
    with _fixed_width(), contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
        parser.parse_args([*words, "--help"])
    return out.getvalue().rstrip()


def render() -> str:
    """The Markdown between the markers: the command list, then each command's --help."""
    parser = build_parser()
    lines = [
        f"以下由 `{PROG} … --help` 生成（`make docs` 重新生成，`tests/test_cli.py` 核对），请勿手改。",
        "",
        "```text",
        help_text(parser, []),
        "```",
    ]
    for name in COMMANDS:
        for words in [[name]] + [[name, sub] for sub in SUBCOMMANDS.get(name, ())]:
            lines += ["", f"### {PROG} {' '.join(words)}", "", "```text", help_text(parser, words), "```"]
    return "\n".join(lines)


def block(text: str) -> str:
    """What README-like ``text`` holds between the markers (without the line breaks around it)."""
    if START not in text or END not in text:
        raise ValueError(f"README.md 中没有 {START} … {END} 标记")
    return text.split(START, 1)[1].split(END, 1)[0].strip("\n")


SETTINGS_START = "<!-- settings:start -->"
SETTINGS_END = "<!-- settings:end -->"


def render_settings() -> str:
    """Every setting as a Markdown table (name, default, what it does), from perfdash.core.settings."""
    from perfdash.core.settings import SETTINGS

    lines = [
        "以下由 `perfdash/core/settings.py` 生成（`make docs` 重新生成，`tests/test_docs.py` 核对），请勿手改。",
        "",
        "| 环境变量 | 默认值 | 说明 |",
        "|---|---|---|",
    ]
    for s in SETTINGS:
        default = "（空）" if s.default == "" else f"`{s.default}`"
        lines.append(f"| `{s.name}` | {default} | {s.help.replace('|', '｜')} |")
    return "\n".join(lines)


def settings_block(text: str) -> str:
    """What README-like ``text`` holds between the settings markers."""
    if SETTINGS_START not in text or SETTINGS_END not in text:
        raise ValueError(f"README.md 中没有 {SETTINGS_START} … {SETTINGS_END} 标记")
    return text.split(SETTINGS_START, 1)[1].split(SETTINGS_END, 1)[0].strip("\n")


def _replace(text: str, start: str, end: str, body: str) -> str:
    head, rest = text.split(start, 1)
    return f"{head}{start}\n{body}\n{end}{rest.split(end, 1)[1]}"


def updated(text: str) -> str:
    """``text`` with the generated command reference and settings table between their markers."""
    block(text)  # the markers are there
    settings_block(text)
    text = _replace(text, START, END, render())
    return _replace(text, SETTINGS_START, SETTINGS_END, render_settings())


def main(argv: list[str] | None = None) -> int:
    """Rewrite README.md's command reference; with --check only say whether it is up to date."""
    parser = argparse.ArgumentParser(prog="python -m perfdash.cli.docs", description=__doc__)
    parser.add_argument("--check", action="store_true", help="只核对，不写入：不一致时退出码 1")
    parser.add_argument("--readme", type=Path, default=README, help="README 文件（默认项目的 README.md）")
    args = parser.parse_args(argv)
    text = args.readme.read_text(encoding="utf-8")
    new = updated(text)
    if new == text:
        print(f"{args.readme} 的命令行说明和设置表已是最新")
        return 0
    if args.check:
        print(f"{args.readme} 的命令行说明或设置表与代码不一致：运行 make docs 重新生成", file=sys.stderr)
        return 1
    args.readme.write_text(new, encoding="utf-8")
    print(f"已更新 {args.readme} 的命令行说明和设置表")
    return 0


if __name__ == "__main__":
    sys.exit(main())
