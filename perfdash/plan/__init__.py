"""The plan (绩效目标考评表): read the published document or the Excel template into validated targets.

model (what a plan is) · text (the document in text form) · names (splitting runs of names) ·
checks (validation as data) · timetable (实施步骤) · xlsx (the Excel template) · kpis (量化指标 in
the targets' text). Imports core only."""

from __future__ import annotations

from pathlib import Path

from perfdash.plan.checks import summary_lines, validate
from perfdash.plan.model import CODE_RE, TARGET_KEYS, CalendarEvent, Check, Plan, PlanError, Target
from perfdash.plan.text import decode, parse_deadline, parse_plan_text, split_indicator

__all__ = [
    "CODE_RE",
    "TARGET_KEYS",
    "CalendarEvent",
    "Check",
    "Plan",
    "PlanError",
    "Target",
    "decode",
    "parse_deadline",
    "parse_plan_text",
    "read_plan",
    "split_indicator",
    "summary_lines",
    "validate",
]


def read_plan(path: str | Path) -> Plan:
    """Read a plan from the document as published in text form, or from the Excel template."""
    path = Path(path)
    if not path.exists():
        raise PlanError(f"找不到方案文件：{path}")
    if path.suffix.lower() == ".xlsx":
        from perfdash.plan.xlsx import read_plan_xlsx

        return read_plan_xlsx(path)
    return parse_plan_text(decode(path.read_bytes(), path.name), source_name=path.name)
