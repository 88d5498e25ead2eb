"""A 考评表 with a header row, read by its columns (perfdash.plan.mapping) into the rows the table
reader turns into targets: label cells left of the code column and a 类别 column move the group
along as in the Quanzhou layout; headings give groups and indicators (perfdash.plan.structure);
codes are generated where the table has none of the 1-1-1 kind, and each such reading is said in
a check, so that nothing is read differently in silence."""

from __future__ import annotations

from collections import defaultdict

from perfdash.plan import structure as st
from perfdash.plan.cells import flat, split_indicator
from perfdash.plan.labels import LabelContext, apply_labels, classify_label, subtotal
from perfdash.plan.mapping import FIELDS, Mapping
from perfdash.plan.model import Check, fmt_num
from perfdash.plan.rows import RawRow, RowContext, TableDoc


def _rows(doc: TableDoc, mapping: Mapping) -> tuple[list[st.Row], list[list[str]]]:
    """The rows under the header, each with its fields' texts. A copied table (no grid) leaves out
    the cells merged from the left, so a short row is aligned on the right."""
    table = doc.grid if doc.grid is not None else [list(r) for r in doc.rows]
    width = max((len(r) for r in table), default=0)
    start = max(mapping.header_rows, default=0)
    rows, texts = [], []
    for no, cells in enumerate(table, start=1):
        if no <= start:
            continue  # the header, and a title above it
        if doc.grid is None and len(cells) < width:
            cells = [""] * (width - len(cells)) + list(cells)
        merged = {mapping.columns[c] for c in mapping.columns if (no - 1, c) in doc.merged}
        rows.append(st.Row(no, doc.where(no), st.row_values(cells, mapping), merged))
        texts.append([c or "" for c in cells])
    return rows, texts


def read_by_columns(
    doc: TableDoc, mapping: Mapping, checks: list[Check]
) -> tuple[list[RawRow], list[tuple[str, float, int]], list[RowContext], LabelContext, dict[int, str]]:
    """(target rows, subtotals, each target's context, the reading context, each row's role)."""
    rows, texts = _rows(doc, mapping)
    st.classify(rows, mapping, texts)
    targets = [r for r in rows if r.role == "target"]
    for r in targets:
        if not (flat(r.values.get("target", "")) or flat(r.values.get("standard", ""))):
            r.role = "skip"
            checks.append(
                Check(
                    "年度工作目标",
                    r.where,
                    "目标文字",
                    "空",
                    False,
                    f"考评表{r.where}有分值 {fmt_num(r.points)}，但“{FIELDS['target']}”列是空的，已跳过；"
                    "如该行是目标，请在“列的对应”中指定目标文字所在的列",
                )
            )
    exact = st.levels(rows)
    st.build_tree(rows)  # a row with rows under it is a heading, whatever its points column says
    exact = exact or _all_multi(rows)
    if not exact and any(r.code and r.code[0] == "multi" for r in rows if r.role == "target"):
        # a table of 1-1-1 codes with a few rows without one: those rows are named, not renumbered
        for r in rows:
            if r.role == "target" and (r.code is None or r.code[0] != "multi" or len(r.code[1]) not in (2, 3)):
                r.role = "skip"
                checks.append(
                    Check(
                        "编号",
                        r.where,
                        "1-1-1 式编号",
                        r.code_text or "无",
                        False,
                        f"考评表{r.where}的编号“{r.code_text or '空'}”不是 1-1-1 式，该行未导入："
                        f"{flat(r.values.get('target', ''))[:30]}",
                    )
                )
        exact = True
    codes = {} if exact else st.generated_codes(rows)
    if codes and mapping.column_of("indicator") is not None:
        codes = _by_indicator(rows, codes)
    label_cols = _label_columns(mapping)
    own = _own_indicators(rows) if exact else set()
    ctx = LabelContext()
    raw: list[RawRow] = []
    subtotals: list[tuple[str, float, int]] = []
    ctxs: list[RowContext] = []
    roles: dict[int, str] = {}
    heads: set[int] = set()  # headings whose points go through the labels' check
    indicators: dict[str, tuple[str, float | None, str] | None] = {}
    for row, cells in zip(rows, texts, strict=True):
        roles[row.no] = row.role
        labels = [
            (i, len(label_cols), flat(cells[c]))
            for i, c in enumerate(label_cols)
            if c < len(cells) and flat(cells[c]) and (row.no - 1, c) not in doc.merged
        ]
        group_cell = flat(row.values.get("group", ""))
        if group_cell and "group" not in row.merged:
            labels.insert(0, (0, 2, group_cell))  # a 类别 column names a group, with or without points
        if row.role in ("subtotal", "total"):
            sub = subtotal(cells)
            if sub is not None:
                subtotals.append((sub[0], sub[1], len(raw)))
            continue
        if row.role == "skip":
            continue
        if row.role == "heading":
            if row.parent is None and not labels:
                text = row.title + (f"（{fmt_num(row.points)}分）" if row.points is not None else "")
                kind = classify_label(text, 0, 1)[0]
                if kind in ("group", "category"):
                    apply_labels(ctx, [(0, 1, text)])
                    heads.add(row.no)
                else:
                    ctx.group = ctx.category = None
            else:
                apply_labels(ctx, labels)
            continue
        apply_labels(ctx, labels)
        raw.append(_raw(row, codes, exact, own, ctx, set(indicators)))
        if mapping.column_of("indicator") is not None:
            # an indicator cell merged down (or left empty) under the first target of its indicator
            if flat(row.values.get("indicator", "")):
                indicators[raw[-1].indicator_code or ""] = raw[-1].indicator
            elif raw[-1].indicator_code in indicators:
                raw[-1].indicator = indicators[raw[-1].indicator_code or ""]
        ctxs.append(raw[-1].context)  # type: ignore[arg-type]
        if raw[-1].context and raw[-1].context[0]:
            ctx.groups.setdefault(raw[-1].context[0], None)
    for kind, grp, pts in ctx.label_points:
        if kind == "group" and ctx.groups.get(grp) is None:
            ctx.groups[grp] = pts
    checks.extend(c for c in st.level_checks(rows) if not _is_indicator_or_group(c, rows, heads))
    if codes:
        generated = [codes[r.no] for r in rows if r.role == "target"]
        checks.append(
            Check(
                "编号",
                "考评表",
                "1-1-1 式编号",
                "无",
                False,
                f"考评表没有 1-1-1 式的编号，已按表格的层级生成编号 {generated[0]}–{generated[-1]}"
                "（原编号保留在每项目标的来源中），请核对",
            )
        )
    return raw, subtotals, ctxs, ctx, roles


def _all_multi(rows: list[st.Row]) -> bool:
    """Whether, the headings known, every target has a code of the 1-1-1 kind."""
    targets = [r for r in rows if r.role == "target"]
    return bool(targets) and all(r.code and r.code[0] == "multi" and len(r.code[1]) in (2, 3) for r in targets)


def _label_columns(mapping: Mapping) -> list[int]:
    """Columns left of the code (or the first target field) that no field claims: rotated labels
    of groups and categories, as in the Quanzhou layout."""
    code = mapping.column_of("code")
    if code is None:
        code = min((c for c, f in mapping.columns.items() if f in ("target", "standard", "points")), default=0)
    return [c for c in range(code) if c not in mapping.columns]


def _own_indicators(rows: list[st.Row]) -> set[int]:
    """Rows of two-part codes whose indicator cells give different titles under one prefix
    (7-1 精神文明, 7-2 平安建设 …): each is its own indicator."""
    titles: dict[int, set[str]] = defaultdict(set)
    for r in rows:
        if r.role == "target" and r.code and len(r.code[1]) == 2 and flat(r.values.get("indicator", "")):
            titles[r.code[1][0]].add(split_indicator(r.values["indicator"])[0])
    return {
        r.no for r in rows if r.role == "target" and r.code and len(r.code[1]) == 2 and len(titles[r.code[1][0]]) > 1
    }


def _raw(row: st.Row, codes: dict[int, str], exact: bool, own: set[int], ctx: LabelContext, known: set[str]) -> RawRow:
    """A target row as the table reader takes it; ``known``: indicator codes read so far."""
    chain = st.chain(row)
    qz_group, qz_category = st.group_of([h.title for h in chain])
    group = ctx.group or qz_group or (chain[0].title if chain else "")
    category = qz_category or ctx.category or group
    code = "-".join(str(n) for n in row.code[1]) if exact and row.code else codes[row.no]
    parts = code.split("-")
    indicator_cell = row.values.get("indicator", "")
    labelled = bool(ctx.heading) and ctx.heading != group  # an indicator written in a label column
    if indicator_cell.strip():
        indicator: tuple[str, float | None, str] | None = split_indicator(indicator_cell)
    elif labelled:
        indicator = (ctx.heading or "", ctx.heading_points, "")
    elif row.parent is not None and (not exact or _numbers(row.parent) == tuple(int(p) for p in parts[:-1])):
        indicator = (row.parent.title, row.parent.points, "")  # "1.1 指标" over 1.1.1, or a heading over 序号
    else:
        indicator = None
    parent_code = row.parent.code[1] if row.parent is not None and row.parent.code else None
    if len(parts) == 3:
        indicator_code = "-".join(parts[:2])
    elif not exact:
        indicator_code = "-".join(parts[:-1]) if row.parent is not None else code
    elif row.no in own:
        indicator_code = code
    elif indicator_cell.strip() or labelled or parts[0] in known or parent_code == (int(parts[0]),):
        # 4-1 with its indicator cell, 4-2 … 4-7 under it (merged down), or under a heading "4"
        indicator_code = parts[0]
    else:
        indicator_code = code  # 7-1 under a group label, no indicator cell: an indicator of its own
    target = row.values.get("target", "") or row.values.get("standard", "")
    return RawRow(
        code=code,
        labels=[],
        indicator_cell=None,
        target=target,
        points=str(fmt_num(row.points or 0)),
        deadline=row.values.get("deadline", ""),
        sections=row.values.get("sections", ""),
        persons=row.values.get("persons", ""),
        leaders=row.values.get("leaders", ""),
        row_no=row.no,
        co_sections=row.values.get("co_sections", ""),
        standard=row.values.get("standard", "") if row.values.get("target") else "",
        context=(group, category, ctx.heading, ctx.heading_points),
        indicator_code=indicator_code,
        indicator=indicator,
        where=row.where,
        # a generated code keeps the numbering it stands for, ancestors included: 二、（一）1
        code_source=row.code_text if exact else _numbering(chain, row),
        merged=frozenset(row.merged),
    )


def _by_indicator(rows: list[st.Row], codes: dict[int, str]) -> dict[int, str]:
    """Generated codes where an indicator column (its cell merged down) is the level between the
    top heading and the targets: top-indicator-k, each indicator numbered within its top heading,
    so that the targets of one indicator cell share one indicator."""
    out = dict(codes)
    number: dict[tuple[str, str], int] = {}
    indicators: dict[str, int] = defaultdict(int)
    targets: dict[tuple[str, str], int] = defaultdict(int)
    for r in rows:
        title = split_indicator(r.values.get("indicator", ""))[0] if r.role == "target" else ""
        ancestors = st.chain(r)
        if not title or len(ancestors) > 1:  # a heading under the top one is the indicator already
            continue
        top = codes[r.no].split("-")[0] if ancestors else "1"
        if (top, title) not in number:
            indicators[top] += 1
            number[(top, title)] = indicators[top]
        targets[(top, title)] += 1
        out[r.no] = f"{top}-{number[(top, title)]}-{targets[(top, title)]}"
    return out


def _numbers(row: st.Row) -> tuple[int, ...]:
    """A heading's number path when it is numbered like the 1-1-1 codes under it ('1.1', '4')."""
    return row.code[1] if row.code and row.code[0] in ("multi", "num") else ()


def _numbering(chain: list[st.Row], row: st.Row) -> str:
    """The numbering a generated code stands for: 二、（一）1; a letter code (E1) already holds its
    parent's letter."""
    parts = [h.code_text for h in chain if h.code_text and not row.code_text.startswith(h.code_text)]
    return "".join(parts) + row.code_text


def _is_indicator_or_group(check: Check, rows: list[st.Row], heads: set[int]) -> bool:
    """Whether a level check repeats one the plan's own checks make (a target's direct parent is
    its indicator, checked as 指标分值; a group heading goes through the labels' check)."""
    for r in rows:
        if r.role == "heading" and (r.code_text + r.title)[:20] == check.subject:
            return r.no in heads or any(c.role == "target" for c in r.children)
    return False
