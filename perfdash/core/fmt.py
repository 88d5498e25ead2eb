"""The one formatter for numbers and dates shown to people (分, %, dates)."""

from __future__ import annotations

import math
from datetime import date, datetime


def points(x: float | int | None, unit: bool = True) -> str:
    """Points with one decimal only where needed: 2 → '2 分', 2.5 → '2.5 分'."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    value = round(float(x), 1)
    text = f"{value:.0f}" if value.is_integer() else f"{value:.1f}"
    return f"{text} 分" if unit else text


def pct(x: float | int | None) -> str:
    """A percent as a whole number: 85.53 → '86%'."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return f"{round(float(x)):.0f}%"


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


_MARKDOWN = str.maketrans({c: "\\" + c for c in "\\`*_{}[]()#+-.!|~<>$:"})


def md(text: object) -> str:
    """Text from the database or an upload, safe inside Streamlit markdown: every markdown
    character escaped, so a stored ``![x](http://…)`` is shown as typed, never fetched, and no
    link, heading or colour directive comes from data."""
    return str(text).translate(_MARKDOWN)
