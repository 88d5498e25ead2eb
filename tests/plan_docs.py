"""Plan documents built by code: the seed's own cells as a Word table (merged cells written as Word
writes them: w:gridSpan across, w:vMerge down), and documents of other layouts and structures."""

from __future__ import annotations

import io
from collections.abc import Iterable

from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from perfdash.plan.cells import code_of
from perfdash.plan.text import decode, text_document
from tests.fixtures import PLAN_FILE

GRID = 10  # group label, category / heading, code, indicator, target, points, deadline, sections, persons, leaders
LABEL_COLUMNS = {0, 1, 3}  # the columns whose labels run down over several rows


def seed_document():
    """The shipped plan as the table reader sees its text: (lines before the table, rows of cells)."""
    doc = text_document(decode(PLAN_FILE.read_bytes()))
    return doc.lines, doc.rows


def seed_grid(rows: list[list[str]]) -> list[list[tuple[str, int]]]:
    """Each text row placed on the 10-column grid of the published table: (text, columns spanned)."""
    out = []
    for cells in rows:
        k = next((i for i, c in enumerate(cells) if code_of(c)), None)
        if k is None:  # 小计 / 合计: label across the label columns, the number under the targets
            lead, rest = cells[0], cells[1:]
            if lead.strip():  # '绩效目标考评得分' | 100 | …
                row = [(lead, 4), *((c, 1) for c in rest)]
            else:  # '' | '小 计' | 70 | …
                row = [(lead, 1), (rest[0], 3), *((c, 1) for c in rest[1:])]
        else:
            labels, code, after = cells[:k], cells[k], cells[k + 1 :]
            lead = [(labels[0], 2)] if len(labels) == 1 else [(c, 1) for c in labels[-2:]]
            if len(after) >= 7:  # code, indicator, target, …
                row = [*lead, (code, 1), *((c, 1) for c in after)]
            else:  # no indicator cell: the target spans its column
                row = [*lead, (code, 1), (after[0], 2), *((c, 1) for c in after[1:])]
        width = sum(span for _, span in row)
        if width < GRID:
            text, span = row[-1]
            row[-1] = (text, span + GRID - width)
        out.append(row[:GRID] if width > GRID else row)
    return out


def _cell(tr, text: str, span: int, merge: str | None) -> None:
    tc = OxmlElement("w:tc")
    pr = OxmlElement("w:tcPr")
    if span > 1:
        gs = OxmlElement("w:gridSpan")
        gs.set(qn("w:val"), str(span))
        pr.append(gs)
    if merge is not None:
        vm = OxmlElement("w:vMerge")
        if merge == "restart":
            vm.set(qn("w:val"), "restart")
        pr.append(vm)
    tc.append(pr)
    for line in text.split("\n") if text else [""]:
        p = OxmlElement("w:p")
        if line:
            r = OxmlElement("w:r")
            t = OxmlElement("w:t")
            t.set(qn("xml:space"), "preserve")
            t.text = line
            r.append(t)
            p.append(r)
        tc.append(p)
    tr.append(tc)


def word_table(document, grid: list[list[tuple[str, int]]], merge_columns: Iterable[int] = LABEL_COLUMNS) -> None:
    """A table of ``grid`` rows: an empty cell under a label in a merge column continues the merge
    above it (w:vMerge), as Word stores a cell spanning rows."""
    width = max(sum(span for _, span in row) for row in grid)
    table = document.add_table(rows=0, cols=width)
    tbl = table._tbl
    merging: dict[int, bool] = {}
    starts: dict[int, object] = {}
    for row in grid:
        tr = OxmlElement("w:tr")
        column = 0
        for text, span in row:
            merge = None
            if column in merge_columns and span == 1:
                if text == "" and merging.get(column):
                    merge = "continue"
                elif text:
                    merge = "pending"
            _cell(tr, text, span, None if merge == "pending" else merge)
            tc = tr[-1]
            if merge == "pending":
                starts[column] = tc
                merging[column] = True
            elif merge == "continue":
                first = starts[column]
                if first.tcPr.find(qn("w:vMerge")) is None:
                    vm = OxmlElement("w:vMerge")
                    vm.set(qn("w:val"), "restart")
                    first.tcPr.append(vm)
            else:
                for c in range(column, column + span):
                    merging[c] = False
            column += span
        tbl.append(tr)


def docx_bytes(
    lines: list[str],
    rows: list[list[str]],
    title: str | None = None,
    grid: list[list[tuple[str, int]]] | None = None,
    title_in_table: bool = False,
) -> bytes:
    """A Word file: the paragraphs, then (unless ``title_in_table``) the title, then the table."""
    document = Document()
    for line in lines:
        document.add_paragraph(line)
    grid = grid if grid is not None else seed_grid(rows)
    if title and title_in_table:
        grid = [[(title, GRID)], *grid]
    elif title:
        document.add_paragraph(title)
    word_table(document, grid)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def seed_docx(title: str | None = None, **layout) -> bytes:
    """The shipped plan as a Word file, from its own cells (title as published unless given)."""
    lines, rows = seed_document()
    published = lines[-1]
    return docx_bytes(lines[:-1], rows, title or published, **layout)


def header_docx(
    unit: str, year: int, targets: list[dict], group_points: dict[str, float], year_first: bool = False
) -> bytes:
    """A Word 考评表 of another layout: a header row, the group in the first column (merged down),
    the indicator in the second (merged down), then 编号 | 年度工作目标 | 分值 | 完成时限 | 责任科室 |
    责任人 | 分管领导; a 合计 row."""
    header = ["类别", "一级指标", "编号", "年度工作目标", "分值", "完成时限", "责任科室", "责任人", "分管领导"]
    grid: list[list[tuple[str, int]]] = [[(h, 1) for h in header]]
    prev_group = prev_ind = None
    for t in targets:
        group = f"{t['group']}（{group_points[t['group']]:g}分）" if t["group"] != prev_group else ""
        ind = t["indicator"] if t["indicator_code"] != prev_ind else ""
        grid.append(
            [
                (group, 1),
                (ind, 1),
                (t["code"], 1),
                (t["target"], 1),
                (f"{t['points']:g}", 1),
                (t["deadline_text"], 1),
                ("\n".join(t["sections"]), 1),
                ("\n".join(t["persons"]), 1),
                ("\n".join(t["leaders"]), 1),
            ]
        )
        prev_group, prev_ind = t["group"], t["indicator_code"]
    grid.append([("合计", 4), (f"{sum(t['points'] for t in targets):g}", 1), ("", 4)])
    title = f"{year}年度{unit}绩效目标考评表" if year_first else f"{unit}{year}年度绩效目标考评表"
    document = Document()
    document.add_paragraph(f"附件：{unit}{year}年度绩效目标考评表")  # the prose's attachment line
    document.add_paragraph(title)
    word_table(document, grid, merge_columns={0, 1})
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def thousand_point_targets() -> list[dict]:
    """A plan of another bureau: 1000 points in three groups of its own names."""
    groups = {"党的建设": 200, "业务工作": 600, "基础管理": 200}
    targets = []
    specs = [
        (
            "党的建设",
            "1-1",
            "全面从严治党",
            [("1-1-1", 120, "落实党建工作责任制。"), ("1-1-2", 80, "开展清廉机关建设。")],
        ),
        (
            "业务工作",
            "2-1",
            "教育事业发展",
            [("2-1-1", 300, "新增公办学位3000个。"), ("2-1-2", 150, "完成义务教育质量监测。")],
        ),
        ("业务工作", "2-2", "教师队伍建设", [("2-2-1", 150, "培训骨干教师500名。")]),
        ("基础管理", "3-1", "机关运行", [("3-1-1", 100, "按时完成预算执行。"), ("3-1-2", 100, "办理信访事项。")]),
    ]
    deadlines = ["6月30日前", "12月底前", "第三季度", "12月底前", "下半年", "12月底前", "12月底前"]
    n = 0
    for group, ind_code, ind, rows in specs:
        for code, points, text in rows:
            targets.append(
                {
                    "group": group,
                    "indicator_code": ind_code,
                    "indicator": ind,
                    "code": code,
                    "target": text,
                    "points": points,
                    "deadline_text": deadlines[n],
                    "sections": ["办公室"] if n % 2 else ["业务科", "办公室"],
                    "persons": ["王一"] if n % 2 else ["李二", "王一"],
                    "leaders": ["赵三"],
                }
            )
            n += 1
    return [dict(t, group_points=groups[t["group"]]) for t in targets]


THOUSAND_GROUPS = {"党的建设": 200.0, "业务工作": 600.0, "基础管理": 200.0}
