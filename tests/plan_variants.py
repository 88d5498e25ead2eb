"""Word (.docx) variants of the bureau's real 2025 考评表, built from the hand-checked targets
(tests/data/expected_targets_2025.json) in layouts other bureaus use: header synonyms, a table
split over two Word tables, two header rows, 1 / 1.1 / 1.1.1 codes, 一、/（一）/1. numbering
without codes, merged cells, tracked changes, filled indicator cells, unusual deadline phrases,
小计 and 合计 rows. Each builder returns the file's bytes; tests/test_plan_variants.py pins them."""

from __future__ import annotations

import calendar
import io
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

from docx import Document
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

EXPECTED: list[dict] = json.loads(
    (Path(__file__).parent / "data" / "expected_targets_2025.json").read_text(encoding="utf-8")
)
TITLE = "泉州市教育局2025年度绩效目标考评表"
STANDARD = "完成得满分，未完成酌情扣分"
SPLIT_AFTER = 21  # the split variant's first table holds this many targets
# tracked_changes: this target's number was revised; the old one is kept as a deletion.
TRACKED_CODE = "1-1-3"
TRACKED_BEFORE, TRACKED_INSERTED = "完善校园交通安全体系，完成我市", "473"
TRACKED_DELETED = "450"
# deadline_phrases: targets whose 完成时限 is written in a phrase the reader cannot read for certain.
DEADLINE_PHRASES: dict[str, str] = {"1-3-3": "9月上旬前", "1-2-2": "6月至12月", "2-1-1": "9月起", "4-3": "全年"}

SYNONYM_HEADER = ("序号", "考核指标", "考核内容", "评分标准", "分值", "责任科室", "完成时限", "责任人", "分管领导")

Cell = list  # [text, columns spanned, w:vMerge: "restart" | "continue" | None]
Record = tuple[list[str], list[str | None]] | str  # a target row's (texts, merge keys), or a label


def num(x: float) -> str:
    return f"{x:g}"


def deadline_text(iso: str) -> str:
    """'2025-12-31' → '12月底前' (every 2025 deadline is a month's last day)."""
    day = date.fromisoformat(iso)
    if day.day != calendar.monthrange(day.year, day.month)[1]:
        raise ValueError(f"{iso} is not a month end: write another phrase for it")
    return f"{day.month}月底前"


def points_by(key: str) -> dict[str, float]:
    """The targets' points summed by ``key`` (group, category), in document order."""
    out: dict[str, float] = {}
    for t in EXPECTED:
        out[t[key]] = out.get(t[key], 0) + t["points"]
    return out


def indicator_cell(t: dict) -> str:
    """The indicator as the published table writes it: title（N分）（source note）."""
    note = f"（{t['source_note']}）" if t["source_note"] else ""
    return f"{t['indicator']}（{num(t['indicator_points'])}分）{note}"


def labels(targets: list[dict]) -> list[tuple[str, object]]:
    """The targets in order with the label rows before them: ("group", "职能工作（70分）") when the
    group changes, ("category", "重点工作目标（61分）") when the category changes inside a group of
    several categories; ("target", t) for each target."""
    gp, cp = points_by("group"), points_by("category")
    several = {g for g in gp if len({t["category"] for t in EXPECTED if t["group"] == g}) > 1}
    out: list[tuple[str, object]] = []
    group = category = None
    for t in targets:
        if t["group"] != group:
            out.append(("group", f"{t['group']}（{num(gp[t['group']])}分）"))
            group, category = t["group"], None
        if t["group"] in several and t["category"] != category:
            out.append(("category", f"{t['category']}（{num(cp[t['category']])}分）"))
        category = t["category"]
        out.append(("target", t))
    return out


# ---------------------------------------------------------------------------
# Word tables


def _tc(text: str, span: int, merge: str | None):
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
    for line in text.split("\n"):
        p = OxmlElement("w:p")
        if line:
            p.append(_run(line))
        tc.append(p)
    return tc


def _run(text: str, tag: str = "w:t"):
    r = OxmlElement("w:r")
    t = OxmlElement(tag)
    t.set(qn("xml:space"), "preserve")
    t.text = text
    r.append(t)
    return r


def add_table(document, rows: list[list[Cell]]):
    """A Word table of ``rows`` of cells [text, span, vMerge], with a w:tblGrid as wide as the
    widest row."""
    width = max(sum(c[1] for c in row) for row in rows)
    table = document.add_table(rows=0, cols=width)
    for row in rows:
        tr = OxmlElement("w:tr")
        for text, span, merge in row:
            tr.append(_tc(text, span, merge))
        table._tbl.append(tr)
    return table._tbl


def merge_down(rows: list[Record], width: int) -> list[list[Cell]]:
    """Rows of cells from records: a label (str) spans the table; a target row is (texts, keys):
    where a column's key equals the key of the row above (label rows break runs), the cell
    continues the vertical merge started above it (text in the run's first cell only)."""
    out: list[list[Cell]] = []
    starts: dict[int, tuple[Cell, str]] = {}
    for rec in rows:
        if isinstance(rec, str):
            out.append([[rec, width, None]])
            starts = {}
            continue
        texts, keys = rec
        row: list[Cell] = []
        for col, (text, key) in enumerate(zip(texts, keys, strict=True)):
            run = starts.get(col)
            if key is not None and run is not None and run[1] == key:
                run[0][2] = "restart"
                row.append(["", 1, "continue"])
                continue
            cell: Cell = [text, 1, None]
            row.append(cell)
            if key is None:
                starts.pop(col, None)
            else:
                starts[col] = (cell, key)
        out.append(row)
    return out


def save(paragraphs_and_tables: list[object]) -> bytes:
    """A Word file: 附件, the title, then each item — a list of rows (a table) or "PAGE" (a page
    break paragraph)."""
    document = Document()
    document.add_paragraph("附件")
    document.add_paragraph(TITLE)
    for item in paragraphs_and_tables:
        if item == "PAGE":
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        else:
            add_table(document, item)  # type: ignore[arg-type]
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------------------
# The synonyms layout and those built on it


def synonym_rows(
    targets: list[dict],
    merged: tuple[str, ...] = (),
    deadlines: dict[str, str] | None = None,
    subtotals: bool = False,
) -> list[list[Cell]]:
    """序号 | 考核指标 | 考核内容 | 评分标准 | 分值 | 责任科室 | 完成时限 | 责任人 | 分管领导 under
    label rows; the indicator merged down from its first target. ``merged``: columns (sections,
    deadline, leaders) whose runs of equal values are merged too; ``subtotals``: a 小计 row after
    each group and a 合计 row at the end."""
    deadlines = deadlines or {}
    gp = points_by("group")
    records: list[Record] = []
    for kind, item in labels(targets):
        if kind != "target":
            records.append(item)  # type: ignore[arg-type]
            continue
        t: dict = item  # type: ignore[assignment]
        values = {
            "sections": "\n".join(t["sections"]),
            "deadline": deadlines.get(t["code"], deadline_text(t["deadline"])),
            "leaders": "\n".join(t["leaders"]),
        }
        texts = [t["code"], indicator_cell(t), t["target"], STANDARD, num(t["points"]), values["sections"]]
        texts += [values["deadline"], "、".join(t["persons"]), values["leaders"]]
        keys: list[str | None] = [None, t["indicator_code"], *[None] * 7]
        for key, col in (("sections", 5), ("deadline", 6), ("leaders", 8)):
            if key in merged:
                keys[col] = values[key]
        records.append((texts, keys))
    width = len(SYNONYM_HEADER)
    if not subtotals:
        return merge_down(records, width)
    rows: list[list[Cell]] = []
    blocks: list[list] = []  # a 小计 row closes each group: the records split at the group labels
    for rec in records:
        if isinstance(rec, str) and rec.split("（")[0] in gp:
            blocks.append([])
        blocks[-1].append(rec)
    for block, points in zip(blocks, gp.values(), strict=True):
        rows += [*merge_down(block, width), [["小计", 4, None], [num(points), 1, None], ["", width - 5, None]]]
    return [*rows, [["合计", 4, None], [num(sum(gp.values())), 1, None], ["", width - 5, None]]]


def cells(*texts: str) -> list[Cell]:
    """A row's cells of one column each, none merged."""
    return [[text, 1, None] for text in texts]


def plain_row(number: str, t: dict) -> list[Cell]:
    """A target in the 7-column layouts: number | target | points | deadline | sections | persons | leaders."""
    lists = ("\n".join(t["sections"]), "、".join(t["persons"]), "\n".join(t["leaders"]))
    return cells(number, t["target"], num(t["points"]), deadline_text(t["deadline"]), *lists)


def synonyms() -> bytes:
    return save([[cells(*SYNONYM_HEADER), *synonym_rows(EXPECTED)]])


def split() -> bytes:
    """The synonyms layout as two Word tables (the second repeats the header row), a page break
    between them, after the SPLIT_AFTER-th target."""
    body = synonym_rows(EXPECTED)
    seen, cut = 0, len(body)
    for i, row in enumerate(body):
        if len(row) > 1:
            seen += 1
            if seen == SPLIT_AFTER:
                cut = i + 1
                break
    return save([[cells(*SYNONYM_HEADER), *body[:cut]], "PAGE", [cells(*SYNONYM_HEADER), *body[cut:]]])


def merged_cells() -> bytes:
    """Runs of consecutive targets with the same 责任科室, 完成时限 or 分管领导 merged down."""
    rows = synonym_rows(EXPECTED, merged=("sections", "deadline", "leaders"))
    return save([[cells(*SYNONYM_HEADER), *rows]])


def deadline_phrases() -> bytes:
    rows = synonym_rows(EXPECTED, deadlines=DEADLINE_PHRASES)
    return save([[cells(*SYNONYM_HEADER), *rows]])


def subtotals_and_total() -> bytes:
    return save([[cells(*SYNONYM_HEADER), *synonym_rows(EXPECTED, subtotals=True)]])


def tracked_changes() -> bytes:
    """TRACKED_CODE's text: TRACKED_DELETED deleted (w:del / w:delText) and TRACKED_INSERTED
    inserted (w:ins) in its place, as Word records a revision with track changes on."""
    document = Document(io.BytesIO(synonyms()))
    text = next(t["target"] for t in EXPECTED if t["code"] == TRACKED_CODE)
    head = TRACKED_BEFORE + TRACKED_INSERTED
    assert text.startswith(head), text
    tc = next(
        tc for tc in document.element.body.iter(qn("w:tc")) if "".join(t.text or "" for t in tc.iter(qn("w:t"))) == text
    )
    p = tc.find(qn("w:p"))
    for r in p.findall(qn("w:r")):
        p.remove(r)
    p.append(_run(TRACKED_BEFORE))
    changes = (("w:del", _run(TRACKED_DELETED, "w:delText")), ("w:ins", _run(TRACKED_INSERTED)))
    for n, (tag, run) in enumerate(changes, start=1):
        change = OxmlElement(tag)
        for key, value in (("w:id", str(n)), ("w:author", "绩效办"), ("w:date", "2025-03-01T09:00:00Z")):
            change.set(qn(key), value)
        change.append(run)
        p.append(change)
    p.append(_run(text[len(head) :]))
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------------------
# Other layouts


def two_header_rows() -> bytes:
    """编号 | 一级指标 | 年度工作目标 | 分值 | 完成时限 | 责任单位 (牵头科室 | 配合科室) | 责任人 |
    分管领导: two header rows, the other first-row cells merged down into the second."""
    first = [["编号", 1, "restart"], ["一级指标", 1, "restart"], ["年度工作目标", 1, "restart"]]
    first += [["分值", 1, "restart"], ["完成时限", 1, "restart"], ["责任单位", 2, None]]
    first += [["责任人", 1, "restart"], ["分管领导", 1, "restart"]]
    second = [["", 1, "continue"] for _ in range(5)] + [["牵头科室", 1, None], ["配合科室", 1, None]]
    second += [["", 1, "continue"], ["", 1, "continue"]]
    records: list[Record] = []
    for kind, item in labels(EXPECTED):
        if kind != "target":
            records.append(item)  # type: ignore[arg-type]
            continue
        t: dict = item  # type: ignore[assignment]
        texts = [t["code"], indicator_cell(t), t["target"], num(t["points"]), deadline_text(t["deadline"])]
        texts += [t["sections"][0], "、".join(t["sections"][1:]), "\n".join(t["persons"]), "\n".join(t["leaders"])]
        records.append((texts, [None, t["indicator_code"], *[None] * 7]))
    return save([[first, second, *merge_down(records, 9)]])


def seven_indicators() -> bytes:
    """类别 | 一级指标 | 编号 | 年度工作目标 | 分值 | 完成时限 | 责任科室 | 责任人 | 分管领导: the group
    merged down in 类别, each indicator merged down from its first target — except 7-1 … 7-4,
    whose 一级指标 cells are each filled (精神文明, 平安建设, 安全生产, 消防安全)."""
    gp = points_by("group")
    header = ("类别", "一级指标", "编号", "年度工作目标", "分值", "完成时限", "责任科室", "责任人", "分管领导")
    records: list[Record] = []
    for t in EXPECTED:
        own = t["code"] == t["indicator_code"]  # 7-1 … 7-4
        texts = [f"{t['group']}（{num(gp[t['group']])}分）", t["indicator"] if own else indicator_cell(t)]
        texts += [t["code"], t["target"], num(t["points"]), deadline_text(t["deadline"])]
        texts += ["\n".join(t["sections"]), "\n".join(t["persons"]), "\n".join(t["leaders"])]
        keys = [t["group"], None if own else t["indicator_code"], *[None] * 7]
        records.append((texts, keys))
    return save([[cells(*header), *merge_down(records, len(header))]])


def multi_code(code: str) -> str:
    return code.replace("-", ".")


def multi_level() -> bytes:
    """编号 | 工作目标 | 分值 | 完成时限 | 责任科室 | 责任人 | 分管领导 with codes 1 / 1.1 / 1.1.1 from
    the real codes (1-1-1 → 1.1.1; 4-1 → 4.1 under the heading 4): group label rows, headings
    numbered by the code's first part (the category: 1 重点工作目标, 2 常规工作目标; or the indicator:
    4 全面从严治党), indicator headings 1.1, targets; points stated on every level."""
    header = ("编号", "工作目标", "分值", "完成时限", "责任科室", "责任人", "分管领导")
    gp, cp = points_by("group"), points_by("category")
    rows: list[list[Cell]] = [cells(*header)]
    group = top = indicator = None
    for t in EXPECTED:
        parts = t["code"].split("-")
        if t["group"] != group:
            rows.append([[f"{t['group']}（{num(gp[t['group']])}分）", len(header), None]])
            group = t["group"]
        if parts[0] != top and t["code"] != t["indicator_code"]:
            if len(parts) == 3:  # a category heading: 1 重点工作目标
                title, points = t["category"], cp[t["category"]]
            else:  # an indicator heading: 4 全面从严治党
                title, points = t["indicator"], t["indicator_points"]
            rows.append([*cells(parts[0], title, num(points)), ["", 4, None]])
        top = parts[0]
        if len(parts) == 3 and t["indicator_code"] != indicator:
            indicator_row = cells(multi_code(t["indicator_code"]), t["indicator"], num(t["indicator_points"]))
            rows.append([*indicator_row, ["", 4, None]])
        indicator = t["indicator_code"]
        rows.append(plain_row(multi_code(t["code"]), t))
    return save([rows])


CN = "一二三四五六七八九十"


def no_codes_numbering() -> list[str]:
    """Each target's 序号 in the no_codes layout: 1, 2, 3 … within its indicator."""
    out, indicator, n = [], None, 0
    for t in EXPECTED:
        n = n + 1 if t["indicator_code"] == indicator else 1
        indicator = t["indicator_code"]
        out.append(str(n))
    return out


def no_codes() -> bytes:
    """序号 | 工作目标 | 分值 | 完成时限 | 责任科室 | 责任人 | 分管领导 without 1-1-1 codes: headings
    across the table 一、职能工作（70分） / （一）重点工作目标（61分） / 1.<indicator>（5分）, targets
    numbered 1, 2, 3 within their indicator."""
    header = ("序号", "工作目标", "分值", "完成时限", "责任科室", "责任人", "分管领导")
    rows: list[list[Cell]] = [cells(*header)]
    n = {"group": 0, "category": 0, "indicator": 0}
    numbers, indicator = iter(no_codes_numbering()), None
    for kind, item in labels(EXPECTED):
        if kind != "target":
            n[kind] += 1
            n["indicator"], n["category"] = 0, n["category"] if kind == "category" else 0
            text = f"{CN[n['group'] - 1]}、{item}" if kind == "group" else f"（{CN[n['category'] - 1]}）{item}"
            rows.append([[text, len(header), None]])
            continue
        t: dict = item  # type: ignore[assignment]
        if t["indicator_code"] != indicator:
            n["indicator"] += 1
            text = f"{n['indicator']}.{t['indicator']}（{num(t['indicator_points'])}分）"
            rows.append([[text, len(header), None]])
        indicator = t["indicator_code"]
        rows.append(plain_row(next(numbers), t))
    return save([rows])


VARIANTS: dict[str, Callable[[], bytes]] = {
    "synonyms": synonyms,
    "split": split,
    "two_header_rows": two_header_rows,
    "multi_level": multi_level,
    "no_codes": no_codes,
    "merged_cells": merged_cells,
    "tracked_changes": tracked_changes,
    "seven_indicators": seven_indicators,
    "deadline_phrases": deadline_phrases,
    "subtotals_and_total": subtotals_and_total,
}
