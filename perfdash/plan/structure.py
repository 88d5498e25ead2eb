"""The structure of a 考评表 read by its columns: each row's role (target, heading, subtotal,
total), the hierarchy its codes give — 1-1-1, 1.1.1, 一、/（一）/1., E1/F11, plain 序号 — codes
generated from that structure where the table has none of the 1-1-1 kind, and points stated on
several levels checked against their targets, never counted twice."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from perfdash.plan.cells import POINTS_MARK_RE, flat
from perfdash.plan.checks import QUANZHOU_GROUPS
from perfdash.plan.labels import CATEGORY_LABELS
from perfdash.plan.mapping import Mapping
from perfdash.plan.model import Check, fmt_num

CN_NUMBERS = "零一二三四五六七八九十"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
# Code shapes: (style, pattern). A multi-part number (1-1-1, 1.1.1) has its own levels; the others
# take levels in the order the table first uses them (一、 above （一） above 1. …).
MULTI_RE = re.compile(r"^(\d{1,3})((?:\s*[-.．－—–_]\s*\d{1,3}){1,4})\s*[.．、]?$")
STYLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("cn", re.compile(r"^([一二三四五六七八九十]{1,3})\s*[、.．，,]?$")),
    ("cn_paren", re.compile(r"^[（(]\s*([一二三四五六七八九十]{1,3})\s*[）)]\s*[、.．]?$")),
    ("num_paren", re.compile(r"^[（(]\s*(\d{1,3})\s*[）)]\s*[、.．]?$")),
    ("num", re.compile(r"^(\d{1,3})\s*[、.．]?$")),
    ("circled", re.compile(rf"^([{CIRCLED}])$")),
    ("letter", re.compile(r"^([A-Za-z]{1,2})\s*[-.]?\s*(\d{0,3})$")),
)
# A heading written in one cell: its numbering, then its title ("一、职能工作（70分）").
LEAD_RE = re.compile(
    r"^\s*([一二三四五六七八九十]{1,3}\s*[、.．]|[（(]\s*[一二三四五六七八九十\d]{1,3}\s*[）)]|\d{1,3}(?:[.．-]\d{1,3})*\s*[、.．]|[A-Za-z]{1,2}\d{0,3}\s*[、.．])\s*"
)
POINTS_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*分?\s*$")
SUBTOTAL_WORDS = ("小计", "合计", "总分", "总计", "得分合计")


def cn_number(text: str) -> int:
    """'三' → 3, '十二' → 12, '二十' → 20."""
    if "十" not in text:
        return CN_NUMBERS.index(text) if text in CN_NUMBERS else 0
    tens, _, ones = text.partition("十")
    return (CN_NUMBERS.index(tens) if tens else 1) * 10 + (CN_NUMBERS.index(ones) if ones else 0)


def parse_code(text: str) -> tuple[str, tuple[int, ...]] | None:
    """A code cell → (style, numbers): '1-1-1' → ('multi', (1, 1, 1)), '（二）' → ('cn_paren', (2,)),
    'E1' → ('letter', (5, 1)); None when the cell is not a code."""
    t = flat(text).strip()
    if not t or len(t) > 12:
        return None
    m = MULTI_RE.match(t)
    if m:
        rest = [int(x) for x in re.findall(r"\d+", m.group(2))]
        return "multi", (int(m.group(1)), *rest)
    for style, rx in STYLES:
        m = rx.match(t)
        if not m:
            continue
        if style in ("cn", "cn_paren"):
            return style, (cn_number(m.group(1)),)
        if style == "circled":
            return style, (CIRCLED.index(m.group(1)) + 1,)
        if style == "letter":
            letters = m.group(1).upper()
            number = (ord(letters[-1]) - 64) + 26 * (len(letters) - 1)
            return style, ((number, int(m.group(2))) if m.group(2) else (number,))
        return style, (int(m.group(1)),)
    return None


@dataclass
class Row:
    """One row of the table as the mapping reads it."""

    no: int  # 1-based in the table as read
    where: str
    values: dict[str, str]
    merged: set[str] = field(default_factory=set)  # fields filled from a merged cell above
    role: str = ""  # target | heading | subtotal | total | skip
    code: tuple[str, tuple[int, ...]] | None = None
    code_text: str = ""
    title: str = ""
    points: float | None = None
    level: float = 0
    parent: Row | None = None
    children: list[Row] = field(default_factory=list)


def row_values(cells: list[str | None], mapping: Mapping) -> dict[str, str]:
    """Each field's text in a row: a field held by several columns (责任科室 twice) joined. A target
    without an indicator of its own spans the indicator's column (the Quanzhou layout's 7-1 …): the
    text of that span is the target's."""
    cells = list(cells)
    for col in mapping.columns_of("target"):
        if col < len(cells) and cells[col] is None:
            start = next((c for c in range(col - 1, -1, -1) if cells[c] is not None), None)
            if start is not None and mapping.columns.get(start) == "indicator":
                cells[col], cells[start] = cells[start], ""
    out: dict[str, list[str]] = defaultdict(list)
    for col, key in sorted(mapping.columns.items()):
        text = (cells[col] or "") if col < len(cells) else ""
        if text.strip() and text not in out[key]:
            out[key].append(text)
    return {
        k: "、".join(v) if k in ("sections", "co_sections", "persons", "leaders") else "\n".join(v)
        for k, v in out.items()
    }


def classify(rows: list[Row], mapping: Mapping, texts: list[list[str]]) -> None:
    """Each row's role: the office's word first; a 小计/合计 row; a target (points and a text); a
    heading (a code or a title, no points of its own or a parent of others, decided later)."""
    for row, cells in zip(rows, texts, strict=True):
        filled = [c for c in dict.fromkeys(flat(c) for c in cells) if c]
        role = mapping.rows.get(row.no)
        label = "".join(filled)
        points_text = flat(row.values.get("points", ""))
        m = POINTS_RE.match(points_text)
        row.points = float(m.group(1)) if m else None
        code_cell = flat(row.values.get("code", ""))
        row.code = parse_code(code_cell)
        row.code_text = code_cell if row.code else ""
        text = flat(row.values.get("target", "")) or flat(row.values.get("standard", ""))
        if role is None and not filled:
            role = "skip"
        if role is None and any(w in label.replace(" ", "") for w in SUBTOTAL_WORDS) and not text[5:]:
            role = "subtotal"
        if role is None:
            role = "target" if row.points is not None and (text or row.code) else "heading" if filled else "skip"
        if role == "heading":
            _heading_title(row, filled, code_cell)
        row.role = role


def _heading_title(row: Row, filled: list[str], code_cell: str) -> None:
    """A heading's code, title and points: from its cells, or from one cell holding all three."""
    title = (
        flat(row.values.get("indicator", "")) or flat(row.values.get("target", "")) or flat(row.values.get("group", ""))
    )
    if not title:
        title = next((f for f in filled if f != code_cell and not POINTS_RE.match(f)), code_cell)
    if row.code is None:
        m = LEAD_RE.match(title)
        if m:
            row.code = parse_code(m.group(1).strip())
            row.code_text = m.group(1).strip()
            title = title[m.end() :]
    pm = POINTS_MARK_RE.search(title)
    if pm and row.points is None:
        row.points = float(pm.group(1))
    row.title = POINTS_MARK_RE.sub("", title).strip(" ：:、")


# The levels of official numbering (GB/T 9704's order: 一、 above （一） above 1. above （1） above ①).
STYLE_LEVELS: dict[str, float] = {"cn": 10, "cn_paren": 11, "num": 12, "num_paren": 13, "circled": 14, "letter": 10}
MULTI_ABOVE: dict[str, float] = {"cn": 0.1, "letter": 0.1, "cn_paren": 0.2}


def levels(rows: list[Row]) -> bool:
    """Each coded row's level; returns whether the targets' codes are of the 1-1-1 kind throughout.
    A multi-part number has as many levels as parts (a plain 1 among them is the first level);
    the other styles take the levels of official numbering; a letter with a number (E1) is a
    target under its letter."""
    multi = any(r.code and r.code[0] == "multi" for r in rows)
    for r in rows:
        if r.role not in ("target", "heading"):
            continue
        if r.code is None:
            r.level = 0 if r.role == "heading" else 99
            continue
        style, numbers = r.code
        if style == "multi" or (multi and style == "num"):
            r.level = len(numbers)
        elif style == "letter" and len(numbers) == 2:
            r.level = 98
        else:
            # among 1-1-1 codes a 一、 or （一） heading sits above them all (a group or category)
            r.level = MULTI_ABOVE.get(style, STYLE_LEVELS[style]) if multi else STYLE_LEVELS[style]
    coded = [r for r in rows if r.role == "target"]
    return bool(coded) and all(r.code and r.code[0] == "multi" and len(r.code[1]) in (2, 3) for r in coded)


def build_tree(rows: list[Row]) -> None:
    """Parents from levels: a row's parent is the nearest row above it of a lower level. A target
    row with rows under it is a heading (its points are stated for them, not its own)."""
    stack: list[Row] = []
    for r in rows:
        if r.role not in ("target", "heading"):
            continue
        if r.role == "heading" and r.code is None and r.level == 0:
            stack = [r]  # a title row without a number starts a new group
            continue
        while stack and _closes(stack[-1], r):
            stack.pop()
        r.parent = stack[-1] if stack else None
        if r.parent is not None:
            r.parent.children.append(r)
        stack.append(r)
    for r in rows:
        if r.role == "target" and r.children:
            r.role = "heading"
            r.title = r.title or flat(r.values.get("target", "")) or flat(r.values.get("indicator", ""))
            r.title = POINTS_MARK_RE.sub("", r.title).strip(" ：:、")


def _closes(above: Row, r: Row) -> bool:
    """Whether row ``r`` ends the section of ``above``: it is on the same level or higher. A
    heading numbered in the same style as the targets under it ("1.指标" over targets 1, 2, 3)
    stays open for them; a group title without a number stays open for every numbered row."""
    if above.level == 0 and r.level > 0:
        return False
    if above.level == r.level and above.role == "heading" and r.role == "target":
        return False
    return above.level >= r.level


def leaves(row: Row) -> list[Row]:
    return [r for c in row.children for r in ([c] if c.role == "target" else leaves(c))]


def chain(row: Row) -> list[Row]:
    out = []
    p = row.parent
    while p is not None:
        out.append(p)
        p = p.parent
    return out[::-1]


def generated_codes(rows: list[Row]) -> dict[int, str]:
    """Codes for the targets of a table without 1-1-1 codes, from its structure: the target's
    top-level heading, its indicator (the heading right above it, numbered through that top-level
    heading however deep it sits), and its place under it — 二、（一）1.2 → 2-1-2, 二、（二）1.1 →
    2-2-1 when （一） has one indicator. A target right under a top-level heading is top-k; one
    under no heading 1-k. Row numbers → codes."""
    out: dict[int, str] = {}
    tops: dict[int, int] = {}  # id of a top-level row → its number
    indicators: dict[int, tuple[int, int]] = {}  # id of an indicator → (top number, its number)
    counts: dict[tuple[int, ...], int] = defaultdict(int)
    for r in rows:
        if r.role == "heading" and r.parent is None:
            tops[id(r)] = len(tops) + 1
    for r in rows:
        if r.role != "target":
            continue
        ancestors = chain(r)
        if not ancestors:
            counts[(0,)] += 1
            out[r.no] = f"1-{counts[(0,)]}"
            continue
        top = tops.get(id(ancestors[0]), 1)
        parent = ancestors[-1]
        if parent is ancestors[0]:
            counts[(top,)] += 1
            out[r.no] = f"{top}-{counts[(top,)]}"
            continue
        if id(parent) not in indicators:
            counts[(top, 0)] += 1
            indicators[id(parent)] = (top, counts[(top, 0)])
        key = indicators[id(parent)]
        counts[key] += 1
        out[r.no] = f"{key[0]}-{key[1]}-{counts[key]}"
    return out


def level_checks(rows: list[Row]) -> list[Check]:
    """Points stated on a heading against the targets under it, on every level."""
    checks = []
    for r in rows:
        if r.role != "heading" or r.points is None:
            continue
        under = leaves(r)
        if not under:
            continue
        total = sum(t.points or 0 for t in under)
        ok = fmt_num(total) == fmt_num(r.points)
        name = (r.code_text + r.title)[:20]
        checks.append(
            Check(
                "层级分值",
                name,
                fmt_num(r.points),
                fmt_num(total),
                ok,
                "一致" if ok else f"{r.where}“{name}”标注 {fmt_num(r.points)} 分，其下目标合计 {fmt_num(total)} 分",
            )
        )
    return checks


def group_of(titles: list[str]) -> tuple[str, str | None]:
    """(group, category) a chain of heading titles names in the Quanzhou system (职能工作 › 重点工作目标
    …), else ('', None): the group from the first title that names one, the category from any."""
    group, category = "", None
    for t in titles:
        for key, (cat, grp) in CATEGORY_LABELS.items():
            if key in t and category is None:
                category, group = cat, group or grp
        for g in QUANZHOU_GROUPS:
            if t.startswith(g) and not group:
                group = g
    return group, category
