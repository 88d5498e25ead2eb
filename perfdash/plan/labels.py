"""The labels of a 考评表: the rotated cells and title rows naming a group (目标组), a category
(重点工作目标 …) or an indicator heading, the points they state, and the 小计/合计 rows — and the
reading context they move along as the rows are read."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from perfdash.plan.cells import POINTS_MARK_RE, flat
from perfdash.plan.checks import QUANZHOU_GROUPS
from perfdash.plan.rows import NUMBER_RE

SUBTOTAL_LABELS = ("小计", "合计", "得分", "总分", "总计")
NUMBERING_RE = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)]|\d+[、.．])\s*")

# Labels of rotated category cells in the Quanzhou layout, and the group each belongs to.
CATEGORY_LABELS: dict[str, tuple[str, str]] = {
    "重点工作": ("重点工作目标", "职能工作"),
    "常规工作": ("常规工作目标", "职能工作"),
    "动态工作": ("动态工作目标", "职能工作"),
    "行政能力": ("行政能力目标", "行政能力"),
}


def clean_label(text: str) -> str:
    """A label without its points, numbering and trailing punctuation."""
    return NUMBERING_RE.sub("", POINTS_MARK_RE.sub("", text)).strip(" ：:、。")


def classify_label(label: str, position: int, count: int) -> tuple[str, str | None, str | None, float | None]:
    """A label cell → (kind, category, group, points); kind: category | group | points | heading.
    Known labels of the Quanzhou layout first; otherwise the outermost of several label columns is
    a group and the innermost an indicator heading; a lone label is a group when it states points."""
    m = POINTS_MARK_RE.search(label)
    points = float(m.group(1)) if m else None
    text = clean_label(label)
    for key, (category, group) in CATEGORY_LABELS.items():
        if key in text:
            return "category", category, group, points
    for group in QUANZHOU_GROUPS:
        if text.startswith(group):
            return "group", group, group, points
    if not text:
        return "points", None, None, points
    if count >= 2 and position == 0:
        return "group", text, text, points
    if count >= 2 and position == count - 1:
        return "heading", None, None, points
    if points is not None:
        return "group", text, text, points
    return "heading", None, None, points


def subtotal(cells: list[str]) -> tuple[str, float] | None:
    texts = [flat(c) for c in cells if flat(c)]
    label = next((f for f in texts if not NUMBER_RE.match(f.rstrip("分"))), "")
    number = next((f.rstrip("分") for f in texts if NUMBER_RE.match(f.rstrip("分"))), None)
    key = label.replace(" ", "")
    if number is not None and any(k in key for k in SUBTOTAL_LABELS):
        return key, float(number)
    return None


@dataclass
class LabelContext:
    group: str | None = None
    category: str | None = None
    heading: str | None = None
    heading_points: float | None = None
    pending_points: float | None = None
    label_points: list[tuple[str, str, float]] = field(default_factory=list)
    groups: dict[str, float | None] = field(default_factory=dict)
    roles: dict[int, str] = field(default_factory=dict)  # row number → what the row was read as


def apply_labels(ctx: LabelContext, labels: list[tuple[int, int, str]]) -> None:
    """Move the reading context along the label cells of a row."""
    row_group = None
    for position, count, label in labels:
        kind, cat, grp, pts = classify_label(label, position, count)
        if kind == "points":
            ctx.pending_points = pts
        elif kind == "category":
            ctx.category, ctx.group, ctx.heading, ctx.heading_points = cat, grp, None, None
            row_group = grp
            if pts is not None:  # "重点工作目标（61分）": the category's points, not its group's
                ctx.label_points.append(("category", cat, pts))  # type: ignore[arg-type]
            if ctx.pending_points is not None:
                ctx.label_points.append(("group", grp, ctx.pending_points))  # type: ignore[arg-type]
                ctx.pending_points = None
        elif kind == "group":
            ctx.group = ctx.category = grp
            ctx.heading, ctx.heading_points = grp, pts
            row_group = grp
            if pts is not None:
                ctx.label_points.append(("group", grp, pts))  # type: ignore[arg-type]
        else:
            ctx.heading, ctx.heading_points = label, pts
    if ctx.pending_points is not None and row_group is None and ctx.group is not None:
        ctx.label_points.append(("group", ctx.group, ctx.pending_points))
        ctx.pending_points = None
