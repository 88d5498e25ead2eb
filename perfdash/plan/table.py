"""The 考评表 as rows of cells, whatever the file it came in (Word, its text export, a table copied
from a web page): finding the title, the columns, the labels of groups and indicators, the
subtotals, and each target row; then the Plan with its checks. What a single cell says (the
title line, a code, a list of names, an indicator's points) is read by perfdash.plan.cells."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date

from perfdash.plan.by_columns import read_by_columns
from perfdash.plan.cells import (
    ATTACHMENT_RE,
    code_of,
    find_title,
    flat,
    items,
    match_title,
    sections_of,
    split_indicator,
)
from perfdash.plan.checks import validate
from perfdash.plan.deadlines import read_deadline
from perfdash.plan.labels import LabelContext, apply_labels, classify_label, subtotal
from perfdash.plan.mapping import Mapping, guess
from perfdash.plan.model import FIELD_NAMES, Check, GroupInfo, Plan, PlanError, TableView, Target, num
from perfdash.plan.names import split_leaders, split_names
from perfdash.plan.rows import MAX_CELL_CHARS as MAX_CELL_CHARS  # the readers of each format import these here
from perfdash.plan.rows import MAX_COLUMNS as MAX_COLUMNS
from perfdash.plan.rows import MAX_ROWS as MAX_ROWS
from perfdash.plan.rows import (
    RawRow,
    RowContext,
    TableDoc,
    check_size,
    merge_fragments,
    split_positional,
    target_text,
)
from perfdash.plan.timetable import parse_calendar

# ---------------------------------------------------------------------------
# The table → a Plan


def read_table(doc: TableDoc, mapping: Mapping | None = None, remembered: Mapping | None = None) -> Plan:
    """A plan from its document: title (unit and year, in either order), the prose before the
    table (its claims and the 实施步骤 timetable), and every target row, with the checks. The
    columns are read as ``mapping`` says, else as guessed from the header row (a ``remembered``
    mapping of the unit decides the columns whose header it knows); a table without a header row
    is read by position, in the order of the Quanzhou layout."""
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
    table = doc.grid if doc.grid is not None else [list(r) for r in doc.rows]
    if mapping is None:
        mapping = guess(table, remembered)
    roles: dict[int, str] = {}
    if mapping.positional:
        raw, subtotals, ctxs, ctx = _read_rows(doc, checks)
        roles = ctx.roles
    else:
        raw, subtotals, ctxs, ctx, roles = read_by_columns(doc, mapping, checks)
    if not raw:
        raise PlanError(
            f"{doc.source_name or '文件'}（{doc.kind}）：考评表中没有找到任何年度工作目标。"
            + (
                "表格没有可识别的表头，且没有 1-1-1 式的编号；请在表格第一行写上列名（编号、年度工作目标、分值、"
                "完成时限、责任科室、责任人、分管领导），或上传后在“列的对应”中指定每列的含义"
                if mapping.positional
                else "读到的表头：" + "；".join(mapping.describe()) + "。请在“列的对应”中指定年度工作目标和分值所在的列"
            )
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
        table=table_view(doc, table, mapping, roles),
    )
    if not title.unit:
        checks.append(Check("单位", "标题", "单位名称", "缺失", False, f"表格标题“{title.text}”中没有单位名称"))
    plan.checks = checks + validate(plan, prose=prose, subtotals=subtotals, label_points=ctx.label_points)
    return plan


def _is_total(label: str) -> bool:
    return any(k in label for k in ("合计", "总分", "得分", "总计"))


def _read_rows(
    doc: TableDoc, checks: list[Check]
) -> tuple[list[RawRow], list[tuple[str, float, int]], list[RowContext], LabelContext]:
    raw: list[RawRow] = []
    subtotals: list[tuple[str, float, int]] = []
    ctxs: list[RowContext] = []
    ctx = LabelContext()
    rows = merge_fragments(doc.rows) if doc.grid is None else doc.rows
    for row_no, cells in enumerate(rows, start=1):
        r = split_positional(cells, row_no)
        if r is None:
            sub = subtotal(cells)
            filled = [flat(c) for c in cells if flat(c)]
            if sub is not None:
                subtotals.append((sub[0], sub[1], len(raw)))
                ctx.roles[row_no] = "subtotal"
            elif not raw and not any(code_of(c) for c in cells):
                # Above the first target: a title, a note, or labels of the first group.
                labels = [f for f in filled if not match_title(f) and not ATTACHMENT_RE.match(f)]
                apply_labels(ctx, [(i, len(labels), f) for i, f in enumerate(labels)])
                ctx.roles[row_no] = "heading" if labels else "skip"
            elif len(filled) == 1 and classify_label(filled[0], 0, 1)[0] in ("group", "category"):
                apply_labels(ctx, [(0, 1, filled[0])])  # a group's label written across the table
                ctx.roles[row_no] = "heading"
            elif filled:
                text = " | ".join(filled)
                checks.append(
                    Check(
                        "表格行",
                        doc.where(row_no),
                        "目标行或小计行",
                        "无法识别",
                        False,
                        f"考评表{doc.where(row_no)}无法识别，已跳过：{text[:60]}",
                    )
                )
            continue
        apply_labels(ctx, r.labels)
        ctx.roles[row_no] = "target"
        ctxs.append((ctx.group or "", ctx.category, ctx.heading, ctx.heading_points))
        if ctx.group is not None:
            ctx.groups.setdefault(ctx.group, None)
        raw.append(r)
    for kind, grp, pts in ctx.label_points:
        if kind == "group" and ctx.groups.get(grp) is None:
            ctx.groups[grp] = pts
    return raw, subtotals, ctxs, ctx


def _targets(
    raw: list[RawRow],
    ctxs: list[RowContext],
    year: int,
    checks: list[Check],
) -> tuple[list[Target], dict[str, tuple[date, ...]]]:
    names, ambiguous = split_names(
        [(items(r.persons), list(dict.fromkeys([*sections_of(r.sections), *sections_of(r.co_sections)]))) for r in raw]
    )
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
    own_indicator = _own_indicators(raw)
    indicator_titles: dict[str, tuple[str, float | None, str]] = {}
    for i, r in enumerate(raw):
        grp, cat, head, head_pts = ctxs[i]
        if not grp:
            grp = "未分组"
            checks.append(
                Check("目标组", r.code, "表格中的类别标签", "缺失", False, f"{r.code} 前没有类别标签，归入“{grp}”")
            )
        parts = r.code.split("-")
        if r.indicator_code is not None:  # read by columns: the table's structure says
            ind_code = r.indicator_code
            title_, ind_pts, note = r.indicator or ("", None, "")
            if not title_:  # no indicator of its own: named after its group, worth its targets' sum
                title_, ind_pts, note = (head or grp), None, ""
        elif r.indicator_cell is not None and len(parts) == 2 and r.code in own_indicator:
            ind_code = r.code  # 7-1 … 7-4, each with an indicator of its own (精神文明, 平安建设 …)
            title_, ind_pts, note = split_indicator(r.indicator_cell)
            indicator_titles[parts[0]] = (title_, ind_pts, note)
        elif r.indicator_cell is not None:
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
        secs = tuple(dict.fromkeys([*sections_of(r.sections), *sections_of(r.co_sections)]))
        pers = names[i]
        if not secs:
            checks.append(Check("责任科室", r.code, "至少一个", "无", False, f"{r.code} 没有填写责任科室"))
        checks.extend(_misplaced(r.code, year, (("责任科室", secs), ("责任人", names[i]), ("分管领导", leaders[i]))))
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
                target=target_text(r.target),
                points=float(r.points),
                deadline=deadline,
                sections=secs,
                persons=pers,
                leaders=leaders[i],
                standard=target_text(r.standard),
                sources=_sources(r),
            )
        )
    return targets, suggestions


NAME_RE = re.compile(r"^[\u4e00-\u9fff·（）()]{1,20}$")


def _misplaced(code: str, year: int, fields: tuple[tuple[str, tuple[str, ...]], ...]) -> list[Check]:
    """A name field holding what is not a name (a deadline, a number, a sentence): the column was
    probably read as the wrong field. Said per target and field, never stored in silence."""
    out = []
    for label, values in fields:
        odd = [v for v in values if not NAME_RE.match(v) or read_deadline(v, year).date is not None]
        if odd:
            out.append(
                Check(
                    label,
                    code,
                    "科室或人名",
                    "、".join(odd)[:40],
                    False,
                    f"{code} 的{label}“{'、'.join(odd)[:40]}”不像科室或人名，请核对列的对应",
                )
            )
    return out


def _own_indicators(raw: list[RawRow]) -> set[str]:
    """Two-part codes whose rows fill the indicator cell with different titles under one prefix
    (7-1 精神文明, 7-2 平安建设 …): each is an indicator of its own, not one indicator "7". A
    title written once and merged down (4-1 … 4-7) is one indicator."""
    titles: dict[str, set[str]] = defaultdict(set)
    for r in raw:
        parts = r.code.split("-")
        if len(parts) == 2 and r.indicator_cell and r.indicator_cell.strip():
            titles[parts[0]].add(split_indicator(r.indicator_cell)[0])
    return {r.code for r in raw if len(p := r.code.split("-")) == 2 and len(titles.get(p[0], ())) > 1}


def _sources(r: RawRow) -> tuple[tuple[str, str], ...]:
    """The phrase each value of a row was read from, and where the row is."""
    co = r.co_sections.strip()
    out = [
        ("row", r.where or f"第{r.row_no}行"),
        ("code", r.code_source or r.code),
        ("points", r.points),
        ("deadline", r.deadline.strip()),
        ("sections", r.sections.strip() + (f"；配合：{co}" if co else "")),
        ("persons", r.persons.strip()),
        ("leaders", r.leaders.strip()),
    ]
    if r.merged:
        out.append(("merged", "、".join(FIELD_NAMES.get(k, k) for k in sorted(r.merged))))
    return tuple((k, v) for k, v in out if v)


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


def table_view(doc: TableDoc, table: list[list[str | None]], mapping: Mapping, roles: dict[int, str]) -> TableView:
    """The table as read, with each row's role (see TableView)."""
    header = set(mapping.header_rows)
    return TableView(
        rows=[[flat(c or "")[:60] for c in cells] for cells in table],
        where=[doc.where(n) for n in range(1, len(table) + 1)],
        roles=["header" if n in header else roles.get(n, "") for n in range(1, len(table) + 1)],
        mapping_json=mapping.as_json(),
        mapping_lines=mapping.describe(),
        positional=mapping.positional,
        columns=[
            (c, mapping.headers.get(c, ""), mapping.columns.get(c, ""), mapping.reasons.get(c, ""))
            for c in range(max((len(r) for r in table), default=0))
        ],
    )
