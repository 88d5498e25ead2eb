"""The one formatter for numbers and dates shown to people (分, %, dates)."""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal


def points(x: float | int | None, unit: bool = True) -> str:
    """Points with one decimal only where needed: 2 → '2 分', 2.5 → '2.5 分'."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    value = round(float(x), 1)
    text = f"{value:.0f}" if value.is_integer() else f"{value:.1f}"
    return f"{text} 分" if unit else text


def round_score(x: float) -> float:
    """The one rounding rule for scores: two decimals, halves away from zero (四舍五入: 86.985 →
    86.99, where Python's round gives 86.98). Totals are rounded so before they are graded."""
    return float(Decimal(repr(float(x))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)) + 0.0


def score(x: float | int | None, unit: bool = False) -> str:
    """A score as every page, export and the CLI show it: two decimals by round_score, 2 → '2.00',
    1.925 → '1.93'."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    text = f"{round_score(float(x)) + 0.0:.2f}"  # + 0.0: never "-0.00"
    return f"{text} 分" if unit else text


def pct(x: float | int | None) -> str:
    """A percent as a whole number: 85.53 → '86%'."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return f"{round(float(x)):.0f}%"


def shown_pct(x: float | int | None) -> int:
    """The whole percent pct() puts on screen for ``x`` (its one rounding; None as 0): a colour
    judged on it agrees with the number shown beside it."""
    return 0 if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x))


def shown_gap(completion: float | int | None, expected: float | int | None) -> int:
    """Completion less 序时进度 in whole points, as the two whole percents shown beside it differ
    (82% against 83%: -1, never the -2 of the unrounded 81.7 - 83.4): every page, slide and
    document says the same gap."""
    return shown_pct(completion) - shown_pct(expected)


def day(d: date | datetime | None) -> str:
    """ISO date: 2025-12-31."""
    if d is None:
        return "—"
    if isinstance(d, datetime):
        d = d.date()
    return d.isoformat()


def month_day(d: date | datetime | None) -> str:
    """Short Chinese date: 12月31日."""
    if d is None:
        return "—"
    return f"{d.month}月{d.day}日"


def long_day(d: date | datetime | None) -> str:
    """A date in documents: 2025年11月21日 (Arabic numerals, as GB/T 9704 dates are written)."""
    if d is None:
        return "—"
    return f"{d.year}年{d.month}月{d.day}日"


_CN_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """A Chinese numeral for headings (一、… （十二）…), 1–99."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _CN_DIGITS[tens] + "十")
    return head + (_CN_DIGITS[ones] if ones else "")


_MARKDOWN = str.maketrans({c: "\\" + c for c in "\\`*_{}[]()#+-.!|~<>$:"})


def md(text: object) -> str:
    """Text from the database or an upload, safe inside Streamlit markdown: every markdown
    character escaped, so a stored ``![x](http://…)`` is shown as typed, never fetched, and no
    link, heading or colour directive comes from data."""
    return str(text).translate(_MARKDOWN)
