"""完成时限: reading a deadline phrase into a date only where it is certain, and saying so where it
is not (quarters, halves, the next year, lists of periods, an empty cell)."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
QUARTER_RE = re.compile(r"(?:第)?([一二三四1-4])季度(?:末)?")
PERIOD_SPLIT_RE = re.compile(r"[、，,；;/和及]")


@dataclass(frozen=True)
class Deadline:
    """A deadline as read: the date (None when the phrase says none), whether that date is what
    the phrase says for certain, a note for the office when it is not, and earlier periods of a
    list (上半年、三季度、四季度) offered as milestones."""

    date: date | None
    certain: bool
    note: str = ""
    earlier: tuple[date, ...] = ()


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _one(text: str, year: int) -> tuple[date | None, str]:
    """One period phrase → (date, note); the note is empty when the date is certain."""
    t = text.strip().replace(" ", "").replace("\u3000", "")
    if not t:
        return None, ""
    if t.startswith(("次年", "翌年", "下一年", "明年")):
        year += 1
        t = t[2:] if t.startswith(("次年", "翌年", "明年")) else t[3:]
    m = re.match(r"(\d{4})年", t)
    if m:  # a deadline may name its own year ('2026年1月底前' in a 2025 plan): that year wins
        year = int(m.group(1))
    m = re.search(r"(\d{1,2})月(\d{1,2})日", t)
    if m:
        try:
            return date(year, int(m.group(1)), int(m.group(2))), ""
        except ValueError:
            return None, ""
    m = re.search(r"(\d{1,2})月", t)
    if m and 1 <= int(m.group(1)) <= 12:
        return _month_end(year, int(m.group(1))), ""
    m = re.search(r"(\d{4})-(\d{2})-(\d{2})", t)
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3))), ""
        except ValueError:
            return None, ""
    if "每季度" in t or "每季" in t:
        return date(year, 12, 31), "每季度"
    if "每月" in t:
        return date(year, 12, 31), "每月"
    m = QUARTER_RE.search(t)
    if m:
        return _month_end(year, CN_DIGITS[m.group(1)] * 3), ""
    if "上半年" in t:
        return date(year, 6, 30), ""
    if "下半年" in t:
        return date(year, 12, 31), ""
    if "年底" in t or "年内" in t or "全年" in t or "年末" in t:
        return date(year, 12, 31), ""
    if "长期" in t or "持续" in t or "常态" in t:
        return date(year, 12, 31), "长期"
    return None, ""


def read_deadline(text: str, year: int) -> Deadline:
    """A 完成时限 cell of a ``year`` plan. Certain: '12月底前', '6月30日前', '2026年1月底前',
    '第一季度', '三季度末', '上半年', '下半年', '年底前'. Read but flagged: a list of periods
    ('上半年、三季度、四季度': the last, the others offered as milestones), '每季度' (year end, each
    quarter's end offered), '长期' / '持续推进' (year end). Not read: an empty cell or an unknown
    phrase (date None)."""
    raw = (text or "").strip()
    if not raw:
        return Deadline(None, False, "完成时限为空")
    parts = [p for p in PERIOD_SPLIT_RE.split(raw) if p.strip()]
    if len(parts) > 1:
        dates = [_one(p, year)[0] for p in parts]
        if all(d is not None for d in dates):
            ordered = sorted(set(dates))  # type: ignore[arg-type]
            return Deadline(
                ordered[-1],
                False,
                f"“{raw}”列了几个时点，按最后一个（{ordered[-1]}）计，其余可设为节点",
                tuple(ordered[:-1]),
            )
    day, kind = _one(raw, year)
    if day is None:
        return Deadline(None, False, f"“{raw}”无法识别")
    if kind == "每季度":
        quarters = tuple(_month_end(day.year, m) for m in (3, 6, 9))
        return Deadline(day, False, f"“{raw}”按年底（{day}）计，各季度末可设为节点", quarters)
    if kind == "每月":
        months = tuple(_month_end(day.year, m) for m in range(1, 12))
        return Deadline(day, False, f"“{raw}”按年底（{day}）计，各月末可设为节点", months)
    if kind == "长期":
        return Deadline(day, False, f"“{raw}”没有具体时限，按年底（{day}）计")
    return Deadline(day, True)


def parse_deadline(text: str, year: int) -> date | None:
    """'12月底前' → the last day of December of the plan year; '6月30日前' → that day; a date only
    where the phrase gives one (see read_deadline for what is flagged)."""
    return read_deadline(text, year).date
