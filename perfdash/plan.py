"""The plan (绩效目标考评表): read the published document or the Excel template into validated targets."""

from __future__ import annotations

import calendar
import contextlib
import itertools
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from perfdash.settings import CATEGORY_POINTS, GROUP_POINTS, GROUPS

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

CODE_RE = re.compile(r"^\d+(?:-\d+){1,2}$")
NUMBER_RE = re.compile(r"^\d+(?:\.\d+)?$")
TITLE_RE = re.compile(r"^(?P<unit>\S*?)(?P<year>\d{4})年度绩效目标考评表\s*$")
# "（5分）" (full or half width brackets, including the vertical ︵ ︶ of rotated cells).
POINTS_MARK_RE = re.compile(r"[（(]\s*(\d+(?:\.\d+)?)\s*分\s*[）)]")
SUBTOTAL_LABELS = ("小计", "合计", "得分", "总分")
NAME_LENGTHS = (2, 3)
LIST_SPLIT_RE = re.compile(r"[、，,；;/\s\u3000]+")

# Labels of rotated category cells, and the group each belongs to.
CATEGORY_LABELS: dict[str, tuple[str, str]] = {
    "重点工作": ("重点工作目标", "职能工作"),
    "常规工作": ("常规工作目标", "职能工作"),
    "动态工作": ("动态工作目标", "职能工作"),
    "行政能力": ("行政能力目标", "行政能力"),
}


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

    def as_dict(self) -> dict:
        """The stable JSON form (keys as in TARGET_KEYS, deadline ISO, points as numbers)."""
        return {
            "code": self.code,
            "group": self.group,
            "category": self.category,
            "indicator_code": self.indicator_code,
            "indicator": self.indicator,
            "indicator_points": _num(self.indicator_points),
            "source_note": self.source_note,
            "target": self.target,
            "points": _num(self.points),
            "deadline": self.deadline.isoformat(),
            "sections": list(self.sections),
            "persons": list(self.persons),
            "leaders": list(self.leaders),
        }


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


@dataclass
class Plan:
    """A parsed plan: unit + year, its targets in document order, and its validation."""

    unit: str
    year: int
    title: str
    targets: list[Target]
    checks: list[Check] = field(default_factory=list)
    source_name: str = ""
    calendar: list[CalendarEvent] = field(default_factory=list)

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


def _num(x: float) -> float | int:
    # Sums of decimal points carry float noise (1.1 + 2.2 = 3.3000000000000003): round it away.
    x = round(float(x), 6)
    return int(x) if x.is_integer() else x


def _fmt(x: float | int | None) -> str:
    return "—" if x is None else str(_num(x))


# ---------------------------------------------------------------------------
# Reading text


def decode(data: bytes, name: str = "") -> str:
    """Bytes → text: UTF-8 with or without BOM (GB18030 as a fallback), newlines as LF."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise PlanError(f"{name or '文件'}：无法识别文本编码（应为 UTF-8）") from exc
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_plan(path: str | Path) -> Plan:
    """Read a plan from the document as published in text form, or from the Excel template."""
    path = Path(path)
    if not path.exists():
        raise PlanError(f"找不到方案文件：{path}")
    if path.suffix.lower() == ".xlsx":
        from perfdash.plan_xlsx import read_plan_xlsx

        return read_plan_xlsx(path)
    return parse_plan_text(decode(path.read_bytes(), path.name), source_name=path.name)


# ---------------------------------------------------------------------------
# Splitting the table into rows and cells


def _table_lines(lines: list[str]) -> tuple[int, re.Match]:
    """Index of the table's title line (the last line naming the 考评表), and its match."""
    found = None
    for i, line in enumerate(lines):
        m = TITLE_RE.match(line.strip())
        if m:
            found = (i, m)
    if found is None:
        raise PlanError("未找到“××××年度绩效目标考评表”表格标题，无法读取考评表")
    return found


def _rows(lines: list[str]) -> list[list[str]]:
    """Rows of cells. A cell starts with a tab; lines without one continue the cell.

    A blank line ends a row when the next line starts a cell; otherwise it is an
    empty paragraph inside the current cell.
    """
    rows: list[list[str]] = []
    cells: list[str] = []
    for i, line in enumerate(lines):
        if line.startswith("\t"):
            cells.append(line[1:])
        elif line.strip() == "":
            nxt = next((ln for ln in lines[i + 1 :] if ln.strip() != ""), None)
            if nxt is None or nxt.startswith("\t"):
                if cells:
                    rows.append(cells)
                cells = []
            elif cells:
                cells[-1] += "\n"
        elif cells:
            cells[-1] += "\n" + line
        else:
            cells.append(line)  # text before the row's first tab: a label cell of its own
    if cells:
        rows.append(cells)
    return rows


def _flat(cell: str) -> str:
    """A cell's text with line breaks and surrounding spaces removed (rotated labels, titles)."""
    return "".join(part.strip() for part in cell.split("\n")).replace("︵", "（").replace("︶", "）")


def _items(cell: str) -> list[str]:
    """A list cell (sections, persons, leaders): one entry per line or separator."""
    return [x for x in LIST_SPLIT_RE.split(cell.strip()) if x]


# ---------------------------------------------------------------------------
# Fields


def parse_deadline(text: str, year: int) -> date | None:
    """'12月底前' → last day of December of the plan year; '6月30日前' → that day."""
    t = text.strip().replace(" ", "")
    # A deadline may name its own year ('2026年1月底前' in a 2025 plan): that year wins.
    m = re.match(r"(\d{4})年", t)
    if m:
        year = int(m.group(1))
    m = re.search(r"(\d{1,2})月(\d{1,2})日", t)
    if m:
        try:
            return date(year, int(m.group(1)), int(m.group(2)))
        except ValueError:
            return None
    m = re.search(r"(\d{1,2})月", t)
    if m and 1 <= int(m.group(1)) <= 12:
        month = int(m.group(1))
        return date(year, month, calendar.monthrange(year, month)[1])
    if "上半年" in t:
        return date(year, 6, 30)
    if "年底" in t or "年内" in t or "全年" in t:
        return date(year, 12, 31)
    m = re.search(r"(\d{4})-(\d{2})-(\d{2})", t)
    if m:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    return None


def split_indicator(text: str) -> tuple[str, float | None, str]:
    """'标题。（5分）（属…）' → ('标题。', 5, '属…'). Notes after the points go to source_note."""
    flat = _flat(text)
    m = POINTS_MARK_RE.search(flat)
    if not m:
        return flat, None, ""
    title = flat[: m.start()].strip()
    rest = flat[m.end() :].strip()
    notes = re.findall(r"[（(](.*?)[）)](?=[（(]|$)", rest)
    note = "；".join(n.strip() for n in notes) if notes else rest
    return title, float(m.group(1)), note


def _target_text(cell: str) -> str:
    return "".join(part.strip() for part in cell.split("\n"))


MAX_RUN = 24  # characters in one run of names (eight names): beyond it the cuts are not enumerated
MAX_SPLITS = 4096  # combinations of cuts tried for one cell


def _segmentations(chunk: str) -> list[tuple[str, ...]]:
    """Every way to cut a run of names into names of two or three characters. The count grows
    exponentially with the length, so a run longer than MAX_RUN (never seen in a real plan) is
    cut into three-character names and left to the person-count check to flag."""
    if not chunk:
        return [()]
    if len(chunk) > MAX_RUN:
        return [tuple(chunk[i : i + 3] for i in range(0, len(chunk), 3))]
    out = []
    for n in NAME_LENGTHS:
        if len(chunk) >= n:
            for rest in _segmentations(chunk[n:]):
                out.append((chunk[:n], *rest))
    return out


def _candidates(chunks: list[str], count: int | None) -> list[tuple[str, ...]]:
    per_chunk = [_segmentations(c) or [(c,)] for c in chunks]
    total = 1
    for options in per_chunk:
        total *= len(options)
    if total > MAX_SPLITS:  # too many combinations: take each chunk's first cut
        per_chunk = [options[:1] for options in per_chunk]
    combos = [tuple(itertools.chain.from_iterable(p)) for p in itertools.product(*per_chunk)]
    if count is None or not combos:
        return combos
    exact = [c for c in combos if len(c) == count]
    if exact:
        return exact
    best = min(abs(len(c) - count) for c in combos)
    return [c for c in combos if abs(len(c) - count) == best]


def split_names(
    rows: list[tuple[list[str], list[str]]],
) -> tuple[list[tuple[str, ...]], list[str]]:
    """Split runs of names (曾志安庄辉竑洪玮玮) into names, one per section where possible.

    ``rows`` holds (chunks, sections) per target. What the document itself shows
    decides: a chunk of two or three characters is one name; a split that is the
    only one possible is taken; otherwise the split whose names are seen elsewhere
    in the document, and which pairs each section with the person it has elsewhere,
    wins. Returns the names per row and notes on rows that stayed ambiguous.
    """
    known: Counter[str] = Counter(c for chunks, _ in rows for c in chunks if len(c) in NAME_LENGTHS)
    by_section: dict[str, Counter[str]] = defaultdict(Counter)
    result: list[tuple[str, ...] | None] = [None] * len(rows)
    cands = [_candidates(chunks, len(secs) or None) for chunks, secs in rows]
    notes: list[str] = []

    def accept(i: int, names: tuple[str, ...]) -> None:
        result[i] = names
        for sec, name in zip(rows[i][1], names, strict=False):
            by_section[sec][name] += 1
        known.update(names)

    for i, cs in enumerate(cands):
        if len(cs) == 1:
            accept(i, cs[0])

    def score(i: int, names: tuple[str, ...]) -> tuple[int, int]:
        pairs = sum(by_section[sec][name] > 0 for sec, name in zip(rows[i][1], names, strict=False))
        seen = sum(known[name] > 0 for name in names)
        return pairs, seen

    forced = False
    while any(r is None for r in result):
        progress = False
        for i, cs in enumerate(cands):
            if result[i] is not None:
                continue
            ranked = sorted(cs, key=lambda c: score(i, c), reverse=True)
            top = score(i, ranked[0])
            if len(ranked) == 1 or score(i, ranked[1]) < top:
                accept(i, ranked[0])
                progress = True
            elif forced:
                accept(i, ranked[0])
                notes.append("、".join(rows[i][0]))
                progress = True
                forced = False
        if not progress:
            forced = True  # ambiguity left: take the best guess for one row, then retry
    return [r or () for r in result], notes


# ---------------------------------------------------------------------------
# The table


@dataclass
class _RawRow:
    code: str
    labels: list[str]
    indicator_cell: str | None
    target: str
    points: str
    deadline: str
    sections: str
    persons: str
    leaders: str
    row_no: int


def _split_row(cells: list[str], row_no: int) -> _RawRow | None:
    idx = next((i for i, c in enumerate(cells) if CODE_RE.match(c.strip())), None)
    if idx is None:
        return None
    after = cells[idx + 1 :]

    def fits(offset: int) -> bool:
        return (
            len(after) >= offset + 6
            and NUMBER_RE.match(after[offset + 1].strip()) is not None
            and after[offset + 2].strip() != ""
        )

    if fits(1):  # code, indicator, target, points, deadline, sections, persons, leaders
        ind, rest = after[0], after[1:]
    elif fits(0):  # code, target, points, …: the indicator is a sub-heading or group label
        ind, rest = None, after
    else:
        return None
    rest = rest + [""] * (6 - len(rest))
    return _RawRow(
        code=cells[idx].strip(),
        labels=[_flat(c) for c in cells[:idx] if _flat(c)],
        indicator_cell=ind,
        target=rest[0],
        points=rest[1].strip(),
        deadline=rest[2],
        sections=rest[3],
        persons=rest[4],
        leaders=rest[5],
        row_no=row_no,
    )


def _classify_label(label: str) -> tuple[str, str | None, str | None, float | None]:
    """A label cell → (kind, category, group, points). kind: category | group | points | heading."""
    m = POINTS_MARK_RE.search(label)
    points = float(m.group(1)) if m else None
    text = POINTS_MARK_RE.sub("", label).strip()
    for key, (category, group) in CATEGORY_LABELS.items():
        if key in text:
            return "category", category, group, points
    for group in GROUPS:
        if text.startswith(group):
            return "group", group, group, points
    if not text:
        return "points", None, None, points
    return "heading", None, None, points


def parse_plan_text(text: str, source_name: str = "") -> Plan:
    """Parse the plan document (text form of the Word file) into a validated Plan."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    title_idx, title = _table_lines(lines)
    unit, year = title.group("unit") or "", int(title.group("year"))
    prose = "\n".join(lines[:title_idx])
    rows = _rows(lines[title_idx + 1 :])

    checks: list[Check] = []
    raw: list[_RawRow] = []
    subtotals: list[tuple[str, float, int]] = []  # (label, value, number of targets before it)
    label_points: list[tuple[str, str, float]] = []  # (kind, name, points) stated on labels
    pending_points: float | None = None

    group = category = heading = None
    heading_points: float | None = None
    ctx: list[tuple[str, str | None, str | None, float | None]] = []
    for row_no, cells in enumerate(rows, start=1):
        r = _split_row(cells, row_no)
        if r is None:
            flat = [_flat(c) for c in cells if _flat(c)]
            label = next((f for f in flat if not NUMBER_RE.match(f)), "")
            number = next((f for f in flat if NUMBER_RE.match(f)), None)
            if number is not None and any(k in label.replace(" ", "") for k in SUBTOTAL_LABELS):
                subtotals.append((label.replace(" ", ""), float(number), len(raw)))
            elif flat:
                checks.append(
                    Check(
                        "表格行",
                        f"第{row_no}行",
                        "目标行或小计行",
                        "无法识别",
                        False,
                        f"考评表第{row_no}行无法识别，已跳过：{' | '.join(flat)[:60]}",
                    )
                )
            continue
        row_group = None
        for label in r.labels:
            kind, cat, grp, pts = _classify_label(label)
            if kind == "points":
                pending_points = pts
            elif kind == "category":
                category, group, heading, heading_points = cat, grp, None, None
                row_group = grp
                if pts is not None:
                    label_points.append(("group", grp, pts))
                if pending_points is not None:
                    label_points.append(("group", grp, pending_points))
                    pending_points = None
            elif kind == "group":
                group = category = grp
                heading, heading_points = grp, pts
                row_group = grp
                if pts is not None:
                    label_points.append(("group", grp, pts))
            else:
                heading, heading_points = label, pts
        if pending_points is not None and row_group is None and group is not None:
            label_points.append(("group", group, pending_points))
            pending_points = None
        ctx.append((group or "", category, heading, heading_points))
        raw.append(r)

    if not raw:
        raise PlanError("考评表中没有找到任何年度工作目标（编号如 1-1-1）")

    persons_in = [(_items(r.persons), _items(r.sections)) for r in raw]
    names, ambiguous = split_names(persons_in)
    leaders, uncertain_leaders = _split_leaders([_items(r.leaders) for r in raw])
    for run in uncertain_leaders:
        checks.append(
            Check(
                "分管领导拆分",
                run,
                "唯一拆分",
                "不确定",
                False,
                f"分管领导“{run}”连写且无法从文档确定拆分方式，已按最可能的一种处理，请核对",
            )
        )
    for amb in ambiguous:
        checks.append(
            Check(
                "责任人拆分",
                amb,
                "唯一拆分",
                "不唯一",
                False,
                f"责任人“{amb}”有多种拆分方式，已按文档中出现过的姓名取最可能的一种，请核对",
            )
        )

    targets: list[Target] = []
    indicator_titles: dict[str, tuple[str, float | None, str]] = {}
    for i, r in enumerate(raw):
        grp, cat, head, head_pts = ctx[i]
        if not grp:
            grp = _group_by_code(r.code)
            checks.append(
                Check(
                    "目标组", r.code, "表格中的类别标签", "缺失", False, f"{r.code} 前没有类别标签，按编号归入“{grp}”"
                )
            )
        parts = r.code.split("-")
        if r.indicator_cell is not None:
            ind_code = "-".join(parts[:2]) if len(parts) == 3 else parts[0]
            if r.indicator_cell.strip():
                indicator_titles[ind_code] = split_indicator(r.indicator_cell)
            elif ind_code not in indicator_titles:
                indicator_titles[ind_code] = ("", None, "")
                checks.append(
                    Check("一级指标", ind_code, "指标名称", "缺失", False, f"{r.code} 所属一级指标 {ind_code} 没有名称")
                )
            title_, ind_pts, note = indicator_titles[ind_code]
        elif head in GROUPS or head is None:
            ind_code = r.code
            title_, ind_pts, note = (head or grp), head_pts, ""
        else:
            ind_code = parts[0]
            title_, ind_pts, note = head, head_pts, ""
        if cat is None or cat in GROUPS:
            cat = grp
        pts = float(r.points)
        deadline = parse_deadline(r.deadline, year)
        if deadline is None:
            deadline = date(year, 12, 31)
            checks.append(
                Check(
                    "完成时限",
                    r.code,
                    "可识别的时限",
                    r.deadline.strip() or "空",
                    False,
                    f"{r.code} 的完成时限“{r.deadline.strip()}”无法识别，按年底（{deadline}）处理",
                )
            )
        secs = tuple(_items(r.sections))
        pers = names[i]
        if len(pers) != len(secs):
            checks.append(
                Check(
                    "责任人",
                    r.code,
                    f"{len(secs)} 人（每个责任科室一人）",
                    f"{len(pers)} 人",
                    False,
                    f"{r.code} 有 {len(secs)} 个责任科室，却有 {len(pers)} 个责任人：{'、'.join(pers)}",
                )
            )
        targets.append(
            Target(
                code=r.code,
                group=grp,
                category=cat,
                indicator_code=ind_code,
                indicator=title_,
                indicator_points=ind_pts if ind_pts is not None else -1.0,
                source_note=note,
                target=_target_text(r.target),
                points=pts,
                deadline=deadline,
                sections=secs,
                persons=pers,
                leaders=leaders[i],
            )
        )

    targets = _fill_indicator_points(targets)
    plan = Plan(
        unit=unit,
        year=year,
        title=title.group(0).strip(),
        targets=targets,
        source_name=source_name,
        calendar=parse_calendar(prose),
    )
    plan.checks = checks + validate(plan, prose=prose, subtotals=subtotals, label_points=label_points)
    return plan


def _split_leaders(chunks_per_row: list[list[str]]) -> tuple[list[tuple[str, ...]], list[str]]:
    """Leaders are one per line; a run of several is cut where the pieces are names seen alone
    elsewhere in the document. Returns the names per row and the runs that stayed uncertain."""
    known = {c for chunks in chunks_per_row for c in chunks if len(c) in NAME_LENGTHS}
    out, uncertain = [], []
    for chunks in chunks_per_row:
        names: list[str] = []
        for c in chunks:
            if len(c) in NAME_LENGTHS:
                names.append(c)
                continue
            cands = sorted(_segmentations(c), key=lambda s: sum(n in known for n in s), reverse=True) or [(c,)]
            best = cands[0]
            if not all(n in known for n in best) or (len(cands) > 1 and all(n in known for n in cands[1])):
                uncertain.append(c)
            names.extend(best)
        out.append(tuple(names))
    return out, uncertain


def _group_by_code(code: str) -> str:
    head = code.split("-")[0]
    return {"1": "职能工作", "2": "职能工作", "3": "职能工作", "4": "行政能力", "5": "行政能力", "6": "行政能力"}.get(
        head, "职能工作"
    )


def _fill_indicator_points(targets: list[Target]) -> list[Target]:
    """Where the document states no indicator points (全面从严治党…), use the sum of its targets."""
    sums: dict[str, float] = defaultdict(float)
    for t in targets:
        sums[t.indicator_code] += t.points
    out = []
    for t in targets:
        if t.indicator_points < 0:
            t = Target(**{**t.__dict__, "indicator_points": _num(sums[t.indicator_code])})
        out.append(t)
    return out


# ---------------------------------------------------------------------------
# The evaluation timetable

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


# ---------------------------------------------------------------------------
# Validation as data


PROSE_CLAIMS: tuple[tuple[str, str], ...] = (
    (r"共设定?(\d+)个一级指标", "一级指标总数"),
    (r"(\d+)项年度工作目标", "年度工作目标总数"),
    (r"重点工作(?:目标)?一级指标(\d+)个", "重点工作一级指标数"),
    (r"常规工作(?:目标)?一级指标(\d+)个", "常规工作一级指标数"),
    (r"行政能力(?:目标)?一级指标(\d+)个", "行政能力一级指标数"),
)


def validate(
    plan: Plan,
    prose: str = "",
    subtotals: list[tuple[str, float, int]] | None = None,
    label_points: list[tuple[str, str, float]] | None = None,
) -> list[Check]:
    """Every structural check on a plan, as rows: counts, point sums, and prose against table."""
    checks: list[Check] = []
    targets = plan.targets
    indicators = plan.indicators()
    total = sum(t.points for t in targets)

    def add(check: str, subject: str, expected: float | int | str, actual: float | int | str, msg_bad: str) -> None:
        exp, act = (
            _fmt(expected) if isinstance(expected, (int, float)) else expected,
            _fmt(actual) if isinstance(actual, (int, float)) else actual,
        )
        ok = exp == act
        checks.append(Check(check, subject, exp, act, ok, "一致" if ok else msg_bad))

    checks.append(
        Check("一级指标数", "考评表", "", str(len(indicators)), True, f"考评表共有 {len(indicators)} 个一级指标")
    )
    checks.append(
        Check("年度工作目标数", "考评表", "", str(len(targets)), True, f"考评表共有 {len(targets)} 项年度工作目标")
    )

    # The prose of the plan against the table.
    table_counts = {
        "一级指标总数": len(indicators),
        "年度工作目标总数": len(targets),
        "重点工作一级指标数": sum(1 for i in indicators if i["category"] == "重点工作目标"),
        "常规工作一级指标数": sum(1 for i in indicators if i["category"] == "常规工作目标"),
        "行政能力一级指标数": sum(1 for i in indicators if i["category"] == "行政能力目标"),
    }
    for pattern, name in PROSE_CLAIMS:
        m = re.search(pattern, prose)
        if m:
            claimed = int(m.group(1))
            add(
                "正文与考评表",
                name,
                claimed,
                table_counts[name],
                f"正文称{name}为 {claimed}，考评表实有 {table_counts[name]}",
            )

    # Points per group against the fixed structure 70/20/4/4/1/1 = 100.
    by_group: dict[str, float] = defaultdict(float)
    by_category: dict[str, float] = defaultdict(float)
    for t in targets:
        by_group[t.group] += t.points
        by_category[t.category] += t.points
    for grp, expected in GROUP_POINTS.items():
        add(
            "分值结构",
            grp,
            expected,
            by_group.get(grp, 0.0),
            f"{grp}应为 {_fmt(expected)} 分，考评表合计 {_fmt(by_group.get(grp, 0.0))} 分",
        )
    for cat, expected in CATEGORY_POINTS.items():
        add(
            "分值结构",
            cat,
            expected,
            by_category.get(cat, 0.0),
            f"{cat}应为 {_fmt(expected)} 分，考评表合计 {_fmt(by_category.get(cat, 0.0))} 分",
        )
    for grp in sorted(set(by_group) - set(GROUP_POINTS)):
        checks.append(Check("分值结构", grp, "不存在", _fmt(by_group[grp]), False, f"未知的目标组“{grp}”"))
    add("分值结构", "总分", sum(GROUP_POINTS.values()), total, f"总分应为 100 分，考评表合计 {_fmt(total)} 分")

    # Each indicator's stated points against the sum of its targets.
    for ind in indicators:
        add(
            "指标分值",
            f"{ind['indicator_code']} {ind['indicator'][:16]}",
            ind["indicator_points"],
            ind["target_points"],
            f"一级指标 {ind['indicator_code']} 标注 {_fmt(ind['indicator_points'])} 分，"
            f"其目标合计 {_fmt(ind['target_points'])} 分",
        )

    # Points written on labels (︵70分︶) and subtotal rows (小计 70) against the sums.
    for _, grp, pts in label_points or []:
        add(
            "标签分值",
            grp,
            pts,
            by_group.get(grp, 0.0),
            f"考评表标签写{grp} {_fmt(pts)} 分，目标合计 {_fmt(by_group.get(grp, 0.0))} 分",
        )
    start = 0
    for label, value, end in subtotals or []:
        if (end == len(targets) and start == 0) or "得分" in label or "总" in label:
            part = total
            subject = f"{label}（全表）"
        else:
            part = sum(t.points for t in targets[start:end])
            subject = f"{label}（{targets[start].code}–{targets[end - 1].code}）" if end > start else label
        add("小计行", subject, value, part, f"考评表{label}写 {_fmt(value)} 分，对应目标合计 {_fmt(part)} 分")
        start = end

    # Codes: unique, and deadlines inside the plan year.
    dupes = [c for c, n in Counter(t.code for t in targets).items() if n > 1]
    for code in dupes:
        checks.append(Check("编号", code, "唯一", "重复", False, f"目标编号 {code} 重复出现"))
    for t in targets:
        if t.deadline.year != plan.year:
            checks.append(
                Check(
                    "完成时限",
                    t.code,
                    str(plan.year),
                    str(t.deadline.year),
                    False,
                    f"{t.code} 的完成时限 {t.deadline} 不在方案年度内",
                )
            )
        if t.points <= 0:
            checks.append(Check("分值", t.code, "> 0", _fmt(t.points), False, f"{t.code} 的分值不是正数"))
    return checks


def summary_lines(plan: Plan) -> list[str]:
    """The human summary printed by ``python -m perfdash plan``."""
    ind = plan.indicators()
    lines = [
        f"{plan.unit}{plan.year}年度绩效目标考评表（{plan.source_name}）",
        f"一级指标 {len(ind)} 个，年度工作目标 {len(plan.targets)} 项，"
        f"总分 {_fmt(sum(t.points for t in plan.targets))} 分",
        "分组分值："
        + "，".join(
            f"{g} {_fmt(sum(t.points for t in plan.targets if t.group == g))}/{_fmt(p)}"
            for g, p in GROUP_POINTS.items()
        ),
    ]
    bad = plan.warnings
    lines.append(f"校验：{len(plan.checks) - len(bad)} 项一致，{len(bad)} 项提示")
    lines += [f"  ⚠ [{c.check}] {c.message}" for c in bad]
    return lines
