"""The 考评表 as rows of cells, whatever the file it came in (Word, its text export, a table copied
from a web page): finding the title, the columns, the labels of groups and indicators, the
subtotals, and each target row; then the Plan with its checks. What a single cell says (the
title line, a code, a list of names, an indicator's points) is read by perfdash.plan.cells."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from perfdash.plan.cells import (
    ATTACHMENT_RE,
    POINTS_MARK_RE,
    code_of,
    find_title,
    flat,
    items,
    match_title,
    split_indicator,
)
from perfdash.plan.checks import QUANZHOU_GROUPS, validate
from perfdash.plan.deadlines import read_deadline
from perfdash.plan.model import Check, GroupInfo, Plan, PlanError, Target, num
from perfdash.plan.names import split_leaders, split_names
from perfdash.plan.timetable import parse_calendar

# What a 考评表 can hold, whatever file it comes in: a real one has tens of rows of about ten
# cells, the longest cell a few hundred characters. MAX_CELL_CHARS is the store's limit on a text.
MAX_ROWS = 3000
MAX_COLUMNS = 200
MAX_CELL_CHARS = 20_000

POINTS_CELL_RE = re.compile(r"^\d+(?:\.\d+)?\s*分?$")
NUMBER_RE = re.compile(r"^\d+(?:\.\d+)?$")
SUBTOTAL_LABELS = ("小计", "合计", "得分", "总分", "总计")
NUMBERING_RE = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)]|\d+[、.．])\s*")

# Labels of rotated category cells in the Quanzhou layout, and the group each belongs to.
CATEGORY_LABELS: dict[str, tuple[str, str]] = {
    "重点工作": ("重点工作目标", "职能工作"),
    "常规工作": ("常规工作目标", "职能工作"),
    "动态工作": ("动态工作目标", "职能工作"),
    "行政能力": ("行政能力目标", "行政能力"),
}

# Header names of the columns, when a document has a header row (most do, the 2025 one does not).
HEADERS: dict[str, tuple[str, ...]] = {
    "code": ("编号", "序号", "指标编号", "目标编号", "代码"),
    "indicator": ("一级指标", "指标名称", "考评指标", "一级指标名称", "二级指标"),
    "target": ("年度工作目标", "工作目标", "目标任务", "年度目标", "考评内容", "工作任务", "目标内容"),
    "points": ("分值", "分数", "权重", "标准分"),
    "deadline": ("完成时限", "时限", "完成时间", "完成期限"),
    "sections": ("责任科室", "责任单位", "牵头科室", "责任处室", "责任部门", "承办科室"),
    "persons": ("责任人",),
    "leaders": ("分管领导", "分管局领导", "责任领导", "分管负责人"),
    "group": ("类别", "目标类别", "考评类别", "项目", "类型"),
}


@dataclass
class TableDoc:
    """A plan document as the reader sees it: the paragraphs before the table (prose and title
    lines), the table's rows of cells (a merged cell is one cell; the rows it spans below hold an
    empty cell, as Word's text export writes them), and, for a Word file, each row on the grid of
    columns (None where a cell spans from the left)."""

    source_name: str
    kind: str  # "文本" | "网页表格" | "Word"
    lines: list[str]
    rows: list[list[str]]
    grid: list[list[str | None]] | None = None


def _target_text(cell: str) -> str:
    return "".join(part.strip() for part in cell.split("\n"))


# ---------------------------------------------------------------------------
# Rows


@dataclass
class RawRow:
    code: str
    labels: list[tuple[int, int, str]]  # (position among the cells before the code, how many, text)
    indicator_cell: str | None
    target: str
    points: str
    deadline: str
    sections: str
    persons: str
    leaders: str
    row_no: int


def header_map(cells: list[str | None]) -> dict[str, int]:
    """Column of each field in a header row ('编号 | 年度工作目标 | 分值 | …'), if it is one: at
    least three fields named, one of them the target or the points."""
    found: dict[str, int] = {}
    for i, cell in enumerate(cells):
        name = flat(cell or "").replace(" ", "")
        for key, names in HEADERS.items():
            if key not in found and any(name == n or (len(n) > 2 and name.startswith(n)) for n in names):
                found[key] = i
                break
    return found if len(found) >= 3 and ("target" in found or "points" in found) else {}


def split_positional(cells: list[str], row_no: int) -> RawRow | None:
    """A row read by position from its code cell: code, [indicator], target, points, deadline,
    sections, persons, leaders — the order of the Quanzhou layout, whatever comes before."""
    idx = next((i for i, c in enumerate(cells) if code_of(c)), None)
    if idx is None:
        return None
    after = cells[idx + 1 :]

    def fits(offset: int) -> bool:
        return (
            len(after) >= offset + 2
            and POINTS_CELL_RE.match(after[offset + 1].strip()) is not None
            and after[offset].strip() != ""
        )

    if fits(1):  # code, indicator, target, points, deadline, sections, persons, leaders
        ind, rest = after[0], after[1:]
    elif fits(0):  # code, target, points, …: the indicator is a sub-heading or group label
        ind, rest = None, after
    else:
        return None
    rest = rest + [""] * (6 - len(rest))
    return RawRow(
        code=code_of(cells[idx]) or "",
        labels=[(i, idx, flat(c)) for i, c in enumerate(cells[:idx]) if flat(c)],
        indicator_cell=ind,
        target=rest[0],
        points=rest[1].strip().rstrip("分").strip(),
        deadline=rest[2],
        sections=rest[3],
        persons=rest[4],
        leaders=rest[5],
        row_no=row_no,
    )


def split_by_header(cells: list[str | None], columns: dict[str, int], row_no: int) -> RawRow | None:
    """A row read by the columns its header names."""

    def get(key: str) -> str:
        i = columns.get(key)
        return (cells[i] or "") if i is not None and i < len(cells) else ""

    code = code_of(get("code"))
    if code is None:
        return None
    points = get("points").strip().rstrip("分").strip()
    if not NUMBER_RE.match(points) or not get("target").strip():
        return None
    label_cols = [i for i in range(columns["code"]) if i != columns.get("indicator")]
    labels = [(n, len(label_cols), flat(cells[i] or "")) for n, i in enumerate(label_cols) if flat(cells[i] or "")]
    if "group" in columns and columns["group"] > columns["code"] and flat(get("group")):
        labels.insert(0, (0, 1, flat(get("group"))))
    return RawRow(
        code=code,
        labels=labels,
        indicator_cell=get("indicator") if "indicator" in columns else None,
        target=get("target"),
        points=points,
        deadline=get("deadline"),
        sections=get("sections"),
        persons=get("persons"),
        leaders=get("leaders"),
        row_no=row_no,
    )


def merge_fragments(rows: list[list[str]]) -> list[list[str]]:
    """Rows that an empty paragraph at the end of a cell cut in two, joined again: a row with a
    code too short to read, followed by cells without a code."""
    out: list[list[str]] = []
    for cells in rows:
        if out:
            prev = out[-1]
            has_code = any(code_of(c) for c in prev)
            if has_code and split_positional(prev, 0) is None and not any(code_of(c) for c in cells):
                joined = prev + cells
                if split_positional(joined, 0) is not None:
                    out[-1] = joined
                    continue
        out.append(cells)
    return out


# ---------------------------------------------------------------------------
# Labels: groups (目标组), categories, indicator headings


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


def _subtotal(cells: list[str]) -> tuple[str, float] | None:
    texts = [flat(c) for c in cells if flat(c)]
    label = next((f for f in texts if not NUMBER_RE.match(f.rstrip("分"))), "")
    number = next((f.rstrip("分") for f in texts if NUMBER_RE.match(f.rstrip("分"))), None)
    key = label.replace(" ", "")
    if number is not None and any(k in key for k in SUBTOTAL_LABELS):
        return key, float(number)
    return None


# ---------------------------------------------------------------------------
# The table → a Plan


@dataclass
class _Context:
    group: str | None = None
    category: str | None = None
    heading: str | None = None
    heading_points: float | None = None
    pending_points: float | None = None
    label_points: list[tuple[str, str, float]] = field(default_factory=list)
    groups: dict[str, float | None] = field(default_factory=dict)


def read_table(doc: TableDoc) -> Plan:
    """A plan from its document: title (unit and year, in either order), the prose before the
    table (its claims and the 实施步骤 timetable), and every target row, with the checks."""
    check_size(doc)
    found = find_title(doc.lines)
    title_in_table = None
    if found is None:
        for cells in doc.rows[:5]:  # a title written in the table's first row
            title_in_table = next((t for c in cells if (t := match_title(flat(c)))), None)
            if title_in_table:
                break
    if found is None and title_in_table is None:
        raise PlanError(
            f"{doc.source_name or '文件'}：未找到“××××年度绩效目标考评表”表格标题"
            "（如“泉州市教育局2025年度绩效目标考评表”），无法确定单位和年度；请确认上传的是方案附件中的考评表"
        )
    if found is not None:
        title_idx, title = found
        prose = "\n".join(doc.lines[:title_idx])
    else:
        title, prose = title_in_table, "\n".join(doc.lines)  # type: ignore[assignment]
    year = title.year
    checks: list[Check] = []
    raw, subtotals, ctxs, ctx = _read_rows(doc, checks)
    if not raw:
        raise PlanError(
            f"{doc.source_name or '文件'}（{doc.kind}）：考评表中没有找到任何年度工作目标（编号如 1-1-1），"
            "请确认表格包含“编号、年度工作目标、分值”等列"
        )
    targets, suggestions = _targets(raw, ctxs, year, checks)
    plan = Plan(
        unit=title.unit,
        year=year,
        title=title.text,
        targets=_fill_indicator_points(targets),
        source_name=doc.source_name,
        calendar=parse_calendar(prose),
        groups=[GroupInfo(g, p) for g, p in ctx.groups.items()],
        stated_total=next((v for label, v, end in reversed(subtotals) if end == len(raw) and _is_total(label)), None),
        suggested_milestones=suggestions,
    )
    if not title.unit:
        checks.append(Check("单位", "标题", "单位名称", "缺失", False, f"表格标题“{title.text}”中没有单位名称"))
    plan.checks = checks + validate(plan, prose=prose, subtotals=subtotals, label_points=ctx.label_points)
    return plan


def check_size(doc: TableDoc) -> None:
    """Refuse a table no real plan has: more than MAX_ROWS rows, a row of more than MAX_COLUMNS
    cells, or a cell of more than MAX_CELL_CHARS characters (named by its row and cell), before
    any of it is read."""
    name = doc.source_name or "文件"
    if len(doc.rows) > MAX_ROWS:
        raise PlanError(f"{name}：考评表有 {len(doc.rows):,} 行，超过 {MAX_ROWS:,} 行的上限，不像正常的方案")
    for row_no, cells in enumerate(doc.rows, start=1):
        if len(cells) > MAX_COLUMNS:
            raise PlanError(
                f"{name}：考评表第{row_no}行有 {len(cells):,} 个单元格，超过 {MAX_COLUMNS} 个的上限，不像正常的方案"
            )
        for n, cell in enumerate(cells, start=1):
            if len(cell or "") > MAX_CELL_CHARS:
                raise PlanError(
                    f"{name}：考评表第{row_no}行第{n}个单元格有 {len(cell):,} 个字，"
                    f"超过 {MAX_CELL_CHARS:,} 字的上限，不像正常的方案"
                )


def _is_total(label: str) -> bool:
    return any(k in label for k in ("合计", "总分", "得分", "总计"))


RowContext = tuple[str, str | None, str | None, float | None]  # group, category, heading, heading points


def _read_rows(
    doc: TableDoc, checks: list[Check]
) -> tuple[list[RawRow], list[tuple[str, float, int]], list[RowContext], _Context]:
    raw: list[RawRow] = []
    subtotals: list[tuple[str, float, int]] = []
    ctxs: list[RowContext] = []
    ctx = _Context()
    columns: dict[str, int] = {}
    grid = doc.grid if doc.grid is not None else None
    rows = merge_fragments(doc.rows) if grid is None else doc.rows
    for row_no, cells in enumerate(rows, start=1):
        gridded = grid[row_no - 1] if grid is not None else cells
        if not columns and not raw:
            columns = header_map(gridded)
            if columns:
                continue
        r = split_by_header(gridded, columns, row_no) if columns and "code" in columns else None
        if r is None:
            r = split_positional(cells, row_no)
        if r is None:
            sub = _subtotal(cells)
            filled = [flat(c) for c in cells if flat(c)]
            if sub is not None:
                subtotals.append((sub[0], sub[1], len(raw)))
            elif not raw and not any(code_of(c) for c in cells):
                # Above the first target: a title, a note, or labels of the first group.
                labels = [f for f in filled if not match_title(f) and not ATTACHMENT_RE.match(f)]
                _apply_labels(ctx, [(i, len(labels), f) for i, f in enumerate(labels)])
            elif len(filled) == 1 and classify_label(filled[0], 0, 1)[0] in ("group", "category"):
                _apply_labels(ctx, [(0, 1, filled[0])])  # a group's label written across the table
            elif filled:
                text = " | ".join(filled)
                checks.append(
                    Check(
                        "表格行",
                        f"第{row_no}行",
                        "目标行或小计行",
                        "无法识别",
                        False,
                        f"考评表第{row_no}行无法识别，已跳过：{text[:60]}",
                    )
                )
            continue
        _apply_labels(ctx, r.labels)
        ctxs.append((ctx.group or "", ctx.category, ctx.heading, ctx.heading_points))
        if ctx.group is not None:
            ctx.groups.setdefault(ctx.group, None)
        raw.append(r)
    for _, grp, pts in ctx.label_points:
        if ctx.groups.get(grp) is None:
            ctx.groups[grp] = pts
    return raw, subtotals, ctxs, ctx


def _apply_labels(ctx: _Context, labels: list[tuple[int, int, str]]) -> None:
    """Move the reading context along the label cells of a row."""
    row_group = None
    for position, count, label in labels:
        kind, cat, grp, pts = classify_label(label, position, count)
        if kind == "points":
            ctx.pending_points = pts
        elif kind == "category":
            ctx.category, ctx.group, ctx.heading, ctx.heading_points = cat, grp, None, None
            row_group = grp
            if pts is not None:
                ctx.label_points.append(("group", grp, pts))  # type: ignore[arg-type]
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


def _targets(
    raw: list[RawRow],
    ctxs: list[RowContext],
    year: int,
    checks: list[Check],
) -> tuple[list[Target], dict[str, tuple[date, ...]]]:
    names, ambiguous = split_names([(items(r.persons), items(r.sections)) for r in raw])
    leaders, uncertain_leaders = split_leaders([items(r.leaders) for r in raw])
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
    suggestions: dict[str, tuple[date, ...]] = {}
    indicator_titles: dict[str, tuple[str, float | None, str]] = {}
    for i, r in enumerate(raw):
        grp, cat, head, head_pts = ctxs[i]
        if not grp:
            grp = "未分组"
            checks.append(
                Check("目标组", r.code, "表格中的类别标签", "缺失", False, f"{r.code} 前没有类别标签，归入“{grp}”")
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
        elif len(parts) == 3 and "-".join(parts[:2]) in indicator_titles:
            # the indicator's cell runs down from an earlier row (a copied table drops it)
            ind_code = "-".join(parts[:2])
            title_, ind_pts, note = indicator_titles[ind_code]
        elif head is None or head == grp:
            ind_code = r.code
            title_, ind_pts, note = (head or grp), head_pts, ""
        else:
            ind_code = parts[0]
            title_, ind_pts, note = head, head_pts, ""
        if cat is None or cat == grp:
            cat = grp
        read = read_deadline(r.deadline, year)
        deadline = read.date or date(year, 12, 31)
        if read.date is None:
            shown = r.deadline.strip() or "空"
            checks.append(
                Check(
                    "完成时限",
                    r.code,
                    "可识别的时限",
                    shown,
                    False,
                    f"{r.code} 的完成时限“{shown}”无法识别，按年底（{deadline}）处理，请核对"
                    if r.deadline.strip()
                    else f"{r.code} 没有填写完成时限，按年底（{deadline}）处理，请核对",
                )
            )
        elif not read.certain:
            checks.append(Check("完成时限", r.code, "确定的时限", r.deadline.strip(), False, f"{r.code}：{read.note}"))
        if read.earlier:
            suggestions[r.code] = read.earlier
        secs = tuple(items(r.sections))
        pers = names[i]
        if not secs:
            checks.append(Check("责任科室", r.code, "至少一个", "无", False, f"{r.code} 没有填写责任科室"))
        if not pers:
            checks.append(Check("责任人", r.code, "至少一人", "无", False, f"{r.code} 没有填写责任人"))
        elif len(pers) != len(secs):
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
                points=float(r.points),
                deadline=deadline,
                sections=secs,
                persons=pers,
                leaders=leaders[i],
            )
        )
    return targets, suggestions


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
