"""What a plan is: its targets, the checks made on it, its evaluation timetable (the data, no reading)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

# Keys of one target in the JSON form. Other tools read plans this way: keep them stable.
TARGET_KEYS: tuple[str, ...] = (
    "code",
    "group",
    "category",
    "indicator_code",
    "indicator",
    "indicator_points",
    "source_note",
    "target",
    "points",
    "deadline",
    "sections",
    "persons",
    "leaders",
)
# Printed by `plan --json` after TARGET_KEYS: 评分标准 and the phrase each value was read from.
SOURCE_KEYS: tuple[str, ...] = ("standard", "sources")
# What each field is called on screen and in messages (the 考评表's own words).
FIELD_NAMES: dict[str, str] = {
    "code": "编号",
    "group": "目标组",
    "category": "类别",
    "indicator_code": "一级指标编号",
    "indicator": "一级指标",
    "indicator_points": "指标分值",
    "source_note": "指标来源",
    "target": "年度工作目标",
    "points": "分值",
    "deadline": "完成时限",
    "sections": "责任科室",
    "persons": "责任人",
    "leaders": "分管领导",
    "standard": "评分标准",
}

CODE_RE = re.compile(r"^\d+(?:-\d+){1,2}$")


@dataclass(frozen=True)
class Target:
    """One annual work target (年度工作目标) with its indicator and responsibilities."""

    code: str
    group: str
    category: str
    indicator_code: str
    indicator: str
    indicator_points: float
    source_note: str
    target: str
    points: float
    deadline: date
    sections: tuple[str, ...]
    persons: tuple[str, ...]
    leaders: tuple[str, ...]
    # 评分标准 as the document words it, when it has such a column (kept apart from the target).
    standard: str = ""
    # The phrase each value was read from, by field: ("deadline", "9月上旬前"), ("points", "5分"),
    # ("sections", "中教科（牵头）、高教科"), ("code", "（一）1."). Empty for a template's row.
    sources: tuple[tuple[str, str], ...] = ()

    def source(self, key: str) -> str:
        """The phrase ``key``'s value was read from ('' when none was kept)."""
        return next((phrase for k, phrase in self.sources if k == key), "")

    def as_dict(self) -> dict:
        """The stable JSON form (keys as in TARGET_KEYS, deadline ISO, points as numbers)."""
        return {
            "code": self.code,
            "group": self.group,
            "category": self.category,
            "indicator_code": self.indicator_code,
            "indicator": self.indicator,
            "indicator_points": num(self.indicator_points),
            "source_note": self.source_note,
            "target": self.target,
            "points": num(self.points),
            "deadline": self.deadline.isoformat(),
            "sections": list(self.sections),
            "persons": list(self.persons),
            "leaders": list(self.leaders),
        }

    def with_sources(self) -> dict:
        """The JSON form, then 评分标准 and the phrase each value was read from (SOURCE_KEYS)."""
        return {**self.as_dict(), "standard": self.standard, "sources": dict(self.sources)}


@dataclass(frozen=True)
class Check:
    """One validation result: what was compared, what was expected, what was found."""

    check: str
    subject: str
    expected: str
    actual: str
    ok: bool
    message: str

    def as_dict(self) -> dict:
        return {
            "check": self.check,
            "subject": self.subject,
            "expected": self.expected,
            "actual": self.actual,
            "ok": self.ok,
            "message": self.message,
        }


@dataclass(frozen=True)
class CalendarEvent:
    """A step of the plan's own evaluation timetable (实施步骤): 科室自评, 综合评估, 总结上报."""

    name: str
    start: date
    end: date
    text: str


@dataclass(frozen=True)
class GroupInfo:
    """A 目标组 as the document states it: its name, and the points its label or subtotal gives
    (None when the document states none)."""

    name: str
    stated_points: float | None = None


@dataclass
class TableView:
    """The 考评表 as read, for the office to check how it was read: its rows on the column grid
    (each text cut to 60 characters), where each row is in the document, what the reader took
    each row for (target / heading / subtotal / total / header / skip, '' for a row it could not
    place), and the column mapping used (its JSON form and one line per column)."""

    rows: list[list[str]]
    where: list[str]
    roles: list[str]
    mapping_json: str
    mapping_lines: list[str]
    positional: bool
    # (0-based column, its header as read, the field it is read as ('' = not read), why)
    columns: list[tuple[int, str, str, str]] = field(default_factory=list)


@dataclass
class Plan:
    """A parsed plan: unit + year, its targets in document order, its structure as the document
    states it (groups and their points, the total of its 合计 row), and its validation."""

    unit: str
    year: int
    title: str
    targets: list[Target]
    checks: list[Check] = field(default_factory=list)
    source_name: str = ""
    calendar: list[CalendarEvent] = field(default_factory=list)
    groups: list[GroupInfo] = field(default_factory=list)
    stated_total: float | None = None
    # Earlier periods of deadlines that list several (上半年、三季度、四季度), by target code:
    # offered to the office as milestones (节点) when it imports the plan.
    suggested_milestones: dict[str, tuple[date, ...]] = field(default_factory=dict)
    table: TableView | None = None  # the table as read (None for the Excel template)

    @property
    def total_points(self) -> float:
        """What the plan's targets add up to (100 in the Quanzhou system; 1000 in some)."""
        return float(num(sum(t.points for t in self.targets)))

    def group_names(self) -> list[str]:
        """The groups in document order: as stated, then any that only targets name."""
        names = [g.name for g in self.groups]
        return names + [g for g in dict.fromkeys(t.group for t in self.targets) if g not in names]

    @property
    def warnings(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    def indicators(self) -> list[dict]:
        """One row per indicator (一级指标) in document order."""
        seen: dict[str, dict] = {}
        for t in self.targets:
            row = seen.setdefault(
                t.indicator_code,
                {
                    "indicator_code": t.indicator_code,
                    "group": t.group,
                    "category": t.category,
                    "indicator": t.indicator,
                    "indicator_points": t.indicator_points,
                    "source_note": t.source_note,
                    "target_points": 0.0,
                    "targets": 0,
                },
            )
            row["target_points"] += t.points
            row["targets"] += 1
        return list(seen.values())


class PlanError(ValueError):
    """A plan document or template that cannot be read at all (message in Chinese)."""


def num(x: float) -> float | int:
    """A number as the JSON form holds it: 2 rather than 2.0, float noise rounded away."""
    # Sums of decimal points carry float noise (1.1 + 2.2 = 3.3000000000000003): round it away.
    x = round(float(x), 6)
    return int(x) if x.is_integer() else x


def fmt_num(x: float | int | None) -> str:
    """A number as a check shows it: 2, 2.5, or — when missing."""
    return "—" if x is None else str(num(x))
