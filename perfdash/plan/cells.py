"""What one cell of a 考评表 says, read alone: the table's title (unit and year), a target code,
a list of names or sections, an indicator's heading with its points and notes. The readers of
each file format and the table reader share these; none of them needs the rows around the cell."""

from __future__ import annotations

import re
from dataclasses import dataclass

from perfdash.plan.model import CODE_RE

# "（5分）" (full or half width brackets, including the vertical ︵ ︶ of rotated cells).
POINTS_MARK_RE = re.compile(r"[（(]\s*(\d+(?:\.\d+)?)\s*分\s*[）)]")
LIST_SPLIT_RE = re.compile(r"[、，,；;/\s\u3000]+")
CODE_SEPARATORS = str.maketrans({".": "-", "．": "-", "－": "-", "—": "-", "–": "-", "_": "-"})

KINDS = r"(?:绩效目标考评表|绩效目标考核表|绩效考评表|绩效考核表|绩效目标表|绩效目标责任表)"
ATTACHMENT_RE = re.compile(r"^附\s*件\s*[一二三四五六七八九十\d]*\s*[：:、．.]?\s*")
TITLE_UNIT_FIRST = re.compile(rf"^(?P<unit>.*?)(?P<year>(?:19|20)\d{{2}})\s*年度?\s*{KINDS}$")
TITLE_YEAR_FIRST = re.compile(rf"^(?P<year>(?:19|20)\d{{2}})\s*年度?\s*(?P<unit>.+?){KINDS}$")


@dataclass(frozen=True)
class Title:
    """The 考评表's title: the unit and year it names, in either order."""

    unit: str
    year: int
    text: str


def match_title(line: str) -> Title | None:
    """'泉州市教育局2025年度绩效目标考评表' or '2025年度泉州市教育局绩效目标考评表' (an 附件 prefix
    is not part of the unit)."""
    text = ATTACHMENT_RE.sub("", re.sub(r"\s+", "", line)).strip()
    for rx in (TITLE_YEAR_FIRST, TITLE_UNIT_FIRST):
        m = rx.match(text)
        if m:
            unit = m.group("unit").strip("：:·—-、 ")
            return Title(unit, int(m.group("year")), text)
    return None


def find_title(lines: list[str]) -> tuple[int, Title] | None:
    """The last title line (the one nearest the table), and its index."""
    found = None
    for i, line in enumerate(lines):
        title = match_title(line)
        if title:
            found = (i, title)
    return found


def flat(cell: str) -> str:
    """A cell's text with line breaks and surrounding spaces removed (rotated labels, titles)."""
    return "".join(part.strip() for part in (cell or "").split("\n")).replace("︵", "（").replace("︶", "）")


def items(cell: str) -> list[str]:
    """A list cell (sections, persons, leaders): one entry per line or separator."""
    return [x for x in LIST_SPLIT_RE.split((cell or "").strip()) if x]


ROLE_MARK_RE = re.compile(r"[（(]\s*(牵头|主责|主办|配合|协办|协助|参与)\s*[）)]")
ROLE_PREFIX_RE = re.compile(r"(牵头|主责|主办|责任|配合|协办|协助|参与)(?:科室|单位|处室|股室|部门)?\s*[:：]")
LEAD_ROLES = ("牵头", "主责", "主办", "责任")


def sections_of(cell: str) -> list[str]:
    """A 责任科室 cell → its sections, the lead first: '规划科（牵头）、财务科' → [规划科, 财务科];
    '牵头：办公室；配合：财务科、人事科' → [办公室, 财务科, 人事科]. The roles written into the cell
    decide the order; the cell as written is kept as the value's source."""
    text = (cell or "").strip()
    if ROLE_PREFIX_RE.search(text):
        lead: list[str] = []
        rest: list[str] = []
        pieces = ROLE_PREFIX_RE.split(text)
        rest += items(pieces[0])  # names before any role word
        for role, names in zip(pieces[1::2], pieces[2::2], strict=False):
            (lead if role in LEAD_ROLES else rest).extend(items(names))
        return list(dict.fromkeys(lead + rest))
    names = items(text)
    marked = [(ROLE_MARK_RE.search(n), ROLE_MARK_RE.sub("", n).strip()) for n in names]
    lead = [n for m, n in marked if m and m.group(1) in LEAD_ROLES[:3]]
    return list(dict.fromkeys([*lead, *(n for _, n in marked if n)]))


def code_of(cell: str | None) -> str | None:
    """The target code a cell holds ('1-1-1', '1.1.1', '4-1'), normalised to dashes, or None."""
    text = re.sub(r"\s+", "", cell or "").translate(CODE_SEPARATORS)
    return text if CODE_RE.match(text) else None


def split_indicator(text: str) -> tuple[str, float | None, str]:
    """'标题。（5分）（属…）' → ('标题。', 5, '属…'). Notes after the points go to source_note."""
    text = flat(text)
    m = POINTS_MARK_RE.search(text)
    if not m:
        return text, None, ""
    title = text[: m.start()].strip()
    rest = text[m.end() :].strip()
    notes = _notes(rest)
    note = "；".join(n.strip() for n in notes) if notes else rest
    return title, float(m.group(1)), note


OPENING, CLOSING = "（(", "）)"


def _notes(text: str) -> list[str]:
    """The bracketed notes of '（属…）（见…）' (a text without line breaks): what
    re.findall(r"[（(](.*?)[）)](?=[（(]|$)", text) finds, in one pass. A note ends at the first
    closing bracket followed by an opening one or by the end; the expression searched for it
    again from every opening bracket, so 60,000 "（" took 26 seconds."""
    ends = [j for j, c in enumerate(text) if c in CLOSING and (j + 1 == len(text) or text[j + 1] in OPENING)]
    notes: list[str] = []
    k, last = 0, -1
    for i, c in enumerate(text):
        if c not in OPENING or i <= last:
            continue
        while k < len(ends) and ends[k] <= i:
            k += 1
        if k == len(ends):
            break  # no note ends after this opening bracket, so none after a later one
        notes.append(text[i + 1 : ends[k]])
        last = ends[k]
    return notes
