"""The plan's own evaluation timetable (实施步骤): dated steps read from the prose."""

from __future__ import annotations

import calendar
import contextlib
import re
from datetime import date

from perfdash.plan.model import CalendarEvent

STEP_RE = re.compile(r"^\s*\d+\s*[.．、]\s*(?P<name>[^。，,]{2,10})。(?P<body>.*)$")
TENS = {"上旬": (1, 10), "中旬": (11, 20), "下旬": (21, None)}


def parse_calendar(prose: str) -> list[CalendarEvent]:
    """The numbered steps of the prose that carry a date ('1.科室自评。2025年12月，…于2025年12月30日前…',
    '2.综合评估。2026年1月上旬…'), as dated events. Steps without a date are not events."""
    events = []
    for line in prose.split("\n"):
        m = STEP_RE.match(line)
        if not m:
            continue
        body = m.group("body")
        month = re.search(r"(\d{4})年(\d{1,2})月(上旬|中旬|下旬)?", body)
        if not month:
            continue
        y, mo = int(month.group(1)), int(month.group(2))
        if not 1 <= mo <= 12:
            continue
        last = calendar.monthrange(y, mo)[1]
        start, end = date(y, mo, 1), date(y, mo, last)
        if month.group(3):
            first, final = TENS[month.group(3)]
            start, end = date(y, mo, first), date(y, mo, final or last)
        due = re.search(r"(\d{4})年(\d{1,2})月(\d{1,2})日前", body)
        if due:
            with contextlib.suppress(ValueError):  # an impossible date keeps the month's end
                end = date(int(due.group(1)), int(due.group(2)), int(due.group(3)))
        events.append(CalendarEvent(m.group("name").strip(), start, max(start, end), line.strip()[:200]))
    return events
