"""Reading the plan document as published in text form (the Word table saved as text) into a Plan."""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from perfdash.core.settings import GROUPS
from perfdash.plan.checks import validate
from perfdash.plan.model import CODE_RE, Check, Plan, PlanError, Target, num
from perfdash.plan.names import split_leaders, split_names
from perfdash.plan.timetable import parse_calendar

NUMBER_RE = re.compile(r"^\d+(?:\.\d+)?$")
TITLE_RE = re.compile(r"^(?P<unit>\S*?)(?P<year>\d{4})年度绩效目标考评表\s*$")
# "（5分）" (full or half width brackets, including the vertical ︵ ︶ of rotated cells).
POINTS_MARK_RE = re.compile(r"[（(]\s*(\d+(?:\.\d+)?)\s*分\s*[）)]")
SUBTOTAL_LABELS = ("小计", "合计", "得分", "总分")
LIST_SPLIT_RE = re.compile(r"[、，,；;/\s\u3000]+")

# Labels of rotated category cells, and the group each belongs to.
CATEGORY_LABELS: dict[str, tuple[str, str]] = {
    "重点工作": ("重点工作目标", "职能工作"),
    "常规工作": ("常规工作目标", "职能工作"),
    "动态工作": ("动态工作目标", "职能工作"),
    "行政能力": ("行政能力目标", "行政能力"),
}


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
    leaders, uncertain_leaders = split_leaders([_items(r.leaders) for r in raw])
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
            t = Target(**{**t.__dict__, "indicator_points": num(sums[t.indicator_code])})
        out.append(t)
    return out
