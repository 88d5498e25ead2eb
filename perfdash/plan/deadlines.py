"""完成时限: reading a deadline phrase into a date only where it is certain, and saying so where it
is not.

Certain: a month's end or a day (12月底前, 6月30日前, 2026年1月底前, 次年1月), a quarter (三季度末),
a half (上半年), the year's end (年底前, 年内). Read but flagged, with a note that names the phrase
and the reading chosen: a part of a month (9月上旬前 → the 10th, 中旬 → the 20th, 下旬 → the end,
7月初 → the 10th, 7月中 → the 15th), a Chinese-numeral month (十二月底前), a dotted or slashed
date (2025.6.30, 6.30前), a range (6月至12月: its end), several periods (上半年、三季度、四季度,
6月底前启动 12月底前完成: the last, the others offered as milestones), each quarter or month, a
start (9月起: not a deadline, the year's end), no term at all (全年, 长期, 持续推进: the year's end).
Not read (date None): an empty cell, an unknown phrase, an impossible date (2月30日, 13月).

Every pattern matches a bounded length and none nests a repeat, so a hostile phrase of any length
is read in linear time.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
# Full-width digits and the many dashes and tildes a range is written with, as one form each.
_NORMAL = str.maketrans("０１２３４５６７８９．／—–―－～〜~", "0123456789./-------")
_CN_NUMBER = "[一二三四五六七八九十]"

# One period: an optional year, then a month (with a day or a part of the month), a quarter, a
# half, or the year's end; then an optional 前. Digits run on from others ('111月') are no month.
POINT_RE = re.compile(
    r"(?<!\d)(?:(?P<yr>\d{4}|次|翌|明|下一)年)?"
    r"(?:(?P<m>\d{1,2}|" + _CN_NUMBER + r"{1,2})月份?"
    r"(?:(?P<d>\d{1,2}|" + _CN_NUMBER + r"{1,3})[日号])?"
    r"(?P<part>上中旬|中下旬|上旬|中旬|下旬|初|中|底|末)?"
    r"|第?(?P<q>[一二三四1-4])季度末?"
    r"|(?P<half>[上下])半年(?:末|底)?"
    r"|(?P<ye>年?)[底末内])"
    r"(?:之前|以前|(?P<before>前))?"
)
# What may stand between the two ends of a range: 6月至12月, 6月-12月, 9月起至12月.
RANGE_GAP_RE = re.compile(r"(?:起|开始)?(?:至|到|-{1,2})")
# '6-12月', '六至十二月', '1-3季度': the start of a range written without its unit, given it.
_NUM = r"(?:\d{1,2}|" + _CN_NUMBER + r"{1,2})"
SHORT_RANGE_RE = re.compile(
    r"(?<![\d./\-一二三四五六七八九十])(" + _NUM + r")(?=(?:至|到|-{1,2})" + _NUM + r"(?P<unit>月|季度))"
)
_SUFFIX = r"(?:之前|以前|前)?(?:完成)?"
YMD_RE = re.compile(r"(\d{4})([./-])(\d{1,2})\2(\d{1,2})日?" + _SUFFIX)
YM_RE = re.compile(r"(\d{4})[./-](\d{1,2})" + _SUFFIX)
MD_RE = re.compile(r"(\d{1,2})[./](\d{1,2})" + _SUFFIX)
# Parts of a month: the day read (0: the month's end) and how the reading is named.
PARTS = {
    "上旬": (10, "上旬末"),
    "初": (10, "上旬末"),
    "上中旬": (20, "中旬末"),
    "中旬": (20, "中旬末"),
    "中": (15, "月中15日"),
    "中下旬": (0, "月底"),
    "下旬": (0, "月底"),
}
STARTS = ("起", "开始", "启动")
YEARWIDE = ("全年", "长期", "持续", "常态", "常年", "每年")


@dataclass(frozen=True)
class Deadline:
    """A deadline as read: the date (None when the phrase says none), whether that date is what
    the phrase says for certain, a note for the office when it is not (naming the phrase and the
    reading chosen), earlier periods offered as milestones, the phrase itself and the reading
    chosen ('按上旬末（2025-09-10）计')."""

    date: date | None
    certain: bool
    note: str = ""
    earlier: tuple[date, ...] = ()
    phrase: str = ""
    reading: str = ""


@dataclass(frozen=True)
class _Point:
    day: date
    label: str  # what it was read as: '12月底', '上旬末', '第3季度末'
    exact: bool  # the phrase names this day (not a part of a month read as one day)
    chinese: bool  # a month in Chinese numerals
    start: bool  # '9月起', '自9月': when the work starts, not when it is due
    span: tuple[int, int]  # where the period stands in the phrase


class _Unreadable(ValueError):
    """A period that names no real day (13月, 2月30日)."""


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _number(text: str) -> int:
    """'12', '十二', '二十', '三十一' → the number; 0 when the Chinese numeral is malformed."""
    if text.isdecimal():
        return int(text)
    tens, ten, ones = text.partition("十")
    if not ten:
        return CN_DIGITS.get(text, 0)
    if (tens and tens not in CN_DIGITS) or (ones and ones not in CN_DIGITS):
        return 0
    return CN_DIGITS.get(tens, 1) * 10 + CN_DIGITS.get(ones, 0)


def _points(t: str, year: int) -> list[_Point]:
    """The periods a phrase names, in order; a period without its own year takes the one before's."""
    points: list[_Point] = []
    carried = year
    for m in POINT_RE.finditer(t):
        if m["yr"] is None and m["ye"] == "":
            continue  # a bare 底/末/内 ('摸底', '三个月内') names no period
        if m["yr"]:
            carried = int(m["yr"]) if m["yr"].isdecimal() else year + 1
        y, exact, chinese = carried, True, False
        if m["m"]:
            month, chinese = _number(m["m"]), not m["m"].isdecimal()
            if not 1 <= month <= 12:
                raise _Unreadable(f"：没有{m['m']}月")
            if m["d"]:
                try:
                    day = date(y, month, _number(m["d"]))
                except ValueError:
                    raise _Unreadable(f"：{y}年{month}月没有{m['d']}日") from None
                label = f"{month}月{day.day}日"
            elif m["part"] in PARTS:
                at, label = PARTS[m["part"]]
                day, exact = (date(y, month, at) if at else _month_end(y, month)), False
            else:
                day, label = _month_end(y, month), f"{month}月底"
        elif m["q"]:
            quarter = _number(m["q"])
            day, label = _month_end(y, quarter * 3), f"第{quarter}季度末"
        elif m["half"] == "上":
            day, label = date(y, 6, 30), "上半年末"
        else:  # 下半年, 年底, 年末, 年内
            day, label = date(y, 12, 31), "年底"
        start = not m["before"] and (t.startswith(STARTS, m.end()) or t[m.start() - 1 : m.start()] in ("自", "从"))
        points.append(_Point(day, label, exact, chinese, start, m.span()))
    return points


def _short(raw: str) -> str:
    return raw if len(raw) <= 40 else raw[:40] + "…"


def _flagged(
    raw: str,
    day: date,
    label: str,
    why: str = "",
    detail: str = "",
    verb: str = "计",
    tail: str = "",
    earlier: tuple[date, ...] = (),
) -> Deadline:
    """A reading that is not certain: the note names the phrase, why, and the reading chosen."""
    reading = f"按{label}（{detail}{day}）{verb}"
    note = f"“{_short(raw)}”{why}{'，' if why else ''}{reading}{tail}"
    return Deadline(day, False, note, earlier, raw, reading)


def _dotted(raw: str, t: str, year: int) -> Deadline | None:
    """2025.6.30, 2025/6/30, 6.30前, 2025.06: read, flagged (a dot could be a decimal point);
    2025-06-30 is ISO and certain."""
    try:
        if m := YMD_RE.fullmatch(t):
            day = date(int(m[1]), int(m[3]), int(m[4]))
            label = f"{day.year}年{day.month}月{day.day}日"
            if m[2] == "-":
                return Deadline(day, True, "", (), raw, f"按{label}（{day}）计")
            return _flagged(raw, day, label, verb="理解")
        if m := YM_RE.fullmatch(t):
            day = _month_end(int(m[1]), int(m[2]))  # a month of 13 raises ValueError too
            return _flagged(raw, day, f"{day.year}年{day.month}月底", verb="理解")
        if m := MD_RE.fullmatch(t):
            day = date(year, int(m[1]), int(m[2]))
            return _flagged(raw, day, f"{day.month}月{day.day}日", verb="理解")
    except ValueError:
        return Deadline(None, False, f"“{_short(raw)}”不是有效的日期", (), raw)
    return None


def _without_points(raw: str, t: str, year: int) -> Deadline:
    """A phrase naming no period: each quarter, each month, no term at all, or unknown."""
    end = date(year, 12, 31)
    if "每季" in t:
        quarters = tuple(_month_end(year, m) for m in (3, 6, 9))
        return _flagged(raw, end, "年底", tail="，各季度末可设为节点", earlier=quarters)
    if "每月" in t:
        months = tuple(_month_end(year, m) for m in range(1, 12))
        return _flagged(raw, end, "年底", tail="，各月末可设为节点", earlier=months)
    if any(word in t for word in YEARWIDE):
        return _flagged(raw, end, "年底", why="没有具体时限")
    return Deadline(None, False, f"“{_short(raw)}”无法识别为日期，未定完成时限", (), raw)


def read_deadline(text: str, year: int) -> Deadline:
    """A 完成时限 cell of a ``year`` plan, read as the module docstring says."""
    raw = (text or "").strip()
    if not raw:
        return Deadline(None, False, "完成时限为空")
    t = "".join(raw.translate(_NORMAL).split())
    dotted = _dotted(raw, t, year)
    if dotted is not None:
        return dotted
    t = SHORT_RANGE_RE.sub(r"\1\g<unit>", t)
    try:
        points = _points(t, year)
    except _Unreadable as e:
        return Deadline(None, False, f"“{_short(raw)}”{e}", (), raw)
    if not points:
        return _without_points(raw, t, year)
    # Each period, or a range joined into its end; a start is no deadline.
    groups: list[tuple[_Point, bool]] = []
    for p in points:
        if groups and RANGE_GAP_RE.fullmatch(t, groups[-1][0].span[1], p.span[0]):
            groups[-1] = (p, True)
        else:
            groups.append((p, False))
    due = [(p, joined) for p, joined in groups if joined or not p.start]
    if not due:
        end = date(points[0].day.year, 12, 31)
        return _flagged(raw, end, "年底", why="是开始时间，不是完成时限")
    why = ["用了中文数字月份"] if any(p.chinese for p in points) else []
    if len(due) > 1:
        last = max(p.day for p, _ in due)
        chosen = next(p for p, _ in due if p.day == last)
        earlier = tuple(sorted({p.day for p, _ in due} - {last}))
        tail = "，其余可设为节点" if earlier else ""
        detail = "" if chosen.exact else f"{chosen.label}，"
        return _flagged(raw, last, "最后一个", "，".join(["列了几个时点", *why]), detail, tail=tail, earlier=earlier)
    p, joined = due[0]
    if joined:
        detail = "" if p.exact else f"{p.label}，"
        return _flagged(raw, p.day, "结束时间", "，".join(["是时间范围", *why]), detail)
    if p.exact and not why:
        return Deadline(p.day, True, "", (), raw, f"按{p.label}（{p.day}）计")
    return _flagged(raw, p.day, p.label, "，".join(why))


def parse_deadline(text: str, year: int) -> date | None:
    """'12月底前' → the last day of December of the plan year; '6月30日前' → that day; a date only
    where the phrase gives one (see read_deadline for what is flagged)."""
    return read_deadline(text, year).date
