"""What the commands share, kept cheap to import (argparse and the settings only, so that
``--help`` stays fast): the parent parsers (``--db``; the plan chosen by ``--unit``/``--year``;
``--as-of``; ``--rule``) and the argument types whose refusals argparse turns into usage errors
(exit 2) with a Chinese message."""

from __future__ import annotations

import argparse
import re
from datetime import date
from pathlib import Path

from perfdash.core import settings

DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
RULES = ("proportional", "stepped")


def iso_date(text: str) -> date:
    """A date as YYYY-MM-DD (2025-11-28); anything else, or a day that does not exist, refused."""
    if DATE.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise argparse.ArgumentTypeError(f"日期“{text}”无效，应为 YYYY-MM-DD，如 2025-11-28")


def at_least_one(text: str) -> int:
    """A whole number of at least 1 (a count of units, say)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"“{text}”无效，应为至少 1 的整数")
    return value


def percent(text: str) -> float:
    """A completion percentage (完成率) from 0 to 100."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"完成率“{text}”不是数字") from None
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"完成率 {text} 应在 0 到 100 之间")
    return value


def code_percent(text: str) -> tuple[str, float]:
    """CODE=PCT: a target's code (编号) and its completion percentage."""
    code, sign, pct = text.partition("=")
    if not sign or not code.strip():
        raise argparse.ArgumentTypeError(f"“{text}”应写成 编号=完成率，如 1-1-1=50")
    try:
        return code.strip(), percent(pct)
    except argparse.ArgumentTypeError as exc:
        raise argparse.ArgumentTypeError(f"{text}：{exc}") from None


def db_location(value: str | None) -> Path | str:
    """The database a command opens: ``--db``, else PERFDASH_DB, else data/perfdash.duckdb (a
    postgresql:// URL stays as it is)."""
    if value:
        return value if settings.is_server_db(value) else Path(value)
    return settings.db_path()


def _parent(*arguments: tuple[tuple[str, ...], dict]) -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    for flags, options in arguments:
        parent.add_argument(*flags, **options)
    return parent


# The parents: each option declared once, in the words every command that takes it shows.
DB = _parent((("--db",), {"help": "数据库文件或 postgresql://… 地址（默认 $PERFDASH_DB，否则 data/perfdash.duckdb）"}))
PLAN = _parent(
    (("--unit",), {"help": "单位（默认：库中最新年度的方案）"}),
    (("--year",), {"type": int, "help": "方案年度"}),
)
AS_OF = _parent(
    (
        ("--as-of",),
        {
            "dest": "as_of",
            "type": iso_date,
            "metavar": "YYYY-MM-DD",
            "help": "统计日期（默认：绩效办最近关闭的填报周期的截止日，与看板相同）",
        },
    )
)
RULE = _parent((("--rule",), {"choices": RULES, "help": "模拟：改用此计分方式（默认用方案存储的正式计分规则）"}))


class Refused(Exception):
    """A command refuses what it was asked (no such scenario, say): one line 错误：…, exit 2."""
